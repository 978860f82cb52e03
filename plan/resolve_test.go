package plan

import (
	"reflect"
	"strings"
	"testing"
)

// dockerPlan is the plan of:
//
//	ARG BASE=busybox
//	ARG TAG
//	FROM ${BASE}:${TAG:-latest} AS deps
//	FROM deps AS build
//	ARG TAG
//	ENV GREETING=hi-$TAG PATH=/x:$PATH
//	FROM busybox AS unrelated
//	FROM scratch AS final
//	COPY --from=build /a /a
//	RUN --mount=type=cache,from=1,target=/c true
func dockerPlan() *Plan {
	return &Plan{
		Kind: "dockerfile",
		Args: []*Arg{{Name: "BASE", Default: "busybox", HasDefault: true}, {Name: "TAG"}},
		Stages: []*Stage{
			{Index: 0, Name: "deps", Base: "${BASE}:${TAG:-latest}"},
			{Index: 1, Name: "build", Base: "DEPS", Instructions: []Instruction{
				&Arg{Name: "TAG"},
				&Env{Pairs: []KeyValue{{"GREETING", "hi-$TAG"}, {"PATH", "/x:$PATH"}}},
			}},
			{Index: 2, Name: "unrelated", Base: "busybox"},
			{Index: 3, Name: "final", Base: "scratch", Instructions: []Instruction{
				&Copy{Sources: []string{"/a"}, Dest: "/a", From: "build"},
				&Run{Args: []string{"true"}, ShellForm: true, Mounts: []Mount{{Type: "cache", From: "1", Target: "/c"}}},
			}},
		},
	}
}

func TestResolve(t *testing.T) {
	r := Resolve(dockerPlan(), Options{BuildArgs: map[string]string{"TAG": "1.36"}})
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range r.Stages {
		names = append(names, st.Name)
	}
	if want := []string{"deps", "build", "final"}; !reflect.DeepEqual(names, want) {
		t.Errorf("stages = %v, want %v (unrelated must be pruned)", names, want)
	}
	if got := r.All[0].Base; got != "busybox:1.36" {
		t.Errorf("deps base = %q, want busybox:1.36", got)
	}
	if got := r.All[1].BaseStage; got != 0 {
		t.Errorf("build base stage = %d, want 0 (case-insensitive name)", got)
	}
	if !r.All[3].Scratch || !reflect.DeepEqual(r.All[3].Deps, []int{1}) {
		t.Errorf("final = scratch %v deps %v, want scratch with deps [1]", r.All[3].Scratch, r.All[3].Deps)
	}
}

func TestResolveTarget(t *testing.T) {
	r := Resolve(dockerPlan(), Options{Target: "build"})
	if len(r.Stages) != 2 || r.Stages[1].Name != "build" {
		t.Fatalf("target build kept %d stages", len(r.Stages))
	}
	if got := r.All[0].Base; got != "busybox:latest" {
		t.Errorf("deps base = %q, want busybox:latest", got)
	}
	r = Resolve(dockerPlan(), Options{Target: "2"})
	if len(r.Stages) != 1 || r.Stages[0].Name != "unrelated" {
		t.Errorf("target 2 kept %d stages, want only the stage with index 2", len(r.Stages))
	}
	r = Resolve(dockerPlan(), Options{Target: "nope"})
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), `target stage "nope" not found`) {
		t.Errorf("unknown target error = %v", err)
	}
}

func TestResolveUndeclaredBuildArg(t *testing.T) {
	r := Resolve(dockerPlan(), Options{BuildArgs: map[string]string{"NOPE": "1", "HTTP_PROXY": "x", "TAG": "2"}})
	if len(r.Diagnostics) != 1 || r.Diagnostics[0].Code != "ZI306" ||
		r.Diagnostics[0].Message != "build-arg 'NOPE' is not declared in the build file and was not used" {
		t.Errorf("diagnostics = %+v, want one ZI306 for NOPE", r.Diagnostics)
	}
}

