// Package buildcontext describes a build context: the directory a build may
// copy files from, filtered by its ignore file. The runner asks it which
// files a COPY or ADD selects and for a content digest of exactly those
// files, the part of a step's cache key that changes when the sources do;
// watch mode asks it which paths a build can see at all.
//
// The rules are Docker's and buildah's: exactly one ignore file is used,
// its patterns are anchored at the context root, and a source may never
// reach outside the context, neither through ".." nor through a symlink.
package buildcontext

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Context is a build context directory with its ignore rules. Its methods
// are safe for concurrent use. The ignore file is read once, by Open; open
// the context again to pick up a changed ignore file.
type Context struct {
	dir        string // absolute, symlinks evaluated
	given      string // absolute, as the caller named it
	ignoreFile string // absolute path, "" when there is none
	patterns   []string

	mu      sync.Mutex // guards matcher, which compiles lazily
	matcher *patternmatcher.PatternMatcher
}

// Open opens the build context dir for a build of buildFile and reads the
// ignore file buildah would use. Exactly one ignore file applies, the first
// that exists of <buildFile>.dockerignore, <buildFile>.containerignore,
// <dir>/.containerignore and <dir>/.dockerignore. buildFile may be empty; a
// relative buildFile is found like `buildah build -f` finds it: from the
// working directory, else inside dir.
func Open(dir, buildFile string) (*Context, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	if fi, err := os.Stat(real); err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory; pass the directory that holds your sources", dir)
	}
	c := &Context{dir: real, given: abs}
	for _, cand := range ignoreCandidates(real, buildFile) {
		data, err := os.ReadFile(cand)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read ignore file: %w", err)
		}
		c.ignoreFile = cand
		if c.patterns, err = parseIgnoreFile(cand, data); err != nil {
			return nil, err
		}
		break
	}
	if c.matcher, err = patternmatcher.New(c.patterns); err != nil {
		return nil, fmt.Errorf("ignore file %s: %w", c.ignoreFile, err)
	}
	return c, nil
}

// ignoreCandidates lists the possible ignore files, highest precedence
// first.
func ignoreCandidates(dir, buildFile string) []string {
	var out []string
	if buildFile != "" {
		bf := buildFile
		if !filepath.IsAbs(bf) {
			if _, err := os.Stat(bf); err != nil {
				bf = filepath.Join(dir, bf)
			} else if a, err := filepath.Abs(bf); err == nil {
				bf = a
			}
		}
		out = append(out, bf+".dockerignore", bf+".containerignore")
	}
	return append(out, filepath.Join(dir, ".containerignore"), filepath.Join(dir, ".dockerignore"))
}

// parseIgnoreFile reads the patterns of an ignore file with the rules of
// moby's ignorefile package, keeping line numbers so that a bad pattern can
// be reported where it is.
func parseIgnoreFile(name string, data []byte) ([]string, error) {
	var patterns []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		got, err := ignorefile.ReadAll(strings.NewReader(sc.Text()))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		for _, p := range got {
			if err := checkPattern(p); err != nil {
				return nil, fmt.Errorf("%s:%d: invalid pattern %q: %w; fix or remove the line", name, line, p, err)
			}
		}
		patterns = append(patterns, got...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read ignore file %s: %w", name, err)
	}
	return patterns, nil
}

// checkPattern makes the pattern matcher compile p now, so that a syntax
// error shows up when the file is read and not later, silently, on match.
func checkPattern(p string) error {
	p = strings.TrimPrefix(p, "!")
	if strings.TrimSpace(p) == "" {
		return errors.New(`"!" needs a pattern after it`)
	}
	pm, err := patternmatcher.New([]string{p})
	if err != nil {
		return err
	}
	_, err = pm.MatchesOrParentMatches("x")
	return err
}

// Dir returns the absolute path of the context directory, with symlinks
// evaluated.
func (c *Context) Dir() string { return c.dir }

// IgnoreFile returns the path of the ignore file in effect, or "" when the
// context has none.
func (c *Context) IgnoreFile() string { return c.ignoreFile }

// Patterns returns the ignore file's patterns in file order, as the pattern
// matcher sees them.
func (c *Context) Patterns() []string { return append([]string(nil), c.patterns...) }

// Ignored reports whether the ignore file excludes rel, a context-relative
// slash-separated path. A path is excluded when it or one of its parent
// directories matches a pattern and no later "!" pattern re-includes it. The
// context root itself is never ignored.
func (c *Context) Ignored(rel string) bool {
	rel, ok := cleanRel(rel)
	if !ok || rel == "." || len(c.patterns) == 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Patterns were compiled by Open, so matching cannot fail.
	m, _ := c.matcher.MatchesOrParentMatches(rel)
	return m
}

// IgnoredDir reports whether the directory rel and everything beneath it
// are ignored, so that a walk of the context can skip it: rel is ignored
// and no "!" pattern could re-include anything inside it.
func (c *Context) IgnoredDir(rel string) bool {
	if !c.Ignored(rel) {
		return false
	}
	rel, _ = cleanRel(rel)
	dirs := strings.Split(rel, "/")
	for _, p := range c.patterns {
		if strings.HasPrefix(p, "!") && mayMatchBelow(strings.Split(p[1:], "/"), dirs) {
			return false
		}
	}
	return true
}

// mayMatchBelow reports whether a pattern split into components could
// match a path inside the directory split into dirs.
func mayMatchBelow(pattern, dirs []string) bool {
	for i, d := range dirs {
		if i >= len(pattern) {
			// The pattern matches a parent of the directory.
			return true
		}
		if pattern[i] == "**" {
			return true
		}
		if ok, err := path.Match(pattern[i], d); err != nil || !ok {
			return false
		}
	}
	return true
}

// cleanRel cleans a context-relative path; it reports false for a path that
// leaves the context.
func cleanRel(rel string) (string, bool) {
	rel = path.Clean(strings.TrimLeft(filepath.ToSlash(rel), "/"))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return rel, false
	}
	return rel, true
}
