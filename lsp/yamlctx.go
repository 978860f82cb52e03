package lsp

import (
	"strings"

	"github.com/zlayer/zlayer/source"
)

// yamlLine is what completion needs to know about one line of a YAML
// document, read from its text alone so that it works on lines the parser
// could not read (a half-typed key, a missing colon).
type yamlLine struct {
	blank  bool
	dashes []int  // columns of the "- " item markers
	keyCol int    // column where the key (or scalar) starts
	key    string // the key, when the line has "key:"
	hasKey bool
	value  string // text after "key:", trimmed
}

func readYAMLLine(text string) yamlLine {
	t := strings.TrimRight(text, " \t\r")
	if strings.TrimSpace(t) == "" || strings.HasPrefix(strings.TrimSpace(t), "#") {
		return yamlLine{blank: true}
	}
	var l yamlLine
	c := len(t) - len(strings.TrimLeft(t, " "))
	for c < len(t) && t[c] == '-' && (c+1 == len(t) || t[c+1] == ' ') {
		l.dashes = append(l.dashes, c)
		c++
		for c < len(t) && t[c] == ' ' {
			c++
		}
	}
	l.keyCol = c
	rest := t[c:]
	if i := keyColon(rest); i >= 0 {
		l.key, l.hasKey = strings.Trim(rest[:i], `"' `), true
		l.value = strings.TrimSpace(rest[i+1:])
	}
	return l
}

// keyColon returns the index of the colon ending a mapping key in s, or -1.
func keyColon(s string) int {
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") || strings.HasPrefix(s, "|") || strings.HasPrefix(s, ">") {
		return -1
	}
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			if i == 0 {
				quote = c
			}
		case c == ':' && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t'):
			return i
		case c == ' ' && i+1 < len(s) && s[i+1] == '#':
			return -1
		}
	}
	return -1
}

// yamlCursor describes the cursor in a ZImagefile for completion.
type yamlCursor struct {
	// path is the chain of keys and list indices of the mapping the
	// cursor is in, e.g. ["stages", "build", "steps", "2"].
	path []string
	// siblings are the keys already present in that mapping.
	siblings map[string]bool
	// key is set when the cursor is in the value of key.
	key     string
	inValue bool
	// prefix is the word typed before the cursor; it starts at start.
	prefix string
	start  source.Pos
	// varPrefix is set inside "${" or after "$": the partial name.
	inVar bool
}

// yamlCursorAt reads the completion context at p from the text.
func yamlCursorAt(sf *source.File, p source.Pos) yamlCursor {
	line := sf.LineText(p.Line)
	before := line[:min(p.Col, len(line))]
	cur := readYAMLLine(before + "x") // "x" keeps an empty key position visible
	cur.value = strings.TrimSuffix(cur.value, "x")
	if cur.hasKey {
		cur.key = strings.TrimSuffix(cur.key, "x")
	}
	c := yamlCursor{siblings: map[string]bool{}}
	need := cur.keyCol
	if cur.blank {
		need = len(before)
	}
	// The word being typed.
	i := len(before)
	for i > 0 && !strings.ContainsRune(" \t:[,{\"'$", rune(before[i-1])) {
		i--
	}
	c.prefix, c.start = before[i:], source.Pos{Line: p.Line, Col: i}
	if i > 0 && before[i-1] == '$' || i > 1 && before[i-2:i] == "${" {
		c.inVar = true
	} else if i > 0 && before[i-1] == '{' && i > 1 && before[i-2] == '$' {
		c.inVar = true
	}
	if cur.hasKey && !cur.blank {
		c.key, c.inValue = cur.key, true
	}
	var path []string
	if len(cur.dashes) > 0 && !cur.blank {
		d := cur.dashes[len(cur.dashes)-1]
		path = append(path, itoa(countItems(sf, p.Line, d)))
		need = d
	}
	path = append(yamlParents(sf, p.Line, need, c.siblings, len(cur.dashes) > 0), path...)
	c.path = path
	return c
}

// yamlParents walks up from line (exclusive) and returns the keys and list
// indices enclosing column need. Keys of the same mapping are recorded in
// siblings until the mapping's start is found.
func yamlParents(sf *source.File, line, need int, siblings map[string]bool, newItem bool) []string {
	var path []string
	inMapping := !newItem
	for l := line - 1; l >= 1; l-- {
		y := readYAMLLine(sf.LineText(l))
		switch {
		case need == 0 && !inMapping:
			return path
		case y.blank, y.keyCol > need:
			continue
		case y.keyCol == need:
			if inMapping && y.hasKey {
				siblings[y.key] = true
			}
			if len(y.dashes) > 0 && y.dashes[len(y.dashes)-1]+2 <= need && y.keyCol == need {
				d := y.dashes[len(y.dashes)-1]
				if inMapping {
					path = append([]string{itoa(countItems(sf, l, d))}, path...)
				}
				need, inMapping = d, false
			}
			continue
		}
		// y.keyCol < need: the line holds the key we are under.
		if y.hasKey {
			path = append([]string{y.key}, path...)
		}
		need, inMapping = y.keyCol, false
		if len(y.dashes) > 0 {
			d := y.dashes[len(y.dashes)-1]
			path = append([]string{itoa(countItems(sf, l, d))}, path...)
			need = d
		}
	}
	return path
}

// countItems counts the "- " items at column dash above line that belong
// to the same sequence.
func countItems(sf *source.File, line, dash int) int {
	n := 0
	for l := line - 1; l >= 1; l-- {
		y := readYAMLLine(sf.LineText(l))
		if y.blank {
			continue
		}
		if len(y.dashes) > 0 && y.dashes[0] == dash {
			n++
			continue
		}
		first := y.keyCol
		if len(y.dashes) > 0 {
			first = y.dashes[0]
		}
		if first <= dash {
			break
		}
	}
	return n
}

// siblingKeysAfter adds the keys of the same mapping below the cursor
// line, so that completion does not offer keys already present.
func siblingKeysAfter(sf *source.File, line, col int, siblings map[string]bool) {
	for l := line + 1; l <= sf.LineCount(); l++ {
		y := readYAMLLine(sf.LineText(l))
		if y.blank || y.keyCol > col {
			continue
		}
		if y.keyCol < col || len(y.dashes) > 0 {
			return
		}
		if y.hasKey {
			siblings[y.key] = true
		}
	}
}
