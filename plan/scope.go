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
	e := expander{s: s}
	switch ins := ins.(type) {
	case *Arg:
		c := *ins
		if c.HasDefault {
			c.Default = e.word(c.Default)
		}
		return &c, e.err
	case *Env:
		c := *ins
		c.Pairs = e.pairs(c.Pairs, false)
		return &c, e.err
	case *Label:
		c := *ins
		c.Pairs = e.pairs(c.Pairs, true)
		return &c, e.err
	case *Workdir:
		c := *ins
		c.Path = e.word(c.Path)
		return &c, e.err
	case *User:
		c := *ins
		c.User = e.word(c.User)
		return &c, e.err
	case *Expose:
		c := *ins
		c.Ports = e.words(c.Ports)
		return &c, e.err
	case *Volume:
		c := *ins
		c.Paths = e.words(c.Paths)
		return &c, e.err
	case *StopSignal:
		c := *ins
		c.Signal = e.word(c.Signal)
		return &c, e.err
	case *Copy:
		return s.expandCopy(ins)
	case *Run:
		c := *ins
		c.Mounts = slices.Clone(c.Mounts)
		for i := range c.Mounts {
			m := &c.Mounts[i]
			m.Target, m.ID, m.Source, m.From = e.word(m.Target), e.word(m.ID), e.word(m.Source), e.word(m.From)
		}
		c.Env = e.pairs(c.Env, false)
		return &c, e.err
	}
	return ins, nil
}

func (s *Scope) expandCopy(ins *Copy) (Instruction, error) {
	e := expander{s: s}
	c := *ins
	c.Sources = e.words(c.Sources)
	c.Dest = e.word(c.Dest)
	c.Chown = e.word(c.Chown)
	c.Chmod = e.word(c.Chmod)
	c.Excludes = e.words(c.Excludes)
	c.Checksum = e.word(c.Checksum)
	if s.r.Plan.Kind != "zimagefile" {
		c.From = e.word(c.From)
	}
	return &c, e.err
}

// expander expands many words and keeps the first error.
type expander struct {
	s   *Scope
	err error
}

func (e *expander) word(w string) string {
	v, err := e.s.ExpandWord(w)
	if err != nil && e.err == nil {
		e.err = err
	}
	return v
}

func (e *expander) words(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = e.word(w)
	}
	return out
}

func (e *expander) pairs(kvs []KeyValue, keys bool) []KeyValue {
	out := make([]KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = KeyValue{kv.Key, e.word(kv.Value)}
		if keys {
			out[i].Key = e.word(kv.Key)
		}
	}
	return out
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
