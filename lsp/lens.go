package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile/runtimes"
	"github.com/zlayer/zlayer/source"
)

// buildCommand is the LSP command that builds a stage (nil for the
// image). A stage without a name (a Dockerfile FROM without AS) is named
// by its index, which zlayer.buildStage accepts as well.
func buildCommand(u uri.URI, st *stageSym) protocol.Command {
	args := map[string]string{"uri": string(u)}
	cmd, title := cmdBuildImage, "▶ Build image"
	if st != nil {
		args["stage"] = st.target()
		cmd, title = cmdBuildStage, "▶ Build stage "+st.target()
		if st.name == "" {
			title += " (unnamed)"
		}
	}
	raw, _ := json.Marshal(args)
	return protocol.Command{Title: title, Command: cmd, Arguments: []protocol.LSPAny{protocol.LSPAny(raw)}}
}

// CodeLens implements protocol.Server: "▶ Build image" on the first line,
// "▶ Build stage NAME" on every stage (its index for an unnamed one), and
// the last build result of each stage.
func (s *Server) CodeLens(ctx context.Context, p *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	snap, err := s.snapshotFor(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	out := []protocol.CodeLens{}
	if snap.lang == langUnknown || snap.skipped {
		return out, nil
	}
	m := s.mapperFor(snap)
	top := protocol.Range{}
	out = append(out, protocol.CodeLens{Range: top, Command: buildCommand(p.TextDocument.URI, nil)})
	marks := s.builds.marks(snap.file.Name)
	for _, st := range snap.outline.stages {
		r := m.lspRange(source.Range{Start: st.rng.Start, End: st.rng.Start})
		out = append(out, protocol.CodeLens{Range: r, Command: buildCommand(p.TextDocument.URI, st)})
		if mk, ok := marks[st.displayName()]; ok {
			out = append(out, protocol.CodeLens{Range: r, Command: protocol.Command{Title: mk.String()}})
		}
	}
	return out, nil
}

// CodeAction implements protocol.Server: build the stage under the cursor,
// and quick fixes for the diagnostics in the range.
func (s *Server) CodeAction(ctx context.Context, p *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	snap, err := s.snapshotFor(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	m := s.mapperFor(snap)
	sel := m.rng(p.Range)
	out := []protocol.CommandOrCodeAction{}
	for _, st := range snap.outline.stages {
		if !overlaps(st.rng, sel) {
			continue
		}
		cmd := buildCommand(p.TextDocument.URI, st)
		out = append(out, &protocol.CodeAction{Title: strings.TrimPrefix(cmd.Title, "▶ "), Kind: ptr(protocol.CodeActionKind("source.build")), Command: cmd})
	}
	fx := fixer{s: s, snap: snap, m: m, u: p.TextDocument.URI}
	for _, d := range snap.diags {
		if overlaps(d.Range, sel) && d.Code != "" {
			out = append(out, fx.fixes(d)...)
		}
	}
	return out, nil
}

func overlaps(a, b source.Range) bool {
	return !a.End.Before(b.Start) && !b.End.Before(a.Start)
}

// fixer makes quick fixes for one document.
type fixer struct {
	s    *Server
	snap *snapshot
	m    mapper
	u    uri.URI
}

func (f fixer) action(title string, d diag.Diagnostic, preferred bool, edits ...protocol.TextEdit) *protocol.CodeAction {
	return &protocol.CodeAction{
		Title: title, Kind: ptr(protocol.CodeActionKindQuickFix), IsPreferred: ptr(preferred),
		Diagnostics: []protocol.Diagnostic{f.s.toProtocol(f.m, f.u, d)},
		Edit:        &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{f.u: edits}},
	}
}

func (f fixer) replace(r source.Range, text string) protocol.TextEdit {
	return protocol.TextEdit{Range: f.m.lspRange(r), NewText: text}
}

var (
	backticked  = regexp.MustCompile("`([^`]*)`")
	unknownKey  = regexp.MustCompile("^(?:.*: )?unknown field `([^`]*)`")
	didYouMean  = regexp.MustCompile(`did you mean stage '([^']*)'\?`)
	unknownRunt = regexp.MustCompile(`unknown runtime '([^']*)'`)
)

// fixes returns the quick fixes of a diagnostic.
func (f fixer) fixes(d diag.Diagnostic) []protocol.CommandOrCodeAction {
	var out []protocol.CommandOrCodeAction
	switch d.Code {
	case "ZI003":
		if mm := unknownKey.FindStringSubmatch(d.Message); mm != nil {
			var keys []string
			for _, k := range backticked.FindAllStringSubmatch(d.Message, -1)[1:] {
				keys = append(keys, k[1])
			}
			if best, ok := nearest(mm[1], keys); ok {
				out = append(out, f.action(fmt.Sprintf("Change to '%s'", best), d, true, f.replace(d.Range, best)))
			}
		}
	case "ZI203":
		if mm := didYouMean.FindStringSubmatch(d.Message); mm != nil {
			out = append(out, f.action(fmt.Sprintf("Use stage '%s'", mm[1]), d, true, f.replace(d.Range, mm[1])))
		}
	case "ZI117":
		if mm := unknownRunt.FindStringSubmatch(d.Message); mm != nil {
			var names []string
			for _, t := range runtimes.All() {
				names = append(names, t.Name)
				names = append(names, t.Aliases...)
			}
			if best, ok := nearest(strings.ToLower(mm[1]), names); ok {
				out = append(out, f.action(fmt.Sprintf("Change to '%s'", best), d, true, f.replace(valueRange(f.snap, d.Range), best)))
			}
		}
	case "ZI108":
		if a := f.addTo(d); a != nil {
			out = append(out, a)
		}
	case "MaintainerDeprecated":
		if a := f.maintainer(d); a != nil {
			out = append(out, a)
		}
	}
	if d.Code != codeBuildFailed && d.Code != "ZI001" {
		out = append(out, f.ignore(d))
	}
	return out
}

// valueRange trims quotes from a scalar's range.
func valueRange(snap *snapshot, r source.Range) source.Range {
	text := snap.file.Text[snap.file.Offset(r.Start):snap.file.Offset(r.End)]
	if len(text) >= 2 && (text[0] == '"' || text[0] == '\'') && text[len(text)-1] == text[0] && r.Start.Line == r.End.Line {
		r.Start.Col++
		r.End.Col--
	}
	return r
}

// addTo inserts "to: " after a copy/add step that lacks it.
func (f fixer) addTo(d diag.Diagnostic) *protocol.CodeAction {
	sf := f.snap.file
	y := readYAMLLine(sf.LineText(d.Range.Start.Line))
	stepEnd := d.Range.End
	for _, st := range f.snap.outline.stages {
		for _, step := range st.steps {
			if step.rng.Contains(d.Range.Start) {
				stepEnd = step.rng.End
			}
		}
	}
	for _, step := range f.snap.outline.steps {
		if step.rng.Contains(d.Range.Start) {
			stepEnd = step.rng.End
		}
	}
	indent := strings.Repeat(" ", y.keyCol)
	edit := f.replace(source.Range{Start: stepEnd, End: stepEnd}, "\n"+indent+"to: ")
	return f.action("Add the missing 'to:'", d, true, edit)
}

// maintainer rewrites MAINTAINER as the OCI authors label.
func (f fixer) maintainer(d diag.Diagnostic) *protocol.CodeAction {
	for _, in := range f.snap.df.Instructions {
		if in.Name() != "MAINTAINER" || !in.Range.Contains(d.Range.Start) {
			continue
		}
		sf := f.snap.file
		who := strings.TrimSpace(string(sf.Text[sf.Offset(in.KeywordRange.End):sf.Offset(in.Range.End)]))
		label := fmt.Sprintf("LABEL org.opencontainers.image.authors=%q", who)
		return f.action("Replace MAINTAINER with a LABEL", d, true, f.replace(in.Range, label))
	}
	return nil
}

// ignore inserts "# zlayer-ignore: CODE" above the diagnostic's line.
func (f fixer) ignore(d diag.Diagnostic) *protocol.CodeAction {
	line := d.Range.Start.Line
	text := f.snap.file.LineText(line)
	indent := text[:len(text)-len(strings.TrimLeft(text, " \t"))]
	if y := readYAMLLine(text); f.snap.lang == langZImagefile && len(y.dashes) > 0 {
		indent = strings.Repeat(" ", y.dashes[0])
	}
	at := source.Pos{Line: line, Col: 0}
	return f.action(fmt.Sprintf("Ignore %s on this line", d.Code), d, false,
		f.replace(source.Range{Start: at, End: at}, indent+"# zlayer-ignore: "+d.Code+"\n"))
}

// nearest returns the candidate closest to s within edit distance 2.
func nearest(s string, candidates []string) (string, bool) {
	best, dist := "", 3
	for _, c := range candidates {
		if d := levenshtein(s, c); d < dist {
			best, dist = c, d
		}
	}
	return best, best != ""
}

// levenshtein is the edit distance of a and b over code points.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
