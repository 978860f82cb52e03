package buildcontext

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNotFound is wrapped by the error Match returns for a source that is
// not in the build context, either because it does not exist or because
// the ignore file excludes it.
var ErrNotFound = errors.New("not found in build context")

// ErrOutside is wrapped by the error Match returns for a source that
// leaves the build context through ".." or a symlink.
var ErrOutside = errors.New("outside the build context")

// File is one entry a COPY or ADD source list selects.
type File struct {
	// Path is the context-relative, slash-separated path as the source
	// list names it.
	Path string
	// Resolved is the context-relative path whose content is copied: Path
	// itself, or where the symlinks a source names lead. Symlinks found
	// inside a copied directory are copied as links and not resolved.
	Resolved string
	// Type holds the file type bits of Resolved (fs.ModeDir, fs.ModeSymlink,
	// zero for a regular file).
	Type fs.FileMode
}

// SourceError describes a COPY or ADD source the build context cannot
// provide. It wraps ErrNotFound or ErrOutside.
type SourceError struct {
	Source string // as written
	Dir    string // the context directory
	// Link and Target name the symlink that leads out of the context.
	Link, Target string
	// IgnoreFile is set when the ignore file excludes the source.
	IgnoreFile string
	Err        error
}

func (e *SourceError) Error() string {
	switch {
	case errors.Is(e.Err, ErrOutside) && e.Link != "":
		return fmt.Sprintf("COPY source '%s' leads outside the build context %s: symlink '%s' points to '%s'; copy the target into the context or make the link relative inside it",
			e.Source, e.Dir, e.Link, e.Target)
	case errors.Is(e.Err, ErrOutside):
		return fmt.Sprintf("COPY source '%s' is outside the build context %s; only files inside the context can be copied: move them into it or choose a larger context",
			e.Source, e.Dir)
	case e.IgnoreFile != "":
		return fmt.Sprintf("COPY source '%s' not found in build context %s: %s excludes it; remove that pattern or add '!%s'",
			e.Source, e.Dir, e.IgnoreFile, strings.TrimLeft(e.Source, "/"))
	case errors.Is(e.Err, ErrNotFound):
		return fmt.Sprintf("COPY source '%s' not found in build context %s; check the path or your .dockerignore", e.Source, e.Dir)
	default:
		return fmt.Sprintf("COPY source '%s' in build context %s: %v", e.Source, e.Dir, e.Err)
	}
}

func (e *SourceError) Unwrap() error { return e.Err }

// escapeError is how resolve reports a symlink that leads out of the
// context; Match turns it into a SourceError.
type escapeError struct{ link, target string }

func (e *escapeError) Error() string { return "symlink " + e.link + " points outside: " + e.target }

