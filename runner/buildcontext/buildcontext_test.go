package buildcontext

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeTree creates files under dir from a spec: "path" → content; a path
// ending in "/" is a directory, content starting with "->" a symlink.
func writeTree(t testing.TB, dir string, spec map[string]string) {
	t.Helper()
	for p, content := range spec {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func openTree(t *testing.T, spec map[string]string) *Context {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, spec)
	c, err := Open(dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpenIgnoreFilePrecedence(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // base name of the ignore file in effect
		// ignored and kept name files whose fate shows which file applied.
		ignored, kept []string
	}{
		{"none", map[string]string{}, "", nil, []string{"a", "b", "c", "d"}},
		{"context dockerignore", map[string]string{".dockerignore": "d"}, ".dockerignore", []string{"d"}, []string{"c"}},
		{"containerignore replaces dockerignore", map[string]string{".dockerignore": "d", ".containerignore": "c"},
			".containerignore", []string{"c"}, []string{"d"}},
		{"build file containerignore beats context files", map[string]string{
			".dockerignore": "d", ".containerignore": "c", "Dockerfile.containerignore": "b"},
			"Dockerfile.containerignore", []string{"b"}, []string{"c", "d"}},
		{"build file dockerignore beats all", map[string]string{
			".dockerignore": "d", ".containerignore": "c", "Dockerfile.containerignore": "b", "Dockerfile.dockerignore": "a"},
			"Dockerfile.dockerignore", []string{"a"}, []string{"b", "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := openTree(t, tt.files)
			got := ""
			if c.IgnoreFile() != "" {
				got = filepath.Base(c.IgnoreFile())
				if !filepath.IsAbs(c.IgnoreFile()) {
					t.Errorf("IgnoreFile() = %q, want an absolute path", c.IgnoreFile())
				}
			}
			if got != tt.want {
				t.Errorf("IgnoreFile() = %q, want %q", got, tt.want)
			}
			for _, p := range tt.ignored {
				if !c.Ignored(p) {
					t.Errorf("Ignored(%q) = false, want true", p)
				}
			}
			for _, p := range tt.kept {
				if c.Ignored(p) {
					t.Errorf("Ignored(%q) = true, want false", p)
				}
			}
		})
	}
}

func TestOpenBuildFileElsewhere(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"ctx/.dockerignore":             "x",
		"files/ZImagefile.dockerignore": "y",
	})
	c, err := Open(filepath.Join(dir, "ctx"), filepath.Join(dir, "files", "ZImagefile"))
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(c.IgnoreFile()); got != "ZImagefile.dockerignore" {
		t.Errorf("IgnoreFile() = %q, want the one next to the build file", c.IgnoreFile())
	}
	if !c.Ignored("y") || c.Ignored("x") {
		t.Errorf("Ignored(y), Ignored(x) = %v, %v; want true, false", c.Ignored("y"), c.Ignored("x"))
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"file": "x", ".dockerignore": "# comment\nok\n[\n"})
	_, err := Open(dir, "")
	if err == nil || !strings.Contains(err.Error(), ".dockerignore:3:") || !strings.Contains(err.Error(), `"["`) {
		t.Errorf("Open with a bad pattern: err = %v, want one naming .dockerignore:3 and the pattern", err)
	}
	if _, err := Open(filepath.Join(dir, "file"), ""); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open(file) err = %v, want a not-a-directory error", err)
	}
	if _, err := Open(filepath.Join(dir, "missing"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) err = %v, want ErrNotExist", err)
	}
}

