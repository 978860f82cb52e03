package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestMain(m *testing.M) { buildahtest.Main(m) }

// outcome is one build: its result, error and events.
type outcome struct {
	res    *runner.Result
	err    error
	mu     sync.Mutex
	events []runner.Event
}

func (o *outcome) add(e runner.Event) {
	o.mu.Lock()
	o.events = append(o.events, e)
	o.mu.Unlock()
}

// steps summarizes which steps came from the cache, in plan order:
// "NAME/STEP=C" for a cached step, "NAME/STEP=R" for one that ran. FROM
// steps are left out.
func (o *outcome) steps() string {
	names := map[int]string{}
	type id struct{ stage, step int }
	cached := map[id]bool{}
	var order []id
	for _, e := range o.events {
		switch e := e.(type) {
		case runner.StageStarted:
			names[e.Stage] = e.Name
		case runner.StepStarted:
			if e.Step > 1 {
				order = append(order, id{e.Stage, e.Step})
			}
		case runner.StepDone:
			cached[id{e.Stage, e.Step}] = e.Cached
		}
	}
	slices.SortFunc(order, func(a, b id) int {
		if a.stage != b.stage {
			return a.stage - b.stage
		}
		return a.step - b.step
	})
	var out []string
	for _, k := range order {
		c := "R"
		if cached[k] {
			c = "C"
		}
		out = append(out, fmt.Sprintf("%s/%d=%s", names[k.stage], k.step, c))
	}
	return strings.Join(out, " ")
}

// output is what the build's steps printed, for failure messages.
func (o *outcome) output() string {
	var b strings.Builder
	for _, e := range o.events {
		switch e := e.(type) {
		case runner.Output:
			b.WriteString(e.Line + "\n")
		case runner.Warning:
			b.WriteString("warning: " + e.Message + "\n")
		}
	}
	return b.String()
}

// recipe is a build context on disk.
type recipe struct {
	t   *testing.T
	dir string
}

func newRecipe(t *testing.T, files map[string]string) *recipe {
	t.Helper()
	r := &recipe{t: t, dir: t.TempDir()}
	for name, text := range files {
		r.write(name, text)
	}
	return r
}

