package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

func load(t testing.TB) *Schema {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

// decode reads YAML the way the ZImagefile parser hands documents to
// Validate.
func decode(t testing.TB, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("bad test YAML %q: %v", src, err)
	}
	return v
}

func messages(errs []Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.String())
	}
	return out
}

// corpusDir finds the real-world ZImagefiles of ZLayer: $ZLAYER_CORPUS, or
// the shared corpus beside the repository (../shared from its root).
func corpusDir(t *testing.T) string {
	t.Helper()
	for _, dir := range []string{
		os.Getenv("ZLAYER_CORPUS"),
		filepath.Join("..", "..", "shared", "corpus", "zlayer"),
	} {
		if dir == "" {
			continue
		}
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("ZLayer corpus not found; set ZLAYER_CORPUS to its zlayer/ folder")
	}
	t.Skip("ZLayer corpus not found; set ZLAYER_CORPUS to its zlayer/ folder")
	return ""
}

func TestJSON(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(JSON(), &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", doc["$schema"])
	}
	if doc["$id"] != ID {
		t.Errorf("$id = %v, want %s", doc["$id"], ID)
	}
	b := JSON()
	b[0] = 'x'
	if !bytes.HasPrefix(JSON(), []byte("{")) {
		t.Error("changing the slice JSON returned changed the schema")
	}
}

func TestCorpusValidates(t *testing.T) {
	s := load(t)
	dir := corpusDir(t)
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "ZImagefile") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d ZImagefiles in %s", len(files), dir)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if errs := s.Validate(decode(t, string(data))); errs != nil {
			t.Errorf("%s: %q", f, messages(errs))
		}
	}
}

