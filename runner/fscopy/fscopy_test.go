package fscopy_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"
	"github.com/zlayer/zlayer/runner/buildcontext"
	"github.com/zlayer/zlayer/runner/fscopy"
)

func TestMain(m *testing.M) { buildahtest.Main(m) }

// old is the modification time of every file of the test's sources, so
// that a copy that loses it shows.
// buildah rounds times to the second, so it has a fraction.
var old = time.Date(2001, 1, 1, 0, 0, 0, 600_000_000, time.UTC)

// sourceTree lays out the sources every case copies from under dir:
// a file with unusual permissions, and a directory holding a file owned by
// another user, a hard link to it, a symbolic link, a setuid file in a
// subdirectory of its own mode, and an empty directory.
func sourceTree(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"d/sub", "d/empty"} {
		must(os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	write := func(name, content string, mode fs.FileMode) {
		p := filepath.Join(dir, name)
		must(os.WriteFile(p, []byte(content), 0o600))
		must(os.Chmod(p, mode))
	}
	write("f", "file\n", 0o640)
	write("x.txt", "x\n", 0o644)
	write("d/a", "a\n", 0o644)
	write("d/sub/b", "b\n", 0o755|fs.ModeSetuid)
	must(os.Chown(filepath.Join(dir, "d/a"), 1000, 1000))
	must(os.Link(filepath.Join(dir, "d/a"), filepath.Join(dir, "d/hard")))
	must(os.Symlink("a", filepath.Join(dir, "d/lnk")))
	must(os.Chmod(filepath.Join(dir, "d/sub"), 0o750))
	must(os.Chmod(filepath.Join(dir, "d"), 0o700))
	for _, p := range []string{"f", "x.txt", "d/a", "d/sub/b", "d/sub", "d/empty", "d"} {
		must(os.Chtimes(filepath.Join(dir, p), old, old))
	}
}

// prep lays out what a case's container holds before the copy.
type prep func(t *testing.T, root string)

func run(cmds ...string) prep {
	return func(t *testing.T, root string) {
		t.Helper()
		for _, c := range cmds {
			f := strings.Fields(c)
			p := filepath.Join(root, f[1])
			var err error
			switch f[0] {
			case "mkdir":
				if err = os.MkdirAll(p, 0o755); err == nil {
					err = os.Chmod(p, 0o700)
				}
				if err == nil {
					err = os.Chown(p, 7, 7)
				}
			case "file":
				err = os.WriteFile(p, []byte("before\n"), 0o600)
			case "symlink":
				err = os.Symlink(f[2], p)
			case "fifo":
				err = syscall.Mkfifo(p, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCopyMatchesBuildah copies the same sources to the same destination
// once with buildah copy and once with Copy, into two containers of the
// same image, and compares the two root filesystems: types, permission
// bits, owners, contents, link targets, hard links and modification times.
func TestCopyMatchesBuildah(t *testing.T) {
	tests := []struct {
		name  string
		prep  prep
		srcs  []string
		dest  string
		stage bool // copy from a second container holding the sources, as COPY --from
		flags []string
		opts  fscopy.Options // what flags ask for
	}{
		{name: "file to a new path", srcs: []string{"f"}, dest: "/new/deep/file"},
		{name: "file into a new directory", srcs: []string{"f"}, dest: "/new/deep/"},
		{name: "file into an existing directory", srcs: []string{"f"}, dest: "/etc"},
		{name: "file over a file", srcs: []string{"f"}, dest: "/etc/passwd"},
		{name: "directory to a new path", srcs: []string{"d"}, dest: "/dd"},
		{name: "directory over existing entries", srcs: []string{"d/"}, dest: "/t",
			prep: run("mkdir /t/sub", "file /t/a", "symlink /t/lnk nowhere", "mkdir /t/empty", "file /t/hard")},
		{name: "directory into an existing directory of another mode", srcs: []string{"d"}, dest: "/m", prep: run("mkdir /m")},
		{name: "several sources", srcs: []string{"f", "d", "x.txt"}, dest: "/multi"},
		{name: "the whole context", srcs: []string{"."}, dest: "/all/"},
		{name: "file into the root", srcs: []string{"f"}, dest: "/"},
		{name: "from a stage", srcs: []string{"/src/d", "/src/f"}, dest: "/s/", stage: true},
		{name: "from a stage, a file to a path", srcs: []string{"/src/d/sub/b"}, dest: "/x/y", stage: true},
		{name: "--chown, a directory to a new path", srcs: []string{"d"}, dest: "/new/deep/dd",
			flags: []string{"--chown", "1000:1001"}, opts: fscopy.Options{UID: 1000, GID: 1001}},
		{name: "--chown, a file into a new directory", srcs: []string{"f"}, dest: "/n/x/",
			flags: []string{"--chown", "1000:1001"}, opts: fscopy.Options{UID: 1000, GID: 1001}},
		{name: "--chown, over existing entries", srcs: []string{"d/"}, dest: "/t", prep: run("mkdir /t/sub", "file /t/a"),
			flags: []string{"--chown", "3:4"}, opts: fscopy.Options{UID: 3, GID: 4}},
		{name: "--chmod, a directory", srcs: []string{"d"}, dest: "/cm",
			flags: []string{"--chmod", "600"}, opts: fscopy.Options{Mode: 0o600}},
		{name: "--chown and --chmod with setuid, a file", srcs: []string{"f", "x.txt"}, dest: "/etc",
			flags: []string{"--chown", "5:6", "--chmod", "4750"}, opts: fscopy.Options{UID: 5, GID: 6, Mode: fs.ModeSetuid | 0o750}},
		{name: "from a stage, --chown", srcs: []string{"/src/d"}, dest: "/s2/", stage: true,
			flags: []string{"--chown", "7:8"}, opts: fscopy.Options{UID: 7, GID: 8}},
	}
	store := buildahtest.Shared(t)
	ctxDir := t.TempDir()
	sourceTree(t, ctxDir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			srcDir := ctxDir
			var fromCtr string
			if tt.stage {
				fromCtr, srcDir = container(t, store)
				sourceTree(t, filepath.Join(srcDir, "src"))
			}
			compareWithBuildah(t, store, start, bothCopies{src: srcDir, from: fromCtr, srcs: tt.srcs, dest: tt.dest,
				flags: tt.flags, opts: tt.opts, prep: tt.prep})
		})
	}
}

// TestCopyWithIgnoreFileMatchesBuildah compares Copy leaving out what
// buildcontext's ignore file rules exclude with buildah copy --ignorefile.
func TestCopyWithIgnoreFileMatchesBuildah(t *testing.T) {
	tests := []struct {
		name, ignore string
		srcs         []string
	}{
		{"files by pattern", "*.txt\n", []string{"."}},
		{"a directory", "d/sub\n", []string{"d"}},
		{"an empty directory", "d/empty\n", []string{"."}},
		{"at any depth", "**/b\n", []string{"."}},
		{"a directory with a file let back in", "d\n!d/a\n", []string{"."}},
		{"all but one directory", "d/*\n!d/sub\n", []string{"d"}},
		{"a directory with nothing let back in", "d\n!d/nothing\n", []string{"."}},
		{"a subdirectory with a file let back in", "d/sub\n!d/sub/b\n", []string{"."}},
		{"the ignore file itself", ".dockerignore\nf\n", []string{"."}},
	}
	store := buildahtest.Shared(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			dir := t.TempDir()
			sourceTree(t, dir)
			ignore := filepath.Join(dir, ".dockerignore")
			if err := os.WriteFile(ignore, []byte(tt.ignore), 0o644); err != nil {
				t.Fatal(err)
			}
			bc, err := buildcontext.Open(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			compareWithBuildah(t, store, start, bothCopies{src: dir, srcs: tt.srcs, dest: "/c/",
				flags: []string{"--contextdir", dir, "--ignorefile", ignore}, opts: fscopy.Options{Exclude: bc}})
		})
	}
}

// bothCopies is one copy that compareWithBuildah makes both ways. srcs
// are paths inside the directory src; buildah is given them as host paths
// or, with from (COPY --from), as paths inside that container.
type bothCopies struct {
	src, from string
	srcs      []string
	dest      string
	flags     []string       // buildah copy's
	opts      fscopy.Options // what flags ask of Copy
	prep      prep           // lays out both containers first
}

// compareWithBuildah makes the copy c with buildah copy and with Copy, in
// two containers of the base image, and reports where their root
// filesystems differ; start is when the test began.
func compareWithBuildah(t *testing.T, store *buildahtest.Store, start time.Time, c bothCopies) {
	t.Helper()
	byBuildah, buildahRoot := container(t, store)
	_, ownRoot := container(t, store)
	if c.prep != nil {
		c.prep(t, buildahRoot)
		c.prep(t, ownRoot)
	}
	args := append([]string{"copy", "--quiet"}, c.flags...)
	if c.from != "" {
		args = append(args, "--from", c.from)
	}
	args = append(args, byBuildah)
	for _, s := range c.srcs {
		if c.from == "" {
			s = filepath.Join(c.src, s)
		}
		args = append(args, s)
	}
	if _, err := store.CLI.Output(context.Background(), append(args, c.dest)...); err != nil {
		t.Fatalf("buildah %s: %v", strings.Join(args, " "), err)
	}
	if err := fscopy.Copy(context.Background(), openRoot(t, ownRoot), c.dest, openRoot(t, c.src), c.srcs, c.opts); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if d := buildahtest.Diff(listing(t, buildahRoot, start), listing(t, ownRoot, start), 40); d != "" {
		t.Errorf("the root filesystems differ (- buildah copy, + Copy):\n%s", d)
	}
}

// TestCopyLeavesUnsupportedCasesToBuildah checks that a copy that is not a
// plain case is refused before anything changes.
func TestCopyLeavesUnsupportedCasesToBuildah(t *testing.T) {
	tests := []struct {
		name string
		prep prep
		srcs []string
		dest string
	}{
		{name: "destination through a symbolic link", prep: run("symlink /l /etc"), srcs: []string{"f"}, dest: "/l/"},
		{name: "directory over a file", srcs: []string{"d"}, dest: "/etc/passwd"},
		{name: "file into a file", srcs: []string{"f"}, dest: "/etc/passwd/"},
		{name: "file over a directory", prep: run("mkdir /t/f"), srcs: []string{"f", "x.txt"}, dest: "/t/"},
		{name: "a pattern", srcs: []string{"*.txt"}, dest: "/t/"},
		{name: "a missing source", srcs: []string{"f", "nope"}, dest: "/t/"},
		{name: "a named pipe among the sources", prep: nil, srcs: []string{"p"}, dest: "/t/"},
		{name: "a symbolic link as source", srcs: []string{"d/lnk"}, dest: "/t/"},
	}
	store := buildahtest.Shared(t)
	ctxDir := t.TempDir()
	sourceTree(t, ctxDir)
	run("fifo /p")(t, ctxDir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, root := container(t, store)
			if tt.prep != nil {
				tt.prep(t, root)
			}
			before := listing(t, root, time.Now())
			err := fscopy.Copy(context.Background(), openRoot(t, root), tt.dest, openRoot(t, ctxDir), tt.srcs, fscopy.Options{})
			if !errors.Is(err, fscopy.ErrUnsupported) {
				t.Fatalf("Copy = %v, want ErrUnsupported", err)
			}
			if d := buildahtest.Diff(before, listing(t, root, time.Now()), 40); d != "" {
				t.Errorf("Copy changed the container:\n%s", d)
			}
		})
	}
}

// container makes a mounted working container of the base image that is
// removed when the test ends.
func container(t *testing.T, store *buildahtest.Store) (name, root string) {
	t.Helper()
	ctx := context.Background()
	out, err := store.CLI.Output(ctx, "from", "--quiet", "--pull=never", buildahtest.BaseImage)
	if err != nil {
		t.Fatal(err)
	}
	name = strings.TrimSpace(string(out))
	t.Cleanup(func() { store.CLI.Output(context.Background(), "rm", name) })
	if out, err = store.CLI.Output(ctx, "mount", name); err != nil {
		t.Fatal(err)
	}
	return name, strings.TrimSpace(string(out))
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// listing is buildahtest.Listing with each path's modification time, or
// "new" for a time after start, and the hard links among files.
func listing(t *testing.T, root string, start time.Time) []string {
	t.Helper()
	lines, err := buildahtest.Listing(root)
	if err != nil {
		t.Fatal(err)
	}
	links := map[uint64][]string{}
	for i, line := range lines {
		name := strings.Fields(line)[0]
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		when := fi.ModTime().UTC().Format(time.RFC3339Nano)
		if !fi.ModTime().Before(start) {
			when = "new"
		}
		lines[i] += " mtime " + when
		if st := fi.Sys().(*syscall.Stat_t); fi.Mode().IsRegular() && st.Nlink > 1 {
			links[st.Ino] = append(links[st.Ino], name)
		}
	}
	for _, names := range links {
		slices.Sort(names)
		lines = append(lines, fmt.Sprintf("hard links %v", names))
	}
	slices.Sort(lines)
	return lines
}

func TestCopyStopsWhenCancelled(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	sourceTree(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := fscopy.Copy(ctx, openRoot(t, dst), "/c/", openRoot(t, src), []string{"d"}, fscopy.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Copy = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "c", "a")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a cancelled copy copied files (stat: %v)", err)
	}
}

// TestCopyMatchesBuildahOnRandomTrees copies random trees (nested
// directories of assorted modes, files with setuid, setgid and sticky
// bits, hard links, relative, absolute and dangling symbolic links) with
// both buildah copy and Copy, and compares the results as above.
func TestCopyMatchesBuildahOnRandomTrees(t *testing.T) {
	store := buildahtest.Shared(t)
	for seed := range int64(12) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			start := time.Now()
			dir := t.TempDir()
			randomTree(t, rand.New(rand.NewSource(seed)), dir)
			dest := []string{"/r/", "/etc", "/"}[seed%3]
			compareWithBuildah(t, store, start, bothCopies{src: dir, srcs: []string{"."}, dest: dest})
		})
	}
}