func (r *recipe) write(name, text string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// build builds the recipe in store s with the cache c and the options in
// base (Plan, ContextDir, Buildah, Cache and Events are filled in).
func (r *recipe) build(s *buildahtest.Store, c runner.StepCache, base runner.Options) *outcome {
	r.t.Helper()
	bf, err := runner.FindBuildFile(r.dir, "", "")
	if err != nil {
		r.t.Fatal(err)
	}
	p, _, err := runner.Load(bf)
	if err != nil {
		r.t.Fatalf("loading %s: %v", bf.Path, err)
	}
	o := &outcome{}
	opts := base
	opts.Plan, opts.ContextDir, opts.Buildah, opts.Events = p, r.dir, s.CLI, o.add
	if c != nil {
		opts.Cache = c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	o.res, o.err = runner.Build(ctx, opts)
	return o
}

// mustBuild builds and fails the test when the build fails.
func (r *recipe) mustBuild(s *buildahtest.Store, c runner.StepCache, base runner.Options) *outcome {
	r.t.Helper()
	o := r.build(s, c, base)
	if o.err != nil {
		r.t.Fatalf("build failed: %v\n%s", o.err, o.output())
	}
	return o
}

// tracedBuild is mustBuild with every buildah call logged; it returns the
// log's lines ("start ARGS" and "end ARGS", see buildahtest.Tracing).
func (r *recipe) tracedBuild(s *buildahtest.Store, c runner.StepCache, base runner.Options) (*outcome, []string) {
	r.t.Helper()
	calls := filepath.Join(r.t.TempDir(), "calls")
	cli := *s.CLI
	cli.Path = buildahtest.Tracing(r.t, calls)
	o := r.mustBuild(&buildahtest.Store{Dir: s.Dir, CLI: &cli}, c, base)
	log, err := os.ReadFile(calls)
	if err != nil {
		r.t.Fatal(err)
	}
	return o, strings.Split(string(log), "\n")
}

// callIndex is the index in a tracedBuild log of the first line of event
// ("start" or "end") for a call that contains every one of parts; -1 when
// there is none.
func callIndex(lines []string, event string, parts ...string) int {
	return slices.IndexFunc(lines, func(l string) bool {
		if !strings.HasPrefix(l, event+" ") {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(l, p) {
				return false
			}
		}
		return true
	})
}

// wantSteps checks which steps were cached.
func wantSteps(t *testing.T, what string, o *outcome, want string) {
	t.Helper()
	if got := o.steps(); got != want {
		t.Errorf("%s: steps %s\nwant        %s", what, got, want)
	}
}

// removeEntries removes the cache entries a test made in the shared store.
func removeEntries(t *testing.T, s *buildahtest.Store) {
	t.Cleanup(func() { Prune(context.Background(), s.CLI, PruneOptions{}) })
}

func TestSecondIdenticalBuildIsCached(t *testing.T) {
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{
		"Dockerfile": `FROM busybox AS builder
ARG GREETING=hi
WORKDIR /src
RUN echo "$GREETING" > msg && date +%s%N > stamp
COPY app.txt ./

FROM busybox
ENV MODE=prod
COPY --from=builder /src/msg /src/stamp /src/app.txt /out/
LABEL built=yes
`,
		"app.txt": "app\n",
	})
	opts := runner.Options{Tags: []string{"localhost/zlayer-cache-test:same"}}
	first := r.mustBuild(s, New(s.CLI, Options{}), opts)
	wantSteps(t, "cold build", first, "builder/2=R builder/3=R builder/4=R builder/5=R stage-1/2=R stage-1/3=R stage-1/4=R")
	second := r.mustBuild(s, New(s.CLI, Options{}), opts)
	wantSteps(t, "warm build", second, "builder/2=C builder/3=C builder/4=C builder/5=C stage-1/2=C stage-1/3=C stage-1/4=C")
	if second.res.ImageID != first.res.ImageID {
		t.Errorf("warm build made image %s, cold build %s: want the same image", second.res.ImageID, first.res.ImageID)
	}
	if got := s.Inspect(t, "localhost/zlayer-cache-test:same").ID; got != second.res.ImageID {
		t.Errorf("tag names %s, want %s", got, second.res.ImageID)
	}
	if out := s.RunIn(t, second.res.ImageID, "cat", "/out/msg", "/out/app.txt"); out != "hi\napp\n" {
		t.Errorf("image files = %q", out)
	}
	for _, c := range s.Containers(t) {
		if strings.HasPrefix(c, "zlayer-") {
			t.Errorf("container %s left behind", c)
		}
	}
	s.RemoveImage("localhost/zlayer-cache-test:same")
}

func TestBuildArgFeedingLabelAndEnvMisses(t *testing.T) {
	// containers/buildah#5501: buildah reuses the LABEL and ENV of the
	// old value.
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{"Dockerfile": "FROM busybox\nARG V=one\nLABEL v=$V\nENV E=$V\n"})
	r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	two := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{BuildArgs: map[string]string{"V": "two"}})
	wantSteps(t, "V=two", two, "stage-0/2=R stage-0/3=R stage-0/4=R")
	cfg := s.Inspect(t, two.res.ImageID).OCI
	if cfg.Labels["v"] != "two" || !slices.Contains(cfg.Env, "E=two") {
		t.Errorf("V=two gave label v=%q and env %q", cfg.Labels["v"], cfg.Env)
	}
	one := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "back to V=one", one, "stage-0/2=C stage-0/3=C stage-0/4=C")
	if v := s.Inspect(t, one.res.ImageID).OCI.Labels["v"]; v != "one" {
		t.Errorf("V=one gave label v=%q", v)
	}
}

func TestTouchHitsChmodMisses(t *testing.T) {
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{
		"Dockerfile": "FROM busybox\nRUN echo before\nCOPY data.txt /data.txt\nRUN stat -c %a /data.txt > /mode\n",
		"data.txt":   "data\n",
	})
	r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(r.dir, "data.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	touched := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after touch", touched, "stage-0/2=C stage-0/3=C stage-0/4=C")
	if err := os.Chmod(filepath.Join(r.dir, "data.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	chmodded := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after chmod", chmodded, "stage-0/2=C stage-0/3=R stage-0/4=R")
	if mode := s.RunIn(t, chmodded.res.ImageID, "cat", "/mode"); mode != "600\n" {
		t.Errorf("copied file has mode %q, want 600", mode)
	}
}

