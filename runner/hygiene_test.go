package runner

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// failingZImagefile has a stage that builds and a stage that copies from
// it and then fails at line 14.
const failingZImagefile = `version: "1"
stages:
  deps:
    base: localhost/busybox:latest
    steps:
      - run: echo dep > /dep.txt
  app:
    base: localhost/busybox:latest
    steps:
      - copy: /dep.txt
        from: deps
        to: /dep.txt
      - run: echo fine
      - run: |
          echo about to fail
          exit 4
      - run: echo never
`

// TestFailingRunLeavesNothing checks that a RUN failing after another
// stage was committed reports the ZImagefile's line and leaves no
// container, image or mount behind.
func TestFailingRunLeavesNothing(t *testing.T) {
	s := buildahtest.Shared(t)
	before := s.Images(t)
	if len(before) == 0 {
		t.Fatal("buildah images lists not even the base image")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"ZImagefile": failingZImagefile})
	bf, err := FindBuildFile(dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := Load(bf)
	if err != nil {
		t.Fatal(err)
	}
	_, rec, err := runBuild(t, s, dir, p, Options{Jobs: 2})
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a StepError\n%s", err, rec.output())
	}
	if se.File != filepath.Join(dir, "ZImagefile") || se.Range.Start.Line != 14 || se.ExitCode() != 4 {
		t.Errorf("failure at %s:%d with exit code %d, want %s:14 with 4", se.File, se.Range.Start.Line, se.ExitCode(), filepath.Join(dir, "ZImagefile"))
	}
	if strings.Contains(rec.output(), "never") {
		t.Error("the step after the failing one ran")
	}
	for _, l := range s.Leftovers(t, before) {
		t.Errorf("left behind after the failure: %s", l)
	}
}

// TestCancelStopsWithin2s cancels a build in the middle of a RUN step of
// its second stage, after the first stage was committed: Build returns
// within 2 s of the cancel (issue 3's bound), the RUN's processes are
// gone and nothing is left in the store.
func TestCancelStopsWithin2s(t *testing.T) {
	s := buildahtest.Shared(t)
	before := s.Images(t)
	if len(before) == 0 {
		t.Fatal("buildah images lists not even the base image")
	}
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM localhost/busybox AS deps\nRUN echo dep > /dep.txt\n\nFROM localhost/busybox\nCOPY --from=deps /dep.txt /\nRUN echo started && sleep 617\n",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	opts := Options{Plan: p, ContextDir: dir, Buildah: s.CLI, Events: func(e Event) {
		if o, ok := e.(Output); ok && o.Line == "started" {
			close(started)
		}
	}}
	done := make(chan error, 1)
	go func() { _, err := Build(ctx, opts); done <- err }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("build ended before its RUN started: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the RUN step did not start")
	}
	time.Sleep(200 * time.Millisecond)
	cancelled := time.Now()
	cancel()
	buildahtest.AwaitCanceled(t, done)
	took := time.Since(cancelled)
	if took >= 2*time.Second {
		t.Errorf("Build returned %v after the cancel, want less than 2s", took)
	}
	t.Logf("Build returned %v after the cancel", took)
	if pids := processesWith("sleep\x00617\x00"); len(pids) > 0 {
		t.Errorf("the RUN step's processes survive the cancel: %v", pids)
	}
	for _, l := range s.Leftovers(t, before) {
		t.Errorf("left behind after the cancel: %s", l)
	}
}

// processesWith returns the IDs of the processes whose NUL-separated
// command line contains cmdline.
func processesWith(cmdline string) []string {
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []string
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), cmdline) {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}

// TestCancelDuringFromLeavesNothing cancels a build while `buildah from`
// is still running after it made the container (as a provisional watch
// build may be cancelled at any point): the container is removed all the
// same.
func TestCancelDuringFromLeavesNothing(t *testing.T) {
	s := buildahtest.Shared(t)
	before := s.Images(t)
	real, err := exec.LookPath("buildah")
	if err != nil {
		t.Fatal(err)
	}
	slowFrom := filepath.Join(t.TempDir(), "buildah")
	script := "#!/bin/sh\n" + real + " \"$@\"\nrc=$?\ncase \" $* \" in *\" from \"*) sleep 30;; esac\nexit $rc\n"
	if err := os.WriteFile(slowFrom, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cli := *s.CLI
	cli.Path = slowFrom
	dir, p := loadDockerfile(t, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo never\n"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := Build(ctx, Options{Plan: p, ContextDir: dir, Buildah: &cli}); done <- err }()
	deadline := time.Now().Add(time.Minute)
	for len(s.Containers(t)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("buildah from made no container")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	buildahtest.AwaitCanceled(t, done)
	for _, l := range s.Leftovers(t, before) {
		t.Errorf("left behind after a cancel during buildah from: %s", l)
	}
}
