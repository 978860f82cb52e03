package zimage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
)

// handOnly are rules the JSON Schema cannot express: YAML-level problems
// that decoding hides (syntax, several documents, duplicate and merge keys)
// and checks across values or of a value's YAML text.
var handOnly = map[string]bool{
	"ZI001": true, "ZI002": true, "ZI005": true, "ZI009": true,
	"ZI201": true, "ZI202": true, "ZI210": true, "ZI213": true, "ZI214": true,
}

// badFiles are small files with one problem each, next to the rule
// fixtures, for the agreement test.
var badFiles = map[string]string{
	"version":          "version: 2\nbase: a\n",
	"version-float":    "version: 1.5\nbase: a\n",
	"no-mode":          "env: {A: b}\n",
	"two-modes":        "base: a\nstages: {x: {base: b}}\n",
	"runtime-unknown":  "runtime: perl\n",
	"top-unknown":      "base: a\ntarget: x\n",
	"stage-unknown":    "stages: {x: {base: a, from: b}}\n",
	"step-unknown":     "base: a\nsteps: [{run: x, shell: y}]\n",
	"cache-unknown":    "base: a\nsteps: [{run: x, cache: [{target: /c, size: 1}]}]\n",
	"hc-unknown":       "base: a\nhealthcheck: {cmd: x, start_interval: 1s}\n",
	"wasm-unknown":     "wasm: {target: preview2, profile: x}\n",
	"cache-no-target":  "base: a\nsteps: [{run: x, cache: [{id: y}]}]\n",
	"hc-no-cmd":        "base: a\nhealthcheck: {interval: 1s}\n",
	"root-list":        "- base: a\n",
	"root-string":      "just text\n",
	"env-list":         "base: a\nenv: [A]\n",
	"env-value-map":    "base: a\nenv: {A: {b: c}}\n",
	"labels-list":      "base: a\nlabels: [x]\n",
	"user-list":        "base: a\nuser: [x]\n",
	"run-number":       "base: a\nsteps: [{run: 1}]\n",
	"run-item-bool":    "base: a\nsteps: [{run: [echo, true]}]\n",
	"cmd-map":          "base: a\ncmd: {a: b}\n",
	"entrypoint-num":   "base: a\nentrypoint: 3\n",
	"copy-num":         "base: a\nsteps: [{copy: 1, to: /x}]\n",
	"volumes-string":   "base: a\nvolumes: /data\n",
	"stages-list":      "stages: [a]\n",
	"stage-string":     "stages: {x: alpine}\n",
	"steps-map":        "base: a\nsteps: {run: x}\n",
	"step-string":      "base: a\nsteps: [echo]\n",
	"cache-map":        "base: a\nsteps: [{run: x, cache: {target: /c}}]\n",
	"readonly-string":  "base: a\nsteps: [{run: x, cache: [{target: /c, readonly: yes}]}]\n",
	"expose-string":    "base: a\nexpose: \"80\"\n",
	"expose-item-list": "base: a\nexpose: [[80]]\n",
	"expose-float":     "base: a\nexpose: 80.5\n",
	"build-number":     "build: 3\n",
	"build-list":       "build: [a]\n",
	"retries-string":   "base: a\nhealthcheck: {cmd: x, retries: many}\n",
	"retries-negative": "base: a\nhealthcheck: {cmd: x, retries: -1}\n",
	"port-big":         "base: a\nexpose: 65536\n",
	"port-item-big":    "base: a\nexpose: [1, 99999]\n",
	"os":               "base: a\nos: macos\n",
	"stage-none":       "stages: {x: {workdir: /}}\n",
	"stage-both":       "stages: {x: {base: a, build: b}}\n",
	"step-none":        "base: a\nsteps: [{to: /x}]\n",
	"step-two":         "base: a\nsteps: [{run: x, user: y}]\n",
	"step-env-copy":    "base: a\nsteps: [{copy: x, to: /y, env: {A: b}}]\n",
	"copy-no-to":       "base: a\nsteps: [{copy: x}]\n",
	"cache-on-copy":    "base: a\nsteps: [{copy: x, to: /y, cache: [{target: /c}]}]\n",
	"from-on-run":      "base: a\nsteps: [{run: x, from: b}]\n",
	"owner-on-env":     "base: a\nsteps: [{env: {A: b}, owner: root}]\n",
	"chmod-on-user":    "base: a\nsteps: [{user: x, chmod: \"755\"}]\n",
	"wasm-target":      "wasm: {target: preview9}\n",
	"wasm-world":       "wasm: {world: other}\n",
	"wasm-opt":         "wasm: {opt_level: O9}\n",
	"wasm-language":    "wasm: {language: cobol}\n",
	"wasm-oci":         "wasm: {oci: 1}\n",
	"expose-no-proto":  "base: a\nexpose: [\"80\"]\n",
	"expose-bad-port":  "base: a\nexpose: [\"x/tcp\"]\n",
	"expose-proto":     "base: a\nexpose: [\"80/icmp\"]\n",
	"duration":         "base: a\nhealthcheck: {cmd: x, interval: 30}\n",
	"duration-unit":    "base: a\nhealthcheck: {cmd: x, timeout: 3 fortnights}\n",
	"self-ref":         "stages: {x: {base: x}}\n",
	"later-ref":        "stages: {x: {base: y}, y: {base: a}}\n",
	"empty-stages":     "stages: {}\n",
	"sharing":          "base: a\nsteps: [{run: x, cache: [{target: /c, sharing: none}]}]\n",
	"run-empty":        "base: a\nsteps: [{run: \"\"}]\n",
	"run-empty-list":   "base: a\nsteps: [{run: []}]\n",
	"copy-empty":       "base: a\nsteps: [{copy: [], to: /x}]\n",
	"dup-cache":        "base: a\nsteps: [{run: x, cache: [{target: /c}, {target: /c/}]}]\n",
	"chmod":            "base: a\nsteps: [{copy: x, to: /y, chmod: \"999\"}]\n",
	"platform":         "base: a\nplatform: \"linux/\"\n",
	"unterminated":     "base: \"a:${X\"\n",
	"unsupported":      "base: a\nworkdir: \"${X:?}\"\n",
	"var-name":         "base: a\nenv: {\"A B\": c}\n",
	"arg-name":         "base: a\nargs: {\"=\": c}\n",
	"dup-key":          "base: a\nbase: b\n",
	"merge":            "base: a\nenv:\n  <<: {A: b}\n",
	"syntax":           "base: a\nenv: [\n",
	"two-docs":         "base: a\n---\nbase: b\n",
	"build-both":       "build: {context: a, workdir: b}\n",
}