func TestIgnoredFileChangeHits(t *testing.T) {
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{
		"Dockerfile":    "FROM busybox\nCOPY . /ctx/\nRUN ls /ctx > /listing\n",
		".dockerignore": "notes.txt\n",
		"main.txt":      "main\n",
		"notes.txt":     "one\n",
	})
	r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	r.write("notes.txt", "two\n")
	o := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after editing an ignored file", o, "stage-0/2=C stage-0/3=C")
	r.write("main.txt", "changed\n")
	o = r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after editing a copied file", o, "stage-0/2=R stage-0/3=R")
}

func TestChangeInOneStageLeavesOtherCached(t *testing.T) {
	// Also the watch-mode promise: only the steps from the first affected
	// COPY onward run again, in the affected stages only.
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{
		"Dockerfile": `FROM busybox AS a
RUN echo a > /a
COPY a.txt /a.txt
RUN cat /a.txt > /a2

FROM busybox AS b
RUN echo b > /b
COPY b.txt /b.txt
RUN cat /b.txt > /b2

FROM busybox
COPY --from=b /b2 /b2
COPY --from=a /a2 /a2
`,
		"a.txt": "a one\n",
		"b.txt": "b one\n",
	})
	r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	r.write("a.txt", "a two\n")
	o := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after editing a.txt", o, "a/2=C a/3=R a/4=R b/2=C b/3=C b/4=C stage-2/2=C stage-2/3=R")
	if got := s.RunIn(t, o.res.ImageID, "cat", "/a2", "/b2"); got != "a two\nb one\n" {
		t.Errorf("image files = %q", got)
	}
}

func TestNoCacheAndTTL(t *testing.T) {
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{"Dockerfile": "FROM busybox\nRUN head -c 16 /dev/urandom | md5sum > /stamp\nLABEL x=y\n"})
	first := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	old := s.RunIn(t, first.res.ImageID, "cat", "/stamp")
	fresh := r.mustBuild(s, New(s.CLI, Options{NoRead: true}), runner.Options{})
	wantSteps(t, "--no-cache", fresh, "stage-0/2=R stage-0/3=R")
	stamp := s.RunIn(t, fresh.res.ImageID, "cat", "/stamp")
	if stamp == old {
		t.Errorf("--no-cache reused the RUN: stamp %q", stamp)
	}
	again := r.mustBuild(s, New(s.CLI, Options{TTL: time.Hour}), runner.Options{})
	wantSteps(t, "after --no-cache, --cache-ttl 1h", again, "stage-0/2=C stage-0/3=C")
	if got := s.RunIn(t, again.res.ImageID, "cat", "/stamp"); got != stamp {
		t.Errorf("the build after --no-cache has stamp %q, want the --no-cache build's %q: --no-cache must still write", got, stamp)
	}
	time.Sleep(1100 * time.Millisecond) // entry ages have one-second resolution
	expired := r.mustBuild(s, New(s.CLI, Options{TTL: time.Second}), runner.Options{})
	wantSteps(t, "--cache-ttl 1s, entries older", expired, "stage-0/2=R stage-0/3=R")
	entries, err := List(context.Background(), s.CLI)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Image == first.res.ImageID || e.Image == fresh.res.ImageID {
			t.Errorf("replaced entry %s still in the cache", e.Image)
		}
	}
}

func TestPruneRemovesOnlyCacheImages(t *testing.T) {
	s := buildahtest.NewStore(t)
	ctx := context.Background()
	r := newRecipe(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n"})
	o := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{Tags: []string{"localhost/mine:1"}})
	if _, err := s.CLI.Output(ctx, "tag", buildahtest.BaseImage, "localhost/other:1"); err != nil {
		t.Fatal(err)
	}
	if removed, err := Prune(ctx, s.CLI, PruneOptions{OlderThan: time.Hour}); err != nil || len(removed) != 0 {
		t.Fatalf("prune --older-than 1h removed %d entries (err %v), want none", len(removed), err)
	}
	removed, err := Prune(ctx, s.CLI, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Errorf("prune removed %d entries, want the 2 RUN steps", len(removed))
	}
	if left, _ := List(ctx, s.CLI); len(left) != 0 {
		t.Errorf("entries left after prune: %v", left)
	}
	if got := s.Inspect(t, "localhost/mine:1").ID; got != o.res.ImageID {
		t.Errorf("the user's tag names %s after prune, want %s", got, o.res.ImageID)
	}
	for _, img := range []string{buildahtest.BaseImage, "localhost/other:1"} {
		s.Inspect(t, img)
	}
	again := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after prune", again, "stage-0/2=R stage-0/3=R")
}

