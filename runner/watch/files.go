package watch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// outsideFiles maps the absolute paths of the files in files that lie
// outside root to the paths batches report them as, relative to root.
// Files inside root are watched with the tree already.
func outsideFiles(root string, files []string) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			continue
		}
		if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			abs = filepath.Join(dir, filepath.Base(abs))
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || !escapes(rel) {
			continue
		}
		out[abs] = filepath.ToSlash(rel)
	}
	return out
}

// watchFiles watches the directories holding the files outside the root:
// editors often save by writing a new file and renaming it over the old
// one, which a watch on the file itself would lose.
func (l *loop) watchFiles() error {
	for f := range l.files {
		dir := filepath.Dir(f)
		if l.fsw == nil || l.fileDirs[dir] {
			continue
		}
		if err := l.add(dir); errors.Is(err, syscall.ENOSPC) {
			return errWatchLimit
		} else if err != nil {
			l.opts.Logf("watch: cannot watch %s: %v", f, err)
			continue
		}
		if l.fileDirs == nil {
			l.fileDirs = map[string]bool{}
		}
		l.fileDirs[dir] = true
	}
	return nil
}

// refresh applies SkipDir to the whole tree again (Watcher.Refresh).
// Polling needs nothing: every scan asks SkipDir afresh.
func (l *loop) refresh() {
	if l.fsw == nil {
		return
	}
	for d := range l.dirs {
		if rel, ok := l.rel(d); ok && l.skipDir(rel) {
			l.forget(d)
		}
	}
	if err := l.addTree(l.w.root, false); errors.Is(err, errWatchLimit) {
		l.fallBack(err)
	}
}

// scanFiles adds stamps for the files outside the root to a poll's
// snapshot.
func (l *loop) scanFiles(snap map[string]stamp) {
	for f, rel := range l.files {
		if fi, err := os.Lstat(f); err == nil {
			snap[rel] = stamp{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime(), sys: sysStampOf(fi)}
		}
	}
}

// notePolled records a change a poll found: files outside the root always
// count, the tree's paths when they are relevant.
func (l *loop) notePolled(rel string) {
	if strings.HasPrefix(rel, "../") {
		l.mark(rel)
		return
	}
	l.note(rel)
}
