package lsp

import (
	"context"
	"strings"

	"go.lsp.dev/protocol"

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

// stages offers the names of the stages before stage index before (all
// stages when before is -1).
func (c *completer) stages(before int) {
	for _, st := range c.snap.outline.stages {
		if before >= 0 && st.index >= before {
			break
		}
		if st.name == "" {
			continue
		}
		c.add(st.name, protocol.CompletionItemKindClass, stageDetail(st), "", "", false)
	}
}

func stageDetail(st *stageSym) string { return "stage " + itoa(st.index) + ", base " + st.base }

// variables offers the variables defined before the cursor in scope.
func (c *completer) variables(scope int) {
	for _, r := range c.snap.outline.refs {
		if r.kind != refVar || !r.def || !r.rng.Start.Before(c.at) || r.stage != scope && r.stage != -1 {
			continue
		}
		c.add(r.name, protocol.CompletionItemKindVariable, varDetail(r), "", "", false)
	}
}

// varDetail describes a variable definition in a completion item.
func varDetail(def *ref) string {
	detail := def.what
	if def.hasValue {
		detail += " = " + shorten(def.value, 40)
	}
	return detail
}
