package lsp

import (
	"strings"

	"go.lsp.dev/protocol"

	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/source"
)

// dockerfile completes instructions, flags, stage names and variables in
// a Dockerfile.
func (c *completer) dockerfile() {
	sf := c.snap.file
	line := sf.LineText(c.at.Line)
	before := line[:min(c.at.Col, len(line))]
	i := len(before)
	for i > 0 && !strings.ContainsRune(" \t=,${", rune(before[i-1])) {
		i--
	}
	word := before[i:]
	c.wordStart = source.Pos{Line: c.at.Line, Col: i}
	c.edit = c.m.lspRange(source.Range{Start: c.wordStart, End: c.at})
	in := c.instructionAt()

	trimmed := strings.TrimSpace(before)
	switch {
	case strings.HasPrefix(trimmed, "#"):
		if in == nil && c.beforeFirstInstruction() {
			c.directives(before)
		}
		return
	case i > 0 && (before[i-1] == '$' || before[i-1] == '{' && i > 1 && before[i-2] == '$'):
		scope := -1
		if in != nil && in.Name() != "FROM" {
			scope = in.Stage
		}
		c.variables(scope)
		return
	case in == nil || !in.KeywordRange.End.Before(c.at) && !strings.Contains(trimmed, " "):
		c.instructions(word)
		return
	}
	name := in.Name()
	flagStart := i
	for flagStart > 0 && before[flagStart-1] != ' ' && before[flagStart-1] != '\t' {
		flagStart--
	}
	token := before[flagStart:]
	switch {
	case strings.HasPrefix(token, "--from=") && (name == "COPY" || name == "ADD"):
		c.stages(in.Stage)
	case strings.HasPrefix(token, "--mount=") && strings.HasSuffix(before, "from="):
		c.stages(in.Stage)
	case strings.HasPrefix(token, "--mount=") && (strings.HasSuffix(before, "=") && !strings.HasSuffix(before, "type=") || strings.HasSuffix(before, ",")):
		for _, k := range []string{"type", "target", "source", "from", "id", "sharing", "readonly", "mode", "uid", "gid", "required", "env", "size"} {
			c.add(k+"=", protocol.CompletionItemKindProperty, "--mount option", "", "", false)
		}
	case strings.HasPrefix(token, "--mount=") && strings.HasSuffix(before, "type="):
		for _, t := range []string{"cache", "bind", "tmpfs", "secret", "ssh"} {
			c.add(t, protocol.CompletionItemKindEnumMember, "mount type", "", "", false)
		}
	case strings.HasPrefix(token, "-"):
		c.edit = c.m.lspRange(source.Range{Start: source.Pos{Line: c.at.Line, Col: flagStart}, End: c.at})
		for _, fl := range instructionFlags[name] {
			c.add("--"+fl[0], protocol.CompletionItemKindProperty, name+" flag", fl[1], "--"+fl[0]+"=", false)
		}
	case name == "FROM":
		c.fromArgs(in)
	}
}

// instructionAt returns the instruction whose range holds the cursor, or
// nil on a line of its own.
func (c *completer) instructionAt() *dockerfile.Instruction {
	for _, in := range c.snap.df.Instructions {
		r := in.Range
		if r.Start.Line <= c.at.Line && c.at.Line <= r.End.Line && !c.at.Before(in.KeywordRange.Start) {
			return in
		}
	}
	return nil
}

func (c *completer) beforeFirstInstruction() bool {
	ins := c.snap.df.Instructions
	return len(ins) == 0 || c.at.Line < ins[0].Range.Start.Line
}

// instructions offers every instruction, upper case unless the user types
// lower case.
func (c *completer) instructions(word string) {
	lower := word != "" && strings.ToLower(word) == word
	for _, name := range instructionOrder {
		label := name
		if lower {
			label = strings.ToLower(name)
		}
		insert, snippet := label+" ", false
		switch name {
		case "FROM":
			insert, snippet = label+" ${1:image} AS ${2:name}", true
		case "COPY":
			insert, snippet = label+" ${1:src} ${2:dest}", true
		}
		c.add(label, protocol.CompletionItemKindKeyword, "", instructionDocs[name], insert, snippet)
	}
}

// fromArgs completes the arguments of FROM: earlier stages, scratch, and
// AS after the base.
func (c *completer) fromArgs(in *dockerfile.Instruction) {
	var args []dockerfile.Arg
	for _, a := range in.Args {
		if !c.wordStart.Before(a.Range.End) {
			args = append(args, a)
		}
	}
	switch len(args) {
	case 0:
		c.stages(in.Stage)
		c.add("scratch", protocol.CompletionItemKindValue, "empty base image", "", "", false)
	case 1:
		c.add("AS", protocol.CompletionItemKindKeyword, "name the stage", "", "AS ", false)
	}
}

// directives offers parser directives in the leading comments.
func (c *completer) directives(before string) {
	for _, d := range parserDirectives {
		c.add(d[0], protocol.CompletionItemKindKeyword, "parser directive", d[1], "", false)
	}
}
