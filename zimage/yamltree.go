package zimage

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/zlayer/zlayer/source"
)

// This file turns the goccy/go-yaml AST into a small tree of nodes that know
// their full source range (go-yaml records only start positions), resolve
// aliases, and type plain scalars by the YAML 1.2 core schema.

// kind is the shape of a node.
type kind int

const (
	kindScalar kind = iota
	kindMap
	kindSeq
)

// scalarType is the resolved type of a scalar.
type scalarType int

const (
	typeString scalarType = iota
	typeInt
	typeFloat
	typeBool
	typeNull
)

// node is one YAML node with its full range.
type node struct {
	kind kind
	typ  scalarType // scalars only
	text string     // scalar text after unquoting and folding
	rng  source.Range
	// pairs and items hold the children of mappings and sequences.
	pairs []*pair
	items []*node
	flow  bool
	// alias is set for content reached through an alias; rng is then the
	// alias's range.
	alias bool
	// opaque marks content whose value only go-yaml's decoder knows: a
	// tagged node, or one cut off below maxDepth.
	opaque bool
	// y is the go-yaml node this one was made from.
	y ast.Node
}

// dropYAML forgets the go-yaml nodes below n.
func (n *node) dropYAML() {
	if n == nil {
		return
	}
	n.y = nil
	for _, p := range n.pairs {
		p.key.dropYAML()
		p.value.dropYAML()
	}
	for _, it := range n.items {
		it.dropYAML()
	}
}

// pair is one key/value entry of a mapping.
type pair struct {
	key   *node
	value *node
	merge bool // the key is the merge key <<
	// shadowed marks an entry whose key appears again later in the same
	// mapping: the later one wins, as in go-yaml's decoder.
	shadowed bool
}

// rangeOf is the range of the whole entry, from the key to the end of the value.
func (p *pair) rangeOf() source.Range {
	end := p.key.rng.End
	if p.value != nil && end.Before(p.value.rng.End) {
		end = p.value.rng.End
	}
	return source.Range{Start: p.key.rng.Start, End: end}
}

func (n *node) isNull() bool { return n == nil || n.kind == kindScalar && n.typ == typeNull }

// get returns the last (winning) entry with the given key, or nil.
func (n *node) get(key string) *pair {
	if n == nil || n.kind != kindMap {
		return nil
	}
	for i := len(n.pairs) - 1; i >= 0; i-- {
		p := n.pairs[i]
		if !p.merge && p.key.text == key {
			return p
		}
	}
	return nil
}

// entries returns the winning entries of a mapping in source order.
func (n *node) entries() []*pair {
	var out []*pair
	for _, p := range n.pairs {
		if !p.shadowed && !p.merge {
			out = append(out, p)
		}
	}
	return out
}

// syntaxError is a YAML syntax error at a position.
type syntaxError struct {
	msg string
	pos source.Pos
}

// parsedYAML is the result of a tolerant parse.
type parsedYAML struct {
	root     *node // nil for an empty document
	docs     []*ast.DocumentNode
	extraDoc *source.Range // start marker of a second document
	errs     []syntaxError
	blanked  map[int]bool // lines blanked during recovery
	text     []byte       // the text that finally parsed (blanked lines are spaces)
	// pieced is set when the text was parsed in pieces (parsePieces): the
	// root's go-yaml node then covers the first piece only.
	pieced bool
}

// maxRecoveries bounds the blank-and-reparse loop.
const maxRecoveries = 64

// parseTolerant parses src, blanking the offending line after each syntax
// error and trying again, so that a broken document still yields an AST.
func parseTolerant(sf *source.File) *parsedYAML {
	text := sf.Text // copied before the first line is blanked
	if py, ok := parsePieces(sf, text, pieces(), minPieceSize); ok {
		return py
	}
	py := &parsedYAML{blanked: map[int]bool{}}
	for attempt := 0; ; attempt++ {
		f, err := safeParse(text)
		if err == nil {
			py.text = text
			py.build(sf, f)
			return py
		}
		se := toSyntaxError(sf, err)
		py.errs = append(py.errs, se)
		line := lineToBlank(text, sf, se)
		if line == 0 || attempt >= maxRecoveries {
			py.text = text
			return py
		}
		if len(py.blanked) == 0 {
			text = slices.Clone(text)
		}
		blankLine(text, sf, line)
		py.blanked[line] = true
	}
}

