package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// runZlayer runs the build and plan commands with args and returns stdout,
// stderr and the exit code main would use.
func runZlayer(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	root := &cobra.Command{Use: "zlayer", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newBuildCmd(), newPlanCmd())
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetArgs(args)
	code := 0
	if err := root.Execute(); err != nil {
		code = 2
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
	}
	return stdout.String(), stderr.String(), code
}

func writeContext(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlanCommand(t *testing.T) {
	dir := writeContext(t, "FROM localhost/busybox\nRUN echo hi\nENV A=1\n")
	out, stderr, code := runZlayer(t, "plan", "--format", "json", "-t", "localhost/x:1", "--root", "/r", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct{ Commands [][]string }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("plan --format json printed %q: %v", out, err)
	}
	var verbs []string
	for _, argv := range got.Commands {
		if argv[0] != "buildah" || argv[1] != "--root" || argv[2] != "/r" {
			t.Errorf("command %q lacks the global options", argv)
		}
		verbs = append(verbs, argv[3])
	}
	if strings.Join(verbs, " ") != "from run config commit rm" {
		t.Errorf("verbs = %v", verbs)
	}
	text, _, _ := runZlayer(t, "plan", dir)
	if !strings.Contains(text, "buildah run ") || !strings.Contains(text, "'echo hi'") {
		t.Errorf("text plan:\n%s", text)
	}
}

func TestBuildCommandExitCodes(t *testing.T) {
	_, _, code := runZlayer(t, "build", "--format", "tar", writeContext(t, "FROM scratch\n"))
	if code != 2 {
		t.Errorf("bad --format: exit %d, want 2", code)
	}
	if _, _, code := runZlayer(t, "build", t.TempDir()); code != 2 {
		t.Errorf("no build file: exit %d, want 2", code)
	}

	s := buildahtest.NewStore(t)
	store := []string{"--root", s.CLI.Root, "--runroot", s.CLI.RunRoot, "--storage-driver", "overlay"}
	t.Setenv("TMPDIR", s.CLI.TmpDir)
	dir := writeContext(t, "FROM localhost/busybox\nRUN echo building\nRUN echo failing && exit 3\n")
	_, stderr, code := runZlayer(t, append(append([]string{"build", "--progress", "plain"}, store...), dir)...)
	if code != 1 {
		t.Fatalf("failing RUN: exit %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{"Dockerfile:3", ">>> RUN echo failing && exit 3", "failing", "exit code: 3"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("failure report lacks %q:\n%s", want, stderr)
		}
	}

	iid := filepath.Join(t.TempDir(), "iid")
	dir = writeContext(t, "FROM localhost/busybox\nRUN echo ok\n")
	out, stderr, code := runZlayer(t, append(append([]string{"build", "--progress", "json", "--iidfile", iid, "-t", "localhost/cli-test:1"}, store...), dir)...)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last map[string]any
	json.Unmarshal([]byte(lines[len(lines)-1]), &last)
	id, _ := os.ReadFile(iid)
	if last["type"] != "build_done" || "sha256:"+last["image_id"].(string) != string(id) {
		t.Errorf("last event %v, iidfile %q", last, id)
	}
}