// TestSchemaAgrees checks that the JSON Schema and the hand-written rules
// never disagree about a file: whatever the schema rejects, the rules
// reject, and whatever the rules reject (except for rules the schema
// cannot express), the schema rejects. Warnings do not count.
func TestSchemaAgrees(t *testing.T) {
	files := map[string][]byte{}
	for name, src := range badFiles {
		files["bad/"+name] = []byte(src)
	}
	paths, _ := filepath.Glob("testdata/rules/*.zimagefile")
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = src
	}
	for name, src := range files {
		f := parse(name, src) // keeps the go-yaml tree schemaErrors reads
		var hand, expressible []string
		for _, d := range f.Diagnostics {
			if d.Severity != diag.Error || d.Code == "ZI000" {
				continue
			}
			hand = append(hand, d.Code)
			if !handOnly[d.Code] {
				expressible = append(expressible, d.Code)
			}
		}
		schemaErrs := f.schemaErrors()
		switch {
		case len(schemaErrs) > 0 && len(hand) == 0:
			t.Errorf("%s: the schema rejects it (%v) but the rules accept it", name, schemaErrs)
		case len(expressible) > 0 && len(schemaErrs) == 0 && !hasOverflowDuration(f):
			t.Errorf("%s: the rules reject it (%v) but the schema accepts it", name, expressible)
		}
		for _, d := range f.Diagnostics {
			if d.Code == "ZI000" {
				t.Errorf("%s: a schema error no rule reports: %s", name, d.Message)
			}
		}
	}
}

// hasOverflowDuration reports durations that only parsing can reject
// (values below a nanosecond, or too large): the schema checks the syntax.
func hasOverflowDuration(f *File) bool {
	for _, d := range f.Diagnostics {
		if d.Code == "ZI120" && strings.Contains(d.Message, "too large") {
			return true
		}
	}
	return false
}
