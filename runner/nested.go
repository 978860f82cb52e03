package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
)

// buildNested builds the plan's build: directives (spec §6.2), each into
// localhost/zimage-dep-<owner>:<build-id>, and returns a copy of the plan
// whose stages use those images as their bases.
func (b *build) buildNested(ctx context.Context) (*plan.Plan, error) {
	p := b.opts.Plan
	if len(p.Nested) == 0 {
		return p, nil
	}
	cp := *p
	cp.Stages = slices.Clone(p.Stages)
	for _, n := range p.Nested {
		image, err := b.buildDep(ctx, n)
		if err != nil {
			return nil, err
		}
		if n.Stage >= 0 && n.Stage < len(cp.Stages) {
			st := *cp.Stages[n.Stage]
			st.Base = image
			cp.Stages[n.Stage] = &st
		}
	}
	return &cp, nil
}

// buildDep builds one build: directive and returns the image name.
func (b *build) buildDep(ctx context.Context, n *plan.Nested) (string, error) {
	fail := func(code, format string, args ...any) error {
		return diagError(diag.Diagnostic{File: b.opts.Plan.File, Range: n.Range, Severity: diag.Error, Code: code,
			Message: fmt.Sprintf(format, args...)})
	}
	dir := n.Context
	if dir == "" {
		dir = b.opts.ContextDir
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(b.opts.ContextDir, dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fail("ZI304", "Failed to read build context at '%s': build context directory not found for build directive in '%s'", dir, n.Owner)
	}
	file := ""
	if n.File != "" {
		file = filepath.Join(dir, n.File)
	}
	bf, err := FindBuildFile(dir, file, "")
	if err != nil {
		return "", fmt.Errorf("build directive in '%s': %w", n.Owner, err)
	}
	abs, _ := filepath.Abs(bf.Path)
	parents := append(slices.Clone(b.opts.parents), b.selfPath())
	if slices.Contains(parents, abs) {
		return "", fail("ZI305", "build directive cycle: '%s' is already being built", bf.Path)
	}
	p, _, err := Load(bf)
	if err != nil {
		return "", fmt.Errorf("build directive in '%s': %w", n.Owner, err)
	}
	image := "localhost/zimage-dep-" + ownerName(n.Owner) + ":" + b.id
	args := map[string]string{}
	for _, kv := range n.Args {
		args[kv.Key] = kv.Value
	}
	opts := Options{
		Plan: p, ContextDir: dir, BuildArgs: args, Platform: b.nestedPlatform(n), Tags: []string{image},
		Format: b.opts.Format, AuthFile: b.opts.AuthFile, InsecureRegistry: b.opts.InsecureRegistry,
		DefaultRegistry: b.opts.DefaultRegistry, Jobs: b.opts.Jobs, KeepBuildDeps: b.opts.KeepBuildDeps,
		Secrets: b.opts.Secrets, DefaultCacheMounts: b.opts.DefaultCacheMounts, Buildah: b.cli,
		DryRun: b.opts.DryRun, Retries: b.opts.Retries, Cache: b.opts.Cache, parents: parents,
		Events: b.nestedEvents(n.Owner),
	}
	if _, err := Build(ctx, opts); err != nil {
		return "", fmt.Errorf("build directive in '%s' (%s): %w", n.Owner, bf.Path, err)
	}
	b.mu.Lock()
	b.depImages = append(b.depImages, image)
	b.mu.Unlock()
	return image, nil
}

// selfPath is the absolute path of the build file being built.
func (b *build) selfPath() string {
	abs, _ := filepath.Abs(b.opts.Plan.File)
	return abs
}

// nestedPlatform is the effective platform of the stage the directive
// provides the base of.
func (b *build) nestedPlatform(n *plan.Nested) string {
	if n.Stage >= 0 && n.Stage < len(b.opts.Plan.Stages) && b.opts.Plan.Stages[n.Stage].Platform != "" {
		return b.opts.Plan.Stages[n.Stage].Platform
	}
	return b.opts.Platform
}

// nestedEvents passes a nested build's output and warnings on as output
// of the outer build, prefixed with the directive's owner.
func (b *build) nestedEvents(owner string) func(Event) {
	return func(e Event) {
		switch e := e.(type) {
		case Output:
			b.emit(Output{Stage: -1, Step: 0, Stream: e.Stream, Line: e.Line, Name: "build:" + owner})
		case StepStarted:
			b.emit(Output{Stage: -1, Step: 0, Stream: "stdout", Line: fmt.Sprintf("[%s %d/%d] %s", e.Name, e.Step, e.Steps, e.Instruction), Name: "build:" + owner})
		case Warning:
			b.emit(e)
		}
	}
}

// ownerName makes a directive's owner usable in an image name (spec §6.2).
func ownerName(owner string) string {
	s := sanitize(owner)
	if s == "" {
		return "stage"
	}
	return s
}
