package watch

import (
	"errors"
	"io/fs"
	"path/filepath"
	"time"
)

// stamp is what polling compares to tell that a path changed.
type stamp struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
	sys   sysStamp
}

// startPolling takes the first snapshot and starts the poll ticker.
func (l *loop) startPolling() {
	l.w.polling.Store(true)
	l.snap = l.scan()
	l.tick = time.NewTicker(l.opts.PollInterval)
}

// scan records a stamp for every path under the root that is not in a
// skipped directory.
func (l *loop) scan() map[string]stamp {
	snap := map[string]stamp{}
	root := l.w.root
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				l.opts.Logf("watch: %v", err)
			}
			return nil
		}
		rel, ok := l.rel(p)
		if !ok {
			return nil
		}
		if d.IsDir() && l.skipDir(rel) {
			return fs.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed since the directory was read
		}
		st := stamp{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime(), sys: sysStampOf(fi)}
		if fi.IsDir() {
			// A directory's times and size change with its entries, which
			// are reported themselves, as inotify does.
			st.size, st.mtime, st.sys = 0, time.Time{}, st.sys.withoutTimes()
		}
		snap[rel] = st
		return nil
	})
	l.scanFiles(snap)
	return snap
}

// poll scans the tree and notes every path that appeared, disappeared or
// changed since the last scan.
func (l *loop) poll() {
	snap := l.scan()
	for rel, st := range snap {
		if old, ok := l.snap[rel]; !ok || old != st {
			l.notePolled(rel)
		}
	}
	for rel := range l.snap {
		if _, ok := snap[rel]; !ok {
			l.notePolled(rel)
		}
	}
	l.snap = snap
}
