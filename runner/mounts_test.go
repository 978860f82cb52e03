package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildahtest"
	"github.com/zlayer/zlayer/runner/buildcontext"
)

func TestRunMountsAndHeredocs(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": `FROM busybox AS tools
RUN mkdir -p /opt && echo from-stage > /opt/tool.txt

FROM busybox
RUN --mount=type=cache,target=/cache,id=c1 echo one >> /cache/log
RUN --mount=type=cache,target=/cache,id=c1 cat /cache/log > /cache-copy.txt
RUN --mount=type=bind,source=src,target=/ctx cat /ctx/input.txt > /bound.txt
RUN --mount=type=bind,from=tools,source=/opt,target=/tools cat /tools/tool.txt > /from-stage.txt
RUN --mount=type=bind,from=tools,source=/opt,target=/tools,rw sh -c 'echo scribble > /tools/tool.txt && cat /tools/tool.txt > /rw.txt'
RUN --mount=type=bind,from=tools,source=/opt,target=/tools cat /tools/tool.txt > /after-rw.txt
RUN --mount=type=bind,source=src,target=/ctx,rw sh -c 'echo changed > /ctx/input.txt'
RUN --mount=type=tmpfs,target=/scratch sh -c 'echo x > /scratch/f && test "$(stat -f -c %T /scratch)" = tmpfs && echo tmpfs-ok > /tmpfs.txt'
RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /secret-len.txt
RUN --mount=type=secret,id=token,env=TOKEN test "$TOKEN" = s3cr3t-value && echo env-ok > /secret-env.txt
RUN <<EOF
echo heredoc-run > /heredoc-run.txt
EOF
COPY <<EOF /etc/greeting
hello $NAME
EOF
RUN --network=none echo offline > /net.txt
`,
		"src/input.txt": "from-context\n",
	})
	secret := filepath.Join(t.TempDir(), "token")
	os.WriteFile(secret, []byte("s3cr3t-value"), 0o600)
	res, rec, err := runBuild(t, s, dir, p, Options{Secrets: []Secret{{ID: "token", Src: secret}}})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	want := map[string]string{
		"/cache-copy.txt":  "one",
		"/bound.txt":       "from-context",
		"/from-stage.txt":  "from-stage",
		"/tmpfs.txt":       "tmpfs-ok",
		"/secret-len.txt":  "12",
		"/secret-env.txt":  "env-ok",
		"/heredoc-run.txt": "heredoc-run",
		"/etc/greeting":    "hello",
		"/net.txt":         "offline",
		"/rw.txt":          "scribble",
		"/after-rw.txt":    "from-stage",
	}
	for file, text := range want {
		if got := strings.TrimSpace(s.RunIn(t, res.ImageID, "cat", file)); got != text {
			t.Errorf("%s = %q, want %q", file, got, text)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "src/input.txt")); string(b) != "from-context\n" {
		t.Errorf("a rw bind mount changed the build context: input.txt = %q", b)
	}
	// Nothing of the mounts stays in the image: no secret, no stubs.
	ls := s.RunIn(t, res.ImageID, "sh", "-c", "ls -a /run /; grep -rl s3cr3t / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev || true")
	for _, leftover := range []string{"secrets", "s3cr3t", "cache\n", "ctx", "tools", "scratch", "zlayer-heredoc"} {
		if strings.Contains(ls, leftover) {
			t.Errorf("image holds %q after the build:\n%s", leftover, ls)
		}
	}
	if strings.Contains(rec.output(), "s3cr3t") {
		t.Error("the secret appears in the build output")
	}
}

func TestSecretNeverOnArgv(t *testing.T) {
	_, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox\nRUN --mount=type=secret,id=token,env=TOKEN echo ok\n",
	})
	t.Setenv("ZLAYER_TEST_TOKEN", "s3cr3t-value")
	var argvs [][]string
	_, err := Build(context.Background(), Options{Plan: p, ContextDir: t.TempDir(),
		Secrets: []Secret{{ID: "token", Env: "ZLAYER_TEST_TOKEN"}},
		DryRun:  func(argv []string) { argvs = append(argvs, argv) }})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, argv := range argvs {
		line := strings.Join(argv, " ")
		if strings.Contains(line, "s3cr3t") {
			t.Errorf("secret on the command line: %s", line)
		}
		found = found || strings.Contains(line, "/run/secrets/token")
	}
	if !found {
		t.Errorf("no RUN mounts the secret: %q", argvs)
	}
}

func TestCopyContextRules(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile":     "FROM busybox\nCOPY app/ /app/\n",
		".dockerignore":  "app/secret.txt\napp/**/*.log\n",
		"app/main.txt":   "main\n",
		"app/secret.txt": "do not copy\n",
		"app/sub/x.log":  "log\n",
		"app/sub/y.txt":  "y\n",
	})
	res, rec, err := runBuild(t, s, dir, p, Options{})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	got := s.RunIn(t, res.ImageID, "find", "/app", "-type", "f")
	for _, f := range []string{"/app/main.txt", "/app/sub/y.txt"} {
		if !strings.Contains(got, f) {
			t.Errorf("%s not copied; image has:\n%s", f, got)
		}
	}
	for _, f := range []string{"secret.txt", "x.log"} {
		if strings.Contains(got, f) {
			t.Errorf("ignored %s was copied; image has:\n%s", f, got)
		}
	}

	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "x"), []byte("x"), 0o644)
	for name, files := range map[string]map[string]string{
		"dotdot":  {"Dockerfile": "FROM busybox\nCOPY ../x /x\n"},
		"missing": {"Dockerfile": "FROM busybox\nCOPY nothere.txt /x\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir, p := loadDockerfile(t, files)
			_, _, err := runBuild(t, s, dir, p, Options{})
			var se *StepError
			var srcErr *buildcontext.SourceError
			if !errors.As(err, &se) || !errors.As(err, &srcErr) || se.Range.Start.Line != 2 {
				t.Fatalf("err = %v, want a source error at line 2", err)
			}
		})
	}
	t.Run("symlink", func(t *testing.T) {
		dir, p := loadDockerfile(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY link /x\n"})
		os.Symlink(filepath.Join(outside, "x"), filepath.Join(dir, "link"))
		_, _, err := runBuild(t, s, dir, p, Options{})
		if !errors.Is(err, buildcontext.ErrOutside) {
			t.Fatalf("err = %v, want ErrOutside", err)
		}
	})
	t.Run("symlinks inside", func(t *testing.T) {
		// A named symlink is followed inside the context, and the copy
		// takes the link's name, as with docker build.
		dir, p := loadDockerfile(t, map[string]string{
			"Dockerfile": "FROM busybox\nCOPY link /out/\nCOPY dirlink/f.txt /out2/\n",
			"real.txt":   "real\n", "sub/f.txt": "in sub\n",
		})
		os.Symlink("real.txt", filepath.Join(dir, "link"))
		os.Symlink("sub", filepath.Join(dir, "dirlink"))
		res, rec, err := runBuild(t, s, dir, p, Options{})
		if err != nil {
			t.Fatalf("build failed: %v\n%s", err, rec.output())
		}
		if got := s.RunIn(t, res.ImageID, "cat", "/out/link", "/out2/f.txt"); got != "real\nin sub\n" {
			t.Errorf("copied through symlinks: %q, want the files they lead to inside the context", got)
		}
	})
}

func TestCopyFromStageWorkdir(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox AS builder\nWORKDIR /src\nRUN echo built > dist.txt\n\nFROM busybox\nCOPY --from=builder dist.txt /app/\n",
	})
	// A ZImagefile's copy from a stage resolves against the stage's final
	// working directory; a Dockerfile's against "/".
	cp := p.Stages[1].Instructions[0].(*plan.Copy)
	cp.FromStageWorkdir = true
	res, rec, err := runBuild(t, s, dir, p, Options{})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if got := s.RunIn(t, res.ImageID, "cat", "/app/dist.txt"); got != "built\n" {
		t.Errorf("/app/dist.txt = %q", got)
	}
	cp.FromStageWorkdir = false
	if _, _, err := runBuild(t, s, dir, p, Options{}); err == nil {
		t.Error("a Dockerfile COPY --from of a relative path found the file outside /")
	}
}

func TestTargetAndRetries(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": `FROM busybox AS base
RUN mount | grep -q " /dcache " && echo base > /base.txt

FROM busybox AS unrelated
RUN echo unrelated

FROM base AS flaky
RUN --mount=type=cache,target=/state,id=retry-counter sh -c 'n=$(cat /state/n 2>/dev/null || echo 0); echo $((n+1)) > /state/n; test $n -ge 1'

FROM flaky AS last
RUN echo last
`,
	})
	res, rec, err := runBuild(t, s, dir, p, Options{Target: "flaky", Retries: 1,
		DefaultCacheMounts: []plan.Mount{{Target: "/dcache", ID: "default-cache"}}})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	var built []string
	for _, e := range rec.events {
		if st, ok := e.(StageStarted); ok {
			built = append(built, st.Name)
		}
	}
	if strings.Join(built, ",") != "base,flaky" {
		t.Errorf("built stages %v, want base and flaky only", built)
	}
	if got := s.RunIn(t, res.ImageID, "cat", "/base.txt"); got != "base\n" {
		t.Errorf("/base.txt = %q", got)
	}
	if !strings.Contains(rec.output(), "retrying") {
		t.Errorf("no retry reported:\n%s", rec.output())
	}
}

func TestCancelLeavesNothing(t *testing.T) {
	s := buildahtest.NewStore(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox AS a\nRUN sleep 30\n\nFROM busybox AS b\nRUN sleep 30\n\nFROM busybox\nCOPY --from=a /bin/sh /x\nCOPY --from=b /bin/sh /y\n",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	running := make(chan struct{}, 2)
	opts := Options{Plan: p, ContextDir: dir, Buildah: s.CLI, Jobs: 2, Events: func(e Event) {
		if st, ok := e.(StepStarted); ok && strings.HasPrefix(st.Instruction, "RUN") {
			running <- struct{}{}
		}
	}}
	done := make(chan error, 1)
	start := time.Now()
	go func() { _, err := Build(ctx, opts); done <- err }()
	for range 2 {
		select {
		case <-running:
		case err := <-done:
			t.Fatalf("build ended before its RUNs started: %v", err)
		case <-time.After(time.Minute):
			t.Fatal("RUN steps did not start")
		}
	}
	time.Sleep(500 * time.Millisecond)
	cancel()
	buildahtest.AwaitCanceled(t, done)
	if time.Since(start) > 25*time.Second {
		t.Errorf("cancelled build took %v: the RUN was not stopped", time.Since(start))
	}
	if c := s.Containers(t); len(c) > 0 {
		t.Errorf("containers left behind: %v", c)
	}
	if m := s.Mounts(t); len(m) > 0 {
		t.Errorf("mounts left behind: %v", m)
	}
}
