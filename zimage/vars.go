package zimage

// varRef is one variable reference in a value.
type varRef struct {
	Name string
	// Text is the reference as written, e.g. "${A:-x}".
	Text string
	// Op is "", ":-", "-", ":+" or "+".
	Op string
}

// varProblem is a malformed reference: ZI213 (unterminated) or ZI214
// (unsupported form, with the reference text).
type varProblem struct {
	code string
	ref  string
}

// scanVars finds the variable references of a value in the forms of spec
// §9.7, or the first malformed one. `\$` is a literal dollar sign and a `$`
// that starts no reference is literal.
func scanVars(s string) ([]varRef, *varProblem) {
	var refs []varRef
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '$':
			i++
		case s[i] != '$' || i+1 >= len(s):
		case s[i+1] == '{':
			end, r, inner, prob := scanBrace(s, i)
			if prob != nil {
				return refs, prob
			}
			refs = append(refs, r)
			refs = append(refs, inner...)
			i = end - 1
		case isNameStart(s[i+1]):
			j := i + 2
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			refs = append(refs, varRef{Name: s[i+1 : j], Text: s[i:j]})
			i = j - 1
		}
	}
	return refs, nil
}

// scanBrace reads the ${...} reference starting at s[i] and returns the
// offset just after it.
func scanBrace(s string, i int) (int, varRef, []varRef, *varProblem) {
	closeAt := matchBrace(s, i+2)
	if closeAt < 0 {
		return 0, varRef{}, nil, &varProblem{code: "ZI213"}
	}
	text := s[i : closeAt+1]
	body := s[i+2 : closeAt]
	j := 0
	if j < len(body) && isNameStart(body[j]) {
		j++
		for j < len(body) && isNameChar(body[j]) {
			j++
		}
	}
	name, rest := body[:j], body[j:]
	if name == "" {
		return 0, varRef{}, nil, &varProblem{code: "ZI214", ref: text}
	}
	r := varRef{Name: name, Text: text}
	if rest == "" {
		return closeAt + 1, r, nil, nil
	}
	for _, op := range []string{":-", ":+", "-", "+"} {
		if len(rest) >= len(op) && rest[:len(op)] == op {
			r.Op = op
			inner, prob := scanVars(rest[len(op):])
			if prob != nil {
				return 0, r, nil, prob
			}
			return closeAt + 1, r, inner, nil
		}
	}
	return 0, r, nil, &varProblem{code: "ZI214", ref: text}
}

// matchBrace finds the } that closes a ${ whose body starts at i, skipping
// nested references and escaped dollars; -1 if there is none.
func matchBrace(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '$':
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNameChar(c byte) bool  { return isNameStart(c) || c >= '0' && c <= '9' }

// automaticArgs are the platform arguments every build defines (spec §9.7).
var automaticArgs = []string{"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
	"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"}
