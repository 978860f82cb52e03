package runner

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildahtest"
	"github.com/zlayer/zlayer/runner/fscopy"
)

func TestPlainCopiesAreMadeInPlace(t *testing.T) {
	// A plain COPY, from the context or from a stage, with a numeric
	// --chown and an octal --chmod or neither, is written into the mounted
	// working container without a buildah copy process; a COPY whose
	// --chown names a user is still buildah's.
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox AS first\nCOPY a.txt /a.txt\nCOPY --chown=1:2 --chmod=640 b.txt /b.txt\n" +
			"COPY --chown=root:root c.txt /c.txt\n\nFROM first\nCOPY --from=first /a.txt /b.txt /out/\n",
		"a.txt": "a\n",
		"b.txt": "b\n",
		"c.txt": "c\n",
	})
	calls := filepath.Join(t.TempDir(), "calls")
	cli := *s.CLI
	cli.Path = buildahtest.Tracing(t, calls)
	res, rec, err := runBuild(t, &buildahtest.Store{Dir: s.Dir, CLI: &cli}, dir, p, Options{})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, rec.output())
	}
	got := s.RunIn(t, res.ImageID, "stat", "-c", "%n %u:%g %a", "/a.txt", "/b.txt", "/c.txt", "/out/a.txt", "/out/b.txt")
	want := "/a.txt 0:0 644\n/b.txt 1:2 640\n/c.txt 0:0 644\n/out/a.txt 0:0 644\n/out/b.txt 0:0 640\n"
	if got != want {
		t.Errorf("copied files:\n%swant\n%s", got, want)
	}
	if got := s.RunIn(t, res.ImageID, "cat", "/out/a.txt", "/out/b.txt", "/c.txt"); got != "a\nb\nc\n" {
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
	if len(copies) != 1 || !strings.Contains(copies[0], "--chown root:root") {
		t.Errorf("buildah copy calls: %q, want only the one with --chown root:root", copies)
	}
}

func TestCopyOptions(t *testing.T) {
	tests := []struct {
		chown, chmod string
		want         fscopy.Options
		ok           bool
	}{
		{"", "", fscopy.Options{}, true},
		{"1000:1001", "", fscopy.Options{UID: 1000, GID: 1001}, true},
		{"0:0", "755", fscopy.Options{Mode: 0o755}, true},
		{"", "0644", fscopy.Options{Mode: 0o644}, true},
		{"", "4750", fscopy.Options{Mode: fs.ModeSetuid | 0o750}, true},
		{"", "3777", fscopy.Options{Mode: fs.ModeSetgid | fs.ModeSticky | 0o777}, true},
		{"app:app", "", fscopy.Options{}, false},
		{"7", "", fscopy.Options{}, false},
		{"1:", "", fscopy.Options{}, false},
		{"", "u+x", fscopy.Options{}, false},
		{"", "0", fscopy.Options{}, false},
		{"", "99", fscopy.Options{}, false},
		{"", "17777", fscopy.Options{}, false},
	}
	for _, tt := range tests {
		got, ok := copyOptions(&plan.Copy{Chown: tt.chown, Chmod: tt.chmod})
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("copyOptions(--chown=%q --chmod=%q) = %+v, %v; want %+v, %v", tt.chown, tt.chmod, got, ok, tt.want, tt.ok)
		}
	}
}
