package lsp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildcontext"
	"github.com/zlayer/zlayer/source"
)

// Codes of the server's own context-aware checks.
const (
	codeSourceMissing = "ZL101" // COPY/ADD source not in the build context
	codeSourceOutside = "ZL102" // COPY/ADD source leaves the build context
	codeUnusedArg     = "ZI306" // a build.args setting no ARG declares
	codeIgnoredFile   = "CopyIgnoredFile"
)

// contextDir is the build context of a build file: settings build.context
// (relative to the file's directory) or the file's own directory.
func contextDir(file string, set Settings) string {
	dir := filepath.Dir(file)
	if c := set.Build.Context; c != "" {
		if filepath.IsAbs(c) {
			return c
		}
		return filepath.Join(dir, c)
	}
	return dir
}

// sourceChecker checks COPY/ADD sources against a build context with the
// runner's ignore-file rules.
type sourceChecker struct {
	file string
	ctx  *buildcontext.Context
	// stats remembers what the context holds at each path already looked
	// at: a long file copies the same sources in many stages.
	stats map[string]statResult
}

// statResult is the outcome of one lstat in the build context.
type statResult struct {
	dir bool
	err error
}

// lstat looks full up once per check of a file.
func (sc *sourceChecker) lstat(full string) (dir bool, err error) {
	if r, ok := sc.stats[full]; ok {
		return r.dir, r.err
	}
	st, err := os.Lstat(full)
	r := statResult{err: err}
	if err == nil {
		r.dir = st.IsDir()
	}
	if sc.stats == nil {
		sc.stats = map[string]statResult{}
	}
	sc.stats[full] = r
	return r.dir, r.err
}

// newSourceChecker opens the context of file; it returns nil when the file
// is not on disk (an untitled buffer) or the context cannot be read.
func newSourceChecker(file string, set Settings) *sourceChecker {
	if !filepath.IsAbs(file) {
		return nil
	}
	dir := contextDir(file, set)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil
	}
	c, err := buildcontext.Open(dir, file)
	if err != nil {
		return nil
	}
	return &sourceChecker{file: file, ctx: c}
}

// check reports a problem with one source as written, or nothing. Sources
// with variables, wildcards, URLs or heredocs are left to the build.
func (sc *sourceChecker) check(src string, r source.Range, keyword string) *diag.Diagnostic {
	if src == "" || strings.ContainsAny(src, "$*?[") || strings.HasPrefix(src, "<<") || strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
		return nil
	}
	mk := func(sev diag.Severity, code, msg, url string) *diag.Diagnostic {
		return &diag.Diagnostic{File: sc.file, Range: r, Severity: sev, Code: code, Source: "zlayer", Message: msg, URL: url}
	}
	rel := path.Clean(strings.TrimLeft(filepath.ToSlash(src), "/"))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return mk(diag.Error, codeSourceOutside, fmt.Sprintf("%s source '%s' is outside the build context %s; only files inside the context can be copied", keyword, src, sc.ctx.Dir()), "")
	}
	full := filepath.Join(sc.ctx.Dir(), filepath.FromSlash(rel))
	isDir, err := sc.lstat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return mk(diag.Error, codeSourceMissing, fmt.Sprintf("%s source '%s' not found in build context %s; check the path", keyword, src, sc.ctx.Dir()), "")
	}
	if err != nil || rel == "." {
		return nil
	}
	ignored := sc.ctx.Ignored(rel)
	if isDir {
		ignored = sc.ctx.IgnoredDir(rel)
	}
	if ignored {
		return mk(diag.Warning, codeIgnoredFile,
			fmt.Sprintf("%s source '%s' is excluded by %s and will not be copied; remove that pattern or add '!%s'", keyword, src, sc.ctx.IgnoreFile(), rel),
			"https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/")
	}
	return nil
}

// dockerfileContextChecks checks COPY/ADD sources and the build.args
// setting of a Dockerfile.
func dockerfileContextChecks(snap *snapshot, set Settings) []diag.Diagnostic {
	var out []diag.Diagnostic
	if sc := newSourceChecker(snap.file.Name, set); sc != nil {
		for _, in := range snap.df.Instructions {
			name := in.Name()
			if name != "COPY" && name != "ADD" || len(in.Args) < 2 || len(in.Heredocs) > 0 {
				continue
			}
			if _, ok := in.Flag("from"); ok {
				continue
			}
			srcs := in.Args[:len(in.Args)-1]
			for _, a := range srcs {
				if d := sc.check(a.Value, a.Range, name); d != nil {
					out = append(out, *d)
				}
			}
		}
	}
	declared := map[string]bool{}
	for _, r := range snap.outline.refs {
		if r.kind == refVar && r.def && r.what == "ARG" {
			declared[r.name] = true
		}
	}
	return append(out, undeclaredBuildArgs(snap.file.Name, set, declared)...)
}

// undeclaredBuildArgs warns about build.args settings that no ARG (or
// args entry) declares; they would be ignored by a build.
func undeclaredBuildArgs(file string, set Settings, declared map[string]bool) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, name := range sortedKeys(set.Build.Args) {
		if declared[name] || slices.Contains(plan.ProxyArgs, name) {
			continue
		}
		out = append(out, diag.Diagnostic{File: file, Severity: diag.Warning, Code: codeUnusedArg, Source: "zlayer",
			Message: fmt.Sprintf("build-arg '%s' is not declared in the build file and was not used (from the zlayer.build.args setting)", name)})
	}
	return out
}
