package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// asZlayerBuild names the environment variable that makes the test binary
// run as zlayer with the arguments it holds, a JSON list.
const asZlayerBuild = "ZLAYER_INTERRUPT_TEST_ARGS"

// TestBuildInterrupt sends SIGINT, as Ctrl-C does, to a `zlayer build`
// process in the middle of a RUN step of its second stage: the process
// exits 1 within 2 s (issue 3's bound), saying the build was cancelled,
// the RUN's processes are gone and the store holds no container, mount or
// image the build made (the layer cache's entries excepted: they are the
// cache, which `zlayer cache prune` manages).
func TestBuildInterrupt(t *testing.T) {
	if args, ok := os.LookupEnv(asZlayerBuild); ok {
		os.Exit(runZlayerProcess(args))
	}
	s := buildahtest.NewStore(t)
	before := s.Images(t)
	dir := t.TempDir()
	text := "FROM localhost/busybox AS deps\nRUN echo dep > /dep.txt\n\nFROM localhost/busybox\nCOPY --from=deps /dep.txt /\nRUN echo started && sleep 619\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	args, _ := json.Marshal([]string{"build", "--progress", "json", "--root", s.CLI.Root, "--runroot", s.CLI.RunRoot, "--storage-driver", "overlay", dir})
	cmd := exec.Command(os.Args[0], "-test.run=^TestBuildInterrupt$")
	cmd.Env = append(os.Environ(), asZlayerBuild+"="+string(args), "TMPDIR="+s.CLI.TmpDir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if !waitForOutput(stdout, "started", time.Minute) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the RUN step did not start; stderr:\n%s", &stderr)
	}
	time.Sleep(200 * time.Millisecond)
	interrupted := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if took := time.Since(interrupted); took >= 2*time.Second {
		t.Errorf("zlayer build exited %v after SIGINT, want less than 2s", took)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("zlayer build after SIGINT: %v, want exit status 1", err)
	}
	if !strings.Contains(stderr.String(), "build cancelled") {
		t.Errorf("stderr does not say the build was cancelled:\n%s", &stderr)
	}
	if pids := sleeping("sleep\x00619\x00"); len(pids) > 0 {
		t.Errorf("the RUN step's processes survive SIGINT: %v", pids)
	}
	for _, l := range s.Leftovers(t, before) {
		t.Errorf("left behind after SIGINT: %s", l)
	}
}

// runZlayerProcess runs zlayer with args, a JSON list, and returns the
// exit code main would use.
func runZlayerProcess(args string) int {
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		fmt.Fprintln(os.Stderr, "zlayer:", err)
		return 2
	}
	root := &cobra.Command{Use: "zlayer", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(commands()...)
	root.SetArgs(argv)
	err := root.Execute()
	if err == nil {
		return 0
	}
	if err.Error() != "" {
		fmt.Fprintln(os.Stderr, "zlayer:", err)
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 2
}

// waitForOutput reads JSON progress events until an output event prints
// line, and reports whether one did before the timeout. It keeps reading
// in the background so that the process never blocks on its stdout.
func waitForOutput(r io.Reader, line string, timeout time.Duration) bool {
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(r)
		seen := false
		for sc.Scan() {
			var ev struct{ Type, Line string }
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Type == "output" && ev.Line == line && !seen {
				seen = true
				close(found)
			}
		}
	}()
	select {
	case <-found:
		return true
	case <-time.After(timeout):
		return false
	}
}

// sleeping returns the IDs of the processes whose NUL-separated command
// line contains cmdline.
func sleeping(cmdline string) []string {
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []string
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), cmdline) {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}
