package lsp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/zlayer/zlayer/schema"
	"github.com/zlayer/zlayer/source"
)

// Hover implements protocol.Server: stage references, variables, ZImagefile
// keys and Dockerfile instructions and flags.
func (s *Server) Hover(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	snap, m, at, err := s.at(p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	zs, err := s.zschema()
	if err != nil && snap.lang == langZImagefile {
		s.log.Error("ZImagefile key hover is off", "error", err)
	}
	text, r := snap.hoverText(zs, at)
	if text == "" {
		return nil, nil
	}
	content := &protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: text}
	if !s.clientCaps().markdownHover {
		content = &protocol.MarkupContent{Kind: protocol.MarkupKindPlainText, Value: strings.NewReplacer("**", "", "`", "").Replace(text)}
	}
	lr := m.lspRange(r)
	return &protocol.Hover{Contents: content, Range: &lr}, nil
}

// hoverText returns the hover markdown at p and the range it describes.
func (snap *snapshot) hoverText(zs *zschema, p source.Pos) (string, source.Range) {
	o := snap.outline
	if r := o.refAt(p); r != nil {
		if r.kind == refStage {
			if st := o.stageNamed(r.name, snap.lang == langDockerfile); st != nil {
				return o.stageHover(st), r.rng
			}
		} else if def := o.definitionOf(r); def != nil {
			return snap.varHover(def), r.rng
		} else {
			return fmt.Sprintf("**%s**: not defined in scope here; it expands to an empty string unless the base image or the shell sets it", r.name), r.rng
		}
	}
	switch snap.lang {
	case langZImagefile:
		return snap.zimageKeyHover(zs, p)
	case langDockerfile:
		return snap.dockerfileHover(p)
	}
	return "", source.Range{}
}

// stageHover describes a stage: base, step count and the stages a build of
// it runs.
func (o *outline) stageHover(st *stageSym) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**stage %s** (index %d)\n\nbase: `%s`  \nsteps: %d", st.displayName(), st.index, st.base, len(st.steps))
	var names []string
	for _, i := range o.closure(st.index) {
		names = append(names, o.stages[i].displayName())
	}
	fmt.Fprintf(&b, "\n\nBuilding it runs: %s", strings.Join(names, " → "))
	return b.String()
}

// closure lists the stages a build of stage i needs, i last, in order.
func (o *outline) closure(i int) []int {
	need := map[int]bool{}
	var visit func(int)
	visit = func(i int) {
		if need[i] || i < 0 || i >= len(o.stages) {
			return
		}
		need[i] = true
		for _, r := range o.refs {
			if r.kind == refStage && !r.def && r.stage == i {
				if dep := o.stageNamed(r.name, true); dep != nil && dep.index < i {
					visit(dep.index)
				}
			}
		}
	}
	visit(i)
	var out []int
	for k := range need {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// varHover describes a variable definition.
func (snap *snapshot) varHover(def *ref) string {
	where := "global"
	if def.stage >= 0 && def.stage < len(snap.outline.stages) {
		where = "stage " + snap.outline.stages[def.stage].displayName()
	}
	val := "no default"
	if def.hasValue {
		val = fmt.Sprintf("`%s`", def.value)
	}
	return fmt.Sprintf("**%s** = %s\n\nDefined by %s on line %d (%s).", def.name, val, def.what, def.rng.Start.Line, where)
}

// zimageKeyHover describes the key under the cursor with what the schema
// says about it; a stage's name gets the stage's summary.
func (snap *snapshot) zimageKeyHover(zs *zschema, p source.Pos) (string, source.Range) {
	f := snap.zf
	y := readYAMLLine(snap.file.LineText(p.Line))
	if f == nil || zs == nil || y.blank || !y.hasKey || p.Col < y.keyCol || p.Col > y.keyCol+len(y.key) {
		return "", source.Range{}
	}
	parent := zparent(f, p.Line, y.keyCol, y.key, len(y.dashes) > 0)
	r := source.Range{Start: source.Pos{Line: p.Line, Col: y.keyCol}, End: source.Pos{Line: p.Line, Col: y.keyCol + len(y.key)}}
	if len(parent) == 1 && parent[0] == "stages" {
		if st := snap.outline.stageNamed(y.key, false); st != nil {
			return snap.outline.stageHover(st), r
		}
	}
	info, ok := zs.Describe(append(parent, y.key))
	if !ok {
		return "", source.Range{}
	}
	return keyHover(y.key, info), r
}

// keyHover renders the schema's description of a key as markdown.
func keyHover(key string, info schema.Info) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** (`%s`", info.Title, key)
	if info.Type != "" {
		fmt.Fprintf(&b, ": %s", info.Type)
	}
	fmt.Fprintf(&b, ")\n\n%s", info.Description)
	if len(info.Enum) > 0 {
		fmt.Fprintf(&b, "\n\nValues: `%s`", strings.Join(info.Enum, "`, `"))
	}
	if info.Default != "" {
		fmt.Fprintf(&b, "\n\nDefault: `%s`", info.Default)
	}
	if len(info.Examples) > 0 && len(info.Enum) == 0 {
		fmt.Fprintf(&b, "\n\nExamples: `%s`", strings.Join(info.Examples, "`, `"))
	}
	return b.String()
}

// dockerfileHover describes the instruction keyword or flag under the
// cursor.
func (snap *snapshot) dockerfileHover(p source.Pos) (string, source.Range) {
	for _, in := range snap.df.Instructions {
		if in.KeywordRange.Contains(p) {
			if doc, ok := instructionDocs[in.Name()]; ok {
				return fmt.Sprintf("**%s**\n\n%s", in.Name(), doc), in.KeywordRange
			}
		}
		for _, fl := range in.Flags {
			if !fl.NameRange.Contains(p) {
				continue
			}
			for _, f := range instructionFlags[in.Name()] {
				if f[0] == fl.Name {
					return fmt.Sprintf("**%s --%s**\n\n%s", in.Name(), fl.Name, f[1]), fl.NameRange
				}
			}
		}
	}
	return "", source.Range{}
}
