package watch

import (
	"cmp"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildcontext"
)

// Relevance decides which changes in a build context can change a build,
// for Options.Relevant and Options.SkipDir: the build file itself (even if
// the ignore file lists it), the ignore files, everything under a build:
// directive's nested context, and the COPY, ADD and RUN --mount=type=bind
// sources that the ignore file does not exclude. Its methods are safe for
// concurrent use; call Update after the build file was parsed again.
type Relevance struct {
	mu      sync.Mutex
	bc      *buildcontext.Context
	files   []string // the build file and the ignore files
	nested  []string // build: contexts
	sources []string
	all     bool // a source uses a variable: anything not ignored counts
}

// NewRelevance returns the relevance of changes for building p, read from
// buildFile, in the context bc.
func NewRelevance(bc *buildcontext.Context, buildFile string, p *plan.Plan) *Relevance {
	r := &Relevance{}
	r.Update(bc, buildFile, p)
	return r
}

// Update replaces the context and plan, after the build file or the
// ignore file changed. A nil plan (the build file does not parse) keeps
// the previous sources, so that fixing the file is still seen. A Watcher
// decides SkipDir once per directory: after the ignore file changed, start
// a new Watcher.
func (r *Relevance) Update(bc *buildcontext.Context, buildFile string, p *plan.Plan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bc = bc
	files := []string{filepath.Join(bc.Dir(), ".containerignore"), filepath.Join(bc.Dir(), ".dockerignore")}
	if buildFile != "" {
		if _, err := os.Stat(buildFile); err != nil && !filepath.IsAbs(buildFile) {
			buildFile = filepath.Join(bc.Dir(), buildFile)
		}
		files = append(files, buildFile, buildFile+".dockerignore", buildFile+".containerignore")
	}
	r.files = r.files[:0]
	for _, f := range files {
		if rel, ok := inside(bc.Dir(), f); ok {
			r.files = append(r.files, rel)
		}
	}
	if p == nil {
		return
	}
	r.nested, r.sources, r.all = nil, nil, false
	for _, n := range p.Nested {
		rel := path.Clean(strings.TrimLeft(filepath.ToSlash(n.Context), "/"))
		if strings.Contains(rel, "$") {
			r.all = true
		}
		r.nested = append(r.nested, rel)
	}
	for _, st := range p.Stages {
		for _, ins := range st.Instructions {
			r.addSources(ins)
		}
	}
}

// always lists the paths relevant whatever the ignore file says.
func (r *Relevance) always() []string {
	return append(slices.Clip(r.files), r.nested...)
}

func (r *Relevance) addSources(ins plan.Instruction) {
	var srcs []string
	switch ins := ins.(type) {
	case *plan.Copy:
		if ins.From == "" && len(ins.Heredocs) == 0 {
			for _, s := range ins.Sources {
				if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
					srcs = append(srcs, s)
				}
			}
		}
	case *plan.Run:
		for _, m := range ins.Mounts {
			if m.Type == "bind" && m.From == "" {
				srcs = append(srcs, cmp.Or(m.Source, "."))
			}
		}
	}
	for _, s := range srcs {
		if strings.Contains(s, "$") {
			r.all = true
		}
		r.sources = append(r.sources, s)
	}
}

// Relevant reports whether a change at rel, relative to the context, can
// change the build.
func (r *Relevance) Relevant(rel string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.always() {
		if within(rel, a) {
			return true
		}
	}
	if r.all {
		return !r.bc.Ignored(rel)
	}
	return r.bc.Affects(r.sources, rel)
}

// SkipDir reports whether the directory rel needs no watch: the ignore file
// excludes all of it and it holds none of the always-relevant paths.
func (r *Relevance) SkipDir(rel string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.bc.IgnoredDir(rel) {
		return false
	}
	for _, a := range r.always() {
		if within(rel, a) || within(a, rel) {
			return false
		}
	}
	return true
}

// within reports whether rel is p or lies below it.
func within(rel, p string) bool {
	return p == "." || rel == p || strings.HasPrefix(rel, p+"/")
}

// inside makes an absolute or working-directory-relative path relative to
// dir, if it lies inside it.
func inside(dir, p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(real, filepath.Base(abs))
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || escapes(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
