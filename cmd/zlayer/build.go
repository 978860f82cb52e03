package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/runner/buildah"
	"github.com/zlayer/zlayer/runner/cache"
	"github.com/zlayer/zlayer/runner/progress"
)

// buildFlags are the options `zlayer build`, `zlayer plan` and `zlayer
// watch` share; they follow `buildah build` spelling.
type buildFlags struct {
	file, zfile, target, runtime, format, authfile string
	defaultRegistry, platform, progress, iidfile   string
	storageDriver, root, runroot, cacheTTL         string
	cacheFrom, cacheTo                             string
	tags, buildArgs, secrets, cacheMounts          []string
	jobs, retries                                  int
	noCache, squash, push, tlsVerify, keepDeps     bool
}

func (f *buildFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.file, "file", "f", "", "ZImagefile or Dockerfile to build (default: discovered in CONTEXT)")
	fs.StringVarP(&f.zfile, "zimagefile", "z", "", "read `PATH` as a ZImagefile whatever its name")
	fs.StringArrayVarP(&f.tags, "tag", "t", nil, "name the image (repeatable; the first names the commit)")
	fs.StringVar(&f.target, "target", "", "build `STAGE` and only the stages it depends on")
	fs.StringArrayVar(&f.buildArgs, "build-arg", nil, "set a build argument `K=V` (repeatable)")
	fs.StringVar(&f.runtime, "runtime", "", "build from a runtime template `NAME`, or auto to detect it")
	fs.BoolVar(&f.noCache, "no-cache", false, "ignore the layer cache")
	fs.StringVar(&f.cacheTTL, "cache-ttl", "", "cache entries older than this `DURATION` are misses")
	fs.StringVar(&f.cacheFrom, "cache-from", "", "read the layer cache from a registry `REPO`")
	fs.StringVar(&f.cacheTo, "cache-to", "", "write the layer cache to a registry `REPO`")
	fs.IntVar(&f.jobs, "jobs", 0, "stages built in parallel (default: number of CPUs)")
	fs.StringVar(&f.format, "format", "oci", "image format: oci or docker")
	fs.BoolVar(&f.squash, "squash", false, "squash the image into one layer")
	fs.BoolVar(&f.push, "push", false, "push every tag after a successful build")
	fs.StringVar(&f.authfile, "authfile", "", "registry credentials file (default: $REGISTRY_AUTH_FILE)")
	fs.BoolVar(&f.tlsVerify, "tls-verify", true, "verify TLS certificates of registries")
	fs.IntVar(&f.retries, "retries", 0, "extra attempts for a failing RUN step")
	fs.StringVar(&f.defaultRegistry, "default-registry", "", "registry `HOST` where short image names are looked up first")
	fs.StringVar(&f.platform, "platform", "", "target platform `OS/ARCH[/VARIANT]`")
	fs.StringVar(&f.progress, "progress", "auto", "progress output: auto, tty, plain or json")
	fs.StringVar(&f.iidfile, "iidfile", "", "write the image ID to `PATH`")
	fs.StringArrayVar(&f.secrets, "secret", nil, "secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VAR")
	fs.StringArrayVar(&f.cacheMounts, "cache-mount", nil, "cache mount `TARGET[,id=ID,sharing=S]` added to every RUN")
	fs.BoolVar(&f.keepDeps, "keep-build-deps", false, "keep the images built for build: directives")
	fs.StringVar(&f.storageDriver, "storage-driver", "", "buildah storage driver")
	fs.StringVar(&f.root, "root", "", "buildah storage root")
	fs.StringVar(&f.runroot, "runroot", "", "buildah storage runroot")
}

// load chooses and parses the build file of contextDir and turns the
// flags into runner options. Unusable flags are usage errors (exit 2).
func (f *buildFlags) load(contextDir string, stderr io.Writer) (runner.Options, runner.BuildFile, error) {
	var opts runner.Options
	if fi, err := os.Stat(contextDir); err != nil || !fi.IsDir() {
		return opts, runner.BuildFile{}, usageErrorf("build context %s is not a directory", contextDir)
	}
	var bf runner.BuildFile
	var err error
	if f.runtime != "" {
		bf, err = runner.RuntimeBuildFile(f.runtime, contextDir)
	} else {
		bf, err = runner.FindBuildFile(contextDir, f.file, f.zfile)
	}
	if err != nil {
		return opts, bf, &exitError{code: 2, err: err}
	}
	p, warnings, err := runner.Load(bf)
	printDiagnostics(stderr, warnings)
	if err != nil {
		var le *runner.LoadError
		if errors.As(err, &le) {
			return opts, bf, &exitError{code: 1, err: errors.New("the build file has errors")}
		}
		return opts, bf, &exitError{code: 2, err: err}
	}
	opts, err = f.options(p, contextDir)
	return opts, bf, err
}

// buildah is the buildah CLI on the store the flags choose.
func (f *buildFlags) buildah() *buildah.CLI {
	return &buildah.CLI{Root: f.root, RunRoot: f.runroot, StorageDriver: f.storageDriver}
}