func TestScope(t *testing.T) {
	r := Resolve(dockerPlan(), Options{BuildArgs: map[string]string{"TAG": "1.36", "HTTP_PROXY": "http://p"}})
	s := r.NewScope(r.All[1], []string{"PATH=/bin"})
	if _, ok := s.Lookup("TAG"); ok {
		t.Error("TAG visible before its ARG: global args must not leak into a stage")
	}
	for _, ins := range r.All[1].Instructions {
		e, err := s.Expand(ins)
		if err != nil {
			t.Fatal(err)
		}
		s.Apply(e)
	}
	wantEnv := []KeyValue{{"PATH", "/x:/bin"}, {"GREETING", "hi-1.36"}}
	if got := s.Env(); !reflect.DeepEqual(got, wantEnv) {
		t.Errorf("Env = %v, want %v", got, wantEnv)
	}
	wantArgs := []KeyValue{{"HTTP_PROXY", "http://p"}, {"TAG", "1.36"}}
	if got := s.BuildArgs(); !reflect.DeepEqual(got, wantArgs) {
		t.Errorf("BuildArgs = %v, want %v", got, wantArgs)
	}
}

func TestScopeZImageKeepsQuotes(t *testing.T) {
	p := &Plan{Kind: "zimagefile", Stages: []*Stage{{Name: "s", Base: "busybox", Instructions: []Instruction{
		&Arg{Name: "V", Default: "it's", HasDefault: true},
		&Label{Pairs: []KeyValue{{"note", `"$V" \$HOME`}}},
	}}}}
	r := Resolve(p, Options{})
	s := r.NewScope(r.All[0], nil)
	s.Apply(p.Stages[0].Instructions[0])
	got, err := s.Expand(p.Stages[0].Instructions[1])
	if err != nil {
		t.Fatal(err)
	}
	if v := got.(*Label).Pairs[0].Value; v != `"it's" $HOME` {
		t.Errorf("label = %q, want %q", v, `"it's" $HOME`)
	}
}

func TestScopeDockerfileRemovesQuotes(t *testing.T) {
	p := &Plan{Kind: "dockerfile", Stages: []*Stage{{Name: "s", Base: "busybox", Instructions: []Instruction{
		&Label{Pairs: []KeyValue{{"a", `"x y"`}, {`"b c"`, `'$d'`}}},
		&Env{Pairs: []KeyValue{{"E", `x\ y`}}},
	}}}}
	r := Resolve(p, Options{})
	s := r.NewScope(r.All[0], nil)
	l, err := s.Expand(p.Stages[0].Instructions[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []KeyValue{{"a", "x y"}, {"b c", "$d"}}
	if got := l.(*Label).Pairs; !reflect.DeepEqual(got, want) {
		t.Errorf("label pairs = %q, want %q", got, want)
	}
	e, _ := s.Expand(p.Stages[0].Instructions[1])
	if got := e.(*Env).Pairs[0].Value; got != "x y" {
		t.Errorf("env value = %q, want %q", got, "x y")
	}
}

func TestScopeClone(t *testing.T) {
	r := Resolve(dockerPlan(), Options{BuildArgs: map[string]string{"TAG": "1.36"}})
	s := r.NewScope(r.All[1], []string{"PATH=/bin"})
	c := s.Clone()
	for _, ins := range r.All[1].Instructions {
		e, err := c.Expand(ins)
		if err != nil {
			t.Fatal(err)
		}
		c.Apply(e)
	}
	if got, want := s.Env(), []KeyValue{{"PATH", "/bin"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("original Env after applying to the clone = %v, want %v", got, want)
	}
	if _, ok := s.Lookup("TAG"); ok {
		t.Error("an ARG applied to the clone is visible in the original")
	}
	if got, _ := c.Lookup("GREETING"); got != "hi-1.36" {
		t.Errorf("clone GREETING = %q, want hi-1.36", got)
	}
}