func TestRegistrySharesCache(t *testing.T) {
	reg := buildahtest.Registry(t)
	repo := reg + "/zlayer/cache"
	r := newRecipe(t, map[string]string{
		"Dockerfile": `ARG V=one
FROM busybox AS builder
ARG V
RUN echo "$V" > /v
COPY f.txt /f.txt

FROM busybox
ARG V
ENV VALUE=$V
COPY --from=builder /v /f.txt /out/
RUN cat /out/v /out/f.txt > /out/both
`,
		"f.txt": "file\n",
	})
	auth := filepath.Join(t.TempDir(), "auth.json")
	os.WriteFile(auth, []byte(`{"auths":{}}`), 0o600)
	one, two := buildahtest.NewStore(t), buildahtest.NewStore(t)
	pushed := r.mustBuild(one, New(one.CLI, Options{To: repo, AuthFile: auth, InsecureRegistry: true}), runner.Options{})
	local, err := List(context.Background(), one.CLI)
	if err != nil {
		t.Fatal(err)
	}
	tags := registryTags(t, reg, "zlayer/cache")
	for _, e := range local {
		if !slices.Contains(tags, e.Key) {
			t.Errorf("entry %s was not pushed; the repository has %v", e.Key, tags)
		}
	}
	pulled := r.mustBuild(two, New(two.CLI, Options{From: repo, AuthFile: auth, InsecureRegistry: true}), runner.Options{})
	wantSteps(t, "second store, --cache-from", pulled, "builder/2=C builder/3=C builder/4=C stage-1/2=C stage-1/3=C stage-1/4=C stage-1/5=C")
	if pulled.res.ImageID != pushed.res.ImageID {
		t.Errorf("second store built %s, first %s: want the same image", pulled.res.ImageID, pushed.res.ImageID)
	}
	if got := two.RunIn(t, pulled.res.ImageID, "cat", "/out/both"); got != "one\nfile\n" {
		t.Errorf("/out/both = %q", got)
	}
	if entries, err := List(context.Background(), two.CLI); err != nil || len(entries) == 0 {
		t.Errorf("pulled entries are not in the second store's cache (%v, %v)", entries, err)
	}
}

func TestSquashedTargetIsCached(t *testing.T) {
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n"})
	first := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{Squash: true})
	second := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{Squash: true})
	wantSteps(t, "warm --squash", second, "stage-0/2=C stage-0/3=C")
	if second.res.ImageID != first.res.ImageID || second.res.Layers != 1 {
		t.Errorf("warm --squash build: image %s with %d layers, want %s with 1", second.res.ImageID, second.res.Layers, first.res.ImageID)
	}
	plain := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "without --squash", plain, "stage-0/2=C stage-0/3=C")
	if plain.res.ImageID == first.res.ImageID || plain.res.Layers != 3 {
		t.Errorf("build without --squash: image %s with %d layers, want another image with a layer per RUN on the base", plain.res.ImageID, plain.res.Layers)
	}
}

// registryTags lists the tags of a repository in a plain-HTTP registry.
func registryTags(t *testing.T, reg, repo string) []string {
	t.Helper()
	resp, err := http.Get("http://" + reg + "/v2/" + repo + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Tags []string }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("decoding the tag list: %v", err)
	}
	return list.Tags
}

func TestGroupsShareCommits(t *testing.T) {
	// A COPY shares the commit of the RUN after it; a RUN commits on its
	// own, so a change after it never runs it again.
	s := buildahtest.NewStore(t)
	dockerfile := func(cmd, run string) string {
		return "FROM localhost/busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /a2\nCOPY b.txt /b.txt\nENV B=1\n" +
			"RUN " + run + "\nCMD [\"" + cmd + "\"]\n"
	}
	r := newRecipe(t, map[string]string{"Dockerfile": dockerfile("one", "cat /b.txt > /b2"), "a.txt": "a\n", "b.txt": "b one\n"})
	r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	if entries, err := List(context.Background(), s.CLI); err != nil || len(entries) != 3 {
		t.Errorf("cold build stored %d cache entries (%v), want 3: after each RUN and at the end", len(entries), err)
	}
	r.write("b.txt", "b two\n")
	o := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after editing b.txt", o, "stage-0/2=C stage-0/3=C stage-0/4=R stage-0/5=R stage-0/6=R stage-0/7=R")
	if got := s.RunIn(t, o.res.ImageID, "cat", "/a2", "/b2"); got != "a\nb two\n" {
		t.Errorf("image files = %q", got)
	}
	r.write("Dockerfile", dockerfile("two", "cat /b.txt > /b2"))
	o = r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after editing CMD", o, "stage-0/2=C stage-0/3=C stage-0/4=C stage-0/5=C stage-0/6=C stage-0/7=R")
	if cmd := s.Inspect(t, o.res.ImageID).Docker.Cmd; !slices.Equal(cmd, []string{"two"}) {
		t.Errorf("CMD = %q, want [two]", cmd)
	}
	r.write("Dockerfile", dockerfile("two", "cat /b.txt /a.txt > /b2"))
	o = r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "after editing the last RUN", o, "stage-0/2=C stage-0/3=C stage-0/4=R stage-0/5=R stage-0/6=R stage-0/7=R")
	if got := s.RunIn(t, o.res.ImageID, "cat", "/b2"); got != "b two\na\n" {
		t.Errorf("/b2 = %q", got)
	}
}

