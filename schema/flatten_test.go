package schema

import (
	"os"
	"path/filepath"
	"testing"
)

// accepts reports the verdicts of the schema as written and of its
// flattened form, which Validate asks first.
func accepts(s *Schema, doc any) (full, flat bool) {
	if doc == nil {
		doc = map[string]any{}
	}
	v := normalize(doc)
	return s.compiled.Validate(v) == nil, s.invalid.Validate(v) != nil
}

// TestFlatSchemaAgrees checks that inlining definitions changed no
// verdict: on documents with every combination of step keys, on the valid
// files, and on invalid documents that reach every definition.
func TestFlatSchemaAgrees(t *testing.T) {
	s := load(t)
	docs := stepDocs()
	files, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.zimagefile"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	docs = append(docs,
		"", "[a]", "base: x\nbuild: y", "base: ~", "stages: ~", "wasm: ~", "runtime: nodejs", "version: 2",
		"base: x\nenv: {\"A B\": c}", "base: x\nenv: {A: [b]}", "base: x\nlabels: {a: {b: c}}",
		"base: x\nexpose: [80, \"81/udp\", \"x\"]", "base: x\nexpose: 70000", "base: x\nvolumes: [1]",
		"base: x\nhealthcheck: {cmd: x, interval: 5x, retries: -1}", "base: x\nhealthcheck: {interval: 5s}",
		"base: x\nplatform: linux/amd64/v8/x", "base: x\nos: mac", "base: x\nuser: [a]", "base: x\nstopsignal: {}",
		"base: x\nentrypoint: [1]", "base: x\ncmd: {a: b}", "base: x\nargs: {\"\": a}", "base: x\nshell: sh",
		"build: {context: 1, file: [x], args: {A: b}}", "build: {contxt: x}", "build: \"\"",
		"stages: {a: {base: x, steps: [{run: x, cache: [{target: /c, sharing: y, readonly: 1}]}]}}",
		"stages: {a: {base: x, steps: [{run: x, cache: [{id: x}]}]}}", "stages: {a: {base: x, build: y}}",
		"stages: {a: {}}", "stages: {a: [b]}", "stages: {}",
		"base: x\nsteps: [{copy: [], to: a}]", "base: x\nsteps: [{copy: \"\", to: a}]", "base: x\nsteps: [{run: \"\"}]",
		"base: x\nsteps: [{run: []}]", "base: x\nsteps: [{add: [1], to: a}]", "base: x\nsteps: [{copy: a, to: b, chmod: 999}]",
		"base: x\nsteps: [{copy: a, to: b, chmod: \"0x1\"}]", "base: x\nsteps: [{env: {A B: c}}]", "base: x\nsteps: [a]",
		"wasm: {target: p3, optimize: x, features: [1], pre_build: [[1]], build_args: {A: [b]}, oci: 1}",
		"wasm: {language: cobol, world: w, opt_level: O9}", "wasm: [a]", "runtime: node\nbase: x",
		"base: .nan", "base: x\nsteps: [{run: .inf}]", "base: x\nsteps: [{workdir: .nan, run: x}]",
	)
	for _, src := range docs {
		full, flat := accepts(s, decode(t, src))
		if full != flat {
			t.Errorf("%q: the schema accepts it: %v; its flattened form: %v", src, full, flat)
		}
	}
}
