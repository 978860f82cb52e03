package zimage

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/plan"
)

// planView is what a build of a plan does, written so that two plans that
// build the same image compare equal: per stage the resolved base, the
// declared build arguments, each step that changes the file system with the
// context it runs in, and the image configuration the stage ends with.
// Source ranges are left out, and so are the differences between how the
// two front ends write the same thing down:
//
//   - Dockerfile values are kept as written (quotes and escapes) while a
//     ZImagefile's are plain; every value is compared expanded, with
//     plan.Scope, as the runner sees it.
//   - A ZImagefile writes labels, ports, volumes, health check, stop signal,
//     entrypoint and cmd as stage keys after the steps (spec §9.4), so they
//     are compared as the configuration the stage ends with; ENV and USER
//     are compared through the context of every later step and the final
//     configuration; ARGs are compared as the stage's declarations.
//   - An unnamed Dockerfile stage is called stage-N in a ZImagefile, and a
//     --from value names the stage it resolves to, whatever the spelling.
//   - Relative sources copied from a stage resolve against "/" in a
//     Dockerfile and against that stage's final working directory in a
//     ZImagefile (spec §5.4); both are compared as absolute paths.
//   - A ZImagefile declares a stage's args before its steps (spec §9.4),
//     so every plan is compared with its stage ARGs moved to the front;
//     Format refuses an ARG when an earlier instruction uses its name, so
//     this only gives earlier RUN steps the argument in their environment.
//   - A stage OS of "" means linux.
//   - An ARG with an empty default is compared as one without a default:
//     a ZImagefile writes both as an empty value (spec §9.2, §9.4), and
//     Format refuses the stage args where that changes the value; for a
//     global arg it only decides whether RUN steps of stages that
//     re-declare it receive it as an empty variable.
//   - A port without a protocol is tcp, and 080 is port 80; a cache mount without an id uses
//     its target and without sharing is shared; a shell-form command is
//     ["/bin/sh", "-c", script]; RUN network "default" and security
//     "sandbox" are the defaults.
type planView struct {
	Args   []string
	Stages []stageView
	// Errors are the expansion errors met on the way.
	Errors []string
}

type stageView struct {
	Name, Base, Platform, OS string
	Args                     []string
	Steps                    []string
	Config                   []string
	workdir                  string
}

// viewOf resolves p with no build options and walks every stage with a
// scope, as the runner does.
func viewOf(p *plan.Plan) planView {
	p = argsFirst(p)
	r := plan.Resolve(p, plan.Options{})
	v := planView{}
	for _, d := range r.Diagnostics {
		if d.Severity == diag.Error {
			v.Errors = append(v.Errors, d.Message)
		}
	}
	for _, a := range p.Args {
		v.Args = append(v.Args, fmt.Sprintf("%s=%q", a.Name, r.Global[a.Name]))
	}
	finalEnv := map[int][]string{}
	for _, rs := range r.All {
		var baseEnv []string
		if rs.BaseStage >= 0 {
			baseEnv = finalEnv[rs.BaseStage]
		}
		sv, env := v.stage(r, rs, baseEnv)
		if rs.BaseStage >= 0 && rs.BaseStage < len(v.Stages) && sv.workdir == "" {
			sv.workdir = v.Stages[rs.BaseStage].workdir
		}
		finalEnv[rs.Index] = env
		v.Stages = append(v.Stages, sv)
	}
	return v
}

// argsFirst returns a copy of p whose stages start with their ARGs and
// whose global ARGs with an empty default have none.
func argsFirst(p *plan.Plan) *plan.Plan {
	out := *p
	out.Args = nil
	for _, a := range p.Args {
		c := *a
		c.HasDefault = c.HasDefault && c.Default != "" // see planView
		out.Args = append(out.Args, &c)
	}
	out.Stages = nil
	for _, st := range p.Stages {
		c := *st
		isArg := func(in plan.Instruction) bool { _, ok := in.(*plan.Arg); return ok }
		c.Instructions = slices.Concat(
			slices.DeleteFunc(slices.Clone(st.Instructions), func(in plan.Instruction) bool { return !isArg(in) }),
			slices.DeleteFunc(slices.Clone(st.Instructions), isArg))
		out.Stages = append(out.Stages, &c)
	}
	return &out
}

// stageState is the part of the image configuration a stage builds up.
type stageState struct {
	user, workdir, stopsignal string
	labels                    []plan.KeyValue
	ports, volumes            []string
	healthcheck, entrypoint   string
	cmd                       string
}