// safeParse runs the go-yaml parser and turns a panic into an error: no
// input may crash the toolkit.
func safeParse(text []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	if line, col, deep := flowTooDeep(text); deep {
		return nil, &yaml.SyntaxError{Message: "document is nested too deeply",
			Token: &token.Token{Position: &token.Position{Line: line, Column: col}}}
	}
	return parser.ParseBytes(text, 0, parser.AllowDuplicateMapKey())
}

// flowTooDeep finds the first flow collection ('[' or '{') opened deeper
// than maxDepth and returns its line and 1-based code-point column.
// go-yaml builds a path string per nesting level, so a few megabytes of
// '[' would cost it quadratic time and memory before the tree builder's
// own depth limit is reached.
func flowTooDeep(text []byte) (line, col int, deep bool) {
	depth, line, lineStart := 0, 1, 0
	var quote byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			line, lineStart = line+1, i+1
		case quote != 0:
			if c == '\\' && quote == '"' || c == '\'' && quote == '\'' && i+1 < len(text) && text[i+1] == '\'' {
				i++ // an escaped character, or '' inside single quotes
			} else if c == quote {
				quote = 0
			}
		case c == '#' && (i == lineStart || text[i-1] == ' ' || text[i-1] == '\t'):
			for i+1 < len(text) && text[i+1] != '\n' {
				i++
			}
		case (c == '"' || c == '\'') && (i == lineStart || bytes.IndexByte([]byte(" \t[{,:"), text[i-1]) >= 0):
			quote = c
		case c == '[' || c == '{':
			if depth++; depth > maxDepth {
				return line, len([]rune(string(text[lineStart:i]))) + 1, true
			}
		case (c == ']' || c == '}') && depth > 0:
			depth--
		}
	}
	return 0, 0, false
}

func toSyntaxError(sf *source.File, err error) syntaxError {
	var se *yaml.SyntaxError
	if errors.As(err, &se) {
		pos := source.Pos{Line: 1}
		if se.Token != nil && se.Token.Position != nil {
			pos = sf.PosFromRuneCol(max(se.Token.Position.Line, 1), max(se.Token.Position.Column, 1))
		}
		return syntaxError{msg: se.Message, pos: clampPos(sf, pos)}
	}
	return syntaxError{msg: err.Error(), pos: source.Pos{Line: 1}}
}

func clampPos(sf *source.File, p source.Pos) source.Pos {
	return sf.PosAt(sf.Offset(p))
}

// lineToBlank picks the line to blank after a syntax error: the error's
// line, or for an unclosed flow collection (reported on the line after it)
// and for errors on already blank lines, the nearest non-blank line above.
// It returns 0 when nothing is left to blank.
func lineToBlank(text []byte, sf *source.File, se syntaxError) int {
	line := se.pos.Line
	flowEnd := strings.Contains(se.msg, "']' must be specified") || strings.Contains(se.msg, "'}' must be specified")
	if flowEnd || isBlank(lineBytes(text, sf, line)) {
		for l := line - 1; l >= 1; l-- {
			if !isBlank(lineBytes(text, sf, l)) {
				return l
			}
		}
	}
	if !isBlank(lineBytes(text, sf, line)) {
		return line
	}
	for l := line + 1; l <= sf.LineCount(); l++ {
		if !isBlank(lineBytes(text, sf, l)) {
			return l
		}
	}
	return 0
}

func lineBytes(text []byte, sf *source.File, line int) []byte {
	if line < 1 || line > sf.LineCount() {
		return nil
	}
	start := sf.Offset(source.Pos{Line: line})
	end := len(text)
	if line < sf.LineCount() {
		end = sf.Offset(source.Pos{Line: line + 1}) - 1
	}
	return text[start:end]
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\r' {
			return false
		}
	}
	return true
}

// blankLine replaces every byte of a line except its line ending with a
// space, keeping every offset of the file valid.
func blankLine(text []byte, sf *source.File, line int) {
	b := lineBytes(text, sf, line)
	for i := range b {
		if b[i] != '\r' {
			b[i] = ' '
		}
	}
}

// builder converts go-yaml nodes to nodes.
type builder struct {
	sf      *source.File
	text    []byte
	anchors map[string]*node
	errs    []syntaxError
	depth   int
	// lineOffset is the number of lines before the parsed text in the
	// file: non-zero for a piece of it (parsePieces).
	lineOffset int
	// special is set by anchors, aliases, tags, merge keys and complex
	// keys, which a piece cannot resolve on its own.
	special bool
	// nodes and pairs are allocated in chunks: a tree has thousands.
	nodes []node
	pairs []pair
}