// Match returns the files, directories and symlinks that a COPY or ADD
// source list selects from the context, with Docker's rules: a leading "/"
// means the context root; a directory selects itself and everything inside
// it; "*", "?" and "[...]" match within one path component, and a pattern
// that matches nothing contributes nothing; symlinks named by a source are
// followed; the ignore file applies. The result is sorted by Path and holds
// each path once. Sources must be local paths, not URLs.
//
// A source that does not exist or is ignored is an error wrapping
// ErrNotFound, and one that leaves the context an error wrapping
// ErrOutside; both are *SourceError. So is a list whose patterns all match
// nothing.
func (c *Context) Match(srcs []string) ([]File, error) {
	if len(srcs) == 0 {
		return nil, nil
	}
	root, err := os.OpenRoot(c.dir)
	if err != nil {
		return nil, fmt.Errorf("open build context: %w", err)
	}
	defer root.Close()
	seen := map[string]File{}
	for _, src := range srcs {
		files, err := c.matchSource(root, src)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if _, dup := seen[f.Path]; !dup {
				seen[f.Path] = f
			}
		}
	}
	if len(seen) == 0 {
		return nil, &SourceError{Source: strings.Join(srcs, "', '"), Dir: c.dir, Err: ErrNotFound}
	}
	out := make([]File, 0, len(seen))
	for _, f := range seen {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// matchSource selects the files of one source.
func (c *Context) matchSource(root *os.Root, src string) ([]File, error) {
	rel, ok := cleanRel(src)
	if !ok {
		return nil, &SourceError{Source: src, Dir: c.dir, Err: ErrOutside}
	}
	if !hasMeta(rel) {
		res, err := c.resolve(root, rel)
		if err != nil {
			return nil, c.sourceError(src, err)
		}
		fi, err := root.Lstat(res)
		if err != nil {
			return nil, c.sourceError(src, err)
		}
		if c.excluded(rel, res, fi.IsDir()) {
			return nil, &SourceError{Source: src, Dir: c.dir, IgnoreFile: c.ignoreFile, Err: ErrNotFound}
		}
		files, err := c.collect(root, rel, res, fi)
		if err != nil {
			return nil, c.sourceError(src, err)
		}
		return files, nil
	}
	if _, err := path.Match(rel, ""); err != nil {
		return nil, fmt.Errorf("COPY source '%s' is not a valid pattern (%w); escape '*', '?' and '[' with '\\' to name them literally", src, err)
	}
	cands, err := c.glob(root, rel)
	if err != nil {
		return nil, c.sourceError(src, err)
	}
	var files []File
	for _, cd := range cands {
		fi, err := root.Lstat(cd.res)
		if errors.Is(err, fs.ErrNotExist) || c.excluded(cd.rel, cd.res, err == nil && fi.IsDir()) {
			continue
		}
		if err != nil {
			return nil, c.sourceError(src, err)
		}
		got, err := c.collect(root, cd.rel, cd.res, fi)
		if err != nil {
			return nil, c.sourceError(src, err)
		}
		files = append(files, got...)
	}
	return files, nil
}

// excluded reports whether the ignore file keeps a source out of the
// context: the source (by its path or where it resolves to) is ignored and,
// for a directory, nothing inside it is re-included.
func (c *Context) excluded(rel, res string, dir bool) bool {
	for _, p := range []string{rel, res} {
		if c.Ignored(p) && (!dir || c.IgnoredDir(p)) {
			return true
		}
	}
	return false
}

func (c *Context) sourceError(src string, err error) error {
	var esc *escapeError
	switch {
	case errors.As(err, &esc):
		return &SourceError{Source: src, Dir: c.dir, Link: esc.link, Target: esc.target, Err: ErrOutside}
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, errNotDir):
		return &SourceError{Source: src, Dir: c.dir, Err: ErrNotFound}
	default:
		return &SourceError{Source: src, Dir: c.dir, Err: err}
	}
}

// hasMeta reports whether p holds a wildcard character.
func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// candidate is a path a wildcard matched, with where it resolves to.
type candidate struct{ rel, res string }

// glob expands a wildcard pattern one path component at a time, following
// symlinks on the way like a literal source does.
func (c *Context) glob(root *os.Root, pattern string) ([]candidate, error) {
	cur := []candidate{{".", "."}}
	comps := strings.Split(pattern, "/")
	for i, comp := range comps {
		last := i == len(comps)-1
		var next []candidate
		for _, cd := range cur {
			names, err := c.namesMatching(root, cd.res, comp)
			if err != nil {
				return nil, err
			}
			for _, name := range names {
				rel := path.Join(cd.rel, name)
				res, err := c.resolve(root, path.Join(cd.res, name))
				var esc *escapeError
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) || !last && errors.As(err, &esc) {
					// A dangling link, a vanished file, or a way out of the
					// context on the way to a match leads to nothing.
					continue
				}
				if err != nil {
					return nil, err
				}
				next = append(next, candidate{rel, res})
			}
		}
		cur = next
	}
	return cur, nil
}

