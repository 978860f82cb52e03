package lsp

import (
	"context"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/zlayer/zlayer/dockerfile/runtimes"
	"github.com/zlayer/zlayer/source"
)

// completer collects the items of one completion request.
type completer struct {
	s    *Server
	caps clientCaps
	snap *snapshot
	m    mapper
	at   source.Pos
	// wordStart is where the word being completed starts.
	wordStart source.Pos
	edit      protocol.Range // the range a chosen item replaces
	items     []protocol.CompletionItem
	seen      map[string]bool
}

// Completion implements protocol.Server.
func (s *Server) Completion(ctx context.Context, p *protocol.CompletionParams) (protocol.CompletionResult, error) {
	snap, m, at, err := s.at(p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	c := &completer{s: s, caps: s.clientCaps(), snap: snap, m: m, at: at, seen: map[string]bool{}}
	switch snap.lang {
	case langZImagefile:
		c.zimage()
	case langDockerfile:
		c.dockerfile()
	}
	return &protocol.CompletionList{Items: c.items}, nil
}

// add appends an item that replaces the typed word with insert.
func (c *completer) add(label string, kind protocol.CompletionItemKind, detail, doc, insert string, snippet bool) {
	if c.seen[label] {
		return
	}
	c.seen[label] = true
	it := protocol.CompletionItem{Label: label, Kind: kind}
	if detail != "" {
		it.Detail = protocol.NewOptional(detail)
	}
	if doc != "" {
		if c.caps.markdownDocs {
			it.Documentation = &protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: doc}
		} else {
			it.Documentation = protocol.String(strings.ReplaceAll(doc, "`", ""))
		}
	}
	if insert == "" {
		insert = label
	}
	if snippet && c.caps.snippets {
		it.InsertTextFormat = protocol.InsertTextFormatSnippet
	} else if snippet {
		insert = stripSnippet(insert)
	}
	it.TextEdit = &protocol.TextEdit{Range: c.edit, NewText: insert}
	it.SortText = protocol.NewOptional(sortKey(len(c.items)))
	c.items = append(c.items, it)
}

// stripSnippet turns a snippet into plain text: "$1", "${1:x}" → "", "x".
func stripSnippet(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] >= '0' && s[i+1] <= '9' {
			i++
			continue
		}
		if s[i+1] == '{' && i+2 < len(s) && s[i+2] >= '0' && s[i+2] <= '9' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				break
			}
			inner := s[i+2 : i+end]
			if _, def, ok := strings.Cut(inner, ":"); ok {
				b.WriteString(def)
			}
			i += end
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func sortKey(n int) string {
	return string(rune('a'+n/26/26%26)) + string(rune('a'+n/26%26)) + string(rune('a'+n%26))
}

// zimage completes keys, values, stage names and variables in a
// ZImagefile, reading the cursor context from the text so that broken
// lines (a half-typed key) complete too.
func (c *completer) zimage() {
	sf := c.snap.file
	y := yamlCursorAt(sf, c.at)
	c.edit = c.m.lspRange(source.Range{Start: y.start, End: c.at})
	if y.inVar {
		c.variables(c.scopeAt())
		return
	}
	if y.inValue {
		c.zimageValue(y)
		return
	}
	siblingKeysAfter(sf, c.at.Line, y.start.Col, y.siblings)
	action := ""
	for _, a := range actionKeys {
		if y.siblings[a.name] {
			if action == "" || a.name == "run" {
				action = a.name
			}
		}
	}
	for _, k := range keysFor(y.path, action) {
		if y.siblings[k.name] {
			continue
		}
		insert, snippet := k.name+": ", false
		if action == "" && (k.name == "copy" || k.name == "add") && c.caps.snippets {
			indent := strings.Repeat(" ", c.at.Col-len(y.prefix))
			insert, snippet = k.name+": ${1:src}\n"+indent+"to: ${2:dest}", true
		}
		c.add(k.name, protocol.CompletionItemKindProperty, "", k.doc, insert, snippet)
	}
}

// zimageValue completes the value of y.key.
func (c *completer) zimageValue(y yamlCursor) {
	stage := -1
	if len(y.path) >= 2 && y.path[0] == "stages" {
		if st := c.snap.outline.stageNamed(y.path[1], false); st != nil {
			stage = st.index
		}
	}
	switch y.key {
	case "base":
		if len(y.path) != 2 && len(y.path) != 0 {
			break
		}
		c.stages(stage)
		c.add("scratch", protocol.CompletionItemKindValue, "empty base image", "", "", false)
	case "from":
		c.stages(stage)
	case "runtime":
		for _, t := range runtimes.All() {
			c.add(t.Name, protocol.CompletionItemKindValue, t.Description, "", "", false)
			for _, a := range t.Aliases {
				c.add(a, protocol.CompletionItemKindValue, "alias of "+t.Name, "", "", false)
			}
		}
	case "target":
		if len(y.path) == 1 && y.path[0] == "wasm" {
			for _, v := range []string{"preview1", "preview2"} {
				c.add(v, protocol.CompletionItemKindEnumMember, "", "", "", false)
			}
		}
	default:
		for _, v := range enumValues[y.key] {
			c.add(v, protocol.CompletionItemKindEnumMember, "", "", "", false)
		}
	}
}

// stages offers the names of the stages before stage index before (all
// stages when before is -1 and the cursor is in no stage).
func (c *completer) stages(before int) {
	for _, st := range c.snap.outline.stages {
		if before >= 0 && st.index >= before {
			break
		}
		if st.name == "" {
			continue
		}
		c.add(st.name, protocol.CompletionItemKindClass, "stage "+itoa(st.index)+", base "+st.base, "", "", false)
	}
}

// scopeAt is the variable scope at the cursor: the stage it is in, or -1.
func (c *completer) scopeAt() int {
	if st := c.snap.outline.stageAt(c.at); st != nil {
		return st.index
	}
	return -1
}

// variables offers the variables defined before the cursor in scope.
func (c *completer) variables(scope int) {
	for _, r := range c.snap.outline.refs {
		if r.kind != refVar || !r.def || !r.rng.Start.Before(c.at) || r.stage != scope && r.stage != -1 {
			continue
		}
		detail := r.what
		if r.hasValue {
			detail += " = " + shorten(r.value, 40)
		}
		c.add(r.name, protocol.CompletionItemKindVariable, detail, "", "", false)
	}
}
