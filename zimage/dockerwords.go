package zimage

import (
	"strings"

	"github.com/zlayer/zlayer/plan"
)

// unquoteDockerfile returns a copy of a Dockerfile plan whose word values
// (kept as written, with Dockerfile quoting) are turned into ZImagefile
// values: quotes and escapes removed, variable references kept, and a
// literal "$" written as "\$".
func unquoteDockerfile(p *plan.Plan) *plan.Plan {
	esc := p.Escape
	if esc == 0 {
		esc = '\\'
	}
	w := func(s string) string { return dockerWord(s, esc) }
	out := *p
	out.Args = nil
	for _, a := range p.Args {
		c := *a
		c.Default = w(a.Default)
		out.Args = append(out.Args, &c)
	}
	out.Stages = nil
	for _, st := range p.Stages {
		c := *st
		c.Base, c.Platform = w(st.Base), w(st.Platform)
		c.Instructions = nil
		for _, in := range st.Instructions {
			c.Instructions = append(c.Instructions, plan.MapWords(in, true, w))
		}
		out.Stages = append(out.Stages, &c)
	}
	return &out
}

// dockerWord removes Dockerfile quoting from one word: single quotes keep
// their content literally, double quotes and bare text honour the escape
// character; "$" that the Dockerfile would not expand becomes "\$".
func dockerWord(s string, esc rune) string {
	var b strings.Builder
	rs := []rune(s)
	quote := rune(0)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else if r == '$' {
				b.WriteString(`\$`)
			} else {
				b.WriteRune(r)
			}
		case r == esc && i+1 < len(rs):
			i++
			next := rs[i]
			switch {
			case next == '$':
				b.WriteString(`\$`)
			case quote == '"' && next != '"' && next != esc:
				b.WriteRune(r)
				b.WriteRune(next)
			default:
				b.WriteRune(next)
			}
		case r == '$' && !dollarExpands(rs, i):
			b.WriteString(`\$`) // a literal "$" in the Dockerfile
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		case quote == '"' && r == '"':
			quote = 0
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dollarExpands reports whether the "$" at rs[i] starts a reference for
// BuildKit's lexer: it is followed by a name, a digit or a brace.
func dollarExpands(rs []rune, i int) bool {
	if i+1 >= len(rs) {
		return false
	}
	c := rs[i+1]
	return c == '{' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
