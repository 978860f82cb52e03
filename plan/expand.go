package plan

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnterminated reports a "${" without its closing brace.
var ErrUnterminated = errors.New("unterminated variable reference")

// UnsupportedError reports a ${...} form outside the ZImagefile grammar,
// such as ${A:?x} or ${}.
type UnsupportedError struct {
	Reference string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("unsupported variable substitution '%s'", e.Reference)
}

// ExpandZImage expands variable references in a ZImagefile value with the
// grammar of spec §9.7: $NAME, ${NAME}, ${NAME:-w}, ${NAME-w}, ${NAME:+w}
// and ${NAME+w}, where w may itself hold references. "\$" is a literal "$";
// no other backslash sequence is special, and a "$" not followed by "{" or a
// name character is literal. lookup reports a name's value and whether it
// is set.
func ExpandZImage(s string, lookup func(name string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '$':
			b.WriteByte('$')
			i += 2
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			end, err := braceEnd(s, i)
			if err != nil {
				return "", err
			}
			v, err := expandBraced(s[i:end+1], lookup)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i = end + 1
		case s[i] == '$' && i+1 < len(s) && isNameStart(s[i+1]):
			j := i + 2
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			v, _ := lookup(s[i+1 : j])
			b.WriteString(v)
			i = j
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

// braceEnd returns the index of the "}" that closes the "${" at start,
// skipping nested references.
func braceEnd(s string, start int) (int, error) {
	depth := 0
	for i := start; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '$':
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, ErrUnterminated
}

// expandBraced expands one complete "${...}" reference.
func expandBraced(ref string, lookup func(string) (string, bool)) (string, error) {
	body := ref[2 : len(ref)-1]
	n := 0
	for n < len(body) && (n == 0 && isNameStart(body[n]) || n > 0 && isNameChar(body[n])) {
		n++
	}
	if n == 0 {
		return "", &UnsupportedError{Reference: ref}
	}
	name, rest := body[:n], body[n:]
	val, set := lookup(name)
	if rest == "" {
		return val, nil
	}
	var op string
	for _, o := range []string{":-", ":+", "-", "+"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return "", &UnsupportedError{Reference: ref}
	}
	word := rest[len(op):]
	use := map[string]bool{
		":-": !set || val == "",
		"-":  !set,
		":+": set && val != "",
		"+":  set,
	}[op]
	switch {
	case (op == ":-" || op == "-") && !use:
		return val, nil
	case (op == ":+" || op == "+") && !use:
		return "", nil
	}
	return ExpandZImage(word, lookup)
}

// IsName reports whether s is a variable name of the ZImagefile grammar:
// [A-Za-z_][A-Za-z0-9_]*.
func IsName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	return nameEnd(s, 0, len(s)) == len(s)
}

func isNameStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isNameChar(c byte) bool {
	return isNameStart(c) || '0' <= c && c <= '9'
}
