package zimage

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/source"
)

// ErrWasm is returned by Plan for a file in wasm mode, which this toolkit
// validates but does not build (ZI301).
var ErrWasm = errors.New("WebAssembly builds ('wasm' mode) are not supported by this builder; the file can be validated but not built")

// Plan converts the file to a stage plan (spec §9). Values are kept as
// written; the builder expands variables when it resolves the plan. Plan
// fails when the file has error diagnostics, is in wasm mode, or names a
// runtime that has no template.
func (f *File) Plan() (*plan.Plan, error) {
	if f.HasErrors() {
		return nil, fmt.Errorf("%s: the ZImagefile has errors; fix them before building", f.Source.Name)
	}
	p := &plan.Plan{File: f.Source.Name, Kind: "zimagefile"}
	switch f.Mode {
	case ModeSingleStage:
		p.Args = globalArgs(f.Args)
		st := &plan.Stage{Platform: text(f.Platform), OS: effectiveOS(f.OS, nil, f.Platform, nil)}
		if f.root != nil {
			st.Range = f.root.rng
		}
		f.setBase(p, st, "toplevel", f.Base, f.Build)
		st.Instructions = f.appended(st.Instructions)
		p.Stages = []*plan.Stage{st}
	case ModeMultiStage:
		p.Args = globalArgs(f.Args)
		for _, s := range f.Stages {
			p.Stages = append(p.Stages, f.stagePlan(p, s))
		}
		if last := len(p.Stages) - 1; last >= 0 {
			p.Stages[last].Instructions = f.Image.instructions(p.Stages[last].Instructions, true)
		}
	case ModeRuntime:
		return f.runtimePlan(p)
	case ModeWasm:
		return nil, fmt.Errorf("%s: %w", f.Source.Name, ErrWasm)
	default:
		return nil, fmt.Errorf("%s: the ZImagefile has no mode key", f.Source.Name)
	}
	return p, nil
}

func text(v *Value) string {
	if v == nil {
		return ""
	}
	return v.Text
}

// effectiveOS is the target OS of spec §7.10: os (stage, then top level),
// else the OS part of the platform when it is linux or windows.
func effectiveOS(os, topOS, platform, topPlatform *Value) string {
	for _, v := range []*Value{os, topOS} {
		if v != nil {
			return v.Text
		}
	}
	for _, v := range []*Value{platform, topPlatform} {
		if v != nil {
			first, _, _ := strings.Cut(strings.ToLower(v.Text), "/")
			if first == "linux" || first == "windows" {
				return first
			}
			return ""
		}
	}
	return ""
}

func globalArgs(m *Map) []*plan.Arg {
	if m == nil {
		return nil
	}
	var out []*plan.Arg
	for _, p := range m.Pairs {
		out = append(out, &plan.Arg{At: plan.At{Range: entry(p.KeyRange, p.Range)}, Name: p.Key, Default: p.Value, HasDefault: p.Value != ""})
	}
	return out
}

// setBase fills a stage's base from base or a build directive.
func (f *File) setBase(p *plan.Plan, st *plan.Stage, owner string, base *Value, build *Build) {
	switch {
	case base != nil:
		st.Base, st.BaseRange = base.Text, base.Range
	case build != nil:
		st.BaseRange = build.Range
		ctx := build.Context
		if ctx == "" {
			ctx = "."
		}
		p.Nested = append(p.Nested, &plan.Nested{Owner: owner, Context: ctx, File: build.File,
			Args: kvs(build.Args), Range: entry(build.KeyRange, build.Range), Stage: st.Index})
	}
}

func (f *File) stagePlan(p *plan.Plan, s *Stage) *plan.Stage {
	st := &plan.Stage{Index: s.Index, Name: s.Name, Range: s.Range, NameRange: s.NameRange,
		OS: effectiveOS(s.OS, f.OS, s.Platform, f.Platform)}
	st.Platform = text(s.Platform)
	if st.Platform == "" {
		st.Platform = text(f.Platform)
	}
	f.setBase(p, st, s.Name, s.Base, s.Build)
	if s.Args != nil {
		for _, a := range s.Args.Pairs {
			st.Instructions = append(st.Instructions, &plan.Arg{At: plan.At{Range: entry(a.KeyRange, a.Range)},
				Name: a.Key, Default: a.Value, HasDefault: a.Value != ""})
		}
	}
	st.Instructions = s.Image.head(st.Instructions)
	st.Instructions = steps(st.Instructions, s.Steps)
	st.Instructions = s.Image.instructions(st.Instructions, false)
	return st
}

// appended is the single-stage sequence of spec §9.3, also appended to a
// runtime template's final stage (§9.5).
func (f *File) appended(ins []plan.Instruction) []plan.Instruction {
	if f.Args != nil {
		for _, a := range f.Args.Pairs {
			ins = append(ins, &plan.Arg{At: plan.At{Range: entry(a.KeyRange, a.Range)}, Name: a.Key})
		}
	}
	ins = f.Image.head(ins)
	ins = steps(ins, f.Steps)
	return f.Image.instructions(ins, false)
}