func (v *planView) stage(r *plan.Resolved, rs *plan.ResolvedStage, baseEnv []string) (stageView, []string) {
	sv := stageView{Name: rs.DisplayName(), Platform: rs.Platform, OS: rs.OS}
	if sv.OS == "" {
		sv.OS = "linux"
	}
	switch {
	case rs.Scratch:
		sv.Base = "scratch"
	case rs.BaseStage >= 0:
		sv.Base = "stage#" + fmt.Sprint(rs.BaseStage)
	default:
		sv.Base = rs.Base
	}
	sc := r.NewScope(rs, baseEnv)
	st := &stageState{}
	if rs.BaseStage >= 0 && rs.BaseStage < len(v.Stages) {
		st.workdir = v.Stages[rs.BaseStage].workdir
	}
	for _, raw := range rs.Instructions {
		ins, err := sc.Expand(raw)
		if err != nil {
			v.Errors = append(v.Errors, fmt.Sprintf("stage %s: %s: %v", sv.Name, raw.Keyword(), err))
		}
		if a, ok := ins.(*plan.Arg); ok && a.HasDefault && a.Default == "" {
			c := *a
			c.HasDefault = false
			ins = &c
		}
		if step := v.step(r, rs, sc, st, ins); step != "" {
			sv.Steps = append(sv.Steps, step)
		}
		if a, ok := ins.(*plan.Arg); ok {
			sv.Args = append(sv.Args, fmt.Sprintf("%s=%q/%v", a.Name, a.Default, a.HasDefault))
		}
		sc.Apply(ins)
	}
	var env []string
	for _, kv := range sc.Env() {
		env = append(env, kv.Key+"="+kv.Value)
	}
	sv.workdir = st.workdir
	sv.Config = st.config(env)
	return sv, env
}

// step records the effect of one expanded instruction and returns the
// step line for those that change the file system.
func (v *planView) step(r *plan.Resolved, rs *plan.ResolvedStage, sc *plan.Scope, st *stageState, ins plan.Instruction) string {
	switch in := ins.(type) {
	case *plan.Workdir:
		st.workdir = path.Join(st.workdir, in.Path)
		if !path.IsAbs(st.workdir) {
			st.workdir = "/" + st.workdir
		}
		return fmt.Sprintf("WORKDIR %s user=%q", st.workdir, st.user)
	case *plan.User:
		st.user = in.User
	case *plan.Label:
		for _, kv := range in.Pairs {
			st.labels = slices.DeleteFunc(st.labels, func(o plan.KeyValue) bool { return o.Key == kv.Key })
			st.labels = append(st.labels, kv)
		}
	case *plan.Expose:
		for _, p := range in.Ports {
			num, proto, _ := strings.Cut(p, "/")
			if proto == "" {
				proto = "tcp"
			}
			if n, err := strconv.Atoi(num); err == nil {
				num = strconv.Itoa(n) // 080 is port 80
			}
			st.ports = append(st.ports, num+"/"+strings.ToLower(proto))
		}
	case *plan.Volume:
		st.volumes = append(st.volumes, in.Paths...)
	case *plan.StopSignal:
		st.stopsignal = in.Signal
	case *plan.Healthcheck:
		st.healthcheck = healthcheckText(in)
	case *plan.Command:
		text := fmt.Sprintf("%q", commandArgs(in.Args, in.ShellForm))
		if in.Entrypoint {
			st.entrypoint = text
		} else {
			st.cmd = text
		}
	case *plan.Run:
		return runText(in, st, sc)
	case *plan.Copy:
		return v.copyText(r, rs, st, in)
	case *plan.Shell, *plan.OnBuild:
		return fmt.Sprintf("%s %+v", in.Keyword(), in)
	}
	return ""
}

func runText(in *plan.Run, st *stageState, sc *plan.Scope) string {
	var mounts []string
	for _, m := range in.Mounts {
		if m.ID == "" && m.Type == "cache" {
			m.ID = m.Target
		}
		if m.Sharing == "" && m.Type == "cache" {
			m.Sharing = "shared"
		}
		mounts = append(mounts, fmt.Sprintf("%+v", m))
	}
	network, security := in.Network, in.Security
	if network == "default" {
		network = ""
	}
	if security == "sandbox" {
		security = ""
	}
	return fmt.Sprintf("RUN %q mounts=%v network=%q security=%q env=%v transient=%v args=%v user=%q workdir=%q heredocs=%d",
		commandArgs(in.Args, in.ShellForm), mounts, network, security, sc.Env(), in.Env, sc.BuildArgs(),
		st.user, st.workdir, len(in.Heredocs))
}

