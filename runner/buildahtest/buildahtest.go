// Package buildahtest gives integration tests a private buildah store with a
// small base image made locally from busybox-static, so that tests of the
// runner, the layer cache, watch mode and the language server build real
// images without a registry or network.
//
// A test binary shares one store: call Main from TestMain, then Shared in
// each test. Tests that must see an otherwise empty store (for example to
// check that nothing is left behind) use NewStore.
//
// When buildah or the static busybox is missing the tests are skipped,
// except under CI=true, where they fail.
package buildahtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/zlayer/zlayer/runner/buildah"
)

// BaseImage is the base image every store holds: busybox applets under
// /bin, root in /etc/passwd, PATH=/bin, CMD ["/bin/sh"], made with
// --timestamp 0 so that its ID is the same in every store.
const BaseImage = "localhost/busybox:latest"

// Busybox is the statically linked busybox the base image is made from.
const Busybox = "/bin/busybox"

// Store is a private buildah store under a temporary directory.
type Store struct {
	// Dir holds root/, run/ and tmp/.
	Dir string
	// CLI runs buildah on this store (overlay driver, chroot isolation).
	CLI *buildah.CLI
}

// shared is the store of the running test binary, set by Main.
var shared *Store

// setupErr explains why Main could not make the shared store.
var setupErr error

