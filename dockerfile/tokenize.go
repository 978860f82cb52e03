package dockerfile

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The tokenizer splits a logical line into keyword, flags and arguments the
// way BuildKit's parser does (parser.splitCommand and the per-instruction
// line parsers), recording the offset of every piece in the logical text.

// reWhitespace is the separator BuildKit splits instructions with.
var reWhitespace = regexp.MustCompile(`[\t\v\f\r ]+`)

// piece is a span [start, end) of the logical text and its value.
type piece struct {
	start, end int
	text       string
}

// flagPiece is one "--name[=value]" word.
type flagPiece struct {
	piece
	name, value string
	hasValue    bool
	eq          int // offset of "=" in the logical text, or -1
}

// tokens is a tokenized logical line.
type tokens struct {
	keyword piece
	flags   []flagPiece
	rest    piece // the argument text after the flags
	args    []piece
	json    bool
	// jsonErr is set when the arguments are a JSON array holding
	// something other than strings, which BuildKit rejects.
	jsonErr bool
	trigger *tokens // the instruction of an ONBUILD
}

func isSpaceByte(b byte) bool { return unicode.IsSpace(rune(b)) }

// tokenize splits line, which holds one instruction.
func tokenize(line string, escape rune) tokens {
	return tokenizeAt(line, 0, len(line), escape)
}

// tokenizeAt tokenizes line[from:to]; offsets stay relative to line.
func tokenizeAt(line string, from, to int, escape rune) tokens {
	var t tokens
	for from < to && unicode.IsSpace(rune(line[from])) {
		from++
	}
	to = trimRightSpace(line, from, to)
	kEnd := from
	for kEnd < to && !isSep(line[kEnd]) {
		kEnd++
	}
	t.keyword = piece{start: from, end: kEnd, text: line[from:kEnd]}
	pos := kEnd
	for pos < to && isSep(line[pos]) {
		pos++
	}
	if pos >= to {
		t.rest = piece{start: to, end: to}
		return t
	}
	argStart := t.readFlags(line, pos, to, escape)
	for argStart < to && isSpaceByte(line[argStart]) {
		argStart++
	}
	t.rest = piece{start: argStart, end: to, text: line[argStart:to]}
	t.readArgs(line, escape)
	return t
}

func isSep(b byte) bool {
	return b == ' ' || b == '\t' || b == '\v' || b == '\f' || b == '\r'
}

func trimRightSpace(s string, from, to int) int {
	for to > from {
		r, n := utf8.DecodeLastRuneInString(s[from:to])
		if !unicode.IsSpace(r) {
			break
		}
		to -= n
	}
	return to
}

// readFlags reads the leading "--flag" words of line[pos:to] and returns
// the offset where the arguments start.
func (t *tokens) readFlags(line string, pos, to int, escape rune) int {
	for {
		for pos < to && isSpaceByte(line[pos]) {
			pos++
		}
		if pos >= to || line[pos] != '-' || pos+1 >= to || line[pos+1] != '-' {
			return pos
		}
		start := pos
		var b strings.Builder
		var quote byte
		for pos < to {
			c := line[pos]
			if quote == 0 && isSpaceByte(c) {
				break
			}
			switch {
			case quote == 0 && (c == '\'' || c == '"'):
				quote = c
				pos++
				continue
			case quote != 0 && c == quote:
				quote = 0
				pos++
				continue
			case rune(c) == escape:
				if pos+1 >= to {
					pos++
					quote = 0
					continue
				}
				pos++
				c = line[pos]
			}
			b.WriteByte(c)
			pos++
		}
		word := b.String()
		if word == "--" {
			return pos
		}
		f := flagPiece{piece: piece{start: start, end: pos, text: line[start:pos]}, eq: -1}
		f.name, f.value, f.hasValue = strings.Cut(strings.TrimPrefix(word, "--"), "=")
		if i := strings.IndexByte(line[start:pos], '='); i >= 0 {
			f.eq = start + i
		}
		t.flags = append(t.flags, f)
	}
}

// readArgs splits t.rest as the instruction's line parser does.
func (t *tokens) readArgs(line string, escape rune) {
	r := t.rest
	switch strings.ToLower(t.keyword.text) {
	case "add", "copy", "volume":
		if !t.readJSON(line, r) {
			t.args = splitWhitespace(line, r)
		}
	case "cmd", "entrypoint", "run", "shell":
		if !t.readJSON(line, r) {
			t.args = []piece{r}
		}
	case "env", "label":
		t.args = nameValueWords(line, r, escape)
	case "arg":
		t.args = words(line, r, escape)
	case "healthcheck":
		t.readHealthcheck(line, r)
	case "onbuild":
		sub := tokenizeAt(line, r.start, r.end, escape)
		t.trigger = &sub
		t.args = []piece{r}
	case "maintainer", "stopsignal", "user", "workdir":
		t.args = []piece{r}
	default: // FROM, EXPOSE and unknown instructions
		t.args = splitWhitespace(line, r)
	}
}

