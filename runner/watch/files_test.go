package watch

import (
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
)

func TestFilesOutsideTheRoot(t *testing.T) {
	for _, poll := range []bool{false, true} {
		t.Run(map[bool]string{false: "inotify", true: "poll"}[poll], func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "Dockerfile", "FROM scratch")
			write(t, dir, "other", "x")
			write(t, dir, "app/main.go", "package main")
			root := filepath.Join(dir, "app")
			w := newWatcher(t, root, Options{
				Poll:  poll,
				Files: []string{filepath.Join(dir, "Dockerfile"), filepath.Join(root, "main.go")},
				// Nothing in the tree is relevant: only the listed file
				// outside it may make a batch.
				Relevant: func(rel string) bool { return rel == "sentinel" },
			})
			write(t, dir, "other", "y")
			write(t, root, "main.go", "package main // changed")
			write(t, dir, "Dockerfile", "FROM scratch\nENV A=1")
			if b := next(t, w); !slices.Equal(b.Paths, []string{"../Dockerfile"}) {
				t.Fatalf("batch = %v, want [../Dockerfile]", b.Paths)
			}
			// Saved the way Vim and VS Code save: a new file renamed over it.
			write(t, dir, "Dockerfile.tmp", "FROM scratch\nENV A=2")
			if err := os.Rename(filepath.Join(dir, "Dockerfile.tmp"), filepath.Join(dir, "Dockerfile")); err != nil {
				t.Fatal(err)
			}
			if b := next(t, w); !slices.Equal(b.Paths, []string{"../Dockerfile"}) {
				t.Fatalf("after a rename, batch = %v, want [../Dockerfile]", b.Paths)
			}
			expectOnly(t, w, root)
		})
	}
}

func TestRefreshAppliesSkipDirAgain(t *testing.T) {
	root := t.TempDir()
	write(t, root, "vendor/lib/a.go", "1")
	write(t, root, "src/b.go", "1")
	var skipVendor atomic.Bool
	skipVendor.Store(true)
	w := newWatcher(t, root, Options{SkipDir: func(rel string) bool {
		if rel == "vendor" {
			return skipVendor.Load()
		}
		return rel == "src"
	}})
	write(t, root, "vendor/lib/a.go", "2") // not watched: no batch
	expectOnly(t, w, root)

	skipVendor.Store(false)
	w.Refresh()
	write(t, root, "vendor/lib/a.go", "3")
	if b := next(t, w); !slices.Equal(b.Paths, []string{"vendor/lib/a.go"}) {
		t.Fatalf("after Refresh, batch = %v, want [vendor/lib/a.go]", b.Paths)
	}

	skipVendor.Store(true)
	w.Refresh()
	expectOnly(t, w, root)
	write(t, root, "vendor/lib/a.go", "4")
	write(t, root, "src/b.go", "2") // skipped throughout
	expectOnly(t, w, root)
}
