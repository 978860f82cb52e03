package zimage

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/zlayer/zlayer/plan"
)

// unquoteDockerfile returns a copy of a Dockerfile plan whose word values
// (kept as written, with Dockerfile quoting) are turned into ZImagefile
// values: quotes and escapes removed, variable references kept, and a
// literal "$" written as "\$". It fails, naming the line, on a reference
// BuildKit expands that a ZImagefile cannot write (spec §9.7 names are
// ASCII; "$0", "$!" and the other special parameters have no counterpart).
func unquoteDockerfile(p *plan.Plan) (*plan.Plan, error) {
	esc := p.Escape
	if esc == 0 {
		esc = '\\'
	}
	var errs []error
	line := 0
	w := func(s string) string {
		out, err := dockerWord(s, esc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", p.File, line, err))
		}
		return out
	}
	out := *p
	out.Args = nil
	for _, a := range p.Args {
		c := *a
		line = a.Range.Start.Line
		c.Default = w(a.Default)
		out.Args = append(out.Args, &c)
	}
	out.Stages = nil
	for _, st := range p.Stages {
		c := *st
		line = st.Range.Start.Line
		c.Base, c.Platform = w(st.Base), w(st.Platform)
		c.Instructions = nil
		for _, in := range st.Instructions {
			line = in.Source().Start.Line
			x := plan.MapWords(in, false, w)
			if cp, ok := x.(*plan.Copy); ok && cp.From != "" {
				// A ZImagefile's from is never expanded: write it as the
				// Dockerfile means it, literally.
				from, err := literalWord(cp.From, esc)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s:%d: COPY --from: %w", p.File, line, err))
				}
				cp.From = from
			}
			c.Instructions = append(c.Instructions, x)
		}
		out.Stages = append(out.Stages, &c)
	}
	return &out, errors.Join(errs...)
}

// dockerWord removes Dockerfile quoting from one word: single quotes keep
// their content literally, double quotes and bare text honour the escape
// character; "$" that the Dockerfile would not expand becomes "\$". It
// fails on a reference a ZImagefile cannot write.
func dockerWord(s string, esc rune) (string, error) {
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
		case r == esc && i+1 == len(rs):
			// BuildKit drops an escape character that ends the word.
		case r == esc:
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
		case r == '$' && !zimageName(rs, i+1):
			return "", fmt.Errorf("%q refers to $%c, which BuildKit expands and a ZImagefile cannot name (names are [A-Za-z_][A-Za-z0-9_]*)", s, rs[i+1])
		case r == '$' && rs[i+1] != '{':
			j := i + 1
			for j < len(rs) && (rs[j] == '_' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			name := string(rs[i+1 : j])
			if !plan.IsName(name) {
				return "", fmt.Errorf("%q refers to $%s, which a ZImagefile cannot name (names are [A-Za-z_][A-Za-z0-9_]*)", s, name)
			}
			// A quote or escape that ends the name disappears here: brace
			// the name so that what follows cannot extend it ($A""0).
			if j < len(rs) && (rs[j] == '\'' || rs[j] == '"' || rs[j] == esc) {
				b.WriteString("${" + name + "}")
			} else {
				b.WriteString("$" + name)
			}
			i = j - 1
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		case quote == '"' && r == '"':
			quote = 0
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// literalWord is dockerWord for a value a ZImagefile takes literally: it
// fails on a variable reference, and a literal "$" stays "$".
func literalWord(s string, esc rune) (string, error) {
	out, err := dockerWord(s, esc)
	if err != nil {
		return "", err
	}
	if strings.Contains(strings.ReplaceAll(out, `\$`, ""), "$") {
		return "", fmt.Errorf("%q uses a variable, which a ZImagefile's from cannot (it is never expanded)", s)
	}
	return strings.ReplaceAll(out, `\$`, "$"), nil
}

// dollarExpands reports whether the "$" at rs[i] starts a reference for
// BuildKit's lexer: it is followed by a brace, a name (Unicode letters,
// digits and "_", as unicode.IsLetter and IsDigit) or a special parameter.
func dollarExpands(rs []rune, i int) bool {
	if i+1 >= len(rs) {
		return false
	}
	c := rs[i+1]
	return c == '{' || c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("@*#?-$!", c)
}

// zimageName reports whether rs[i] starts a reference a ZImagefile writes
// the same way: a brace or an ASCII name.
func zimageName(rs []rune, i int) bool {
	c := rs[i]
	return c == '{' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
