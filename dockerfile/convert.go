package dockerfile

import (
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
)

// Plan converts the file to a stage plan (Kind "dockerfile"). Values are
// kept as written, variables unexpanded. Instructions that did not parse
// are left out; the returned diagnostics are the file's errors, so an
// empty list means the plan is complete.
func (f *File) Plan() (*plan.Plan, []diag.Diagnostic) {
	p := &plan.Plan{File: f.Source.Name, Kind: "dockerfile", Escape: f.Escape}
	for _, in := range f.Instructions {
		if in.Stage >= 0 {
			break
		}
		if a, ok := in.Command.(*instructions.ArgCommand); ok {
			for _, arg := range convertArgs(in, a) {
				p.Args = append(p.Args, arg.(*plan.Arg))
			}
		}
	}
	for _, st := range f.Stages {
		ps := &plan.Stage{
			Index: st.Index, Name: st.Name, Base: st.Base, Platform: st.Platform,
			Range: st.Range, BaseRange: st.BaseRange, NameRange: st.NameRange,
		}
		for _, in := range st.Instructions {
			ps.Instructions = append(ps.Instructions, convert(in)...)
		}
		p.Stages = append(p.Stages, ps)
	}
	var errs []diag.Diagnostic
	for _, d := range f.Diagnostics {
		if d.Severity == diag.Error {
			errs = append(errs, d)
		}
	}
	return p, errs
}

func convertArgs(in *Instruction, a *instructions.ArgCommand) []plan.Instruction {
	var out []plan.Instruction
	for _, kv := range a.Args {
		arg := &plan.Arg{At: at(in), Name: kv.Key}
		if kv.Value != nil {
			arg.Default, arg.HasDefault = *kv.Value, true
		}
		out = append(out, arg)
	}
	return out
}

func at(in *Instruction) plan.At { return plan.At{Range: in.Range} }

func pairs(kvs instructions.KeyValuePairs) []plan.KeyValue {
	out := make([]plan.KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = plan.KeyValue{Key: kv.Key, Value: kv.Value}
	}
	return out
}

// convert turns one parsed instruction into plan instructions (ARG may
// declare several arguments; an unparsed instruction gives none).
func convert(in *Instruction) []plan.Instruction {
	switch c := in.Command.(type) {
	case *instructions.ArgCommand:
		return convertArgs(in, c)
	case *instructions.EnvCommand:
		return one(&plan.Env{At: at(in), Pairs: pairs(c.Env)})
	case *instructions.LabelCommand:
		return one(&plan.Label{At: at(in), Pairs: pairs(c.Labels)})
	case *instructions.MaintainerCommand:
		return one(&plan.Label{At: at(in), Pairs: []plan.KeyValue{{Key: "maintainer", Value: c.Maintainer}}})
	case *instructions.WorkdirCommand:
		return one(&plan.Workdir{At: at(in), Path: c.Path})
	case *instructions.UserCommand:
		return one(&plan.User{At: at(in), User: c.User})
	case *instructions.ExposeCommand:
		// BuildKit sorts the ports; the plan keeps them as written.
		return one(&plan.Expose{At: at(in), Ports: argValues(in)})
	case *instructions.VolumeCommand:
		return one(&plan.Volume{At: at(in), Paths: c.Volumes})
	case *instructions.StopSignalCommand:
		return one(&plan.StopSignal{At: at(in), Signal: c.Signal})
	case *instructions.ShellCommand:
		return one(&plan.Shell{At: at(in), Shell: c.Shell})
	case *instructions.CmdCommand:
		return one(&plan.Command{At: at(in), Args: c.CmdLine, ShellForm: c.PrependShell})
	case *instructions.EntrypointCommand:
		return one(&plan.Command{At: at(in), Entrypoint: true, Args: c.CmdLine, ShellForm: c.PrependShell})
	case *instructions.OnbuildCommand:
		return one(&plan.OnBuild{At: at(in), Instruction: c.Expression})
	case *instructions.HealthCheckCommand:
		return one(convertHealthcheck(in, c))
	case *instructions.RunCommand:
		return one(convertRun(in, c))
	case *instructions.CopyCommand:
		return one(convertCopy(in, c))
	case *instructions.AddCommand:
		return one(convertAdd(in, c))
	}
	return nil
}

func one(ins plan.Instruction) []plan.Instruction { return []plan.Instruction{ins} }

func argValues(in *Instruction) []string {
	out := make([]string, len(in.Args))
	for i, a := range in.Args {
		out[i] = a.Value
	}
	return out
}

func convertHealthcheck(in *Instruction, c *instructions.HealthCheckCommand) *plan.Healthcheck {
	h := &plan.Healthcheck{At: at(in)}
	if c.Health == nil {
		return h
	}
	h.Test = c.Health.Test
	h.Interval, h.Timeout = c.Health.Interval, c.Health.Timeout
	h.StartPeriod, h.StartInterval = c.Health.StartPeriod, c.Health.StartInterval
	h.Retries = c.Health.Retries
	return h
}

func convertRun(in *Instruction, c *instructions.RunCommand) *plan.Run {
	r := &plan.Run{At: at(in), Args: c.CmdLine, ShellForm: c.PrependShell, Heredocs: heredocs(in)}
	for _, f := range in.Flags {
		switch f.Name {
		case "mount":
			m, _ := parseMount(f.Value) // errors are reported by Parse
			r.Mounts = append(r.Mounts, m)
		case "network":
			r.Network = f.Value
		case "security":
			r.Security = f.Value
		}
	}
	return r
}

func convertCopy(in *Instruction, c *instructions.CopyCommand) *plan.Copy {
	return &plan.Copy{
		At: at(in), Sources: c.SourcePaths, Dest: c.DestPath, From: c.From,
		Chown: c.Chown, Chmod: c.Chmod, Link: c.Link, Parents: c.Parents,
		Excludes: c.ExcludePatterns, Heredocs: heredocs(in),
	}
}

func convertAdd(in *Instruction, c *instructions.AddCommand) *plan.Copy {
	return &plan.Copy{
		At: at(in), Add: true, Sources: c.SourcePaths, Dest: c.DestPath,
		Chown: c.Chown, Chmod: c.Chmod, Link: c.Link, Excludes: c.ExcludePatterns,
		Checksum: c.Checksum, KeepGitDir: c.KeepGitDir != nil && *c.KeepGitDir,
		Heredocs: heredocs(in),
	}
}

// heredocs lists the inline files of an instruction, content as written.
func heredocs(in *Instruction) []plan.Heredoc {
	var out []plan.Heredoc
	for _, h := range in.Heredocs {
		out = append(out, plan.Heredoc{Name: h.Name, Content: h.Content, Expand: h.Expand, Chomp: h.Chomp})
	}
	return out
}