func TestIgnored(t *testing.T) {
	c := openTree(t, map[string]string{".dockerignore": strings.Join([]string{
		"# build outputs",
		"blob.bin",
		"/abs.txt",
		"**/*.log",
		"!src/sub/keep.log",
		"docs",
		"!docs/README.md",
		"tmp*/",
		"vendor/**/testdata",
	}, "\n")})
	tests := []struct {
		path string
		want bool
	}{
		{"blob.bin", true},
		{"src/blob.bin", false}, // anchored at the root
		{"abs.txt", true},
		{"/abs.txt", true},
		{"a.log", true},
		{"src/sub/deep/x.log", true},
		{"src/sub/keep.log", false}, // ! exception
		{"docs", true},
		{"docs/guide.md", true},
		{"docs/README.md", false},
		{"tmp1", true},
		{"tmp1/f", true},
		{"vendor/a/b/testdata/f", true},
		{"vendor/a/b/code.go", false},
		{".", false},
		{"", false},
		{"src/main.go", false},
	}
	for _, tt := range tests {
		if got := c.Ignored(tt.path); got != tt.want {
			t.Errorf("Ignored(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	dirs := []struct {
		path string
		want bool
	}{
		{"tmp1", true},
		{"docs", false}, // docs/README.md is re-included
		{"src", false},  // not ignored at all
		{"vendor/x/testdata", true},
	}
	for _, tt := range dirs {
		if got := c.IgnoredDir(tt.path); got != tt.want {
			t.Errorf("IgnoredDir(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func paths(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestMatch(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret": "s"})
	tree := map[string]string{
		".dockerignore":       "*.tmp\nbuild\nlogs\n!logs/keep.log\n**/*.bak",
		"Dockerfile":          "FROM scratch",
		"a.txt":               "a",
		"b.txt":               "b",
		"x.tmp":               "ignored",
		"src/main.go":         "package main",
		"src/util/u.go":       "package util",
		"src/util/u.go.bak":   "old",
		"src/empty/":          "",
		"src/link-out":        "->" + filepath.Join(outside, "secret"),
		"build/out":           "ignored",
		"logs/a.log":          "ignored",
		"logs/keep.log":       "kept",
		"link-to-a":           "->a.txt",
		"link-to-src":         "->src",
		"abs-link-in":         "->/", // fixed up below to the context dir
		"escape-rel":          "->../outside",
		"escape-abs":          "->" + outside,
		"dir-with-escape/ok":  "ok",
		"dir-with-escape/out": "->../../x",
		"weird[name]":         "literal",
	}
	dir := t.TempDir()
	delete(tree, "abs-link-in")
	writeTree(t, dir, tree)
	real, _ := filepath.EvalSymlinks(dir)
	if err := os.Symlink(filepath.Join(real, "src", "main.go"), filepath.Join(dir, "abs-link-in")); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	srcTree := []string{"src", "src/empty", "src/link-out", "src/main.go", "src/util", "src/util/u.go"}
	tests := []struct {
		name    string
		srcs    []string
		want    []string
		wantErr error
		errText string
	}{
		{name: "file", srcs: []string{"a.txt"}, want: []string{"a.txt"}},
		{name: "leading slash is the context root", srcs: []string{"/a.txt", "./b.txt"}, want: []string{"a.txt", "b.txt"}},
		{name: "directory copies its contents", srcs: []string{"src"}, want: srcTree},
		{name: "trailing slash", srcs: []string{"src/"}, want: srcTree},
		{name: "wildcard", srcs: []string{"*.txt"}, want: []string{"a.txt", "b.txt"}},
		{name: "wildcard skips ignored files", srcs: []string{"*.tmp", "a.txt"}, want: []string{"a.txt"}},
		{name: "wildcard matching nothing contributes nothing", srcs: []string{"*.none", "b.txt"}, want: []string{"b.txt"}},
		{name: "wildcard in a middle component", srcs: []string{"s?c/*/u.go"}, want: []string{"src/util/u.go"}},
		{name: "character class", srcs: []string{"[ab].txt"}, want: []string{"a.txt", "b.txt"}},
		{name: "escaped wildcard is literal", srcs: []string{`weird\[name]`}, want: []string{"weird[name]"}},
		{name: "duplicates once", srcs: []string{"a.txt", "*.txt", "a.txt"}, want: []string{"a.txt", "b.txt"}},
		{name: "ignored dir with a re-included file", srcs: []string{"logs"}, want: []string{"logs", "logs/keep.log"}},
		{name: "symlink source is followed", srcs: []string{"link-to-a"}, want: []string{"link-to-a"}},
		{name: "symlinked directory", srcs: []string{"link-to-src/util"}, want: []string{"link-to-src/util", "link-to-src/util/u.go"}},
		{name: "absolute symlink inside the context", srcs: []string{"abs-link-in"}, want: []string{"abs-link-in"}},
		{name: "links inside a copied directory stay links", srcs: []string{"dir-with-escape"},
			want: []string{"dir-with-escape", "dir-with-escape/ok", "dir-with-escape/out"}},
		{name: "whole context", srcs: []string{"."}, want: []string{
			".", ".dockerignore", "Dockerfile", "a.txt", "abs-link-in", "b.txt",
			"dir-with-escape", "dir-with-escape/ok", "dir-with-escape/out",
			"escape-abs", "escape-rel", "link-to-a", "link-to-src", "logs", "logs/keep.log",
			"src", "src/empty", "src/link-out", "src/main.go", "src/util", "src/util/u.go", "weird[name]"}},
		{name: "missing", srcs: []string{"nope.txt"}, wantErr: ErrNotFound,
			errText: "COPY source 'nope.txt' not found in build context " + real + "; check the path or your .dockerignore"},
		{name: "missing below a file", srcs: []string{"a.txt/x"}, wantErr: ErrNotFound},
		{name: "ignored file", srcs: []string{"x.tmp"}, wantErr: ErrNotFound, errText: ".dockerignore excludes it"},
		{name: "ignored dir", srcs: []string{"build"}, wantErr: ErrNotFound},
		{name: "every wildcard matches nothing", srcs: []string{"*.none", "none/*"}, wantErr: ErrNotFound},
		{name: "dotdot", srcs: []string{"../outside"}, wantErr: ErrOutside, errText: "outside the build context"},
		{name: "dotdot after root", srcs: []string{"/src/../../x"}, wantErr: ErrOutside},
		{name: "relative symlink out", srcs: []string{"escape-rel"}, wantErr: ErrOutside, errText: "symlink 'escape-rel' points to '../outside'"},
		{name: "absolute symlink out", srcs: []string{"escape-abs"}, wantErr: ErrOutside},
		{name: "symlink out named through a dir", srcs: []string{"src/link-out"}, wantErr: ErrOutside},
		{name: "wildcard reaching a symlink out", srcs: []string{"escape-*"}, wantErr: ErrOutside},
		{name: "bad pattern", srcs: []string{"a["}, errText: "not a valid pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := c.Match(tt.srcs)
			if tt.wantErr != nil || tt.errText != "" {
				if err == nil {
					t.Fatalf("Match(%q) = %v, want an error", tt.srcs, paths(files))
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("Match(%q) err = %v, want errors.Is %v", tt.srcs, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("Match(%q) err = %q, want it to contain %q", tt.srcs, err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Match(%q): %v", tt.srcs, err)
			}
			if got := paths(files); !slices.Equal(got, tt.want) {
				t.Errorf("Match(%q) =\n  %q\nwant\n  %q", tt.srcs, got, tt.want)
			}
		})
	}
}

func TestMatchResolved(t *testing.T) {
	c := openTree(t, map[string]string{
		"real/f":   "x",
		"real/sub": "->f",
		"link":     "->real",
	})
	files, err := c.Match([]string{"link"})
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{Path: "link", Resolved: "real", Type: os.ModeDir},
		{Path: "link/f", Resolved: "real/f", Type: 0},
		{Path: "link/sub", Resolved: "real/sub", Type: os.ModeSymlink},
	}
	if !slices.Equal(files, want) {
		t.Errorf("Match(link) = %+v, want %+v", files, want)
	}
}

func TestDigest(t *testing.T) {
	spec := map[string]string{
		".dockerignore":   "**/*.tmp",
		"app/main.go":     "package main",
		"app/lib.go":      "package main // lib",
		"app/scratch.tmp": "ignored",
		"app/link":        "->main.go",
	}
	digest := func(t *testing.T, c *Context) string {
		t.Helper()
		files, err := c.Match([]string{"app"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Digest(files)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
			t.Fatalf("Digest = %q, want sha256:<64 hex>", d)
		}
		return d
	}
	tests := []struct {
		name   string
		change func(dir string) error
		same   bool
	}{
		{"nothing", func(string) error { return nil }, true},
		{"touch", func(dir string) error {
			future := time.Now().Add(time.Hour)
			return os.Chtimes(filepath.Join(dir, "app/main.go"), future, future)
		}, true},
		{"ignored file changes", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "app/scratch.tmp"), []byte("different"), 0o644)
		}, true},
		{"new ignored file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "app/new.tmp"), []byte("x"), 0o644)
		}, true},
		{"file outside the sources", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o644)
		}, true},
		{"chmod", func(dir string) error { return os.Chmod(filepath.Join(dir, "app/main.go"), 0o755) }, false},
		{"chmod of the directory", func(dir string) error { return os.Chmod(filepath.Join(dir, "app"), 0o700) }, false},
		{"content", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "app/main.go"), []byte("package main\n"), 0o644)
		}, false},
		{"same size content", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "app/main.go"), []byte("package mein"), 0o644)
		}, false},
		{"new file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "app/new.go"), nil, 0o644)
		}, false},
		{"removed file", func(dir string) error { return os.Remove(filepath.Join(dir, "app/lib.go")) }, false},
		{"rename", func(dir string) error {
			return os.Rename(filepath.Join(dir, "app/lib.go"), filepath.Join(dir, "app/lib2.go"))
		}, false},
		{"symlink target", func(dir string) error {
			if err := os.Remove(filepath.Join(dir, "app/link")); err != nil {
				return err
			}
			return os.Symlink("lib.go", filepath.Join(dir, "app/link"))
		}, false},
		{"owner", func(dir string) error {
			if os.Getuid() != 0 {
				return errSkip
			}
			return os.Lchown(filepath.Join(dir, "app/main.go"), 1000, 1000)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, spec)
			c, err := Open(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			before := digest(t, c)
			if err := tt.change(dir); errors.Is(err, errSkip) {
				t.Skip("needs root")
			} else if err != nil {
				t.Fatal(err)
			}
			after := digest(t, c)
			if (before == after) != tt.same {
				t.Errorf("digest before %s, after %s; want same=%v", before, after, tt.same)
			}
		})
	}
}