// randomTree lays out a random tree of at most a few dozen entries.
func randomTree(t *testing.T, r *rand.Rand, dir string) {
	t.Helper()
	modes := []fs.FileMode{0o755, 0o700, 0o750, 0o775 | fs.ModeSetgid, 0o777 | fs.ModeSticky, 0o555}
	fileModes := []fs.FileMode{0o644, 0o600, 0o755, 0o755 | fs.ModeSetuid, 0o755 | fs.ModeSetgid, 0o444, 0o640}
	dirs := []string{"."}
	var files []string
	for i := range 10 + r.Intn(30) {
		parent := dirs[r.Intn(len(dirs))]
		name := filepath.Join(parent, fmt.Sprintf("e%d", i))
		p := filepath.Join(dir, name)
		var err error
		switch k := r.Intn(10); {
		case k < 3:
			err = os.Mkdir(p, 0o755)
			dirs = append(dirs, name)
		case k < 7:
			err = os.WriteFile(p, []byte(strings.Repeat("x", r.Intn(3000))), 0o600)
			files = append(files, name)
		case k < 8 && len(files) > 0:
			err = os.Link(filepath.Join(dir, files[r.Intn(len(files))]), p)
		default:
			target := []string{"e0", "../nowhere", "/etc/passwd", "."}[r.Intn(4)]
			err = os.Symlink(target, p)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	when := time.Date(2002, 2, 2, 2, 2, 2, int(r.Int63n(1e9)), time.UTC)
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.Chown(p, r.Intn(3)*1000, r.Intn(3)*1000); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, fileModes[r.Intn(len(fileModes))]); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	for i := len(dirs) - 1; i > 0; i-- {
		p := filepath.Join(dir, dirs[i])
		if err := os.Chmod(p, modes[r.Intn(len(modes))]); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
}
