package lint

import "strings"

// shellCommand is one simple command of a RUN script: its words, quotes
// removed, and whether it takes part in a pipe.
type shellCommand struct {
	words []string
	pipe  bool
}

// name is the command name, after leading VAR=value assignments.
func (c shellCommand) name() string {
	for _, w := range c.words {
		if i := strings.IndexByte(w, '='); i > 0 && isNameStart(w[0]) && !strings.ContainsAny(w[:i], "-/") {
			continue
		}
		return w
	}
	return ""
}

func (c shellCommand) has(word string) bool {
	for _, w := range c.words {
		if w == word {
			return true
		}
	}
	return false
}

// shellCommands splits a script at unquoted ;, &, &&, ||, |, newlines and
// parentheses. It is a lexer for best-practice checks, not a shell parser.
func shellCommands(script string) []shellCommand {
	var cmds []shellCommand
	var cur shellCommand
	var word strings.Builder
	inWord, pipeNext := false, false
	endWord := func() {
		if inWord {
			cur.words = append(cur.words, word.String())
		}
		word.Reset()
		inWord = false
	}
	endCmd := func(pipe bool) {
		endWord()
		if pipe {
			cur.pipe = true
		}
		if len(cur.words) > 0 {
			cur.pipe = cur.pipe || pipeNext
			cmds = append(cmds, cur)
		}
		cur, pipeNext = shellCommand{}, pipe
	}
	var quote byte
	for i := 0; i < len(script); i++ {
		ch := script[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else if ch == '\\' && quote == '"' && i+1 < len(script) {
				i++
				word.WriteByte(script[i])
			} else {
				word.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			quote, inWord = ch, true
		case ch == '\\' && i+1 < len(script):
			i++
			if script[i] != '\n' {
				word.WriteByte(script[i])
				inWord = true
			}
		case ch == '|' && i+1 < len(script) && script[i+1] == '|', ch == '&' && i+1 < len(script) && script[i+1] == '&':
			i++
			endCmd(false)
		case ch == '|':
			endCmd(true)
		case ch == ';' || ch == '&' || ch == '\n' || ch == '(' || ch == ')':
			endCmd(false)
		case ch == ' ' || ch == '\t' || ch == '\r':
			endWord()
		default:
			word.WriteByte(ch)
			inWord = true
		}
	}
	endCmd(false)
	return cmds
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