func (t *tokens) readHealthcheck(line string, r piece) {
	sep := r.start
	for sep < r.end && !isSpaceByte(line[sep]) {
		sep++
	}
	t.args = []piece{{start: r.start, end: sep, text: line[r.start:sep]}}
	next := sep
	for next < r.end && isSpaceByte(line[next]) {
		next++
	}
	if next >= r.end {
		return
	}
	cmd := piece{start: next, end: r.end, text: line[next:r.end]}
	args := t.args
	if !t.readJSON(line, cmd) {
		t.args = append(args, cmd)
		return
	}
	t.args = append(args, t.args...)
}

// readJSON reads r as a JSON array of strings, as BuildKit's parseJSON
// does, and reports whether it was one.
func (t *tokens) readJSON(line string, r piece) bool {
	s := strings.TrimLeftFunc(r.text, unicode.IsSpace)
	if !strings.HasPrefix(s, "[") {
		return false
	}
	var values []any
	if err := json.Unmarshal([]byte(s), &values); err != nil {
		return false
	}
	strs := make([]string, len(values))
	for i, v := range values {
		str, ok := v.(string)
		if !ok {
			t.jsonErr = true
			return false
		}
		strs[i] = str
	}
	t.json = true
	t.args = nil
	in, start, k := false, 0, 0
	for i := r.start; i < r.end && k < len(strs); i++ {
		switch c := line[i]; {
		case !in && c == '"':
			in, start = true, i
		case in && c == '\\':
			i++
		case in && c == '"':
			in = false
			t.args = append(t.args, piece{start: start, end: i + 1, text: strs[k]})
			k++
		}
	}
	return true
}

// splitWhitespace splits r at runs of BuildKit whitespace.
func splitWhitespace(line string, r piece) []piece {
	if r.start >= r.end {
		return nil
	}
	var out []piece
	for _, m := range splitIndexes(line[r.start:r.end]) {
		out = append(out, piece{start: r.start + m[0], end: r.start + m[1], text: line[r.start+m[0] : r.start+m[1]]})
	}
	return out
}

// splitIndexes returns the spans between separators, keeping empty ones as
// regexp.Split does.
func splitIndexes(s string) [][2]int {
	var out [][2]int
	prev := 0
	for _, m := range reWhitespace.FindAllStringIndex(s, -1) {
		out = append(out, [2]int{prev, m[0]})
		prev = m[1]
	}
	return append(out, [2]int{prev, len(s)})
}

// words splits r into words the way BuildKit's parseWords does: quotes
// group, the escape token protects the next character, and the text of a
// word keeps its quotes and escapes.
func words(line string, r piece, escape rune) []piece {
	var out []piece
	var b strings.Builder
	var quote rune
	in, blankOK, start := false, false, 0
	flush := func(end int) {
		if blankOK || b.Len() > 0 {
			out = append(out, piece{start: start, end: end, text: b.String()})
		}
		b.Reset()
		in, blankOK = false, false
	}
	for pos := r.start; pos < r.end; {
		ch, n := utf8.DecodeRuneInString(line[pos:r.end])
		switch {
		case !in && quote == 0 && unicode.IsSpace(ch):
			pos += n
			continue
		case !in:
			in, start = true, pos
		}
		if quote == 0 {
			if unicode.IsSpace(ch) {
				flush(pos)
				pos += n
				continue
			}
			if ch == '\'' || ch == '"' {
				quote, blankOK = ch, true
				b.WriteRune(ch)
				pos += n
				continue
			}
		} else if ch == quote {
			quote = 0
			b.WriteRune(ch)
			pos += n
			continue
		}
		if ch == escape && (quote == 0 || quote == '"') {
			if pos+n >= r.end {
				pos += n
				quote = 0
				continue
			}
			b.WriteRune(ch)
			pos += n
			ch, n = utf8.DecodeRuneInString(line[pos:r.end])
		}
		b.WriteRune(ch)
		pos += n
	}
	if in {
		flush(r.end)
	}
	return out
}

// nameValueWords splits the arguments of ENV and LABEL: "k=v" words, or
// the legacy "key value..." form whose value is the rest of the line.
func nameValueWords(line string, r piece, escape rune) []piece {
	ws := words(line, r, escape)
	if len(ws) == 0 || strings.Contains(ws[0].text, "=") {
		return ws
	}
	parts := splitIndexes(line[r.start:r.end])
	if len(parts) < 2 {
		return ws[:1]
	}
	key := piece{start: r.start, end: r.start + parts[0][1], text: line[r.start : r.start+parts[0][1]]}
	vs := r.start + parts[1][0]
	return []piece{key, {start: vs, end: r.end, text: line[vs:r.end]}}
}
