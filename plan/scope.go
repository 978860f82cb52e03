package plan

import (
	"maps"
	"slices"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Scope is the variable scope of a stage while it is built: the build
// arguments declared so far and the image environment. Environment wins
// over a build argument of the same name.
type Scope struct {
	r    *Resolved
	args map[string]*string // declared args; nil value means declared but unset
	env  []KeyValue
}

// NewScope starts the scope of st. baseEnv is the environment of the base
// image ("K=V" entries); for a stage base it is that stage's final
// environment, for scratch it is empty.
func (r *Resolved) NewScope(st *ResolvedStage, baseEnv []string) *Scope {
	s := &Scope{r: r, args: map[string]*string{}}
	for _, kv := range baseEnv {
		k, v, _ := cut(kv)
		s.setEnv(k, v)
	}
	return s
}

func cut(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// Lookup returns the value of name in the scope.
func (s *Scope) Lookup(name string) (string, bool) {
	for _, kv := range s.env {
		if kv.Key == name {
			return kv.Value, true
		}
	}
	if v, ok := s.args[name]; ok && v != nil {
		return *v, true
	}
	return "", false
}

// ExpandWord expands the variable references in word.
func (s *Scope) ExpandWord(word string) (string, error) {
	return s.r.expand(word, s.Lookup)
}

// Env is the image environment at this point, in order.
func (s *Scope) Env() []KeyValue { return slices.Clone(s.env) }

// BuildArgs are the build arguments a RUN receives as environment: every
// declared argument that has a value and is not shadowed by the image
// environment, plus the predefined proxy arguments given on the command
// line; sorted by name.
func (s *Scope) BuildArgs() []KeyValue {
	var out []KeyValue
	for _, name := range slices.Sorted(maps.Keys(s.args)) {
		if v := s.args[name]; v != nil && !s.inEnv(name) {
			out = append(out, KeyValue{name, *v})
		}
	}
	for _, name := range ProxyArgs {
		if v, ok := s.r.Options.BuildArgs[name]; ok && s.args[name] == nil && !s.inEnv(name) {
			out = append(out, KeyValue{name, v})
		}
	}
	slices.SortFunc(out, func(a, b KeyValue) int {
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out
}

func (s *Scope) inEnv(name string) bool {
	return slices.ContainsFunc(s.env, func(kv KeyValue) bool { return kv.Key == name })
}

func (s *Scope) setEnv(k, v string) {
	for i := range s.env {
		if s.env[i].Key == k {
			s.env[i].Value = v
			return
		}
	}
	s.env = append(s.env, KeyValue{k, v})
}

// Clone returns a copy of the scope that later Apply calls on either do
// not share, for looking ahead at the steps to come.
func (s *Scope) Clone() *Scope {
	return &Scope{r: s.r, args: maps.Clone(s.args), env: slices.Clone(s.env)}
}

// Apply records the effect of an expanded ARG or ENV instruction; other
// instructions do not change the scope.
func (s *Scope) Apply(ins Instruction) {
	switch ins := ins.(type) {
	case *Arg:
		s.args[ins.Name] = s.argValue(ins)
	case *Env:
		for _, kv := range ins.Pairs {
			s.setEnv(kv.Key, kv.Value)
		}
	}
}

// argValue is the value an ARG declaration gives its name: the
// --build-arg value, else its (expanded) default, else the global arg or
// automatic platform arg of that name; nil when it stays unset.
func (s *Scope) argValue(a *Arg) *string {
	if v, ok := s.r.Options.BuildArgs[a.Name]; ok {
		return &v
	}
	if a.HasDefault {
		v := a.Default
		return &v
	}
	if v, ok := s.r.Global[a.Name]; ok {
		return &v
	}
	return nil
}

// Expand returns a copy of ins in which every field Docker expands holds
// its value in the scope before ins. Commands (RUN text, CMD, ENTRYPOINT,
// HEALTHCHECK, SHELL) are never expanded; the shell does that at run time.
func (s *Scope) Expand(ins Instruction) (Instruction, error) {
	var first error
	out := MapWords(ins, s.r.Plan.Kind != "zimagefile", func(w string) string {
		v, err := s.ExpandWord(w)
		if err != nil && first == nil {
			first = err
		}
		return v
	})
	return out, first
}

// MapWords returns a copy of ins in which every word Docker expands is
// replaced by word's result: ARG defaults, ENV values, LABEL keys and
// values, WORKDIR, USER, EXPOSE, VOLUME and STOPSIGNAL values, the sources,
// destination, owner, mode, excludes and checksum of COPY/ADD (and its
// --from when from is set: a ZImagefile's from is never expanded), and a
// RUN's mount targets, ids, sources and froms and its transient env
// values. Other instructions are returned as they are.
func MapWords(ins Instruction, from bool, word func(string) string) Instruction {
	words := func(ws []string) []string {
		out := make([]string, len(ws))
		for i, w := range ws {
			out[i] = word(w)
		}
		return out
	}
	pairs := func(kvs []KeyValue, keys bool) []KeyValue {
		out := make([]KeyValue, len(kvs))
		for i, kv := range kvs {
			out[i] = KeyValue{kv.Key, word(kv.Value)}
			if keys {
				out[i].Key = word(kv.Key)
			}
		}
		return out
	}
	switch ins := ins.(type) {
	case *Arg:
		c := *ins
		if c.HasDefault {
			c.Default = word(c.Default)
		}
		return &c
	case *Env:
		c := *ins
		c.Pairs = pairs(c.Pairs, false)
		return &c
	case *Label:
		c := *ins
		c.Pairs = pairs(c.Pairs, true)
		return &c
	case *Workdir:
		c := *ins
		c.Path = word(c.Path)
		return &c
	case *User:
		c := *ins
		c.User = word(c.User)
		return &c
	case *Expose:
		c := *ins
		c.Ports = words(c.Ports)
		return &c
	case *Volume:
		c := *ins
		c.Paths = words(c.Paths)
		return &c
	case *StopSignal:
		c := *ins
		c.Signal = word(c.Signal)
		return &c
	case *Copy:
		c := *ins
		c.Sources, c.Dest, c.Chown, c.Chmod = words(c.Sources), word(c.Dest), word(c.Chown), word(c.Chmod)
		c.Excludes, c.Checksum = words(c.Excludes), word(c.Checksum)
		if from {
			c.From = word(c.From)
		}
		return &c
	case *Run:
		c := *ins
		c.Mounts = slices.Clone(c.Mounts)
		for i := range c.Mounts {
			m := &c.Mounts[i]
			m.Target, m.ID, m.Source, m.From = word(m.Target), word(m.ID), word(m.Source), word(m.From)
		}
		c.Env = pairs(c.Env, false)
		return &c
	}
	return ins
}

// expandDockerfile expands word as BuildKit does, quotes and escapes
// included.
func expandDockerfile(word string, escape rune, lookup func(string) (string, bool)) (string, error) {
	res, err := shell.NewLex(escape).ProcessWordWithMatches(word, getter(lookup))
	if err != nil {
		return "", err
	}
	return res.Result, nil
}

// getter adapts a lookup function to BuildKit's EnvGetter.
type getter func(string) (string, bool)

func (g getter) Get(name string) (string, bool) { return g(name) }
func (g getter) Keys() []string                 { return nil }

func (p *Plan) escape() rune {
	if p.Escape == 0 {
		return '\\'
	}
	return p.Escape
}
