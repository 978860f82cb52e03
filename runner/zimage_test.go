package runner

import (
	"context"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestZImagefileNestedBuildAndWorkdir(t *testing.T) {
	s := buildahtest.Shared(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"base/Dockerfile": "FROM busybox\nRUN echo nested > /nested.txt\n",
		"ZImagefile": `stages:
  dep:
    build: base
    workdir: /w
    steps:
      - run: echo built > out.txt
  final:
    base: localhost/busybox
    steps:
      - copy: out.txt
        from: dep
        to: /app/
      - copy: /nested.txt
        from: dep
        to: /app/
`,
	})
	bf, err := FindBuildFile(dir, "", "")
	if err != nil || !bf.ZImagefile {
		t.Fatalf("FindBuildFile = %+v, %v; want the ZImagefile", bf, err)
	}
	p, _, err := Load(bf)
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []bool{false, true} {
		res, rec, err := runBuild(t, s, dir, p, Options{KeepBuildDeps: keep})
		if err != nil {
			t.Fatalf("build failed: %v\n%s", err, rec.output())
		}
		for file, want := range map[string]string{"/app/out.txt": "built\n", "/app/nested.txt": "nested\n"} {
			if got := s.RunIn(t, res.ImageID, "cat", file); got != want {
				t.Errorf("%s = %q, want %q", file, got, want)
			}
		}
		out, err := s.CLI.Output(context.Background(), "images", "--format", "{{.Name}}:{{.Tag}}")
		if err != nil {
			t.Fatal(err)
		}
		var deps []string
		for _, name := range strings.Fields(string(out)) {
			if strings.HasPrefix(name, "localhost/zimage-dep-dep:") {
				deps = append(deps, name)
			}
		}
		if keep != (len(deps) == 1) {
			t.Errorf("KeepBuildDeps=%v: dependency images in the store: %v", keep, deps)
		}
		for _, d := range deps {
			s.RemoveImage(d)
		}
	}
}

func TestFindBuildFile(t *testing.T) {
	tests := []struct {
		name      string
		files     []string
		file      string
		want      string
		zimage    bool
		errSubstr string
	}{
		{"zimagefile wins", []string{"ZImagefile", "Dockerfile", "web.zimagefile"}, "", "ZImagefile", true, ""},
		{"single candidate", []string{"ZImagefile.prod", "Dockerfile"}, "", "ZImagefile.prod", true, ""},
		{"two candidates", []string{"ZImagefile.a", "b.zimagefile"}, "", "", false, "ZI303"},
		{"dockerfile", []string{"Dockerfile", "Containerfile", "x.yml"}, "", "Dockerfile", false, ""},
		{"containerfile", []string{"Containerfile"}, "", "Containerfile", false, ""},
		{"nothing", []string{"build.yaml"}, "", "", false, "ZI307"},
		{"explicit yaml", []string{"Dockerfile", "build.yaml"}, "build.yaml", "build.yaml", true, ""},
		{"explicit dockerfile", []string{"ZImagefile", "Dockerfile.dev"}, "Dockerfile.dev", "Dockerfile.dev", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{}
			for _, f := range tt.files {
				files[f] = "x"
			}
			writeFiles(t, dir, files)
			file := ""
			if tt.file != "" {
				file = dir + "/" + tt.file
			}
			bf, err := FindBuildFile(dir, file, "")
			if tt.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
					t.Fatalf("err = %v, want %s", err, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(bf.Path, "/"+tt.want) || bf.ZImagefile != tt.zimage {
				t.Errorf("got %s (zimagefile %v), want %s (%v)", bf.Path, bf.ZImagefile, tt.want, tt.zimage)
			}
		})
	}
}

func TestPlanRunsNothing(t *testing.T) {
	_, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox AS b\nRUN make\nFROM b\nENV A=1\nLABEL x=y\nCOPY --from=b /x /y\nUSER nobody\n",
	})
	var cmds []string
	_, err := Build(context.Background(), Options{Plan: p, ContextDir: t.TempDir(), Tags: []string{"localhost/x:1", "localhost/x:2"},
		DryRun: func(argv []string) { cmds = append(cmds, strings.Join(argv, " ")) }})
	if err != nil {
		t.Fatal(err)
	}
	verbs := []string{}
	for _, c := range cmds {
		verbs = append(verbs, strings.Fields(c)[1])
	}
	want := "from run commit from config copy config commit tag rm rmi"
	if got := strings.Join(verbs, " "); got != want {
		t.Errorf("verbs = %s, want %s\n%s", got, want, strings.Join(cmds, "\n"))
	}
	if !strings.Contains(cmds[4], "config --env A=1 --label x=y ") {
		t.Errorf("ENV and LABEL not in one config call: %s", cmds[4])
	}
}