func TestCopyFromStageOnPulledBaseThatHits(t *testing.T) {
	// A stage whose base is pulled gets a working container before its
	// steps hit the cache; a stage copying from it must see the cached
	// result, not that container's base files.
	reg := buildahtest.Registry(t)
	s := buildahtest.NewStore(t)
	base := reg + "/base:1"
	ctx := context.Background()
	if _, err := s.CLI.Output(ctx, "push", "--tls-verify=false", buildahtest.BaseImage, "docker://"+base); err != nil {
		t.Fatal(err)
	}
	r := newRecipe(t, map[string]string{
		"Dockerfile": "FROM " + base + " AS built\nRUN echo built > /v\n\nFROM localhost/busybox\nCOPY f.txt /f\nCOPY --from=built /v /v\n",
		"f.txt":      "one\n",
	})
	opts := runner.Options{InsecureRegistry: true}
	r.mustBuild(s, New(s.CLI, Options{}), opts)
	if _, err := s.CLI.Output(ctx, "rmi", base); err != nil {
		t.Fatal(err)
	}
	r.write("f.txt", "two\n")
	o := r.mustBuild(s, New(s.CLI, Options{}), opts)
	wantSteps(t, "base pulled again, f.txt changed", o, "built/2=C stage-1/2=R stage-1/3=R")
	if got := s.RunIn(t, o.res.ImageID, "cat", "/f", "/v"); got != "two\nbuilt\n" {
		t.Errorf("/f and /v = %q, want two and built", got)
	}
}

func TestFailureInGroupLeavesOnlyEarlierEntries(t *testing.T) {
	// A RUN that fails after the COPY of its group leaves no container,
	// mount or image but the entry of the RUN before; fixed, the build
	// continues from that entry. A cancel in the same group leaves nothing
	// either.
	s := buildahtest.NewStore(t)
	before := s.Images(t)
	dockerfile := func(run string) string {
		return "FROM localhost/busybox\nRUN echo one > /one\nCOPY a.txt /a\nENV A=1\nRUN " + run + "\nCMD [\"x\"]\n"
	}
	r := newRecipe(t, map[string]string{"Dockerfile": dockerfile("cat /a && exit 3"), "a.txt": "a\n"})
	if o := r.build(s, New(s.CLI, Options{}), runner.Options{}); o.err == nil {
		t.Fatal("a RUN that exits 3 built")
	}
	for _, l := range s.Leftovers(t, before) {
		t.Errorf("failed build left %s", l)
	}
	if entries, err := List(context.Background(), s.CLI); err != nil || len(entries) != 1 {
		t.Errorf("failed build stored %d cache entries (%v), want the first RUN's", len(entries), err)
	}
	r.write("Dockerfile", dockerfile("cat /a > /a2"))
	o := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{})
	wantSteps(t, "fixed", o, "stage-0/2=C stage-0/3=R stage-0/4=R stage-0/5=R stage-0/6=R")
	if got := s.RunIn(t, o.res.ImageID, "cat", "/one", "/a2"); got != "one\na\n" {
		t.Errorf("/one and /a2 = %q", got)
	}

	images := s.Images(t)
	r.write("Dockerfile", dockerfile("echo started && sleep 618"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	bf, _ := runner.FindBuildFile(r.dir, "", "")
	p, _, err := runner.Load(bf)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := runner.Build(ctx, runner.Options{Plan: p, ContextDir: r.dir, Buildah: s.CLI, Cache: New(s.CLI, Options{}),
			Events: func(e runner.Event) {
				if o, ok := e.(runner.Output); ok && o.Line == "started" {
					cancel()
				}
			}})
		done <- err
	}()
	buildahtest.AwaitCanceled(t, done)
	for _, l := range s.Leftovers(t, images) {
		t.Errorf("cancelled build left %s", l)
	}
}