// slabSize is the most nodes or pairs allocated at once; the first
// chunks are smaller, so that a small file stays small.
const slabSize = 256

// nextChunk is the capacity of the chunk that follows one of capacity c.
func nextChunk(c int) int { return min(max(2*c, 16), slabSize) }

// newNode returns a pointer to a copy of n.
func (b *builder) newNode(n node) *node {
	if len(b.nodes) == cap(b.nodes) {
		b.nodes = make([]node, 0, nextChunk(cap(b.nodes)))
	}
	b.nodes = append(b.nodes, n)
	return &b.nodes[len(b.nodes)-1]
}

// newPairs returns n zero pairs.
func (b *builder) newPairs(n int) []pair {
	if n > slabSize/4 {
		return make([]pair, n)
	}
	if cap(b.pairs)-len(b.pairs) < n {
		b.pairs = make([]pair, 0, max(nextChunk(cap(b.pairs)), n))
	}
	b.pairs = b.pairs[:len(b.pairs)+n]
	return b.pairs[len(b.pairs)-n:]
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 200

func (py *parsedYAML) build(sf *source.File, f *ast.File) {
	py.docs = f.Docs
	if len(f.Docs) == 0 {
		return
	}
	if len(f.Docs) > 1 {
		r := docStart(sf, f.Docs[1])
		py.extraDoc = &r
	}
	b := &builder{sf: sf, text: py.text, anchors: map[string]*node{}}
	if body := f.Docs[0].Body; body != nil {
		py.root = b.conv(body)
	}
	py.errs = append(py.errs, b.errs...)
}

func docStart(sf *source.File, d *ast.DocumentNode) source.Range {
	var tk *token.Token
	if d.Start != nil {
		tk = d.Start
	} else if d.Body != nil {
		tk = d.Body.GetToken()
	}
	if tk == nil || tk.Position == nil {
		return source.Range{Start: source.Pos{Line: 1}, End: source.Pos{Line: 1}}
	}
	p := clampPos(sf, sf.PosFromRuneCol(tk.Position.Line, tk.Position.Column))
	end := p
	if d.Start != nil {
		end = clampPos(sf, source.Pos{Line: p.Line, Col: p.Col + 3})
	}
	return source.Range{Start: p, End: end}
}

func (b *builder) pos(tk *token.Token) source.Pos {
	if tk == nil || tk.Position == nil {
		return source.Pos{Line: 1}
	}
	line, col := max(tk.Position.Line, 1)+b.lineOffset, max(tk.Position.Column, 1)
	if line <= b.sf.LineCount() {
		// Most lines are ASCII up to the token: the code-point column is
		// then the byte column, and no clamping is needed.
		start := b.sf.Offset(source.Pos{Line: line})
		if col-1 <= b.sf.LineLen(line) && isASCII(b.text[start:start+col-1]) {
			return source.Pos{Line: line, Col: col - 1}
		}
	}
	return clampPos(b.sf, b.sf.PosFromRuneCol(line, col))
}

func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (b *builder) conv(y ast.Node) *node {
	if y == nil {
		return nil
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxDepth {
		p := b.pos(y.GetToken())
		b.errs = append(b.errs, syntaxError{msg: "document is nested too deeply", pos: p})
		return b.newNode(node{kind: kindScalar, typ: typeNull, rng: source.Range{Start: p, End: p}, opaque: true, y: y})
	}
	switch y := y.(type) {
	case *ast.MappingNode:
		return b.mapping(y)
	case *ast.SequenceNode:
		return b.sequence(y)
	case *ast.MappingValueNode: // a single-entry mapping in some positions
		m := b.newNode(node{kind: kindMap, y: y})
		p := b.pair(y)
		m.pairs = []*pair{p}
		m.rng = p.rangeOf()
		markShadowed(m)
		return m
	case *ast.AnchorNode:
		b.special = true
		n := b.conv(y.Value)
		start := b.pos(y.Start)
		if n == nil {
			n = b.newNode(node{kind: kindScalar, typ: typeNull, rng: source.Range{Start: start, End: b.afterToken(y.Start)}, y: y})
		} else {
			n.rng.Start = start
		}
		if name := anchorName(y.Name); name != "" {
			b.anchors[name] = n
		}
		return n
	case *ast.AliasNode:
		b.special = true
		return b.alias(y)
	case *ast.TagNode:
		b.special = true
		return b.tagged(y)
	case *ast.MappingKeyNode:
		return b.conv(y.Value)
	case *ast.LiteralNode:
		return b.literal(y)
	case *ast.CommentNode, *ast.CommentGroupNode:
		return nil
	case ast.ScalarNode:
		return b.scalar(y)
	}
	p := b.pos(y.GetToken())
	return b.newNode(node{kind: kindScalar, typ: typeNull, rng: source.Range{Start: p, End: p}, y: y})
}

func anchorName(n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

func (b *builder) mapping(y *ast.MappingNode) *node {
	m := b.newNode(node{kind: kindMap, flow: y.IsFlowStyle, y: y})
	if len(y.Values) > 0 {
		m.pairs = make([]*pair, len(y.Values))
		slab := b.newPairs(len(y.Values))
		for i, mv := range y.Values {
			m.pairs[i] = &slab[i]
			b.fillPair(&slab[i], mv)
		}
	}
	switch {
	case y.IsFlowStyle:
		m.rng.Start = b.pos(y.Start)
		if y.End != nil {
			m.rng.End = b.afterToken(y.End)
		} else if len(m.pairs) > 0 {
			m.rng.End = m.pairs[len(m.pairs)-1].rangeOf().End
		} else {
			m.rng.End = b.afterToken(y.Start)
		}
	case len(m.pairs) > 0:
		m.rng = source.Range{Start: m.pairs[0].key.rng.Start, End: m.pairs[len(m.pairs)-1].rangeOf().End}
	default:
		p := b.pos(y.Start)
		m.rng = source.Range{Start: p, End: p}
	}
	markShadowed(m)
	return m
}

// markShadowed flags entries whose key is repeated later in the mapping.
func markShadowed(m *node) {
	if len(m.pairs) <= 16 {
		// Comparing every pair is cheaper than a map for the small
		// mappings of steps and stages.
		for i, p := range m.pairs {
			for _, q := range m.pairs[i+1:] {
				if !p.merge && !q.merge && q.key.text == p.key.text {
					p.shadowed = true
					break
				}
			}
		}
		return
	}
	last := map[string]int{}
	for i, p := range m.pairs {
		if !p.merge {
			last[p.key.text] = i
		}
	}
	for i, p := range m.pairs {
		if !p.merge && last[p.key.text] != i {
			p.shadowed = true
		}
	}
}

func (b *builder) pair(mv *ast.MappingValueNode) *pair {
	p := &pair{}
	b.fillPair(p, mv)
	return p
}

// fillPair converts one entry of a mapping into p.
func (b *builder) fillPair(p *pair, mv *ast.MappingValueNode) {
	if mv.Key != nil && mv.Key.IsMergeKey() {
		p.merge, b.special = true, true
		tk := mv.Key.GetToken()
		st := b.pos(tk)
		p.key = b.newNode(node{kind: kindScalar, typ: typeString, text: "<<", rng: source.Range{Start: st, End: b.afterToken(tk)}, y: mv.Key})
	} else {
		p.key = b.conv(mv.Key)
		if p.key != nil && p.key.kind != kindScalar {
			b.special = true
		}
	}
	colon := b.pos(mv.Start)
	if p.key == nil {
		p.key = b.newNode(node{kind: kindScalar, typ: typeNull, rng: source.Range{Start: colon, End: colon}})
	}
	afterColon := b.afterToken(mv.Start)
	p.value = b.conv(mv.Value)
	if p.value == nil {
		p.value = b.newNode(node{kind: kindScalar, typ: typeNull, rng: source.Range{Start: afterColon, End: afterColon}})
	}
	// An implicit null (no text) or one placed before its colon goes
	// right after the colon, where go-yaml's position for it depends on
	// what follows the entry.
	implicit := p.value.rng.Start == p.value.rng.End
	if p.value.isNull() && (implicit || p.value.rng.Start.Before(afterColon)) && !p.value.alias {
		p.value.rng = source.Range{Start: afterColon, End: afterColon}
	}
}

func (b *builder) sequence(y *ast.SequenceNode) *node {
	s := b.newNode(node{kind: kindSeq, flow: y.IsFlowStyle, y: y, items: make([]*node, 0, len(y.Values))})
	start := b.pos(y.Start)
	for i, v := range y.Values {
		item := b.conv(v)
		if item == nil || item.isNull() && !item.alias && item.rng.Start == item.rng.End {
			// An empty item: place it right after its dash.
			p := start
			if !y.IsFlowStyle && i < len(y.Entries) && y.Entries[i] != nil {
				p = b.afterToken(y.Entries[i].Start)
			} else if item != nil {
				p = item.rng.Start
			}
			if item != nil {
				// The replaced node stays in its chunk: let go of its
				// go-yaml node, which Parse drops from the tree only.
				item.y = nil
			}
			item = b.newNode(node{kind: kindScalar, typ: typeNull, rng: source.Range{Start: p, End: p}, y: v})
		}
		s.items = append(s.items, item)
	}
	s.rng.Start = start
	switch {
	case y.IsFlowStyle && y.End != nil:
		s.rng.End = b.afterToken(y.End)
	case len(s.items) > 0:
		s.rng.End = s.items[len(s.items)-1].rng.End
		if s.rng.End.Before(start) {
			s.rng.End = b.afterToken(y.Start)
		}
	default:
		s.rng.End = b.afterToken(y.Start)
	}
	return s
}

func (b *builder) alias(y *ast.AliasNode) *node {
	start := b.pos(y.Start)
	name := anchorName(y.Value)
	end := b.afterToken(y.Start)
	if y.Value != nil {
		end = b.afterToken(y.Value.GetToken())
	}
	r := source.Range{Start: start, End: end}
	target, ok := b.anchors[name]
	if !ok {
		b.errs = append(b.errs, syntaxError{msg: fmt.Sprintf("could not find alias %q", name), pos: start})
		return b.newNode(node{kind: kindScalar, typ: typeNull, rng: r, alias: true, y: y})
	}
	return relocate(target, r)
}

// relocate copies an aliased subtree, giving every node the alias's range so
// that diagnostics about aliased content point at the alias.
func relocate(n *node, r source.Range) *node {
	c := *n
	c.rng = r
	c.alias = true
	if n.pairs != nil {
		c.pairs = make([]*pair, len(n.pairs))
		for i, p := range n.pairs {
			c.pairs[i] = &pair{key: relocate(p.key, r), value: relocate(p.value, r), merge: p.merge, shadowed: p.shadowed}
		}
	}
	if n.items != nil {
		c.items = make([]*node, len(n.items))
		for i, it := range n.items {
			c.items[i] = relocate(it, r)
		}
	}
	return &c
}

func (b *builder) tagged(y *ast.TagNode) *node {
	start := b.pos(y.Start)
	n := b.conv(y.Value)
	if n == nil {
		n = b.newNode(node{kind: kindScalar, typ: typeNull, rng: source.Range{Start: start, End: b.afterToken(y.Start)}, y: y})
	}
	n.rng.Start = start
	n.opaque = true
	if n.kind == kindScalar {
		switch y.Start.Value {
		case "!!str":
			n.typ = typeString
		case "!!int":
			n.typ = typeInt
		case "!!float":
			n.typ = typeFloat
		case "!!bool":
			n.typ = typeBool
		case "!!null":
			n.typ = typeNull
		}
	}
	return n
}

func (b *builder) literal(y *ast.LiteralNode) *node {
	start := b.pos(y.Start)
	end := b.afterToken(y.Start)
	text := ""
	if y.Value != nil {
		text = y.Value.Value
		// The content starts on the line after the header; its last
		// non-blank line ends the node.
		content := strings.TrimRight(y.Value.GetToken().Origin, " \t\r\n")
		if content != "" {
			line := start.Line + 1 + strings.Count(content, "\n")
			lt := b.lineText(line)
			end = source.Pos{Line: line, Col: len(strings.TrimRight(lt, " \t\r"))}
			if line > b.sf.LineCount() {
				// go-yaml broke a line at a lone "\r", which the file's
				// lines do not.
				end = b.sf.PosAt(len(b.text))
			}
			if end.Before(start) {
				end = b.afterToken(y.Start)
			}
		}
	}
	return b.newNode(node{kind: kindScalar, typ: typeString, text: text, rng: source.Range{Start: start, End: end}, y: y})
}

func (b *builder) lineText(line int) string {
	if line < 1 || line > b.sf.LineCount() {
		return ""
	}
	start := b.sf.Offset(source.Pos{Line: line})
	end := len(b.text)
	if line < b.sf.LineCount() {
		end = b.sf.Offset(source.Pos{Line: line + 1}) - 1
	}
	return string(b.text[start:end])
}

func (b *builder) scalar(y ast.ScalarNode) *node {
	tk := y.GetToken()
	start := b.pos(tk)
	n := b.newNode(node{kind: kindScalar, y: y})
	if tk == nil {
		n.typ = typeNull
		n.rng = source.Range{Start: start, End: start}
		return n
	}
	n.text = tk.Value
	switch tk.Type {
	case token.SingleQuoteType, token.DoubleQuoteType:
		n.typ = typeString
		n.rng = source.Range{Start: start, End: b.quotedEnd(start, tk.Type == token.DoubleQuoteType)}
		return n
	}
	n.typ = resolvePlain(tk.Value)
	if _, ok := y.(*ast.StringNode); ok && n.typ == typeNull && tk.Value == "" {
		n.typ = typeString
	}
	n.rng = source.Range{Start: start, End: b.plainEnd(start, tk)}
	if n.typ == typeNull && n.rng.Start == n.rng.End {
		n.text = ""
	}
	return n
}

// afterToken is the position just after a single-line token.
func (b *builder) afterToken(tk *token.Token) source.Pos {
	if tk == nil {
		return source.Pos{Line: 1}
	}
	p := b.pos(tk)
	if p.Col+len(tk.Value) <= b.sf.LineLen(p.Line) {
		return source.Pos{Line: p.Line, Col: p.Col + len(tk.Value)}
	}
	return clampPos(b.sf, source.Pos{Line: p.Line, Col: p.Col + len(tk.Value)})
}

// quotedEnd scans from the opening quote at start to just after the closing one.
func (b *builder) quotedEnd(start source.Pos, double bool) source.Pos {
	off := b.sf.Offset(start)
	t := b.text
	q := byte('\'')
	if double {
		q = '"'
	}
	for i := off + 1; i < len(t); i++ {
		switch {
		case double && t[i] == '\\':
			i++
		case t[i] == q && !double && i+1 < len(t) && t[i+1] == '\'':
			i++
		case t[i] == q:
			return b.posAfter(start, off, i+1)
		}
	}
	return b.sf.PosAt(len(t))
}

// posAfter converts the byte offset end to a Pos, knowing that offset off
// is at start: most scalars end on the line they start on.
func (b *builder) posAfter(start source.Pos, off, end int) source.Pos {
	if col := start.Col + end - off; end >= off && col <= b.sf.LineLen(start.Line) {
		return source.Pos{Line: start.Line, Col: col}
	}
	return b.sf.PosAt(end)
}

// plainEnd finds the end of a plain scalar from its source text.
func (b *builder) plainEnd(start source.Pos, tk *token.Token) source.Pos {
	off := b.sf.Offset(start)
	origin := strings.Trim(tk.Origin, " \t\r\n")
	if origin != "" && bytes.HasPrefix(b.text[off:], []byte(origin)) {
		return b.posAfter(start, off, off+len(origin))
	}
	if tk.Value != "" && bytes.HasPrefix(b.text[off:], []byte(tk.Value)) {
		return b.posAfter(start, off, off+len(tk.Value))
	}
	// Implicit values (an empty value read as null) have no text.
	return start
}

var (
	reInt   = regexp.MustCompile(`^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$`)
	reFloat = regexp.MustCompile(`^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN)$`)
)

// resolvePlain types a plain scalar by the YAML 1.2 core schema.
func resolvePlain(s string) scalarType {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return typeNull
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return typeBool
	}
	if c := s[0]; (c < '0' || c > '9') && c != '+' && c != '-' && c != '.' {
		return typeString // numbers start with a digit, a sign or a dot
	}
	if reInt.MatchString(s) {
		return typeInt
	}
	if reFloat.MatchString(s) {
		return typeFloat
	}
	return typeString
}

// shiftFirstLine moves every position on line 1 right by n bytes (the
// byte-order mark the parser did not see).
func (py *parsedYAML) shiftFirstLine(n int) {
	shift := func(p *source.Pos) {
		if p.Line == 1 {
			p.Col += n
		}
	}
	shiftRange := func(r *source.Range) { shift(&r.Start); shift(&r.End) }
	var walk func(nd *node)
	walk = func(nd *node) {
		if nd == nil {
			return
		}
		shiftRange(&nd.rng)
		for _, p := range nd.pairs {
			walk(p.key)
			walk(p.value)
		}
		for _, it := range nd.items {
			walk(it)
		}
	}
	walk(py.root)
	for i := range py.errs {
		shift(&py.errs[i].pos)
	}
	if py.extraDoc != nil {
		shiftRange(py.extraDoc)
	}
}
