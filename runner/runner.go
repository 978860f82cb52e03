// Package runner builds images from a stage plan by driving the buildah CLI
// one step at a time: `buildah from` for each stage's base, `run`, `copy`
// and `add` for the steps that change files, one `config` for each run of
// metadata instructions, and `commit`, `tag` and `push` at the end. It never
// calls `buildah build`: stepping itself is what gives per-step events,
// errors reported at the failing instruction's file and line, retries,
// parallel stages and a layer cache that is looked up before a step runs.
//
// With a layer cache (Options.Cache, see package runner/cache) every step
// has a key computed in Go before it runs, and a stage whose steps all hit
// makes no container at all: it continues from the cached image of its
// last hit, and a fully cached build ends with the very image of the
// build before.
//
// Build is the entry point; the CLI's `zlayer build` and `zlayer plan` and
// the language server's build commands all call it.
package runner

import (
	"context"
	"time"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildah"
)

// Options describe one build.
type Options struct {
	// Plan is the parsed build file. Its File is used for error reports.
	Plan *plan.Plan
	// ContextDir is the build context directory.
	ContextDir string
	// BuildArgs are the --build-arg values.
	BuildArgs map[string]string
	// Target names the stage to build; "" builds the last stage.
	Target string
	// Platform is the --platform value, "os/arch[/variant]"; "" is the host.
	Platform string
	// Tags name the image; the first names the commit, the others are
	// added with `buildah tag`.
	Tags []string
	// Format is "oci" (the default) or "docker".
	Format string
	// Squash commits the image as a single layer.
	Squash bool
	// Push pushes every tag after a successful build.
	Push bool
	// AuthFile is the registry credentials file for pulls and pushes; ""
	// leaves REGISTRY_AUTH_FILE or buildah's default. Never put secrets
	// anywhere else.
	AuthFile string
	// InsecureRegistry turns TLS verification off for pulls and pushes.
	InsecureRegistry bool
	// Retries is how many extra attempts a failing RUN gets.
	Retries int
	// DefaultRegistry is where short image names are looked up before
	// docker.io.
	DefaultRegistry string
	// IIDFile, when set, receives the image ID.
	IIDFile string
	// Jobs is how many stages may build at once; 0 means one per CPU.
	Jobs int
	// KeepBuildDeps keeps the images built for build: directives.
	KeepBuildDeps bool
	// Secrets are the --secret values RUN --mount=type=secret can use.
	Secrets []Secret
	// DefaultCacheMounts are cache mounts added to every RUN (ZLayer's
	// default_cache_mounts); a RUN's own mount on the same target wins.
	DefaultCacheMounts []plan.Mount
	// Buildah is the buildah to run; nil means "buildah" on the default
	// store.
	Buildah *buildah.CLI
	// Events, when set, receives every event of the build, in order for
	// each stage. It is called from several goroutines when stages run in
	// parallel, never concurrently.
	Events func(Event)
	// DryRun, when set, makes the build run nothing: every buildah command
	// it would run is passed to DryRun instead, full argument vector first.
	DryRun func(argv []string)
	// Hold, when set, holds the finished build back until it is closed,
	// before the image is tagged, pushed or written to the iidfile. Watch
	// mode starts a rebuild before the quiet period of the changes ends
	// and lets it publish its image only once that period has passed.
	Hold <-chan struct{}
	// Spares, when set, hands the build working containers made ahead,
	// and makes them for the next build once this one ends (watch mode).
	Spares *Spares
	// Cache, when set, is the layer cache: each step is looked up before
	// it runs and committed into the cache after it ran (see StepCache).
	Cache StepCache

	// parents lists the build files of enclosing builds (build: cycles).
	parents []string
}

// Secret is a --secret value: the secret ID and where its value comes from.
type Secret struct {
	ID string
	// Src is a file holding the secret; Env names an environment variable
	// of the runner holding it. Exactly one is set.
	Src, Env string
}

// Result is a finished build.
type Result struct {
	// ImageID is the image's full ID (hex, without "sha256:").
	ImageID string
	Tags    []string
	// Size is the total size of the image's layers in bytes; Layers their
	// number; both from `buildah inspect`.
	Size   int64
	Layers int
	// Duration is how long the build took, without the time Options.Hold
	// held it back.
	Duration time.Duration
	// Warnings are the warnings the build reported.
	Warnings []diag.Diagnostic
}

// StepCache is a layer cache: images holding the results of build steps,
// found by key. Build calls Begin once, then for each step Lookup (and
// Image for the last hit it continues from), Name and Store for each step
// it runs and commits, and End when the build is over. Package
// runner/cache implements it on the buildah store and an OCI registry.
//
// A build only reads the cache until the first miss in each stage: every
// later step of that stage runs, so a result is never mixed with an older
// one.
type StepCache interface {
	// Begin prepares the cache for one build, e.g. by listing its entries.
	// Warnings are reported to the user; an error fails the build.
	Begin(ctx context.Context) (warnings []string, err error)
	// Lookup reports whether the cache holds the result of the step with
	// this key. It is called for every step and must answer from memory.
	Lookup(key StepKey) bool
	// Image returns a local image holding the result of key, which Lookup
	// reported, fetching it first when it is not in the local store.
	Image(ctx context.Context, key StepKey) (string, error)
	// Name is the image name the result of key is committed under; "" for
	// none.
	Name(key StepKey) string
	// Store records that image holds the result of key.
	Store(ctx context.Context, key StepKey, image string) error
	// End finishes the build's use of the cache, e.g. waits for pushes.
	End(ctx context.Context) error
}

// StepKey identifies a step's result: the key of the state before the
// step (for a stage's first step, its base image ID), the instruction
// after variable expansion, the build arguments and working settings the
// step sees, the content digest of the files it copies or mounts, and the
// platform and image format of the build.
type StepKey struct {
	Parent      string
	Instruction string
	Env         []string
	Digest      string
	Platform    string
	Format      string
}

// Build runs the build opts describe. It returns the result, or an error
// that is a *StepError when a step failed. Whatever happens, the working
// containers and intermediate images the build made are removed before it
// returns.
func Build(ctx context.Context, opts Options) (*Result, error) {
	b, err := newBuild(opts)
	if err != nil {
		return nil, err
	}
	return b.run(ctx)
}
