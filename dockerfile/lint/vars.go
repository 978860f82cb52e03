package lint

// varRef is one variable reference in a Dockerfile word.
type varRef struct {
	name       string
	start, end int // byte offsets in the word
	// guarded references have a fallback (${NAME:-x}, ${NAME-x},
	// ${NAME:+x}, ${NAME+x}) or sit inside one; an unset name there is
	// intended.
	guarded bool
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNameChar(c byte) bool  { return isNameStart(c) || c >= '0' && c <= '9' }

// references lists the variable references of a word as BuildKit's shell
// lexer reads them: single quotes and the escape token protect a "$".
func references(word string, escape rune) []varRef {
	var out []varRef
	scanRefs(word, 0, len(word), escape, false, &out)
	return out
}

func scanRefs(w string, from, to int, escape rune, guarded bool, out *[]varRef) {
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
			i = scanBraced(w, i, to, escape, guarded, out)
		case c == '$' && i+1 < to && isNameStart(w[i+1]):
			j := i + 1
			for j < to && isNameChar(w[j]) {
				j++
			}
			*out = append(*out, varRef{name: w[i+1 : j], start: i, end: j, guarded: guarded})
			i = j - 1
		}
	}
}

// scanBraced reads "${...}" starting at i and returns the offset of its
// closing brace (or the end of the word).
func scanBraced(w string, i, to int, escape rune, guarded bool, out *[]varRef) int {
	j := i + 2
	for j < to && isNameChar(w[j]) {
		j++
	}
	name := w[i+2 : j]
	end := matchBrace(w, j, to, escape)
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
	*out = append(*out, varRef{name: name, start: i, end: min(end+1, to), guarded: guarded})
	if j < end {
		scanRefs(w, j+1, end, escape, guarded, out)
	}
	return end
}

// matchBrace finds the "}" closing a reference whose body starts at j.
func matchBrace(w string, j, to int, escape rune) int {
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