// TestValidFiles checks documents the specification accepts, covering
// every key and the lenient forms of section 1.2.
func TestValidFiles(t *testing.T) {
	s := load(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.zimagefile"))
	if len(files) == 0 {
		t.Fatal("no files in testdata/valid")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if errs := s.Validate(decode(t, string(data))); errs != nil {
			t.Errorf("%s: %q", f, messages(errs))
		}
	}
}

func TestValidateErrors(t *testing.T) {
	s := load(t)
	modes := `"runtime", "wasm", "stages", "base" or "build"`
	actions := `"run", "copy", "add", "env", "workdir" or "user"`
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"empty file", ``, []string{`/: expected exactly one of ` + modes + `, found none`}},
		{"no mode key", `env: {A: b}`, []string{`/: expected exactly one of ` + modes + `, found none`}},
		{"null mode keys", "base: ~\nbuild: ~", []string{`/: expected exactly one of ` + modes + `, found none`}},
		{"base and build", "base: a\nbuild: b", []string{`/build: expected exactly one of ` + modes + `, found "base" and "build"`}},
		{"runtime wasm and wasm", "runtime: wasm\nwasm: {}", []string{`/wasm: expected exactly one of ` + modes + `, found "runtime" and "wasm"`}},
		{"null stages is an empty map", "base: x\nstages: ~", []string{
			`/base: expected exactly one of ` + modes + `, found "stages" and "base"`,
			`/stages: expected a map of stages, got null`,
		}},
		{"null wasm is wasm mode", "base: x\nwasm: ~", []string{`/base: expected exactly one of ` + modes + `, found "wasm" and "base"`}},
		{"root is a list", `[a]`, []string{`/: expected a mapping at the top of the file, got a list`}},
		{"unknown top-level key", "base: x\nshell: sh", []string{`/shell: unknown key "shell"`}},
		{"misspelt top-level key", "base: x\nhealthchek: {cmd: x}", []string{`/healthchek: unknown key "healthchek"; did you mean "healthcheck"?`}},
		{"version", "base: x\nversion: 2", []string{`/version: unsupported version 2, only version "1" is supported`}},
		{"version text", "base: x\nversion: \"1.0\"", []string{`/version: unsupported version "1.0", only version "1" is supported`}},
		{"runtime", "runtime: nod22", []string{`/runtime: unknown runtime "nod22"; use node20, node22, python312, python313, rust, go, deno, bun or wasm`}},
		{"runtime number", "runtime: 22", []string{`/runtime: unknown runtime 22; use node20, node22, python312, python313, rust, go, deno, bun or wasm`}},
		{"os", "base: x\nos: Linux", []string{`/os: unknown operating system "Linux", expected 'linux' or 'windows'`}},
		{"platform", "base: x\nplatform: linux/amd64/v8/x", []string{`/platform: invalid platform "linux/amd64/v8/x": expected '<os>[/<arch>[/<variant>]]', e.g. "linux/amd64"`}},
		{"string position with a list", "base: x\nuser: [a]", []string{`/user: expected a string, got a list`}},
		{"command position with a mapping", "base: x\ncmd: {a: b}", []string{`/cmd: expected a string or a list of strings, got a mapping`}},
		{"number in exec form", "base: x\ncmd: [sleep, 10]", []string{`/cmd/1: expected a string, got a number; quote numbers and booleans in a command list, e.g. "10"`}},
		{"build number", "build: 5", []string{`/build: expected a path string or a mapping, got a number`}},
		{"build context and workdir", "build: {context: a, workdir: b}", []string{`/build: 'context' and 'workdir' are the same setting; give only one of them`}},
		{"env name", "base: x\nenv: {\"A=B\": x, \"\": y}\nargs: {\"A B\": 1}", []string{
			`/args/A B: invalid variable name "A B": a name must not be empty or contain '=' or whitespace`,
			`/env: invalid variable name "": a name must not be empty or contain '=' or whitespace`,
			`/env/A=B: invalid variable name "A=B": a name must not be empty or contain '=' or whitespace`,
		}},
		{"env value list", "base: x\nenv: {A: [1]}", []string{`/env/A: expected a string, got a list`}},
		{"labels list", "base: x\nlabels: [a]", []string{`/labels: expected a map of strings, got a list`}},
		{"volumes string", "base: x\nvolumes: /data", []string{`/volumes: expected a list of strings, got a string`}},
		{"expose string", "base: x\nexpose: \"8080\"", []string{`/expose: expected a port number or a list of port specs, got a string`}},
		{"expose range", "base: x\nexpose: 70000", []string{`/expose: invalid port 70000: expected a port number between 0 and 65535`}},
		{"expose items", "base: x\nexpose: [-1, \"53\", \"80/foo\", \"65536/tcp\", [1]]", []string{
			`/expose/0: invalid port -1: expected a port number between 0 and 65535`,
			`/expose/1: invalid port spec "53": expected "<port>/<protocol>" with a port from 0 to 65535 and protocol tcp, udp or sctp, e.g. "53/udp"`,
			`/expose/2: invalid port spec "80/foo": expected "<port>/<protocol>" with a port from 0 to 65535 and protocol tcp, udp or sctp, e.g. "53/udp"`,
			`/expose/3: invalid port spec "65536/tcp": expected "<port>/<protocol>" with a port from 0 to 65535 and protocol tcp, udp or sctp, e.g. "53/udp"`,
			`/expose/4: expected a port number or a "port/protocol" string, got a list`,
		}},
		{"healthcheck", "base: x\nhealthcheck: {interval: 30, timeout: 5 secs ago, retries: -1, start_interval: 1s}", []string{
			`/healthcheck/cmd: missing required key "cmd"`,
			`/healthcheck/interval: invalid duration 30: add a unit, e.g. "30s"`,
			`/healthcheck/retries: invalid value -1: expected an integer between 0 and 4294967295`,
			`/healthcheck/start_interval: unknown key "start_interval"`,
			`/healthcheck/timeout: invalid duration "5 secs ago": expected numbers with units such as "30s", "1m30s" or "1.5h"`,
		}},
		{"healthcheck types", "base: x\nhealthcheck: {cmd: ~, retries: \"3\", interval: true}", []string{
			`/healthcheck/cmd: expected a string or a list of strings, got null`,
			`/healthcheck/interval: expected a duration such as "30s" or "1m30s", got a boolean`,
			`/healthcheck/retries: expected an integer between 0 and 4294967295, got a string`,
		}},
		{"retries too large", "base: x\nhealthcheck: {cmd: x, retries: 4294967296}", []string{
			`/healthcheck/retries: invalid value 4294967296: expected an integer between 0 and 4294967295`,
		}},
		{"stages empty", "stages: {}", []string{`/stages: 'stages' must contain at least one stage`}},
		{"stage null", "stages: {app: ~}", []string{`/stages/app: expected a mapping, got null`}},
		{"stage without base", "stages: {app: {steps: []}}", []string{`/stages/app: expected exactly one of "base" or "build", found none`}},
		{"stage with both", "stages: {app: {base: a, build: b}}", []string{`/stages/app/build: expected exactly one of "base" or "build", found "base" and "build"`}},
		{"stage unknown key", "stages: {app: {base: a, runtime: node22}}", []string{`/stages/app/runtime: unknown key "runtime"`}},
		{"steps string", "base: x\nsteps: \"run: x\"", []string{`/steps: expected a list of steps, got a string`}},
		{"step string", "base: x\nsteps: [run x]", []string{`/steps/0: expected a mapping, got a string`}},
		{"step without action", "base: x\nsteps: [{to: /x}, {run: ~}]", []string{
			`/steps/0: expected exactly one of ` + actions + `, found none`,
			`/steps/1: expected exactly one of ` + actions + `, found none`,
		}},
		{"step with two actions", "base: x\nsteps: [{run: a, copy: b, to: c}, {run: a, copy: b}, {copy: a, env: {A: b}, to: c}, {run: a, env: {A: b}, user: u}]", []string{
			`/steps/0/copy: expected exactly one of ` + actions + `, found "run" and "copy"`,
			`/steps/1/copy: expected exactly one of ` + actions + `, found "run" and "copy"`,
			`/steps/2/env: expected exactly one of ` + actions + `, found "copy" and "env"`,
			`/steps/3/user: expected exactly one of ` + actions + `, found "run" and "user"`,
		}},
		{"copy without to", "base: x\nsteps: [{copy: a}, {add: b, to: ~}]", []string{
			`/steps/0/to: 'copy' step must have a 'to' field`,
			`/steps/1/to: 'add' step must have a 'to' field`,
		}},
		{"modifiers on run", "base: x\nsteps: [{run: a, from: b, owner: c, chmod: \"755\"}]", []string{
			`/steps/0/chmod: 'chmod' is only valid on 'copy'/'add' steps, not 'run'`,
			`/steps/0/from: 'from' is only valid on 'copy'/'add' steps, not 'run'`,
			`/steps/0/owner: 'owner' is only valid on 'copy'/'add' steps, not 'run'`,
		}},
		{"cache off run", "base: x\nsteps: [{workdir: /a, cache: [{target: /x}]}, {copy: a, to: b, cache: [{target: /x}]}]", []string{
			`/steps/0/cache: 'cache' is only valid on 'run' steps, not 'workdir'`,
			`/steps/1/cache: 'cache' is only valid on 'run' steps, not 'copy'`,
		}},
		{"empty run", "base: x\nsteps: [{run: \"\"}, {run: []}]", []string{
			`/steps/0/run: 'run' command must not be empty`,
			`/steps/1/run: 'run' command must not be empty`,
		}},
		{"empty sources", "base: x\nsteps: [{copy: [], to: x}, {add: \"\", to: x}]", []string{
			`/steps/0/copy: a 'copy' step must have at least one source`,
			`/steps/1/add: a 'add' step must have at least one source`,
		}},
		{"number source", "base: x\nsteps: [{copy: 5, to: x}, {copy: [a, true], to: x}]", []string{
			`/steps/0/copy: expected a string or a list of strings, got a number`,
			`/steps/1/copy/1: expected a string, got a boolean; quote numbers and booleans in a source list`,
		}},
		{"chmod", "base: x\nsteps: [{copy: a, to: b, chmod: \"999\"}, {copy: a, to: b, chmod: 99999}]", []string{
			`/steps/0/chmod: invalid 'chmod' value "999", expected an octal mode such as '755' or '0644'`,
			`/steps/1/chmod: invalid 'chmod' value 99999, expected an octal mode such as '755' or '0644'`,
		}},
		{"misspelt step key", "base: x\nsteps: [{copy: a, to: b, frm: c}]", []string{`/steps/0/frm: unknown key "frm"; did you mean "from"?`}},
		{"cache mounts", "base: x\nsteps: [{run: a, cache: [{id: a}, {target: /b, sharing: lockd, readonly: yes, mode: 1}, /c]}]", []string{
			`/steps/0/cache/0/target: missing required key "target"`,
			`/steps/0/cache/1/mode: unknown key "mode"`,
			`/steps/0/cache/1/readonly: expected a boolean (true or false), got a string`,
			`/steps/0/cache/1/sharing: cache.sharing must be one of "locked", "shared", "private", got "lockd"`,
			`/steps/0/cache/2: expected a mapping, got a string`,
		}},
		{"cache string", "base: x\nsteps: [{run: a, cache: /x}]", []string{`/steps/0/cache: expected a list of cache mounts, got a string`}},
		{"wasm", "wasm: {target: p3, world: x, language: java, opt_level: O9, optimize: \"yes\", features: a, pre_build: [[1]], extra: 1}", []string{
			`/wasm/extra: unknown key "extra"`,
			`/wasm/features: expected a list of strings, got a string`,
			`/wasm/language: wasm.language must be one of "rust", "go", "python", "typescript", "assemblyscript", "c", "zig", got "java"`,
			`/wasm/opt_level: wasm.opt_level must be one of "O", "Os", "Oz", "O2", "O3", got "O9"`,
			`/wasm/optimize: expected a boolean (true or false), got a string`,
			`/wasm/pre_build/0/0: expected a string, got a number; quote numbers and booleans in a command list, e.g. "10"`,
			`/wasm/target: wasm.target must be one of "preview1", "preview2", got "p3"`,
			`/wasm/world: wasm.world must be one of "zlayer-plugin", "zlayer-http-handler", "zlayer-transformer", "zlayer-authenticator", "zlayer-rate-limiter", "zlayer-middleware", "zlayer-router", got "x"`,
		}},
		{"wasm list", "wasm: [a]", []string{`/wasm: expected a mapping, got a list`}},
		// A value JSON has no number for is set (not null) but invalid:
		// its own error only, with its mode or action chosen.
		{"NaN base", "base: .nan", []string{`/base: invalid value NaN: not a finite number`}},
		{"NaN stage build", "stages: {a: {build: .inf}}", []string{`/stages/a/build: invalid value +Inf: not a finite number`}},
		{"NaN run", "base: x\nsteps: [{env: {A: b}, run: .nan}]", []string{`/steps/0/run: invalid value NaN: not a finite number`}},
		{"NaN copy", "base: x\nsteps: [{copy: .nan, to: a}]", []string{`/steps/0/copy: invalid value NaN: not a finite number`}},
		{"NaN destination", "base: x\nsteps: [{copy: a, to: .nan}]", []string{`/steps/0/to: invalid value NaN: not a finite number`}},
		{"NaN second action", "base: x\nsteps: [{workdir: .nan, run: x}]", []string{
			`/steps/0/workdir: expected exactly one of ` + actions + `, found "run" and "workdir"`,
			`/steps/0/workdir: invalid value NaN: not a finite number`,
		}},
		{"errors in every section without a mode", "steps: [{to: x}]\nstages: {a: {base: x, user: [u]}}\nbase: y", []string{
			`/base: expected exactly one of ` + modes + `, found "stages" and "base"`,
			`/stages/a/user: expected a string, got a list`,
			`/steps/0: expected exactly one of ` + actions + `, found none`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := messages(s.Validate(decode(t, tt.src)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate(%q)\n got: %q\nwant: %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	s := load(t)
	tests := []struct {
		src  string
		want Error
	}{
		{"base: x\nsteps: [{copy: a}]", Error{Pointer: []string{"steps", "0"}, Property: "to", Keyword: "required"}},
		{"stages: {app: {base: x, frm: y}}", Error{Pointer: []string{"stages", "app"}, Property: "frm", Keyword: "additionalProperties"}},
		{"base: x\nbuild: y", Error{Pointer: []string{}, Property: "build", Keyword: "oneOf"}},
		{"base: x\nenv: {\"A B\": y}", Error{Pointer: []string{"env"}, Property: "A B", Keyword: "additionalProperties"}},
		{"base: x\nos: mac", Error{Pointer: []string{"os"}, Keyword: "enum"}},
		{"base: x\nexpose: [1, \"2\"]", Error{Pointer: []string{"expose", "1"}, Keyword: "pattern"}},
	}
	for _, tt := range tests {
		errs := s.Validate(decode(t, tt.src))
		if len(errs) != 1 {
			t.Errorf("Validate(%q) = %q, want one error", tt.src, messages(errs))
			continue
		}
		got := errs[0]
		got.Message = ""
		if !slices.Equal(got.Pointer, tt.want.Pointer) || got.Property != tt.want.Property || got.Keyword != tt.want.Keyword {
			t.Errorf("Validate(%q) = %+v, want %+v", tt.src, got, tt.want)
		}
	}
}

// TestValidateOddInput feeds values YAML decoders can produce that JSON
// has no equivalent for.
func TestValidateOddInput(t *testing.T) {
	s := load(t)
	doc := map[string]any{
		"base":  "x",
		"user":  []string{"a"},
		"env":   map[any]any{1: "one", "B": nil},
		"steps": []any{map[string]any{"run": "x", "env": map[string]any{"X": struct{}{}}}},
		"healthcheck": map[string]any{
			"cmd":     "x",
			"retries": uint64(3),
		},
	}
	got := messages(s.Validate(doc))
	want := []string{`/user: expected a string, got a list`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestSchemaText walks the schema JSON: every key is described, every
// definition has a type label, and every regular expression is RE2 and
// comes with a message.
func TestSchemaText(t *testing.T) {
	root, err := parseTree(JSON())
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *node, path string)
	walk = func(n *node, path string) {
		if n == nil {
			return
		}
		for _, m := range n.members {
			p := path + "/" + m.key
			switch m.key {
			case "x-zlayer-message", "examples", "default", "$comment":
				continue // values, not schemas
			case "properties", "patternProperties":
				for _, prop := range m.val.members {
					if d := described(prop.val); d == "" {
						t.Errorf("%s/%s has no description", p, prop.key)
					}
				}
			case "pattern":
				if _, err := regexp.Compile(m.val.str()); err != nil {
					t.Errorf("%s: %v", p, err)
				}
				if hasMessage(n, "pattern") == "" {
					t.Errorf("%s has no x-zlayer-message", p)
				}
			case "enum":
				if hasMessage(n, "enum") == "" {
					t.Errorf("%s has no x-zlayer-message", p)
				}
			}
			if m.key == "patternProperties" {
				for _, prop := range m.val.members {
					if _, err := regexp.Compile(prop.key); err != nil {
						t.Errorf("%s: %v", p, err)
					}
				}
			}
			walk(m.val, p)
		}
		for i, it := range n.items {
			walk(it, path+"/"+string(rune('0'+i)))
		}
	}
	walk(root, "")
	if root.get("title").str() == "" || root.get("description").str() == "" {
		t.Error("the schema has no title or description")
	}
	for _, def := range root.get("$defs").members {
		if def.val.get("title").str() == "" || def.val.get("description").str() == "" {
			t.Errorf("$defs/%s has no title or description", def.key)
		}
	}
}

func described(n *node) string {
	for depth := 0; n != nil && depth < 10; depth++ {
		if d := n.get("description").str(); d != "" {
			return d
		}
		n = n.target
	}
	return ""
}

func hasMessage(n *node, kw string) string {
	em := n.get("x-zlayer-message")
	if s := em.str(); s != "" {
		return s
	}
	return em.get(kw).str()
}

func FuzzValidate(f *testing.F) {
	s, one := load(f), oneOfSchema(f)
	for _, seed := range []string{
		"base: x", "stages: {a: {base: b, steps: [{run: x}]}}", "wasm: {target: x}",
		"base: x\nsteps: [{copy: a, from: [b], cache: {x: 1}}]", "[1, 2]", "~", "base: .inf",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var v any
		if yaml.Unmarshal([]byte(src), &v) != nil {
			return
		}
		errs := s.Validate(v)
		for _, e := range errs {
			if e.Message == "" {
				t.Errorf("empty message for %s", e.Path())
			}
		}
		if full, flat := accepts(s, v); full != flat {
			t.Errorf("the schema accepts it: %v; its flattened form: %v", full, flat)
		}
		if got, want := messages(errs), messages(one.Validate(v)); !slices.Equal(got, want) {
			t.Errorf("the step's anyOf and oneOf disagree:\n anyOf: %q\n oneOf: %q", got, want)
		}
	})
}
