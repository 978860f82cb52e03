package buildahtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestListing(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "tmp"), 0o755)
	os.Chmod(filepath.Join(root, "tmp"), os.ModeSticky|0o777)
	os.Chmod(root, 0o700)
	os.WriteFile(filepath.Join(root, "hello"), []byte("hi\n"), 0o600)
	os.Chmod(filepath.Join(root, "hello"), 0o640)
	os.Symlink("hello", filepath.Join(root, "link"))
	got, err := Listing(root)
	if err != nil {
		t.Fatal(err)
	}
	uid, gid := os.Getuid(), os.Getgid()
	owner := func(s string) string { return s + " " + itoa(uid) + ":" + itoa(gid) }
	want := []string{
		owner("/ d 0700"),
		owner("/hello - 0640") + " 3 sha256:98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4",
		owner("/link l 0777") + " -> hello",
		owner("/tmp d 1777"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("Listing =\n%q\nwant\n%q", got, want)
	}
	if _, err := Listing(filepath.Join(root, "missing")); err == nil {
		t.Error("listing a missing directory gave no error")
	}
}

func TestDiff(t *testing.T) {
	if d := Diff([]string{"a", "b"}, []string{"a", "b"}, 5); d != "" {
		t.Errorf("Diff of equal listings = %q", d)
	}
	if d := Diff([]string{"a", "b", "c"}, []string{"a", "x", "y"}, 3); d != "- b\n- c\n+ x\n... and 1 more" {
		t.Errorf("Diff = %q", d)
	}
}

func itoa(n int) string { return fmt.Sprint(n) }