// head is ENV then WORKDIR.
func (img *Image) head(ins []plan.Instruction) []plan.Instruction {
	if img.Env != nil && len(img.Env.Pairs) > 0 {
		ins = append(ins, &plan.Env{At: at(img.Env.Entry()), Pairs: mapKVs(img.Env)})
	}
	if img.Workdir != nil {
		ins = append(ins, &plan.Workdir{At: at(img.Workdir.Entry()), Path: img.Workdir.Text})
	}
	return ins
}

// instructions are the image keys after the steps: LABEL, EXPOSE, USER,
// VOLUME, HEALTHCHECK, STOPSIGNAL, ENTRYPOINT, CMD; withHead puts ENV and
// WORKDIR first (the top-level keys appended in multi-stage mode).
func (img *Image) instructions(ins []plan.Instruction, withHead bool) []plan.Instruction {
	if withHead {
		ins = img.head(ins)
	}
	if img.Labels != nil && len(img.Labels.Pairs) > 0 {
		ins = append(ins, &plan.Label{At: at(img.Labels.Entry()), Pairs: mapKVs(img.Labels)})
	}
	if img.Expose != nil {
		for _, port := range img.Expose.Ports {
			ins = append(ins, &plan.Expose{At: at(port.Range), Ports: []string{strconv.Itoa(port.Port) + "/" + port.Proto}})
		}
	}
	if img.User != nil {
		ins = append(ins, &plan.User{At: at(img.User.Entry()), User: img.User.Text})
	}
	if img.Volumes != nil && len(img.Volumes.Items) > 0 {
		v := &plan.Volume{At: at(entry(img.Volumes.KeyRange, img.Volumes.Range))}
		for _, it := range img.Volumes.Items {
			v.Paths = append(v.Paths, it.Text)
		}
		ins = append(ins, v)
	}
	if h := img.Healthcheck; h != nil && h.Cmd != nil {
		ins = append(ins, healthcheck(h))
	}
	if img.StopSignal != nil {
		ins = append(ins, &plan.StopSignal{At: at(img.StopSignal.Entry()), Signal: img.StopSignal.Text})
	}
	if img.Entrypoint != nil {
		ins = append(ins, command(img.Entrypoint, true))
	}
	if img.Cmd != nil {
		ins = append(ins, command(img.Cmd, false))
	}
	return ins
}

func at(r source.Range) plan.At { return plan.At{Range: r} }

func mapKVs(m *Map) []plan.KeyValue {
	out := make([]plan.KeyValue, len(m.Pairs))
	for i, p := range m.Pairs {
		out[i] = plan.KeyValue{Key: p.Key, Value: p.Value}
	}
	return out
}

func kvs(ps []Pair) []plan.KeyValue {
	out := make([]plan.KeyValue, len(ps))
	for i, p := range ps {
		out[i] = plan.KeyValue{Key: p.Key, Value: p.Value}
	}
	return out
}

// command converts cmd or entrypoint; the shell form becomes
// ["/bin/sh", "-c", script] (spec §7.1).
func command(c *Command, entrypoint bool) *plan.Command {
	args := append([]string{}, c.Args...)
	if c.Shell {
		args = []string{"/bin/sh", "-c", c.Args[0]}
	}
	return &plan.Command{At: at(c.Entry()), Entrypoint: entrypoint, Args: args}
}

func healthcheck(h *Healthcheck) *plan.Healthcheck {
	hc := &plan.Healthcheck{At: at(h.Entry())}
	if h.Cmd.Shell {
		hc.Test = []string{"CMD-SHELL", h.Cmd.Args[0]}
	} else {
		hc.Test = append([]string{"CMD"}, h.Cmd.Args...)
	}
	if h.Interval != nil {
		hc.Interval = h.Interval.D
	}
	if h.Timeout != nil {
		hc.Timeout = h.Timeout.D
	}
	if h.StartPeriod != nil {
		hc.StartPeriod = h.StartPeriod.D
	}
	if h.Retries != nil {
		hc.Retries = int(*h.Retries)
	}
	return hc
}

// steps converts steps to instructions (spec §9.6).
func steps(ins []plan.Instruction, list []*Step) []plan.Instruction {
	for _, st := range list {
		if in := stepInstruction(st); in != nil {
			ins = append(ins, in)
		}
	}
	return ins
}

