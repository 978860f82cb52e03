package buildahtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zlayer/zlayer/runner/buildah"
)

// Listing returns the canonical listing of the tree under root, one sorted
// line per path (notes/buildah.md §10): path, type, permission bits,
// uid:gid, then the size and sha256 of a regular file's content, a
// symlink's target or a device's major,minor numbers. Modification times
// are left out and symlinks are not followed, so two builds of the same
// recipe by different methods give the same listing.
func Listing(root string) ([]string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		line, err := listingLine(path, "/"+filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", root, err)
	}
	slices.Sort(lines)
	return lines, nil
}

// listingLine describes one path of a listing.
func listingLine(path, name string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", fmt.Errorf("%s: no ownership information", path)
	}
	mode := fi.Mode()
	head := fmt.Sprintf("%s %s %04o %d:%d", filepath.Clean(name), fileType(mode), mode.Perm()|special(mode), st.Uid, st.Gid)
	switch {
	case mode.IsRegular():
		sum, err := fileSHA256(path)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %d sha256:%s", head, fi.Size(), sum), nil
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		return head + " -> " + target, nil
	case mode&fs.ModeDevice != 0:
		return fmt.Sprintf("%s %d,%d", head, unix.Major(st.Rdev), unix.Minor(st.Rdev)), nil
	}
	return head, nil
}

// fileType is a one-letter file type, as in `ls -l`.
func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "d"
	case m&fs.ModeSymlink != 0:
		return "l"
	case m&fs.ModeCharDevice != 0:
		return "c"
	case m&fs.ModeDevice != 0:
		return "b"
	case m&fs.ModeNamedPipe != 0:
		return "p"
	case m&fs.ModeSocket != 0:
		return "s"
	}
	return "-"
}

// special returns the setuid, setgid and sticky bits in octal form.
func special(m fs.FileMode) fs.FileMode {
	var bits fs.FileMode
	if m&fs.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	return bits
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Rootfs returns the canonical listing (see Listing) of an image's root
// filesystem, read through a working container that is mounted, listed
// and removed again.
func (s *Store) Rootfs(t testing.TB, image string) []string {
	t.Helper()
	ctx := context.Background()
	out, err := s.CLI.Output(ctx, "from", "--pull=never", "--quiet", image)
	if err != nil {
		t.Fatalf("buildah from %s: %v", image, err)
	}
	ctr := strings.TrimSpace(string(out))
	defer s.CLI.Output(ctx, "rm", ctr)
	out, err = s.CLI.Output(ctx, "mount", ctr)
	if err != nil {
		t.Fatalf("buildah mount %s: %v", ctr, err)
	}
	lines, err := Listing(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("root filesystem of %s: %v", image, err)
	}
	return lines
}

// NormalConfig returns an image's configuration in a form that does not
// depend on how the image was built (notes/buildah.md §10): platform,
// format and the runtime configuration of that format, without the
// io.buildah.version label, history or creation time. It is indented
// JSON, one field a line, so that differences read as a line diff.
func (s *Store) NormalConfig(t testing.TB, image string) string {
	t.Helper()
	info := s.Inspect(t, image)
	cfg := info.Config()
	delete(cfg.Labels, "io.buildah.version")
	normalizeEmpty(&cfg)
	out, err := json.MarshalIndent(map[string]any{
		"architecture": info.Architecture, "os": info.OS, "variant": info.Variant,
		"format": info.Format, "config": cfg,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// normalizeEmpty makes every empty list and map of cfg nil: buildah writes
// an unset entrypoint or volume set as [] or {} in some builds and leaves
// it out in others, and a container runs the same either way.
func normalizeEmpty(cfg *buildah.Config) {
	for _, l := range []*[]string{&cfg.Env, &cfg.Entrypoint, &cfg.Cmd, &cfg.OnBuild, &cfg.Shell} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	for _, m := range []*map[string]struct{}{&cfg.ExposedPorts, &cfg.Volumes} {
		if len(*m) == 0 {
			*m = nil
		}
	}
	if len(cfg.Labels) == 0 {
		cfg.Labels = nil
	}
}

// Diff returns the lines only in want (prefixed "-") and only in got
// (prefixed "+"), at most limit of them, for a readable test failure.
func Diff(want, got []string, limit int) string {
	in := func(lines []string) map[string]bool {
		m := make(map[string]bool, len(lines))
		for _, l := range lines {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for _, l := range want {
		if !g[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range got {
		if !w[l] {
			out = append(out, "+ "+l)
		}
	}
	if len(out) > limit {
		out = append(out[:limit], fmt.Sprintf("... and %d more", len(out)-limit))
	}
	return strings.Join(out, "\n")
}
