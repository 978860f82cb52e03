package lsp

import "strings"

// yamlLine is what completion and hover need to know about one line of a
// YAML document, read from its text alone so that it works on lines the
// parser could not read (a half-typed key, a missing colon).
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