func stepInstruction(st *Step) plan.Instruction {
	a := at(st.Range)
	switch st.Action {
	case "run":
		r := &plan.Run{At: a, Args: append([]string{}, st.Run.Args...), ShellForm: st.Run.Shell}
		for _, c := range st.Cache {
			r.Mounts = append(r.Mounts, cacheMount(c))
		}
		if st.Env != nil {
			r.Env = mapKVs(st.Env)
		}
		return r
	case "copy", "add":
		c := &plan.Copy{At: a, Add: st.Action == "add", Dest: text(st.To), From: text(st.From),
			Chown: text(st.Owner), Chmod: text(st.Chmod)}
		c.FromStageWorkdir = c.From != ""
		for _, s := range st.Sources {
			c.Sources = append(c.Sources, s.Text)
		}
		return c
	case "env":
		if st.Env == nil || len(st.Env.Pairs) == 0 {
			return nil
		}
		return &plan.Env{At: a, Pairs: mapKVs(st.Env)}
	case "workdir":
		return &plan.Workdir{At: a, Path: st.Workdir.Text}
	case "user":
		return &plan.User{At: a, User: st.User.Text}
	}
	return nil
}

// cacheMount converts a cache entry: id defaults to the path-cleaned
// target and sharing to shared (spec §5.6).
func cacheMount(c CacheMount) plan.Mount {
	m := plan.Mount{Type: "cache", Target: text(c.Target), ID: text(c.ID), Sharing: text(c.Sharing), ReadOnly: c.ReadOnly}
	if m.ID == "" {
		m.ID = path.Clean(m.Target)
	}
	if m.Sharing == "" {
		m.Sharing = "shared"
	}
	return m
}

// runtimePlan is the template's plan with the rest of the file applied to
// its final stage (spec §9.5). Template instructions are given the range of
// the runtime value, so that a failing template step points at the line
// that chose the template.
func (f *File) runtimePlan(p *plan.Plan) (*plan.Plan, error) {
	tp := templatePlan(f.Runtime.Text)
	if tp == nil {
		return nil, fmt.Errorf("%s:%d: runtime '%s' has no template that this builder can build", f.Source.Name, f.Runtime.Range.Start.Line, f.Runtime.Text)
	}
	r := f.Runtime.Entry()
	overrides := map[string]Pair{}
	if f.Args != nil {
		for _, a := range f.Args.Pairs {
			overrides[a.Key] = a
		}
	}
	for _, a := range tp.Args {
		arg := &plan.Arg{At: at(r), Name: a.Name, Default: a.Default, HasDefault: a.HasDefault}
		if o, ok := overrides[a.Name]; ok {
			arg.Default, arg.HasDefault = o.Value, o.Value != ""
			arg.At = at(entry(o.KeyRange, o.Range))
			delete(overrides, a.Name)
		}
		p.Args = append(p.Args, arg)
	}
	for _, a := range globalArgs(f.Args) {
		if _, ok := overrides[a.Name]; ok {
			p.Args = append(p.Args, a)
		}
	}
	for _, ts := range tp.Stages {
		st := &plan.Stage{Index: ts.Index, Name: ts.Name, Base: ts.Base, Platform: ts.Platform,
			OS: effectiveOS(f.OS, nil, f.Platform, nil), Range: r, BaseRange: f.Runtime.Range}
		if ts.Name != "" {
			st.NameRange = f.Runtime.Range
		}
		if f.Platform != nil {
			st.Platform = f.Platform.Text
		}
		for _, in := range ts.Instructions {
			st.Instructions = append(st.Instructions, relocateInstruction(in, r))
		}
		p.Stages = append(p.Stages, st)
	}
	if n := len(p.Stages); n > 0 {
		p.Stages[n-1].Instructions = f.appended(p.Stages[n-1].Instructions)
	}
	return p, nil
}

// relocateInstruction returns a copy of in whose source range is r.
func relocateInstruction(in plan.Instruction, r source.Range) plan.Instruction {
	switch v := in.(type) {
	case *plan.Arg:
		c := *v
		c.Range = r
		return &c
	case *plan.Env:
		c := *v
		c.Range = r
		return &c
	case *plan.Label:
		c := *v
		c.Range = r
		return &c
	case *plan.Workdir:
		c := *v
		c.Range = r
		return &c
	case *plan.User:
		c := *v
		c.Range = r
		return &c
	case *plan.Expose:
		c := *v
		c.Range = r
		return &c
	case *plan.Volume:
		c := *v
		c.Range = r
		return &c
	case *plan.StopSignal:
		c := *v
		c.Range = r
		return &c
	case *plan.Shell:
		c := *v
		c.Range = r
		return &c
	case *plan.Command:
		c := *v
		c.Range = r
		return &c
	case *plan.Run:
		c := *v
		c.Range = r
		return &c
	case *plan.Copy:
		c := *v
		c.Range = r
		return &c
	case *plan.Healthcheck:
		c := *v
		c.Range = r
		return &c
	case *plan.OnBuild:
		c := *v
		c.Range = r
		return &c
	}
	return in
}
