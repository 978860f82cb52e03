package runner

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestPushEveryTag(t *testing.T) {
	s := buildahtest.Shared(t)
	reg := buildahtest.Registry(t)
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