// Main runs the tests of a package with one shared store and removes it
// afterwards. Use it as the body of TestMain.
func Main(m *testing.M) {
	code := func() int {
		if missing() == "" {
			dir, err := os.MkdirTemp("", "zlayer-buildahtest-")
			if err != nil {
				setupErr = err
				return m.Run()
			}
			defer os.RemoveAll(dir)
			s := newStore(dir)
			defer s.close()
			if setupErr = s.makeBase(context.Background()); setupErr == nil {
				shared = s
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

// Require skips t (or fails it under CI=true) when buildah or a statically
// linked busybox is missing.
func Require(t testing.TB) {
	t.Helper()
	if why := missing(); why != "" {
		Unavailable(t, why)
	}
}

// Unavailable skips t because a tool is missing, or fails it under CI=true
// where every tool must be present.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: missing tools are failures)", why)
	}
	t.Skip(why)
}

func missing() string {
	if _, err := exec.LookPath("buildah"); err != nil {
		return "buildah is not installed (apt-get install buildah)"
	}
	out, err := os.ReadFile(Busybox)
	if err != nil || !isStatic(out) {
		return Busybox + " is missing or not statically linked (apt-get install busybox-static)"
	}
	return ""
}

// isStatic reports whether an ELF file has no program interpreter.
func isStatic(elf []byte) bool {
	return len(elf) > 4 && string(elf[1:4]) == "ELF" && !strings.Contains(string(elf[:min(len(elf), 4096)]), "ld-linux")
}

// Shared returns the test binary's shared store with a TMPDIR of the test's
// own, so that cache mounts do not leak between tests. Main must run first.
func Shared(t testing.TB) *Store {
	t.Helper()
	Require(t)
	if shared == nil {
		if setupErr != nil {
			t.Fatalf("making the shared buildah store: %v", setupErr)
		}
		t.Fatal("buildahtest.Main was not called from TestMain")
	}
	cli := *shared.CLI
	cli.TmpDir = t.TempDir()
	return &Store{Dir: shared.Dir, CLI: &cli}
}

// NewStore makes a store of the test's own holding only BaseImage. It is
// removed when the test ends.
func NewStore(t testing.TB) *Store {
	t.Helper()
	s := EmptyStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.makeBase(ctx); err != nil {
		t.Fatalf("making %s: %v", BaseImage, err)
	}
	return s
}

// EmptyStore makes a store of the test's own that holds no image at all,
// e.g. to pull an image into. It is removed when the test ends.
func EmptyStore(t testing.TB) *Store {
	t.Helper()
	Require(t)
	dir, err := os.MkdirTemp("", "zlayer-store-")
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(dir)
	t.Cleanup(func() {
		s.close()
		os.RemoveAll(dir)
	})
	return s
}

func newStore(dir string) *Store {
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o755)
	return &Store{Dir: dir, CLI: &buildah.CLI{
		Root:          filepath.Join(dir, "root"),
		RunRoot:       filepath.Join(dir, "run"),
		StorageDriver: "overlay",
		TmpDir:        tmp,
		Isolation:     "chroot",
	}}
}

// makeBase builds BaseImage in the store, following notes/buildah.md §3.
func (s *Store) makeBase(ctx context.Context) error {
	out, err := s.CLI.Output(ctx, "from", "scratch")
	if err != nil {
		return err
	}
	ctr := strings.TrimSpace(string(out))
	out, err = s.CLI.Output(ctx, "mount", ctr)
	if err != nil {
		return err
	}
	if err := populate(strings.TrimSpace(string(out))); err != nil {
		return err
	}
	if _, err := s.CLI.Output(ctx, "config", "--env", "PATH=/bin", "--cmd", `["/bin/sh"]`, ctr); err != nil {
		return err
	}
	_, err = s.CLI.Output(ctx, "commit", "--rm", "--quiet", "--timestamp", "0", ctr, BaseImage)
	return err
}

// populate lays out a busybox root filesystem under mnt.
func populate(mnt string) error {
	for _, d := range []string{"bin", "tmp", "etc", "root"} {
		if err := os.MkdirAll(filepath.Join(mnt, d), 0o755); err != nil {
			return err
		}
	}
	os.Chmod(filepath.Join(mnt, "tmp"), os.ModeSticky|0o777) // os.Chmod ignores a raw 0o1000
	bb, err := os.ReadFile(Busybox)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(mnt, "bin", "busybox"), bb, 0o755); err != nil {
		return err
	}
	list, err := exec.Command(Busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	for _, applet := range buildah.Lines(list) {
		if applet != "busybox" {
			if err := os.Symlink("busybox", filepath.Join(mnt, "bin", applet)); err != nil && !os.IsExist(err) {
				return err
			}
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
		"etc/group":  "root:x:0:\nnobody:x:65534:\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(mnt, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.CLI.Output(ctx, "rm", "--all")
}

// Containers lists the names of the store's working containers.
func (s *Store) Containers(t testing.TB) []string {
	t.Helper()
	out, err := s.CLI.Output(context.Background(), "containers", "--notruncate", "--format", "{{.ContainerName}}")
	if err != nil {
		t.Fatalf("buildah containers: %v", err)
	}
	return buildah.Lines(out)
}

// Mounts lists the mount points under the store's directory that the
// kernel still has, e.g. container root filesystems left mounted.
func (s *Store) Mounts(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], s.Dir+"/") {
			out = append(out, fields[4])
		}
	}
	return out
}

// Inspect returns `buildah inspect --type image` of an image, decoded.
func (s *Store) Inspect(t testing.TB, image string) *buildah.ImageInfo {
	t.Helper()
	info, err := s.CLI.InspectImage(context.Background(), image)
	if err != nil {
		t.Fatalf("inspecting %s: %v", image, err)
	}
	return info
}

// RunIn starts a container from image, runs argv in it and returns its
// standard output; the container is removed afterwards.
func (s *Store) RunIn(t testing.TB, image string, argv ...string) string {
	t.Helper()
	ctx := context.Background()
	out, err := s.CLI.Output(ctx, "from", "--pull=never", "--quiet", image)
	if err != nil {
		t.Fatalf("buildah from %s: %v", image, err)
	}
	ctr := strings.TrimSpace(string(out))
	defer s.CLI.Output(ctx, "rm", ctr)
	out, err = s.CLI.Output(ctx, append([]string{"run", ctr, "--"}, argv...)...)
	if err != nil {
		t.Fatalf("running %q in %s: %v", argv, image, err)
	}
	return string(out)
}

