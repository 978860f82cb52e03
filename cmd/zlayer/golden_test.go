package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// reBuildID is the random part of a build's container names.
var reBuildID = regexp.MustCompile(`zlayer-[0-9a-f]{12}`)

// TestGoldenOutput runs `zlayer plan` and `zlayer convert` on ZLayer's two
// example pairs (copied into testdata/golden with the context files they
// copy) and compares what a user sees with golden files. Run
// `go test -update` after checking a change. Absolute paths of this
// directory and the random build ID are replaced by stable text.
func TestGoldenOutput(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"plan-node-zimagefile", []string{"plan", "testdata/golden/node"}},
		{"plan-node-dockerfile-json", []string{"plan", "-f", "testdata/golden/node/Dockerfile", "--format", "json", "testdata/golden/node"}},
		{"plan-rust-zimagefile", []string{"plan", "--build-arg", "RUST_VERSION=1.84", "--format", "docker", "-t", "localhost/app:1", "testdata/golden/rust"}},
		{"plan-rust-dockerfile-target", []string{"plan", "-f", "testdata/golden/rust/Dockerfile", "--target", "builder", "testdata/golden/rust"}},
		{"plan-unknown-target", []string{"plan", "--target", "nosuch", "testdata/golden/rust"}},
		{"convert-node-zimagefile", []string{"convert", "testdata/golden/node/ZImagefile"}},
		{"convert-node-dockerfile", []string{"convert", "testdata/golden/node/Dockerfile"}},
		{"convert-rust-zimagefile", []string{"convert", "testdata/golden/rust/ZImagefile", "--to", "dockerfile"}},
		{"convert-rust-dockerfile", []string{"convert", "testdata/golden/rust/Dockerfile", "--to", "zimagefile"}},
		{"convert-refused", []string{"convert", "testdata/golden/refuse/Dockerfile"}},
		{"convert-bad-target", []string{"convert", "testdata/golden/node/Dockerfile", "--to", "yaml"}},
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.args...)
			got := "$ zlayer " + strings.Join(tt.args, " ") + "\n--- stdout\n" + stdout +
				"--- stderr\n" + stderr + "--- exit " + strconv.Itoa(code) + "\n"
			got = strings.ReplaceAll(got, wd+string(filepath.Separator), "")
			got = reBuildID.ReplaceAllString(got, "zlayer-BUILDID")
			compareGolden(t, filepath.Join("testdata", "golden", tt.golden+".golden"), got)
		})
	}
}

// TestConvertOutputFile checks that -o writes what standard output would
// show, and that the written file converts back to the same plan text.
func TestConvertOutputFile(t *testing.T) {
	// The converted file goes into a copy of the context, so that check
	// finds the files it copies.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/golden/rust")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "converted.zimagefile")
	want, _, code := runCLI(t, "convert", "testdata/golden/rust/Dockerfile")
	if code != 0 {
		t.Fatalf("convert exit %d", code)
	}
	stdout, stderr, code := runCLI(t, "convert", "testdata/golden/rust/Dockerfile", "-o", out)
	if code != 0 || stdout != "" {
		t.Fatalf("convert -o: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	written, err := os.ReadFile(out)
	if err != nil || string(written) != want {
		t.Fatalf("-o wrote %q (%v), standard output shows %q", written, err, want)
	}
	if stdout, stderr, code := runCLI(t, "check", out); code != 0 {
		t.Errorf("the converted ZImagefile does not check clean:\n%s%s", stdout, stderr)
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update after checking):\n%s", path, got)
	}
}
