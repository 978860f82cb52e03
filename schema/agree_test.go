package schema_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/schema"
	"github.com/zlayer/zlayer/zimage"
)

// TestAgreesWithHandWrittenRules checks the promise that the schema and
// the ZImagefile parser's hand-written rules never disagree silently: a
// document one rejects, the other rejects too.
func TestAgreesWithHandWrittenRules(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	valid, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.zimagefile"))
	for _, path := range valid {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if hand := handErrors(src); len(hand) > 0 {
			t.Errorf("%s: the schema accepts it, the hand-written rules say %q", path, hand)
		}
	}
	for _, src := range invalidDocs {
		hand := handErrors([]byte(src))
		sch := s.Validate(decode(t, src))
		switch {
		case len(hand) == 0:
			t.Errorf("%q: the schema says %v, the hand-written rules accept it", src, sch)
		case len(sch) == 0:
			t.Errorf("%q: the hand-written rules say %q, the schema accepts it", src, hand)
		}
	}
	// What the schema cannot see: the YAML text of a value, and checks
	// across values. The hand-written rules must reject these alone.
	for _, src := range schemaBlind {
		if hand := handErrors([]byte(src)); len(hand) == 0 {
			t.Errorf("%q: the hand-written rules accept it", src)
		}
		if sch := s.Validate(decode(t, src)); len(sch) != 0 {
			t.Logf("%q: the schema now sees it too: %v", src, sch)
		}
	}
}

// handErrors returns the errors of the hand-written rules, leaving out the
// schema's own (ZI000).
func handErrors(src []byte) []string {
	var out []string
	for _, d := range zimage.Parse("ZImagefile", src).Diagnostics {
		if d.Severity == diag.Error && d.Code != "ZI000" {
			out = append(out, d.Code+" "+d.Message)
		}
	}
	return out
}

func decode(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("bad test YAML %q: %v", src, err)
	}
	return v
}

var invalidDocs = []string{
	"", "env: {A: b}", "base: ~\nbuild: ~", "base: a\nbuild: b", "runtime: wasm\nwasm: {}", "[a]",
	"base: x\nshell: sh", "base: x\nversion: 2", "base: x\nversion: \"1.0\"", "runtime: nod22", "runtime: 22",
	"base: x\nos: Linux", "base: x\nplatform: linux/amd64/v8/x", "base: x\nuser: [a]", "base: [x]",
	"base: x\ncmd: {a: b}", "base: x\ncmd: [sleep, 10]", "base: x\ncmd: [~]", "build: 5",
	"build: {context: a, workdir: b}", "base: x\nenv: {\"A=B\": x}", "base: x\nargs: {\"A B\": 1}",
	"base: x\nenv: {A: [1]}", "base: x\nlabels: [a]", "base: x\nvolumes: /data",
	"base: x\nexpose: \"8080\"", "base: x\nexpose: 70000", "base: x\nexpose: [-1]", "base: x\nexpose: [~]",
	"base: x\nexpose: [\"53\"]", "base: x\nexpose: [\"80/foo\"]", "base: x\nexpose: [\"65536/tcp\"]",
	"base: x\nhealthcheck: {interval: 30s}", "base: x\nhealthcheck: {cmd: ~}", "base: x\nhealthcheck: {}",
	"base: x\nhealthcheck: {cmd: x, interval: 30}", "base: x\nhealthcheck: {cmd: x, timeout: 5 secs ago}",
	"base: x\nhealthcheck: {cmd: x, retries: -1}", "base: x\nhealthcheck: {cmd: x, start_interval: 1s}",
	"base: x\nhealthcheck: {cmd: x, retries: \"3\"}", "base: x\nhealthcheck: {cmd: x, interval: true}",
	"stages: {}", "stages: ~", "base: x\nstages: ~", "base: x\nwasm: ~", "stages: {app: ~}",
	"stages: {app: {steps: []}}", "stages: {app: {base: a, build: b}}", "stages: {app: {base: a, runtime: node22}}",
	"stages: {a: {base: [x]}}",
	"base: x\nsteps: \"run: x\"", "base: x\nsteps: [run x]", "base: x\nsteps: [~]", "base: x\nsteps: [{to: /x}]",
	"base: x\nsteps: [{run: ~}]", "base: x\nsteps: [{run: a, copy: b, to: c}]", "base: x\nsteps: [{run: a, copy: b}]",
	"base: x\nsteps: [{copy: a, env: {A: b}, to: c}]", "base: x\nsteps: [{copy: a}]", "base: x\nsteps: [{add: b, to: ~}]",
	"base: x\nsteps: [{copy: a, to: [b]}]", "base: x\nsteps: [{user: [u]}]",
	"base: x\nsteps: [{run: a, from: b}]", "base: x\nsteps: [{env: {A: b}, owner: c}]",
	"base: x\nsteps: [{workdir: /a, cache: [{target: /x}]}]", "base: x\nsteps: [{run: \"\"}]", "base: x\nsteps: [{run: []}]",
	"base: x\nsteps: [{copy: [], to: x}]", "base: x\nsteps: [{add: \"\", to: x}]", "base: x\nsteps: [{copy: 5, to: x}]",
	"base: x\nsteps: [{copy: a, to: b, chmod: \"999\"}]", "base: x\nsteps: [{copy: a, to: b, chmod: 99999}]",
	"base: x\nsteps: [{run: a, cache: [{id: a}]}]", "base: x\nsteps: [{run: a, cache: [{target: /b, sharing: lockd}]}]",
	"base: x\nsteps: [{run: a, cache: [{target: /b, readonly: yes}]}]", "base: x\nsteps: [{run: a, cache: /x}]",
	"wasm: {target: p3}", "wasm: {world: x}", "wasm: {language: java}", "wasm: {opt_level: O9}",
	"wasm: {optimize: \"yes\"}", "wasm: {features: a}", "wasm: {pre_build: [[1]]}", "wasm: {extra: 1}", "wasm: [a]",
}

var schemaBlind = []string{
	"base: x\nversion: 1.0",                                           // decodes to the number 1
	"base: x\nexpose: [8080.0]",                                       // decodes to the integer-valued 8080
	"base: x\nsteps: [{copy: a, to: b, chmod: 0x1ff}]",                // YAML text matters, not the number
	"base: x\nhealthcheck: {cmd: x, interval: 1.5ns}",                 // below the precision of a duration
	"base: x\nsteps: [{run: x, cache: [{target: /a}, {target: /a}]}]", // duplicate targets
	"stages: {a: {base: b}, b: {base: x}}",                            // a stage that refers to a later one
}
