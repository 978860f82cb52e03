package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// TestPushWithCredentials pushes to a registry that wants a password,
// pulls the image back into an empty store and compares it, and checks
// that the password shows up in no process's argv or environment while
// the build runs, nor in any event; a push without credentials fails with
// an error that says why.
func TestPushWithCredentials(t *testing.T) {
	s := buildahtest.Shared(t)
	const user = "zlayer"
	password := "pw-" + randomHex(t)
	reg := buildahtest.AuthRegistry(t, user, password)
	secrets := []string{password, base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
	auth := writeAuthFile(t, reg, user, password)

	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile":  "FROM localhost/busybox:latest\nCOPY payload.txt /srv/\nRUN sleep 0.3 && echo ran > /srv/ran.txt\nLABEL pushed=yes\n",
		"payload.txt": "private payload\n",
	})
	tag := reg + "/zlayer/private:1"
	watch := watchProcesses(secrets, s.CLI.Root)
	res, rec, err := runBuild(t, s, dir, p, Options{Tags: []string{tag}, Push: true, InsecureRegistry: true, AuthFile: auth})
	seen, leaks := watch()
	t.Cleanup(func() { s.RemoveImage(tag) })
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if seen == 0 {
		t.Error("no buildah process of the build was seen: the process table was not checked")
	}
	t.Logf("checked the argv and environment of %d buildah processes", seen)
	for _, l := range leaks {
		t.Errorf("the password is visible in the process table: %s", l)
	}
	for _, e := range rec.events {
		if text := fmt.Sprintf("%#v", e); containsAny(text, secrets) {
			t.Errorf("an event holds the password: %s", text)
		}
	}

	fresh := buildahtest.EmptyStore(t)
	if out, err := fresh.CLI.Output(context.Background(), "pull", "--quiet", "--tls-verify=false", "--authfile", auth, tag); err != nil {
		t.Fatalf("pulling %s back: %v\n%s", tag, err, out)
	}
	if d := buildahtest.Diff(s.Rootfs(t, res.ImageID), fresh.Rootfs(t, tag), 20); d != "" {
		t.Errorf("the pulled image's root filesystem differs from the built one (-built +pulled):\n%s", d)
	}
	if want, got := s.NormalConfig(t, res.ImageID), fresh.NormalConfig(t, tag); got != want {
		t.Errorf("the pulled image's configuration differs:\n%s", buildahtest.Diff(strings.Split(want, "\n"), strings.Split(got, "\n"), 20))
	}

	noAuth := filepath.Join(t.TempDir(), "auth.json")
	os.WriteFile(noAuth, []byte(`{"auths":{}}`), 0o600)
	other := reg + "/zlayer/private:anonymous"
	_, _, err = runBuild(t, s, dir, p, Options{Tags: []string{other}, Push: true, InsecureRegistry: true, AuthFile: noAuth})
	t.Cleanup(func() { s.RemoveImage(other) })
	if err == nil {
		t.Fatal("a push without credentials succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "pushing "+other) || !strings.Contains(strings.ToLower(msg), "authentication required") {
		t.Errorf("push without credentials failed with %q; want it to name the tag and say that authentication is required", msg)
	}
}

// TestWatchProcessesFindsSecrets checks the process-table check itself: a
// secret in a child's environment or argv is found.
func TestWatchProcessesFindsSecrets(t *testing.T) {
	secret := "pw-" + randomHex(t)
	stop := watchProcesses([]string{secret}, "/nonexistent-root")
	for _, cmd := range []*exec.Cmd{exec.Command("sleep", "0.3"), exec.Command("sh", "-c", "sleep 0.3", secret)} {
		if cmd.Args[0] == "sleep" {
			cmd.Env = append(os.Environ(), "TOKEN="+secret)
		}
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
	}
	_, leaks := stop()
	var env, argv bool
	for _, l := range leaks {
		env = env || strings.HasPrefix(l, "environment of ")
		argv = argv || strings.HasPrefix(l, "argv of ")
	}
	if !env || !argv {
		t.Errorf("leaks = %q, want one in an environment and one in an argv", leaks)
	}
}

// writeAuthFile writes a containers-auth.json file with the credentials of
// one registry and returns its path.
func writeAuthFile(t *testing.T, reg, user, password string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.json")
	b64 := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	text := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg, b64)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func containsAny(text string, needles []string) bool {
	for _, n := range needles {
		if strings.Contains(text, n) {
			return true
		}
	}
	return false
}

// watchProcesses reads the argv and environment of every process until the
// returned stop function is called, which reports how many processes of
// buildah on the store root it saw and where any of the secrets appeared.
func watchProcesses(secrets []string, root string) (stop func() (seen int, leaks []string)) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var seen map[string]bool
	var leaks []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		seen = map[string]bool{}
		found := map[string]bool{}
		for {
			scanProcesses(secrets, root, seen, found)
			select {
			case <-done:
				for l := range found {
					leaks = append(leaks, l)
				}
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() (int, []string) {
		close(done)
		wg.Wait()
		return len(seen), leaks
	}
}

// scanProcesses reads /proc once: it records in seen the processes whose
// argv names buildah and root, and in found where a secret appears.
func scanProcesses(secrets []string, root string, seen, found map[string]bool) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		argv := string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		if strings.Contains(argv, "buildah") && strings.Contains(argv, root) {
			seen[e.Name()+" "+argv] = true
		}
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		for _, sec := range secrets {
			if strings.Contains(argv, sec) {
				found["argv of "+e.Name()+": "+argv] = true
			}
			if bytes.Contains(environ, []byte(sec)) {
				found["environment of "+e.Name()+" ("+argv+")"] = true
			}
		}
	}
}