func TestStagesSharingStepsLeaveNoNamelessImage(t *testing.T) {
	// Two stages that build the same first step at the same time commit it
	// under one key; the one that commits second continues from the
	// first's image, so no image loses its cache name and stays behind.
	s := buildahtest.NewStore(t)
	before := s.Images(t)
	r := newRecipe(t, map[string]string{"Dockerfile": "FROM localhost/busybox AS a\nRUN echo same > /same\nRUN echo a > /a\n\n" +
		"FROM localhost/busybox AS b\nRUN echo same > /same\nRUN echo b > /b\n\n" +
		"FROM localhost/busybox\nCOPY --from=a /same /a /\nCOPY --from=b /b /\n"})
	o := r.mustBuild(s, New(s.CLI, Options{NoRead: true}), runner.Options{Jobs: 3})
	if got := s.RunIn(t, o.res.ImageID, "cat", "/same", "/a", "/b"); got != "same\na\nb\n" {
		t.Errorf("image files = %q", got)
	}
	s.RemoveImage(o.res.ImageID)
	for _, l := range s.Leftovers(t, before) {
		t.Errorf("build left %s", l)
	}
}

func TestCopyFromRebuiltStagePreparesEarly(t *testing.T) {
	// A step copying from a stage that rebuilds misses the cache for sure
	// (its key holds that stage's new image), so its working container is
	// made while that stage still runs; and the stage's container is
	// removed as soon as nothing reads it.
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{
		"Dockerfile": "FROM busybox AS slow\nCOPY s.txt /s.txt\nRUN sleep 1 && cat /s.txt > /s2\n\n" +
			"FROM busybox\nCOPY main.txt /main.txt\nCOPY --from=slow /s2 /s2\n",
		"s.txt":    "one\n",
		"main.txt": t.Name() + "\n", // unique: no hits from other tests
	})
	r.mustBuild(s, New(s.CLI, Options{}), runner.Options{Jobs: 2})
	r.write("s.txt", "two\n")
	o, lines := r.tracedBuild(s, New(s.CLI, Options{}), runner.Options{Jobs: 2})
	wantSteps(t, "after editing s.txt", o, "slow/2=R slow/3=R stage-1/2=C stage-1/3=R")
	if got := s.RunIn(t, o.res.ImageID, "cat", "/main.txt", "/s2"); got != t.Name()+"\ntwo\n" {
		t.Errorf("image files = %q", got)
	}
	log := strings.Join(lines, "\n")
	from := callIndex(lines, "start", " from --quiet --name zlayer-", "-1 ")
	run := callIndex(lines, "end", " run ", "sleep 1")
	if from < 0 || run < 0 || from > run {
		t.Errorf("the last stage's container was not made while the stage it copies from ran its RUN:\n%s", log)
	}
	// Once copied from, the stage's container is removed on its own, not
	// with the last stage's at the end.
	alone := slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "start ") && strings.Contains(l, " rm zlayer-") && strings.Count(l, " zlayer-") == 1 && strings.HasSuffix(l, "-0")
	})
	if !alone {
		t.Errorf("the container copied from was not removed on its own:\n%s", log)
	}
}

func TestOneJobSlotWithStagesWaiting(t *testing.T) {
	// With one job slot, stages that copy from another stage may start
	// first and wait for it: they must give the slot up while they wait.
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	df := "FROM busybox AS base\nCOPY f.txt /f.txt\nRUN cat /f.txt > /g\n"
	for i := range 4 {
		df += fmt.Sprintf("\nFROM busybox AS copy%d\nCOPY --from=base /g /g%d\n", i, i)
	}
	df += "\nFROM busybox\nCOPY --from=copy0 /g0 /g0\nCOPY --from=copy3 /g3 /g3\n"
	r := newRecipe(t, map[string]string{"Dockerfile": df, "f.txt": t.Name() + "\n"})
	for i := range 3 {
		r.write("f.txt", fmt.Sprintf("%s %d\n", t.Name(), i))
		o := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{Jobs: 1})
		if got := s.RunIn(t, o.res.ImageID, "cat", "/g0", "/g3"); got != strings.Repeat(fmt.Sprintf("%s %d\n", t.Name(), i), 2) {
			t.Fatalf("build %d: files %q", i, got)
		}
	}
}