var errSkip = errors.New("skip")

func TestDigestOrderAndMissing(t *testing.T) {
	c := openTree(t, map[string]string{"a": "1", "b": "2"})
	files, err := c.Match([]string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	d1, err := c.Digest(files)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := c.Digest([]File{files[1], files[0]})
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 {
		t.Errorf("digest depends on order: %s vs %s", d1, d2)
	}
	if err := os.Remove(filepath.Join(c.Dir(), "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Digest(files); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Digest after removing a file: err = %v, want ErrNotExist", err)
	}
}

func TestAffects(t *testing.T) {
	c := openTree(t, map[string]string{".dockerignore": "src/gen\n**/*.md"})
	srcs := []string{"src", "config/*.yaml", "/go.mod"}
	tests := []struct {
		path string
		want bool
	}{
		{"src/main.go", true},
		{"src/deep/a/b.go", true},
		{"src", true},
		{"go.mod", true},
		{"go.sum", false},
		{"config/app.yaml", true},
		{"config/app.json", false},
		{"config", true}, // a directory on the way to a source
		{"src/gen/x.go", false},
		{"src/README.md", false},
		{"other/file", false},
		{"../src/x", false},
	}
	for _, tt := range tests {
		if got := c.Affects(srcs, tt.path); got != tt.want {
			t.Errorf("Affects(%q, %q) = %v, want %v", srcs, tt.path, got, tt.want)
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"*", "a/*", "[", "\\", "../x", "/", ".", "**/x", "a/../../b", "[!a]*", "?/?", "l*/*", "a\\*b", "[a-"} {
		f.Add(s)
	}
	dir := f.TempDir()
	writeTree(f, dir, map[string]string{
		".dockerignore": "b\n!b/keep\n**/*.x",
		"a/f":           "1",
		"a/g.x":         "2",
		"b/keep":        "3",
		"b/drop":        "4",
		"l":             "->a",
		"out":           "->../..",
		"loop":          "->loop",
	})
	c, err := Open(dir, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		files, err := c.Match([]string{src})
		if err != nil {
			return
		}
		for _, file := range files {
			for _, p := range []string{file.Path, file.Resolved} {
				if p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
					t.Fatalf("Match(%q) returned %q outside the context", src, p)
				}
			}
			if c.Ignored(file.Resolved) && !file.Type.IsDir() {
				t.Fatalf("Match(%q) returned ignored file %q", src, file.Resolved)
			}
		}
		if _, err := c.Digest(files); err != nil {
			t.Fatalf("Digest of Match(%q): %v", src, err)
		}
	})
}

func BenchmarkMatchDigest(b *testing.B) {
	dir := b.TempDir()
	spec := map[string]string{}
	for i := range 2000 {
		spec[fmt.Sprintf("src/d%02d/f%04d.go", i%50, i)] = strings.Repeat("x", 4096)
	}
	writeTree(b, dir, spec)
	c, err := Open(dir, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		files, err := c.Match([]string{"src"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Digest(files); err != nil {
			b.Fatal(err)
		}
	}
}
