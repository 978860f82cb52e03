package buildah

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeBuildah writes a shell script standing in for buildah.
func fakeBuildah(t *testing.T, script string) *CLI {
	t.Helper()
	p := filepath.Join(t.TempDir(), "buildah")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return &CLI{Path: p, Grace: 300 * time.Millisecond}
}

func TestRunStreamsLinesAndReportsExit(t *testing.T) {
	cli := fakeBuildah(t, `echo "args: $*"; echo warn >&2; printf 'no newline'; echo "Error: something broke" >&2; exit 7`)
	cli.Root = "/r"
	var lines []string
	out, err := cli.Run(context.Background(), Command{Args: []string{"run", "ctr"}, Output: func(s Stream, l string) {
		lines = append(lines, string(s)+":"+l)
	}})
	if !strings.HasPrefix(string(out), "args: --root /r run ctr") {
		t.Errorf("stdout = %q", out)
	}
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 || ee.Error() != "buildah run: something broke" {
		t.Errorf("err = %v, want exit 7 with buildah's message", err)
	}
	want := []string{"stdout:args: --root /r run ctr", "stderr:warn", "stderr:Error: something broke", "stdout:no newline"}
	for _, w := range want {
		found := false
		for _, l := range lines {
			found = found || l == w
		}
		if !found {
			t.Errorf("line %q not streamed; got %q", w, lines)
		}
	}
}

func TestCancelKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	// The child ignores SIGTERM, as a RUN shell ignoring signals would.
	cli := fakeBuildah(t, `sh -c 'trap "" TERM; echo $$ > `+pidFile+`; while :; do sleep 1; done' & wait`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := cli.Run(ctx, Command{Args: []string{"run"}}); done <- err }()
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if pid == 0 {
		t.Fatal("child did not start")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d survived the cancellation", pid)
		}
	}
}

func TestParseInspect(t *testing.T) {
	js := `{"FromImageID":"abc","Manifest":"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"layers\":[{\"size\":10},{\"size\":5}]}",
	"OCIv1":{"architecture":"amd64","os":"linux","config":{"Env":["A=1"]},"rootfs":{"diff_ids":["x","y"]}},
	"Docker":{"config":{"Env":["A=1"],"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":500000000}}}}`
	info, err := ParseInspect([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "abc" || info.Format != "docker" || info.Size != 15 || info.Layers != 2 ||
		info.Config().Healthcheck.Interval != 500*time.Millisecond || info.OCI.Env[0] != "A=1" {
		t.Errorf("ParseInspect = %+v", info)
	}
	if _, err := ParseInspect([]byte("not json")); err == nil {
		t.Error("no error for bad JSON")
	}
}

func TestBackgroundRunsAtLowestPriority(t *testing.T) {
	// The script waits for the priority to be set, then reports its own
	// (field 19 of /proc/self/stat, after the command name in parentheses).
	cli := fakeBuildah(t, `sleep 0.3; sed 's/.*) //' /proc/self/stat | cut -d' ' -f17`)
	for _, background := range []bool{false, true} {
		out, err := cli.Run(context.Background(), Command{Args: []string{"rm", "ctr"}, Background: background})
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{false: strconv.Itoa(niceness(t)), true: "19"}[background]
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("Background %v: the process ran at nice %s, want %s", background, got, want)
		}
	}
}

// niceness is the test process's own nice value.
func niceness(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	n, err := strconv.Atoi(f[16])
	if err != nil {
		t.Fatal(err)
	}
	return n
}
