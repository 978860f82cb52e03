package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestPlainCopiesAreMadeInPlace(t *testing.T) {
	// A plain COPY, from the context or from a stage, is written into the
	// mounted working container without a buildah copy process; a COPY
	// with --chown is still buildah's.
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox AS first\nCOPY a.txt /a.txt\nCOPY --chown=1:2 b.txt /b.txt\n\n" +
			"FROM busybox\nCOPY --from=first /a.txt /b.txt /out/\n",
		"a.txt": "a\n",
		"b.txt": "b\n",
	})
	calls := filepath.Join(t.TempDir(), "calls")
	cli := *s.CLI
	cli.Path = buildahtest.Tracing(t, calls)
	res, rec, err := runBuild(t, &buildahtest.Store{Dir: s.Dir, CLI: &cli}, dir, p, Options{})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, rec.output())
	}
	got := s.RunIn(t, res.ImageID, "stat", "-c", "%n %u:%g %a", "/out/a.txt", "/out/b.txt")
	if want := "/out/a.txt 0:0 644\n/out/b.txt 0:0 644\n"; got != want {
		t.Errorf("copied files:\n%swant\n%s", got, want)
	}
	if got := s.RunIn(t, res.ImageID, "cat", "/out/a.txt", "/out/b.txt"); got != "a\nb\n" {
		t.Errorf("copied content = %q", got)
	}
	log, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	var copies []string
	for _, l := range strings.Split(string(log), "\n") {
		if strings.HasPrefix(l, "start ") && strings.Contains(l, " copy ") {
			copies = append(copies, l)
		}
	}
	if len(copies) != 1 || !strings.Contains(copies[0], "--chown 1:2") {
		t.Errorf("buildah copy calls: %q, want only the one with --chown", copies)
	}
}