func TestSparesStartRebuildsWithoutFrom(t *testing.T) {
	// In watch mode a rebuild after the same file changed again starts in
	// a spare container made after the build before: it makes no container
	// of its own, and its image holds what a build without spares makes.
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{
		"Dockerfile": "FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b\nCOPY c.txt /c.txt\nRUN cat /b /c.txt > /d\n",
		"a.txt":      t.Name() + "\n", // unique: no hits from other tests
		"c.txt":      "one\n",
	})
	spares := runner.NewSpares(s.CLI)
	opts := runner.Options{Spares: spares}
	r.mustBuild(s, New(s.CLI, Options{}), opts)
	r.write("c.txt", "two\n")
	r.mustBuild(s, New(s.CLI, Options{}), opts) // wants a spare of the image before COPY c.txt
	spares.Wait()
	r.write("c.txt", "three\n")
	o, lines := r.tracedBuild(s, New(s.CLI, Options{}), opts)
	wantSteps(t, "third build", o, "stage-0/2=C stage-0/3=C stage-0/4=R stage-0/5=R")
	if log := strings.Join(lines, "\n"); strings.Contains(log, " from ") {
		t.Errorf("the rebuild made a container instead of taking the spare:\n%s", log)
	}
	if got := s.RunIn(t, o.res.ImageID, "cat", "/d"); got != t.Name()+"\nthree\n" {
		t.Errorf("image files = %q", got)
	}
	with := s.Rootfs(t, o.res.ImageID) // the next build replaces the image
	without := r.mustBuild(s, New(s.CLI, Options{NoRead: true}), runner.Options{})
	if d := buildahtest.Diff(s.Rootfs(t, without.res.ImageID), with, 20); d != "" {
		t.Errorf("the image made with a spare differs from one made without (-without +with):\n%s", d)
	}
	spares.Wait()
	spares.Close()
	for _, c := range s.Containers(t) {
		if strings.HasPrefix(c, "zlayer-") {
			t.Errorf("container %s left behind", c)
		}
	}
}

func TestCopyFromRebuildingStageRunsAhead(t *testing.T) {
	// A group that copies from a stage that is rebuilding misses for sure,
	// so it runs while that stage commits; its keys, worked out after that
	// commit, are the ones the next build finds.
	s := buildahtest.Shared(t)
	removeEntries(t, s)
	r := newRecipe(t, map[string]string{
		"Dockerfile": "FROM busybox AS src\nCOPY s.txt /s.txt\nRUN cat /s.txt > /s2\n\n" +
			"FROM busybox\nCOPY main.txt /main.txt\nCOPY --from=src /s2 /s2\nRUN cat /main.txt /s2 > /both\n",
		"s.txt":    "one\n",
		"main.txt": t.Name() + "\n", // unique: no hits from other tests
	})
	r.mustBuild(s, New(s.CLI, Options{}), runner.Options{Jobs: 2})
	r.write("s.txt", "two\n")
	o, lines := r.tracedBuild(s, New(s.CLI, Options{}), runner.Options{Jobs: 2})
	wantSteps(t, "after editing s.txt", o, "src/2=R src/3=R stage-1/2=C stage-1/3=R stage-1/4=R")
	if got := s.RunIn(t, o.res.ImageID, "cat", "/both"); got != t.Name()+"\ntwo\n" {
		t.Errorf("image files = %q", got)
	}
	run := callIndex(lines, "start", " run ", "/both")
	commit := callIndex(lines, "end", " commit ", "-0 ")
	if run < 0 || commit < 0 || run > commit {
		t.Errorf("the last stage's RUN did not start before the stage it copies from was committed:\n%s", strings.Join(lines, "\n"))
	}
	again := r.mustBuild(s, New(s.CLI, Options{}), runner.Options{Jobs: 2})
	wantSteps(t, "the same build again", again, "src/2=C src/3=C stage-1/2=C stage-1/3=C stage-1/4=C")
	if again.res.ImageID != o.res.ImageID {
		t.Errorf("the same build again made %s, want %s", again.res.ImageID, o.res.ImageID)
	}
}
