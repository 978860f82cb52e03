package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/zlayer/zlayer/runner/buildah"
)

// baseImage is the base of every build the bench runs: busybox-static in
// an image made locally with --timestamp 0 (notes/buildah.md §3), so no
// build touches a registry or the network.
const baseImage = "localhost/busybox:latest"

// busybox is the statically linked busybox the base image is made of.
const busybox = "/bin/busybox"

// store is a private buildah store under a temporary directory: overlay
// driver, chroot isolation, its own TMPDIR for RUN cache mounts.
type store struct {
	dir string
	cli *buildah.CLI
}

// newStore makes a store under dir holding baseImage.
func newStore(ctx context.Context, dir string) (*store, error) {
	s := &store{dir: dir, cli: &buildah.CLI{
		Root:          filepath.Join(dir, "root"),
		RunRoot:       filepath.Join(dir, "run"),
		StorageDriver: "overlay",
		TmpDir:        filepath.Join(dir, "tmp"),
		Isolation:     "chroot",
	}}
	if err := os.MkdirAll(s.cli.TmpDir, 0o755); err != nil {
		return nil, err
	}
	if err := s.makeBase(ctx); err != nil {
		return nil, fmt.Errorf("making %s in %s: %w", baseImage, dir, err)
	}
	return s, nil
}

// checkBuildTools says what is missing to run the build measurements.
func checkBuildTools() error {
	if _, err := exec.LookPath("buildah"); err != nil {
		return fmt.Errorf("buildah is not installed (apt-get install buildah)")
	}
	elf, err := os.ReadFile(busybox)
	if err != nil || len(elf) < 4 || string(elf[1:4]) != "ELF" || strings.Contains(string(elf[:min(len(elf), 4096)]), "ld-linux") {
		return fmt.Errorf("%s is missing or not statically linked (apt-get install busybox-static)", busybox)
	}
	return nil
}

// env is the environment of commands that use the store.
func (s *store) env() []string {
	return []string{"TMPDIR=" + s.cli.TmpDir, "BUILDAH_ISOLATION=chroot"}
}

// flags are the global options that select the store, for buildah and
// for zlayer build alike.
func (s *store) flags() []string {
	return []string{"--root", s.cli.Root, "--runroot", s.cli.RunRoot, "--storage-driver", s.cli.StorageDriver}
}

func (s *store) makeBase(ctx context.Context) error {
	out, err := s.cli.Output(ctx, "from", "scratch")
	if err != nil {
		return err
	}
	ctr := strings.TrimSpace(string(out))
	if out, err = s.cli.Output(ctx, "mount", ctr); err != nil {
		return err
	}
	if err := populate(ctx, strings.TrimSpace(string(out))); err != nil {
		return err
	}
	if _, err := s.cli.Output(ctx, "config", "--env", "PATH=/bin", "--cmd", `["/bin/sh"]`, ctr); err != nil {
		return err
	}
	_, err = s.cli.Output(ctx, "commit", "--rm", "--quiet", "--timestamp", "0", ctr, baseImage)
	return err
}

// populate lays out a busybox root filesystem: every applet under /bin,
// root in /etc/passwd.
func populate(ctx context.Context, root string) error {
	for _, d := range []string{"bin", "etc", "root", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755); err != nil {
		return err
	}
	list, err := exec.CommandContext(ctx, busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("%s --list: %w", busybox, err)
	}
	for _, applet := range strings.Fields(string(list)) {
		if applet == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":  "root:x:0:\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// imageID returns the ID of a named image in the store.
func (s *store) imageID(ctx context.Context, name string) (string, error) {
	info, err := s.cli.InspectImage(ctx, name)
	if err != nil {
		return "", err
	}
	return info.ID, nil
}

// remove deletes the store: its working containers, whatever is still
// mounted under it, and its directory. It runs after the bench's context
// may have ended, so it has its own deadline.
func (s *store) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.cli.Output(ctx, "rm", "--all")
	unmountUnder(s.dir)
	return os.RemoveAll(s.dir)
}

// unmountUnder detaches every mount point below dir, deepest first, so
// that removing dir cannot fail on a busy overlay.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	f.Close()
	for i := len(points) - 1; i >= 0; i-- {
		syscall.Unmount(points[i], syscall.MNT_DETACH)
	}
}