func (v *planView) copyText(r *plan.Resolved, rs *plan.ResolvedStage, st *stageState, in *plan.Copy) string {
	from := in.From
	sources := slices.Clone(in.Sources)
	if in.From != "" {
		fromDir := "/"
		if idx, ok := r.StageRef(in.From, rs.Index); ok {
			from = fmt.Sprintf("stage#%d", idx)
			if in.FromStageWorkdir && idx < len(v.Stages) && v.Stages[idx].workdir != "" {
				fromDir = v.Stages[idx].workdir
			}
		} else if in.FromStageWorkdir {
			fromDir = "(workdir of " + in.From + ")"
		}
		for i, s := range sources {
			if !path.IsAbs(s) && !strings.Contains(s, "://") {
				// Join as the runner does: a trailing slash (the source
				// must be a directory) is kept.
				sources[i] = path.Join(fromDir, s)
				if strings.HasSuffix(s, "/") && !strings.HasSuffix(sources[i], "/") {
					sources[i] += "/"
				}
			}
		}
	}
	return fmt.Sprintf("%s %q -> %q from=%q chown=%q chmod=%q link=%v parents=%v excludes=%q checksum=%q keepgit=%v heredocs=%d workdir=%q",
		in.Keyword(), sources, in.Dest, from, in.Chown, in.Chmod, in.Link, in.Parents, in.Excludes, in.Checksum,
		in.KeepGitDir, len(in.Heredocs), st.workdir)
}

func (st *stageState) config(env []string) []string {
	return []string{
		fmt.Sprintf("env=%q", env),
		"workdir=" + st.workdir,
		"user=" + st.user,
		fmt.Sprintf("labels=%v", st.labels),
		fmt.Sprintf("ports=%v", st.ports),
		fmt.Sprintf("volumes=%q", st.volumes),
		"healthcheck=" + st.healthcheck,
		"stopsignal=" + st.stopsignal,
		"entrypoint=" + st.entrypoint,
		"cmd=" + st.cmd,
	}
}

// commandArgs is the argv a command runs: a shell-form command is run by
// /bin/sh -c (Format refuses SHELL, so no other shell can be in effect).
func commandArgs(args []string, shellForm bool) []string {
	if shellForm {
		return []string{"/bin/sh", "-c", strings.Join(args, " ")}
	}
	return args
}

func healthcheckText(h *plan.Healthcheck) string {
	d := func(x time.Duration) string { return x.String() }
	return fmt.Sprintf("%q interval=%s timeout=%s start=%s startInterval=%s retries=%d",
		h.Test, d(h.Interval), d(h.Timeout), d(h.StartPeriod), d(h.StartInterval), h.Retries)
}

// diffViews describes how got differs from want, stage by stage and line
// by line; "" means they are the same.
func diffViews(got, want planView) string {
	var b strings.Builder
	diffLines(&b, "global args", got.Args, want.Args)
	diffLines(&b, "expansion errors", got.Errors, want.Errors)
	if len(got.Stages) != len(want.Stages) {
		fmt.Fprintf(&b, "%d stages, want %d\n", len(got.Stages), len(want.Stages))
		return b.String()
	}
	for i, g := range got.Stages {
		w := want.Stages[i]
		head := func(s stageView) []string { return []string{s.Name, s.Base, s.Platform, s.OS} }
		diffLines(&b, fmt.Sprintf("stage %d name/base/platform/os", i), head(g), head(w))
		diffLines(&b, fmt.Sprintf("stage %d args", i), g.Args, w.Args)
		diffLines(&b, fmt.Sprintf("stage %d steps", i), g.Steps, w.Steps)
		diffLines(&b, fmt.Sprintf("stage %d config", i), g.Config, w.Config)
	}
	return b.String()
}

func diffLines(b *strings.Builder, what string, got, want []string) {
	for i := 0; i < max(len(got), len(want)); i++ {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(b, "%s [%d]:\n   got  %s\n   want %s\n", what, i, g, w)
		}
	}
}

// TestPlanViewDetectsDifferences makes sure the comparison the round-trip
// and pair tests rely on sees a change in what a build does.
func TestPlanViewDetectsDifferences(t *testing.T) {
	base := "FROM alpine AS a\nARG V=1\nENV E=x\nWORKDIR /w\nRUN make\nCOPY f /f\nLABEL l=1\nEXPOSE 80\nCMD [\"run\"]\nFROM a\nCOPY --from=a out /o\n"
	for _, changed := range []string{
		strings.Replace(base, "RUN make", "RUN make all", 1),
		strings.Replace(base, "ENV E=x", "ENV E=y", 1),
		strings.Replace(base, "ARG V=1", "ARG V=2", 1),
		strings.Replace(base, "WORKDIR /w\nRUN make", "RUN make\nWORKDIR /w", 1),
		strings.Replace(base, "EXPOSE 80", "EXPOSE 80/udp", 1),
		strings.Replace(base, "LABEL l=1", "LABEL l=2", 1),
		strings.Replace(base, "CMD [\"run\"]", "CMD run", 1),
		strings.Replace(base, "--from=a out", "--from=a /w/out", 1),
		strings.Replace(base, "FROM a\n", "FROM alpine\n", 1),
	} {
		want, _ := dockerfile.Parse("Dockerfile", []byte(base)).Plan()
		got, _ := dockerfile.Parse("Dockerfile", []byte(changed)).Plan()
		if diffViews(viewOf(got), viewOf(want)) == "" {
			t.Errorf("no difference seen between\n%s\nand\n%s", base, changed)
		}
	}
}
