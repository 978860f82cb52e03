package plan

import "strings"

// Reference is one variable reference in a value: "$NAME" or "${NAME...}"
// at byte offsets [Start, End) of the value.
type Reference struct {
	Name       string
	Start, End int
	// Op is the operator of a braced reference: "", ":-", "-", ":+", "+",
	// or in a Dockerfile any other operator BuildKit knows ("?", "#", …).
	Op string
	// Guarded is set when an unset name is intended: the reference has a
	// fallback (":-", "-", ":+", "+") or sits inside the word of one.
	Guarded bool
}

// ZImageReferences lists the references of a ZImagefile value in the
// grammar of spec §9.7, including those inside fallback words. It fails
// with ErrUnterminated or an *UnsupportedError on the first malformed one.
func ZImageReferences(s string) ([]Reference, error) {
	var refs []Reference
	err := scanZImage(s, 0, len(s), false, &refs)
	return refs, err
}

func scanZImage(s string, from, to int, guarded bool, out *[]Reference) error {
	for i := from; i < to; i++ {
		switch {
		case s[i] == '\\' && i+1 < to && s[i+1] == '$':
			i++
		case s[i] != '$' || i+1 >= to:
		case s[i+1] == '{':
			end, err := braceEnd(s[:to], i)
			if err != nil {
				return err
			}
			if err := scanZImageBraced(s, i, end, guarded, out); err != nil {
				return err
			}
			i = end
		case isNameStart(s[i+1]):
			j := nameEnd(s, i+1, to)
			*out = append(*out, Reference{Name: s[i+1 : j], Start: i, End: j, Guarded: guarded})
			i = j - 1
		}
	}
	return nil
}

// scanZImageBraced reads the "${...}" reference s[start:end+1].
func scanZImageBraced(s string, start, end int, guarded bool, out *[]Reference) error {
	ref := s[start : end+1]
	j := nameEnd(s, start+2, end)
	if j == start+2 || !isNameStart(s[start+2]) {
		return &UnsupportedError{Reference: ref}
	}
	r := Reference{Name: s[start+2 : j], Start: start, End: end + 1, Guarded: guarded}
	if j == end {
		*out = append(*out, r)
		return nil
	}
	for _, op := range []string{":-", ":+", "-", "+"} {
		if strings.HasPrefix(s[j:end], op) {
			r.Op, r.Guarded = op, true
			*out = append(*out, r)
			return scanZImage(s, j+len(op), end, true, out)
		}
	}
	return &UnsupportedError{Reference: ref}
}

// DockerfileReferences lists the references of a Dockerfile word as
// BuildKit's shell lexer reads them: single quotes and the escape token
// protect a "$". Malformed references are skipped; BuildKit reports them.
func DockerfileReferences(word string, escape rune) []Reference {
	var out []Reference
	scanDockerfile(word, 0, len(word), escape, false, &out)
	return out
}

func scanDockerfile(w string, from, to int, escape rune, guarded bool, out *[]Reference) {
	inSingle := false
	for i := from; i < to; i++ {
		c := w[i]
		switch {
		case inSingle:
			inSingle = c != '\''
		case c == '\'':
			inSingle = true
		case rune(c) == escape:
			i++
		case c == '$' && i+1 < to && w[i+1] == '{':
			i = scanDockerfileBraced(w, i, to, escape, guarded, out)
		case c == '$' && i+1 < to && isNameStart(w[i+1]):
			j := nameEnd(w, i+1, to)
			*out = append(*out, Reference{Name: w[i+1 : j], Start: i, End: j, Guarded: guarded})
			i = j - 1
		}
	}
}

// scanDockerfileBraced reads "${...}" starting at i and returns the offset
// of its closing brace (or the end of the word).
func scanDockerfileBraced(w string, i, to int, escape rune, guarded bool, out *[]Reference) int {
	j := nameEnd(w, i+2, to)
	name := w[i+2 : j]
	end := dockerfileBraceEnd(w, j, to, escape)
	if name == "" {
		return end
	}
	op := ""
	if j < to && w[j] == ':' {
		op = ":"
		j++
	}
	if j < to && w[j] != '}' {
		op += string(w[j])
	}
	switch op {
	case ":-", "-", ":+", "+":
		guarded = true
	}
	*out = append(*out, Reference{Name: name, Start: i, End: min(end+1, to), Op: op, Guarded: guarded})
	if j < end {
		scanDockerfile(w, j+1, end, escape, guarded, out)
	}
	return end
}

// dockerfileBraceEnd finds the "}" closing a reference whose body starts
// at j.
func dockerfileBraceEnd(w string, j, to int, escape rune) int {
	depth := 1
	for ; j < to; j++ {
		switch c := w[j]; {
		case rune(c) == escape:
			j++
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return to
}

// nameEnd returns the end of the variable name starting at i.
func nameEnd(s string, i, to int) int {
	for i < to && isNameChar(s[i]) {
		i++
	}
	return i
}
