package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestBuildCacheFlagsAndPrune(t *testing.T) {
	s := buildahtest.NewStore(t)
	store := []string{"--root", s.CLI.Root, "--runroot", s.CLI.RunRoot, "--storage-driver", "overlay"}
	dir := writeContext(t, "FROM localhost/busybox\nRUN echo hello\nRUN echo bye\nLABEL a=b\n")
	build := func(extra ...string) (string, string) {
		t.Helper()
		args := append(append([]string{"build", "--progress", "plain"}, store...), extra...)
		stdout, stderr, code := runCLI(t, append(args, dir)...)
		if code != 0 {
			t.Fatalf("zlayer %s: exit %d\n%s", strings.Join(extra, " "), code, stderr)
		}
		return strings.TrimSpace(stdout), stderr
	}
	first, log := build()
	if strings.Contains(log, "CACHED") {
		t.Errorf("cold build shows CACHED:\n%s", log)
	}
	second, log := build("--cache-ttl", "1h")
	if n := strings.Count(log, "CACHED"); n != 3 || second != first {
		t.Errorf("warm build: %d CACHED steps, image %s (cold %s), want 3 and the same image:\n%s", n, second, first, log)
	}
	if _, log = build("--no-cache"); strings.Contains(log, "CACHED") {
		t.Errorf("--no-cache build shows CACHED:\n%s", log)
	}
	if !regexp.MustCompile(`(?m)^#\d+ \d+\.\d{3} \[stage-0\] hello$`).MatchString(log) {
		t.Errorf("RUN output is not prefixed with the stage name:\n%s", log)
	}
	if _, _, code := runCLI(t, append(append([]string{"build"}, store...), "--cache-ttl", "soon", dir)...); code != 2 {
		t.Errorf("--cache-ttl soon: exit %d, want 2", code)
	}
	if _, _, code := runCLI(t, append([]string{"cache", "prune"}, store...)...); code != 2 {
		t.Errorf("cache prune without --all or --older-than: exit %d, want 2", code)
	}
	out, stderr, code := runCLI(t, append([]string{"cache", "prune", "--older-than", "1d"}, store...)...)
	if code != 0 || out != "removed 0 layer cache images\n" {
		t.Errorf("cache prune --older-than 1d: exit %d, %q %s", code, out, stderr)
	}
	out, stderr, code = runCLI(t, append([]string{"cache", "prune", "--all"}, store...)...)
	if code != 0 || out != "removed 3 layer cache images\n" {
		t.Errorf("cache prune --all: exit %d, %q %s", code, out, stderr)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "36h": 36 * time.Hour, "7d": 7 * 24 * time.Hour, "0": 0} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-1h", "1.5d", "d"} {
		if _, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) did not fail", in)
		}
	}
}