func (f *buildFlags) options(p *plan.Plan, contextDir string) (runner.Options, error) {
	args := map[string]string{}
	for _, kv := range f.buildArgs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			v, ok = os.LookupEnv(k) // Docker: --build-arg NAME takes the environment's value
			if !ok {
				continue
			}
		}
		args[k] = v
	}
	opts := runner.Options{
		Plan: p, ContextDir: contextDir, BuildArgs: args, Target: f.target, Platform: f.platform,
		Tags: f.tags, Format: f.format, Squash: f.squash, Push: f.push, AuthFile: f.authfile,
		InsecureRegistry: !f.tlsVerify, Retries: f.retries, DefaultRegistry: f.defaultRegistry,
		IIDFile: f.iidfile, Jobs: f.jobs, KeepBuildDeps: f.keepDeps,
		Buildah: f.buildah(),
	}
	if f.format != "oci" && f.format != "docker" {
		return opts, usageErrorf("--format %s: use oci or docker", f.format)
	}
	if f.push && len(f.tags) == 0 {
		return opts, usageErrorf("--push needs at least one --tag")
	}
	for _, s := range f.secrets {
		sec, err := runner.ParseSecret(s)
		if err != nil {
			return opts, usageErrorf("%v", err)
		}
		opts.Secrets = append(opts.Secrets, sec)
	}
	layers, err := f.layerCache(opts.Buildah)
	if err != nil {
		return opts, err
	}
	opts.Cache = layers
	for _, m := range f.cacheMounts {
		mount, err := parseCacheMount(m)
		if err != nil {
			return opts, usageErrorf("%v", err)
		}
		opts.DefaultCacheMounts = append(opts.DefaultCacheMounts, mount)
	}
	return opts, nil
}

// parseCacheMount parses "TARGET[,id=ID][,sharing=S][,readonly]".
func parseCacheMount(s string) (plan.Mount, error) {
	parts := strings.Split(s, ",")
	m := plan.Mount{Type: "cache", Target: parts[0]}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "id":
			m.ID = v
		case "sharing":
			m.Sharing = v
		case "readonly", "ro":
			m.ReadOnly = true
		case "target":
			m.Target = v
		default:
			return m, fmt.Errorf("--cache-mount %q: unknown option %q", s, k)
		}
	}
	if m.Target == "" {
		return m, fmt.Errorf("--cache-mount %q: missing target", s)
	}
	return m, nil
}

// layerCache is the layer cache the cache flags describe. Builds always
// use one: --no-cache only stops reading it.
func (f *buildFlags) layerCache(cli *buildah.CLI) (*cache.Cache, error) {
	opts := cache.Options{
		NoRead: f.noCache, AuthFile: f.authfile, InsecureRegistry: !f.tlsVerify,
		From: strings.TrimPrefix(f.cacheFrom, "docker://"), To: strings.TrimPrefix(f.cacheTo, "docker://"),
	}
	if f.cacheTTL != "" {
		ttl, err := parseDuration(f.cacheTTL)
		if err != nil {
			return nil, usageErrorf("--cache-ttl: %v", err)
		}
		opts.TTL = ttl
		opts.NoRead = opts.NoRead || ttl == 0 // as buildah: --cache-ttl=0 is --no-cache
	}
	return cache.New(cli, opts), nil
}

// cacheWarnings says which cache flags have no effect together.
func (f *buildFlags) cacheWarnings(w io.Writer) {
	if f.noCache && f.cacheFrom != "" {
		fmt.Fprintln(w, "WARNING: --cache-from has no effect with --no-cache: the cache is not read")
	}
}

func printDiagnostics(w io.Writer, ds []diag.Diagnostic) {
	for _, d := range ds {
		fmt.Fprintln(w, runner.FormatDiagnostic(d))
	}
}

func contextArg(args []string) string {
	if len(args) == 0 {
		return "."
	}
	return args[0]
}

func newBuildCmd() *cobra.Command {
	var f buildFlags
	var w watchFlags
	cmd := &cobra.Command{
		Use:   "build [CONTEXT]",
		Short: "Build an image from a ZImagefile, a Dockerfile or a runtime template with buildah",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if w.watch {
				return runWatch(cmd, &f, &w, contextArg(args))
			}
			if err := w.needsWatch(cmd.Flags()); err != nil {
				return err
			}
			return runBuild(cmd, &f, contextArg(args))
		},
	}
	f.register(cmd.Flags())
	w.registerOnBuild(cmd.Flags())
	return cmd
}

func runBuild(cmd *cobra.Command, f *buildFlags, contextDir string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	opts, bf, err := f.load(contextDir, stderr)
	if err != nil {
		return err
	}
	mode := progress.Mode(f.progress, stderr)
	out := stderr
	if mode == progress.JSON {
		out = stdout
	}
	pr, err := progress.New(out, mode)
	if err != nil {
		return usageErrorf("--progress: %v", err)
	}
	f.cacheWarnings(stderr)
	opts.Events = pr.Event
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	res, err := runner.Build(ctx, opts)
	pr.Close()
	if err != nil {
		if mode != progress.JSON {
			src := bf.Source
			if filepath.Clean(bf.Path) != filepath.Clean(opts.Plan.File) {
				src = nil
			}
			progress.Failure(stderr, err, src)
		}
		if ctx.Err() != nil {
			return &exitError{code: 1, err: errors.New("build cancelled")}
		}
		var de *runner.DiagnosticError
		if errors.As(err, &de) {
			return &exitError{code: 2, err: err}
		}
		return &exitError{code: 1, err: errors.New("")}
	}
	if mode != progress.JSON {
		fmt.Fprintln(stdout, res.ImageID)
	}
	return nil
}
