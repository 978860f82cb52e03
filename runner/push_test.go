package runner

import (
	"encoding/json"
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

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// startRegistry runs a private docker-registry on a free loopback port and
// returns its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("docker-registry"); err != nil {
		buildahtest.Unavailable(t, "docker-registry is not installed (apt-get install docker-registry)")
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
http: { addr: %s }
`, filepath.Join(dir, "data"), addr)), 0o644)
	cmd := exec.Command("docker-registry", "serve", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			return addr
		}
	}
	t.Fatal("docker-registry did not start")
	return ""
}

func TestPushEveryTag(t *testing.T) {
	s := buildahtest.Shared(t)
	reg := startRegistry(t)
	dir, p := loadDockerfile(t, map[string]string{"Dockerfile": "FROM busybox\nLABEL pushed=yes\n"})
	tags := []string{reg + "/zlayer/pushed:1", reg + "/zlayer/pushed:latest"}
	auth := filepath.Join(t.TempDir(), "auth.json")
	os.WriteFile(auth, []byte(`{"auths":{}}`), 0o600)
	_, rec, err := runBuild(t, s, dir, p, Options{Tags: tags, Push: true, InsecureRegistry: true, AuthFile: auth})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	resp, err := http.Get("http://" + reg + "/v2/zlayer/pushed/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Tags []string }
	json.NewDecoder(resp.Body).Decode(&list)
	slices.Sort(list.Tags)
	if strings.Join(list.Tags, ",") != "1,latest" {
		t.Errorf("registry holds tags %v, want 1 and latest", list.Tags)
	}
	for _, tag := range tags {
		s.RemoveImage(tag)
	}
}
