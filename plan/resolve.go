package plan

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// Options are the inputs of a build that decide what a plan means.
type Options struct {
	// BuildArgs are the --build-arg values.
	BuildArgs map[string]string
	// Target names the stage to build, or gives its index (0 is the
	// first), which is how a stage without a name is built; "" builds the
	// last stage.
	Target string
	// Platform is the --platform value ("" means the host platform).
	Platform string
}

// Resolved is a plan bound to build options: bases are expanded, stage
// references are resolved, and only the stages the target needs are kept.
type Resolved struct {
	Plan    *Plan
	Options Options
	// Stages are the stages to build, in plan order; the last is the target.
	Stages []*ResolvedStage
	// All holds every stage of the plan, resolved, indexed by stage index.
	All []*ResolvedStage
	// Global is the global scope: automatic platform args and global ARGs
	// that have a value.
	Global map[string]string
	// Diagnostics holds warnings such as undeclared build args (ZI306) and
	// errors such as an unknown --target or a reference to a later stage.
	Diagnostics []diag.Diagnostic
}

// ResolvedStage is a stage with its base and dependencies worked out.
type ResolvedStage struct {
	*Stage
	// Base is the expanded base image reference; "" when the base is a
	// stage or scratch.
	Base string
	// BaseStage is the index of the stage this one is based on, or -1.
	BaseStage int
	// Scratch reports an empty base.
	Scratch bool
	// Platform is the expanded effective platform ("" for the host).
	Platform string
	// Deps are the indices of the stages this stage needs (its base,
	// COPY/ADD --from and RUN --mount from=), sorted, without duplicates.
	Deps []int
}

// ProxyArgs are the predefined build arguments that every RUN receives
// without a declaration, as Docker does.
var ProxyArgs = []string{
	"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
	"ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
}

// Resolve binds p to opts. It never fails: problems are reported in
// Resolved.Diagnostics, and a plan with an error there must not be built.
func Resolve(p *Plan, opts Options) *Resolved {
	r := &Resolved{Plan: p, Options: opts, Global: map[string]string{}}
	r.globalScope()
	for _, st := range p.Stages {
		r.All = append(r.All, r.resolveStage(st))
	}
	target := r.targetIndex()
	if target >= 0 {
		keep := r.closure(target)
		for _, rs := range r.All {
			if keep[rs.Index] {
				r.Stages = append(r.Stages, rs)
			}
		}
	}
	r.checkBuildArgs()
	return r
}

// automatic returns the automatic platform arguments.
func automatic(platform string) map[string]string {
	host := runtime.GOOS + "/" + runtime.GOARCH
	if platform == "" {
		platform = host
	}
	m := map[string]string{}
	for prefix, pl := range map[string]string{"TARGET": platform, "BUILD": host} {
		parts := strings.SplitN(pl, "/", 3)
		os, arch, variant := parts[0], "", ""
		if len(parts) > 1 {
			arch = parts[1]
		}
		if len(parts) > 2 {
			variant = parts[2]
		}
		m[prefix+"PLATFORM"] = pl
		m[prefix+"OS"] = os
		m[prefix+"ARCH"] = arch
		m[prefix+"VARIANT"] = variant
	}
	return m
}

func (r *Resolved) globalScope() {
	auto := automatic(r.Options.Platform)
	for k, v := range auto {
		r.Global[k] = v
	}
	for _, a := range r.Plan.Args {
		if v, ok := r.Options.BuildArgs[a.Name]; ok {
			r.Global[a.Name] = v
			continue
		}
		if a.HasDefault {
			v, err := r.expand(a.Default, r.lookupGlobal)
			if err != nil {
				r.errorf(a.Range, "ARG %s: %v", a.Name, err)
			}
			r.Global[a.Name] = v
			continue
		}
		if v, ok := auto[a.Name]; ok {
			r.Global[a.Name] = v
		}
	}
}

func (r *Resolved) lookupGlobal(name string) (string, bool) {
	v, ok := r.Global[name]
	return v, ok
}

func (r *Resolved) resolveStage(st *Stage) *ResolvedStage {
	rs := &ResolvedStage{Stage: st, BaseStage: -1}
	base, err := r.expand(st.Base, r.lookupGlobal)
	if err != nil {
		r.errorf(st.BaseRange, "base %q: %v", st.Base, err)
	}
	platform, err := r.expand(st.Platform, r.lookupGlobal)
	if err != nil {
		r.errorf(st.BaseRange, "platform %q: %v", st.Platform, err)
	}
	rs.Platform = platform
	if rs.Platform == "" {
		rs.Platform = r.Options.Platform
	}
	switch idx, ok := r.stageByName(base, st.Index); {
	case strings.EqualFold(base, "scratch"):
		rs.Scratch = true
	case ok:
		rs.BaseStage = idx
	default:
		rs.Base = base
	}
	if rs.BaseStage >= 0 {
		rs.Deps = append(rs.Deps, rs.BaseStage)
	}
	for _, ins := range st.Instructions {
		for _, ref := range StageRefs(ins) {
			ref, _ = r.expand(ref, r.lookupGlobal)
			if idx, ok := r.StageRef(ref, st.Index); ok {
				rs.Deps = append(rs.Deps, idx)
			}
		}
	}
	slices.Sort(rs.Deps)
	rs.Deps = slices.Compact(rs.Deps)
	return rs
}

