// Package buildah drives the buildah command-line tool. The runner builds
// images by calling one buildah verb at a time (from, run, copy, config,
// commit, ...); this package starts those processes in their own process
// group so that a cancelled build can stop them and everything they
// started, streams their output line by line, and turns failures into
// errors that carry the exit status and what buildah printed.
package buildah

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Stream names the output stream a line came from.
type Stream string

// The two output streams of a process.
const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// CLI is a buildah executable with the global options every call shares.
// The zero value runs "buildah" from PATH on the default store.
type CLI struct {
	// Path is the buildah executable; "" means "buildah".
	Path string
	// Root, RunRoot and StorageDriver are buildah's global options of the
	// same names; "" leaves buildah's default.
	Root, RunRoot, StorageDriver string
	// TmpDir becomes TMPDIR of every call; buildah keeps RUN cache mounts
	// under $TMPDIR/buildah-cache. "" inherits the environment.
	TmpDir string
	// Isolation becomes BUILDAH_ISOLATION; "" means "chroot" unless the
	// environment already sets it.
	Isolation string
	// Env holds extra "K=V" entries for every call, e.g. REGISTRY_AUTH_FILE.
	Env []string
	// Grace is how long a cancelled call may take to exit after SIGTERM
	// before its process group is killed; 0 means 5 seconds.
	Grace time.Duration
}

// Command is one buildah invocation.
type Command struct {
	// Args are the verb and its arguments, without the global options.
	Args []string
	// Stdin, when set, is the standard input of the process.
	Stdin io.Reader
	// Output, when set, receives every line the process prints, as it
	// prints it. Stdout is also returned by Run.
	Output func(s Stream, line string)
	// Env holds extra "K=V" entries for this call only.
	Env []string
	// Background runs the process at the lowest CPU priority, for work
	// nothing waits for, such as removing a container no step reads any
	// more while the build goes on.
	Background bool
}

// ExitError is a buildah call that did not succeed.
type ExitError struct {
	Args []string
	// Code is the exit status, or -1 when the process was killed.
	Code int
	// Stderr is the end of what the process printed on stderr.
	Stderr string
}

func (e *ExitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = strings.TrimSpace(msg[i+1:])
	}
	msg = strings.TrimPrefix(msg, "Error: ")
	verb := ""
	if len(e.Args) > 0 {
		verb = e.Args[0]
	}
	if msg == "" {
		return fmt.Sprintf("buildah %s: exit status %d", verb, e.Code)
	}
	return fmt.Sprintf("buildah %s: %s", verb, msg)
}

// Argv returns the full argument vector of a call, executable first, as it
// would be run.
func (c *CLI) Argv(args ...string) []string {
	argv := []string{c.path()}
	if c.Root != "" {
		argv = append(argv, "--root", c.Root)
	}
	if c.RunRoot != "" {
		argv = append(argv, "--runroot", c.RunRoot)
	}
	if c.StorageDriver != "" {
		argv = append(argv, "--storage-driver", c.StorageDriver)
	}
	return append(argv, args...)
}

func (c *CLI) path() string {
	if c.Path == "" {
		return "buildah"
	}
	return c.Path
}

// Available reports whether the buildah executable can be found.
func (c *CLI) Available() bool {
	_, err := exec.LookPath(c.path())
	return err == nil
}

// Output runs a query such as "inspect" or "images" and returns its
// standard output.
func (c *CLI) Output(ctx context.Context, args ...string) ([]byte, error) {
	return c.Run(ctx, Command{Args: args})
}

// Run runs cmd and returns its standard output. The process runs in its own
// process group; when ctx ends, the group gets SIGTERM, and SIGKILL after
// the grace period. A non-zero exit is an *ExitError; a cancelled call
// returns an error wrapping ctx.Err().
func (c *CLI) Run(ctx context.Context, cmd Command) ([]byte, error) {
	argv := c.Argv(cmd.Args...)
	x := exec.Command(argv[0], argv[1:]...)
	x.Env = c.environ(cmd.Env)
	x.Stdin = cmd.Stdin
	x.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout bytes.Buffer
	stderr := &tail{max: 16 << 10}
	outW := newLineWriter(Stdout, cmd.Output, &stdout)
	errW := newLineWriter(Stderr, cmd.Output, stderr)
	x.Stdout, x.Stderr = outW, errW
	x.WaitDelay = c.grace() // bounds the wait for pipes a stray child keeps open
	if err := x.Start(); err != nil {
		return nil, fmt.Errorf("starting buildah: %w", err)
	}
	if cmd.Background {
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, x.Process.Pid, 19) // best effort
	}
	waitErr := c.wait(ctx, x)
	outW.Flush()
	errW.Flush()
	if ctx.Err() != nil {
		return stdout.Bytes(), fmt.Errorf("buildah %s: %w", verb(cmd.Args), ctx.Err())
	}
	if waitErr != nil {
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			return stdout.Bytes(), &ExitError{Args: cmd.Args, Code: ee.ExitCode(), Stderr: stderr.String()}
		}
		return stdout.Bytes(), fmt.Errorf("buildah %s: %w", verb(cmd.Args), waitErr)
	}
	return stdout.Bytes(), nil
}

// wait waits for x and, when ctx is cancelled first, makes sure nothing of
// its process group survives: SIGTERM to the group, then SIGKILL after the
// grace period.
func (c *CLI) wait(ctx context.Context, x *exec.Cmd) error {
	done := make(chan error, 1)
	go func() { done <- x.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	pgid := x.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case err := <-done:
		_ = syscall.Kill(-pgid, syscall.SIGKILL) // children that ignored SIGTERM
		return err
	case <-time.After(c.grace()):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return <-done
}

func (c *CLI) grace() time.Duration {
	if c.Grace > 0 {
		return c.Grace
	}
	return 5 * time.Second
}

func (c *CLI) environ(extra []string) []string {
	env := os.Environ()
	if c.TmpDir != "" {
		env = append(env, "TMPDIR="+c.TmpDir)
	}
	switch {
	case c.Isolation != "":
		env = append(env, "BUILDAH_ISOLATION="+c.Isolation)
	case os.Getenv("BUILDAH_ISOLATION") == "":
		env = append(env, "BUILDAH_ISOLATION=chroot")
	}
	env = append(env, c.Env...)
	return append(env, extra...)
}

func verb(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// lineWriter splits what a process writes into lines, hands each to a
// callback and copies everything to a buffer.
type lineWriter struct {
	mu     sync.Mutex
	stream Stream
	fn     func(Stream, string)
	copyTo io.Writer
	buf    []byte
}

func newLineWriter(s Stream, fn func(Stream, string), copyTo io.Writer) *lineWriter {
	return &lineWriter{stream: s, fn: fn, copyTo: copyTo}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.copyTo.Write(p)
	if w.fn == nil {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.fn(w.stream, strings.TrimSuffix(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// Flush hands on a last line that had no newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fn != nil && len(w.buf) > 0 {
		w.fn(w.stream, string(w.buf))
	}
	w.buf = nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }

// Lines splits command output into its non-empty trimmed lines.
func Lines(out []byte) []string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