// namesMatching lists the entries of dir that the pattern component comp
// matches; a literal component is its own only candidate.
func (c *Context) namesMatching(root *os.Root, dir, comp string) ([]string, error) {
	if !hasMeta(comp) {
		return []string{comp}, nil
	}
	f, err := root.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		// Not a directory: nothing below it can match.
		return nil, nil
	}
	var names []string
	for _, e := range entries {
		if ok, _ := path.Match(comp, e.Name()); ok {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// errNotDir reports a path that goes through a file as if it were a
// directory.
var errNotDir = errors.New("not a directory")

// resolve follows the symlinks in rel, a clean context-relative path, and
// returns the context-relative path it leads to. A symlink leading out of
// the context is an *escapeError. Absolute link targets are accepted when
// they lie inside the context directory.
func (c *Context) resolve(root *os.Root, rel string) (string, error) {
	var done []string
	todo := splitRel(rel)
	for hops := 0; len(todo) > 0; {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case ".", "":
			continue
		case "..":
			if len(done) == 0 {
				return "", &escapeError{link: rel, target: ".."}
			}
			done = done[:len(done)-1]
			continue
		}
		cur := path.Join(append(done, name)...)
		fi, err := root.Lstat(cur)
		if err != nil {
			return "", err
		}
		if len(todo) > 0 && fi.Mode()&fs.ModeSymlink == 0 && !fi.IsDir() {
			return "", fmt.Errorf("%s: %w", cur, errNotDir)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, name)
			continue
		}
		if hops++; hops > 255 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", cur)
		}
		target, err := root.Readlink(cur)
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			inside, ok := c.relInside(target)
			if !ok {
				return "", &escapeError{link: cur, target: target}
			}
			done, target = nil, inside
		} else if t := path.Join(path.Join(done...), target); t == ".." || strings.HasPrefix(t, "../") {
			return "", &escapeError{link: cur, target: target}
		}
		todo = append(splitRel(target), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

// relInside converts an absolute path inside the context directory to a
// context-relative one.
func (c *Context) relInside(abs string) (string, bool) {
	for _, dir := range []string{c.dir, c.given} {
		r, err := filepath.Rel(dir, abs)
		if err == nil && r != ".." && !strings.HasPrefix(r, "../") {
			return filepath.ToSlash(r), true
		}
	}
	return "", false
}

func splitRel(p string) []string {
	if p == "" || p == "." {
		return nil
	}
	return strings.Split(filepath.ToSlash(p), "/")
}

// collect returns the entry a source selected and, for a directory,
// everything inside it that the ignore file does not exclude.
func (c *Context) collect(root *os.Root, rel, res string, fi fs.FileInfo) ([]File, error) {
	files := []File{{Path: rel, Resolved: res, Type: fi.Mode().Type()}}
	if !fi.IsDir() {
		return files, nil
	}
	err := fs.WalkDir(root.FS(), res, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == res {
			return nil
		}
		if c.Ignored(p) {
			if !d.IsDir() {
				return nil
			}
			if c.IgnoredDir(p) {
				return fs.SkipDir
			}
			// An ignored directory that holds re-included files is still
			// part of the context, as their parent.
		}
		sub := strings.TrimPrefix(p, res+"/")
		if res == "." {
			sub = p
		}
		files = append(files, File{Path: path.Join(rel, sub), Resolved: p, Type: d.Type()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", res, err)
	}
	return files, nil
}

// Affects reports whether a change at rel, a context-relative path that
// may no longer exist, can change what the sources srcs select: rel is
// selected by a source or lies inside a selected directory and is not
// ignored, or rel is a directory on the way to a source. It looks at paths
// only, so a source reached through a symlink is matched by the link's
// path, not its target's; compare File.Resolved for those.
func (c *Context) Affects(srcs []string, rel string) bool {
	rel, ok := cleanRel(rel)
	if !ok {
		return false
	}
	relParts := splitRel(rel)
	for _, src := range srcs {
		p, ok := cleanRel(src)
		if !ok {
			continue
		}
		pParts := splitRel(p)
		if !prefixMatch(pParts, relParts) {
			continue
		}
		if len(relParts) >= len(pParts) && !c.Ignored(rel) {
			return true
		}
		if len(relParts) < len(pParts) && !c.IgnoredDir(rel) {
			return true
		}
	}
	return false
}

// prefixMatch reports whether the shorter of pattern and parts matches the
// start of the other, component by component.
func prefixMatch(pattern, parts []string) bool {
	for i := range min(len(pattern), len(parts)) {
		if ok, err := path.Match(pattern[i], parts[i]); err != nil || !ok {
			return false
		}
	}
	return true
}
