// Command zlayer-bench measures the toolkit's speed against the peer tools,
// in the same run on the same machine, and prints the ratios next to the
// targets of the language-server, cache and watch issues. It is what
// `make bench` runs.
//
// The language-server part drives zlayer-lsp, yaml-language-server (given
// the schema of `zlayer schema`) and dockerfile-language-server over stdio
// with one small LSP client, on generated ZImagefiles and their equivalent
// Dockerfiles. The build part runs `zlayer build` and `buildah build
// --layers` on the same two-stage context, each in a private overlay store
// with a busybox base made locally, and times `zlayer watch` from a save to
// the tagged image.
//
// The parse part times parse+validate of the 1,000-step ZImagefile and
// Dockerfile in process with testing.Benchmark, against issue 2's target.
//
// The bench never asserts on time: it reports. It exits 0 when every
// measurement ran, 1 when a tool is missing or a measurement failed, 2 on
// bad usage and 130 when interrupted. Every store and temporary directory
// is removed on exit, Ctrl-C included. The peer servers are installed once
// with npm into the user's cache directory, never into the repository.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// config is what the command line asks for.
type config struct {
	zlayer, lsp string
	peerDir     string
	quick       bool
	only        string
	verbose     bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "zlayer-bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "zlayer-bench-")
	if err != nil {
		fmt.Fprintln(stderr, "zlayer-bench:", err)
		return 1
	}
	defer func() {
		unmountUnder(tmp)
		os.RemoveAll(tmp)
	}()
	start := time.Now()
	failures := bench(ctx, cfg, tmp, stdout, stderr)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "zlayer-bench: interrupted; cleaning up")
		return 130
	}
	fmt.Fprintf(stdout, "\nbench took %s\n", time.Since(start).Round(time.Second))
	for _, err := range failures {
		fmt.Fprintln(stderr, "zlayer-bench:", err)
	}
	if len(failures) > 0 {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("zlayer-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.zlayer, "zlayer", "", "the zlayer `binary` to measure (default: zlayer on PATH)")
	fs.StringVar(&cfg.lsp, "lsp", "", "the zlayer-lsp `binary` to measure (default: zlayer-lsp on PATH)")
	fs.StringVar(&cfg.peerDir, "peers", defaultPeerDir(), "npm prefix `dir` the peer language servers are installed into")
	fs.BoolVar(&cfg.quick, "quick", false, "fewer repetitions: a rough picture in about half the time")
	fs.StringVar(&cfg.only, "only", "", "run only the `part` parse, lsp or build")
	fs.BoolVar(&cfg.verbose, "v", false, "show the servers' logs and the watcher's events")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zlayer-bench [-quick] [-only parse|lsp|build] -zlayer BIN -lsp BIN")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q; see -help", fs.Arg(0))
	}
	switch cfg.only {
	case "", "parse", "lsp", "build":
	default:
		return nil, fmt.Errorf("-only %q: want parse, lsp or build", cfg.only)
	}
	if cfg.only == "parse" {
		return cfg, nil // in process: no binaries needed
	}
	var err error
	if cfg.zlayer, err = binary(cfg.zlayer, "zlayer", "-zlayer"); err != nil {
		return nil, err
	}
	if cfg.only != "build" {
		if cfg.lsp, err = binary(cfg.lsp, "zlayer-lsp", "-lsp"); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// binary resolves a tool given by flag, or found on PATH by name.
func binary(path, name, flagName string) (string, error) {
	if path == "" {
		path = name
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%s: %s not found (build it with `make build` and pass %s bin/%s)", flagName, path, flagName, name)
	}
	return filepath.Abs(p)
}

// bench runs the parts asked for, printing each table as it completes,
// and returns what failed.
func bench(ctx context.Context, cfg *config, tmp string, stdout, stderr io.Writer) []error {
	var verbose io.Writer
	if cfg.verbose {
		verbose = stderr
	}
	edits, completions, runs := 30, 100, 5
	if cfg.quick {
		edits, completions, runs = 10, 30, 2
	}
	fmt.Fprintf(stdout, "zlayer-bench on %s/%s, %d CPUs, load %s, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadAverage(), time.Now().Format(time.DateTime))
	var failures []error
	if cfg.only == "" || cfg.only == "parse" {
		t, err := parseBench(ctx)
		if t != nil && len(t.Rows) > 0 {
			fmt.Fprintln(stdout)
			t.Render(stdout)
		}
		if err != nil {
			failures = append(failures, fmt.Errorf("parse: %w", err))
		}
	}
	if (cfg.only == "" || cfg.only == "lsp") && ctx.Err() == nil {
		tables, err := lspBench(ctx, tmp, lspBenchOptions{
			Zlayer: cfg.zlayer, LSP: cfg.lsp, PeerDir: cfg.peerDir, Log: stderr,
			Samples: lspOptions{Edits: edits, Completions: completions, Warmup: 3, Verbose: verbose},
		})
		for _, t := range tables {
			fmt.Fprintln(stdout)
			t.Render(stdout)
		}
		if err != nil {
			failures = append(failures, fmt.Errorf("language servers: %w", err))
		}
	}
	if (cfg.only == "" || cfg.only == "build") && ctx.Err() == nil {
		t, err := buildBench(ctx, tmp, buildOptions{Zlayer: cfg.zlayer, Runs: runs, Log: stderr, Verbose: verbose})
		if t != nil {
			fmt.Fprintln(stdout)
			t.Render(stdout)
		}
		if err != nil {
			failures = append(failures, fmt.Errorf("builds: %w", err))
		}
	}
	if len(failures) == 0 && ctx.Err() == nil && cfg.only != "parse" {
		fmt.Fprintln(stdout, "\nratio = peer time (or memory) / zlayer's: above ×1 zlayer is faster (or smaller); target is what the issues ask for.")
	}
	return failures
}

// loadAverage is the one-minute load average: how busy the machine was,
// which says how much to trust the numbers.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
