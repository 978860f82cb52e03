package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildah"
	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestMain(m *testing.M) { buildahtest.Main(m) }

// recorder collects the events of a build.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) output() string {
	var b strings.Builder
	for _, e := range r.events {
		if o, ok := e.(Output); ok {
			b.WriteString(o.Line + "\n")
		}
	}
	return b.String()
}

// writeFiles writes a context tree: name → content.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadDockerfile writes files into a new context and loads its Dockerfile.
func loadDockerfile(t *testing.T, files map[string]string) (string, *plan.Plan) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	bf, err := FindBuildFile(dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := Load(bf)
	if err != nil {
		t.Fatalf("loading the Dockerfile: %v", err)
	}
	return dir, p
}

// runBuild builds p in the shared store with opts and records events.
func runBuild(t *testing.T, s *buildahtest.Store, dir string, p *plan.Plan, opts Options) (*Result, *recorder, error) {
	t.Helper()
	rec := &recorder{}
	opts.Plan, opts.ContextDir, opts.Buildah, opts.Events = p, dir, s.CLI, rec.add
	res, err := Build(context.Background(), opts)
	if res != nil {
		t.Cleanup(func() { s.RemoveImage(res.ImageID) })
	}
	return res, rec, err
}

func TestMultiStageConfigAndArgs(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": `ARG BASE=localhost/busybox
FROM ${BASE} AS builder
ARG GREETING=hi
ENV OUT=/out
WORKDIR /src
RUN mkdir -p $OUT && echo "$GREETING from builder" > $OUT/msg && env > /src/env.txt

FROM busybox
ARG VERSION=0
ENV APP_VERSION=$VERSION PATH=/bin
LABEL org.example.version=$VERSION maintainer=zlayer-tests
COPY --from=builder /out/msg /app/
COPY --from=builder /src/env.txt /app/
COPY --from=builder --chown=nobody:nobody --chmod=600 /out/msg /app/owned
WORKDIR app/data
USER nobody
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=500ms --timeout=2s --start-period=1s --retries=4 CMD echo ok
ONBUILD RUN echo child
ENTRYPOINT ["/bin/echo"]
CMD ["hello"]
`,
	})
	res, rec, err := runBuild(t, s, dir, p, Options{
		BuildArgs: map[string]string{"GREETING": "hello", "VERSION": "1.2.3"},
		Format:    "docker", Tags: []string{"localhost/zlayer-test-multi:latest", "localhost/zlayer-test-multi:v1"},
	})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if res.Layers < 2 || res.Size <= 0 {
		t.Errorf("result has %d layers of %d bytes, want a real image", res.Layers, res.Size)
	}
	info := s.Inspect(t, "localhost/zlayer-test-multi:v1")
	if info.ID != res.ImageID {
		t.Errorf("second tag names %s, want %s", info.ID, res.ImageID)
	}
	cfg := info.Docker
	checks := []struct{ what, got, want string }{
		{"env", strings.Join(slices.Sorted(slices.Values(cfg.Env)), " "), "APP_VERSION=1.2.3 PATH=/bin"},
		{"label", cfg.Labels["org.example.version"], "1.2.3"},
		{"maintainer", cfg.Labels["maintainer"], "zlayer-tests"},
		{"workdir", cfg.WorkingDir, "/app/data"},
		{"user", cfg.User, "nobody"},
		{"stop signal", cfg.StopSignal, "SIGINT"},
		{"entrypoint", strings.Join(cfg.Entrypoint, " "), "/bin/echo"},
		{"cmd", strings.Join(cfg.Cmd, " "), "hello"},
		{"onbuild", strings.Join(cfg.OnBuild, " "), "RUN echo child"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	for _, port := range []string{"8080/tcp", "53/udp"} {
		if _, ok := cfg.ExposedPorts[port]; !ok {
			t.Errorf("port %s not exposed: %v", port, cfg.ExposedPorts)
		}
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("volume /data missing: %v", cfg.Volumes)
	}
	hc := cfg.Healthcheck
	if hc == nil || strings.Join(hc.Test, "|") != "CMD-SHELL|echo ok" || hc.Interval.Milliseconds() != 500 ||
		hc.Timeout.Seconds() != 2 || hc.StartPeriod.Seconds() != 1 || hc.Retries != 4 {
		t.Errorf("healthcheck = %+v", hc)
	}
	msg := s.RunIn(t, res.ImageID, "cat", "/app/msg")
	if msg != "hello from builder\n" {
		t.Errorf("/app/msg = %q", msg)
	}
	env := s.RunIn(t, res.ImageID, "cat", "/app/env.txt")
	if !strings.Contains(env, "GREETING=hello") {
		t.Errorf("the RUN did not see the build arg GREETING:\n%s", env)
	}
	if ls := s.RunIn(t, res.ImageID, "ls", "-ld", "/app/data"); !strings.HasPrefix(ls, "d") {
		t.Errorf("WORKDIR /app/data not created: %s", ls)
	}
	if st := s.RunIn(t, res.ImageID, "stat", "-c", "%U:%G %a", "/app/owned"); st != "nobody:nobody 600\n" {
		t.Errorf("COPY --chown=nobody:nobody --chmod=600 gave %q", st)
	}
	stages := 0
	for _, e := range rec.events {
		if _, ok := e.(StageDone); ok {
			stages++
		}
	}
	if stages != 2 {
		t.Errorf("%d stage_done events, want 2", stages)
	}
}

func TestBuildArgsNotInImage(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox\nARG TOKEN\nRUN test \"$TOKEN\" = abc\nENV KEPT=yes\n" +
			"SHELL [\"/bin/echo\", \"shell-was\"]\nRUN used\nHEALTHCHECK CMD true\n",
	})
	res, rec, err := runBuild(t, s, dir, p, Options{BuildArgs: map[string]string{"TOKEN": "abc", "UNUSED": "x"}, Squash: true})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if !strings.Contains(rec.output(), "shell-was used") {
		t.Errorf("SHELL was not applied to the later RUN:\n%s", rec.output())
	}
	if res.Layers != 1 {
		t.Errorf("--squash gave %d layers, want 1", res.Layers)
	}
	if !slices.ContainsFunc(res.Warnings, func(w diag.Diagnostic) bool { return w.Code == "ZI308" && w.Range.Start.Line == 7 }) {
		t.Errorf("no ZI308 warning at line 7 for an OCI health check: %+v", res.Warnings)
	}
	env := strings.Join(s.Inspect(t, res.ImageID).OCI.Env, " ")
	if strings.Contains(env, "TOKEN") || !strings.Contains(env, "KEPT=yes") {
		t.Errorf("image env = %s; want KEPT and no build arg", env)
	}
	if !slices.ContainsFunc(res.Warnings, func(w diag.Diagnostic) bool { return w.Code == "ZI306" }) {
		t.Errorf("no ZI306 warning for the unused build arg: %+v", res.Warnings)
	}
}

func TestFailingRunReportsStep(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox\nRUN echo fine\nRUN echo about to fail && exit 7\nRUN echo never\n",
	})
	_, rec, err := runBuild(t, s, dir, p, Options{})
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a StepError", err)
	}
	if se.Range.Start.Line != 3 || se.Step != 3 || se.ExitCode() != 7 || !strings.HasSuffix(se.File, "Dockerfile") {
		t.Errorf("failure at %s:%d step %d code %d, want Dockerfile:3 step 3 code 7", se.File, se.Range.Start.Line, se.Step, se.ExitCode())
	}
	if !slices.Contains(se.Output, "about to fail") {
		t.Errorf("failure output %q lacks the step's output", se.Output)
	}
	last := rec.events[len(rec.events)-1]
	if bf, ok := last.(BuildFailed); !ok || bf.Line != 3 {
		t.Errorf("last event = %#v, want build_failed at line 3", last)
	}
	if strings.Contains(rec.output(), "never") {
		t.Error("a step after the failure ran")
	}
	for _, c := range s.Containers(t) {
		if strings.HasPrefix(c, "zlayer-") {
			t.Errorf("container %s left behind", c)
		}
	}
}

func TestBuildahMissing(t *testing.T) {
	dir, p := loadDockerfile(t, map[string]string{"Dockerfile": "FROM localhost/busybox:latest\nRUN true\n"})
	missing := filepath.Join(t.TempDir(), "no-buildah")
	_, err := Build(context.Background(), Options{Plan: p, ContextDir: dir, Buildah: &buildah.CLI{Path: missing}})
	if err == nil || !strings.Contains(err.Error(), "buildah was not found ("+missing+")") {
		t.Fatalf("error = %v, want one that says buildah was not found at %s", err, missing)
	}
}