// StageRefs lists the --from values of an instruction: a COPY's source
// stage or image and the stages or images its RUN mounts read, as written.
func StageRefs(ins Instruction) []string {
	switch ins := ins.(type) {
	case *Copy:
		if ins.From != "" {
			return []string{ins.From}
		}
	case *Run:
		var refs []string
		for _, m := range ins.Mounts {
			if m.From != "" {
				refs = append(refs, m.From)
			}
		}
		return refs
	}
	return nil
}

// stageByName finds an earlier stage called name; Dockerfile stage names
// are case-insensitive, ZImagefile names are not.
func (r *Resolved) stageByName(name string, before int) (int, bool) {
	for _, st := range r.Plan.Stages[:min(before, len(r.Plan.Stages))] {
		if st.Name == "" {
			continue
		}
		if st.Name == name || r.Plan.Kind != "zimagefile" && strings.EqualFold(st.Name, name) {
			return st.Index, true
		}
	}
	return -1, false
}

// StageRef resolves a --from value (a stage name or index) used in stage
// number before; it reports false for an image reference.
func (r *Resolved) StageRef(ref string, before int) (int, bool) {
	if idx, ok := r.stageByName(ref, before); ok {
		return idx, true
	}
	if n, err := strconv.Atoi(ref); err == nil && ref != "" && strings.Trim(ref, "0123456789") == "" {
		if n < before {
			return n, true
		}
	}
	return -1, false
}

func (r *Resolved) targetIndex() int {
	n := len(r.Plan.Stages)
	if n == 0 {
		r.errorf(source.Range{}, "the build file defines no stage")
		return -1
	}
	t := r.Options.Target
	if t == "" {
		return n - 1
	}
	if idx, ok := r.StageRef(t, n); ok {
		return idx
	}
	var names []string
	for _, st := range r.Plan.Stages {
		if st.Name != "" {
			names = append(names, st.Name)
		}
	}
	r.errorf(source.Range{}, "target stage %q not found; the stages are: %s", t, strings.Join(names, ", "))
	return -1
}

// closure returns the stages target needs, target included.
func (r *Resolved) closure(target int) map[int]bool {
	keep := map[int]bool{}
	var visit func(int)
	visit = func(i int) {
		if keep[i] {
			return
		}
		keep[i] = true
		for _, d := range r.All[i].Deps {
			visit(d)
		}
	}
	visit(target)
	return keep
}

// checkBuildArgs warns about --build-arg names no ARG declares (ZI306).
func (r *Resolved) checkBuildArgs() {
	declared := map[string]bool{}
	for _, a := range r.Plan.Args {
		declared[a.Name] = true
	}
	for _, st := range r.Plan.Stages {
		for _, ins := range st.Instructions {
			if a, ok := ins.(*Arg); ok {
				declared[a.Name] = true
			}
		}
	}
	var names []string
	for name := range r.Options.BuildArgs {
		if !declared[name] && !slices.Contains(ProxyArgs, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		r.Diagnostics = append(r.Diagnostics, diag.Diagnostic{
			File: r.Plan.File, Severity: diag.Warning, Code: "ZI306", Source: "zlayer", NoRange: true,
			Message: fmt.Sprintf("build-arg '%s' is not declared in the build file and was not used", name),
		})
	}
}

func (r *Resolved) errorf(rng source.Range, format string, args ...any) {
	r.Diagnostics = append(r.Diagnostics, diag.Diagnostic{
		File: r.Plan.File, Range: rng, Severity: diag.Error, Source: "zlayer",
		Message: fmt.Sprintf(format, args...), NoRange: rng.IsZero(),
	})
}

// Err returns the first error diagnostic as an error, or nil.
func (r *Resolved) Err() error {
	for _, d := range r.Diagnostics {
		if d.Severity == diag.Error {
			if d.NoRange {
				return fmt.Errorf("%s: %s", d.File, d.Message)
			}
			return fmt.Errorf("%s:%d: %s", d.File, d.Range.Start.Line, d.Message)
		}
	}
	return nil
}

// expand expands word with the rules of the plan's language.
func (r *Resolved) expand(word string, lookup func(string) (string, bool)) (string, error) {
	if r.Plan.Kind != "zimagefile" {
		// Always lexed: BuildKit removes quotes and escapes even where
		// there is no variable (LABEL a="x y" sets x y).
		return expandDockerfile(word, r.Plan.escape(), lookup)
	}
	if !strings.Contains(word, "$") {
		return word, nil
	}
	return ExpandZImage(word, lookup)
}