// Tracing writes a buildah that logs each call's start and end to log
// ("start ARGS" and "end ARGS" lines), and returns its path for
// buildah.CLI.Path.
func Tracing(t testing.TB, log string) string {
	t.Helper()
	real, err := exec.LookPath("buildah")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "buildah")
	text := fmt.Sprintf("#!/bin/sh\necho \"start $*\" >> %[1]s\n%[2]s \"$@\"\nrc=$?\necho \"end $*\" >> %[1]s\nexit $rc\n", log, real)
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

// RemoveImage removes an image and ignores errors; tests use it to clean up
// what they built in the shared store.
func (s *Store) RemoveImage(image string) {
	s.CLI.Output(context.Background(), "rmi", "--force", image)
}

// Registry runs a private docker-registry on a free loopback port for the
// rest of the test and returns its host:port (plain HTTP: pass
// --tls-verify=false). Without docker-registry the test is skipped, or
// fails under CI=true.
func Registry(t testing.TB) string {
	t.Helper()
	return registry(t, "")
}

// AuthRegistry is Registry with HTTP basic authentication: every request
// needs user and password, checked against an htpasswd file made with
// bcrypt.
func AuthRegistry(t testing.TB, user, password string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return registry(t, fmt.Sprintf("auth: { htpasswd: { realm: zlayer-test, path: %s } }\n", htpasswd))
}

// registry starts a docker-registry whose configuration ends with extra.
func registry(t testing.TB, extra string) string {
	t.Helper()
	if _, err := exec.LookPath("docker-registry"); err != nil {
		Unavailable(t, "docker-registry is not installed (apt-get install docker-registry)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "registry.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage:
  filesystem: { rootdirectory: %s }
  delete: { enabled: true }
http: { addr: %s }
%s`, filepath.Join(dir, "data"), addr, extra)), 0o644)
	cmd := exec.Command("docker-registry", "serve", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if extra != "" && resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("docker-registry with authentication answered /v2/ with %s, want 401", resp.Status)
			}
			return addr
		}
	}
	t.Fatal("docker-registry did not start")
	return ""
}

// CacheRepository is where the layer cache (package runner/cache) keeps
// its entries; Leftovers does not count them as left behind.
const CacheRepository = "localhost/zlayer-cache"

// Images lists every image of the store, intermediate ones included, one
// "ID NAME:TAG" line each (NAME:TAG is "<none>:<none>" for an untagged
// image), sorted.
func (s *Store) Images(t testing.TB) []string {
	t.Helper()
	out, err := s.CLI.Output(context.Background(), "images", "--all", "--noheading", "--no-trunc", "--format", "{{.ID}} {{.Name}}:{{.Tag}}")
	if err != nil {
		t.Fatalf("buildah images: %v", err)
	}
	lines := buildah.Lines(out)
	slices.Sort(lines)
	return lines
}

// Leftovers reports what a build left in the store, given the images it
// held before (from Images): working containers, images other than the
// layer cache's entries, and mounts. It returns one line per leftover.
func (s *Store) Leftovers(t testing.TB, imagesBefore []string) []string {
	t.Helper()
	var out []string
	for _, c := range s.Containers(t) {
		out = append(out, "container "+c)
	}
	for _, img := range s.Images(t) {
		fields := strings.Fields(img)
		cached := len(fields) == 2 && strings.HasPrefix(fields[1], CacheRepository+":")
		if !cached && !slices.Contains(imagesBefore, img) {
			out = append(out, "image "+img)
		}
	}
	for _, m := range s.Mounts(t) {
		out = append(out, "mount "+m)
	}
	return out
}

// AwaitCanceled waits up to a minute for the error of a build that was
// cancelled, and fails t unless it is context.Canceled.
func AwaitCanceled(t testing.TB, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled build: err = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the cancelled build did not return")
	}
}
