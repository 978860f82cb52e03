package dockerfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// Diagnostic codes of this package. BuildKit's check rules keep their rule
// names as codes (StageNameCasing, FromAsCasing, MaintainerDeprecated,
// NoEmptyContinuation, ...).
const (
	// CodeSyntax: BuildKit's parser rejected the file (for example an
	// unterminated heredoc or a JSON array holding a non-string).
	CodeSyntax = "DF001"
	// CodeUnknownInstruction: the instruction name is not a Dockerfile
	// instruction.
	CodeUnknownInstruction = "DF002"
	// CodeInvalidInstruction: BuildKit's instruction parser rejected the
	// instruction (wrong arguments, unknown or malformed flags).
	CodeInvalidInstruction = "DF003"
	// CodeNoStage: an instruction other than ARG comes before the first
	// FROM.
	CodeNoStage = "DF004"
	// CodeEmpty: the file holds no instruction.
	CodeEmpty = "DF005"
	// CodeInvalidMount: a RUN --mount value is malformed.
	CodeInvalidMount = "DF006"
	// CodeInvalidTrigger: the instruction registered by ONBUILD does not
	// parse; it would fail the builds that use the image (warning).
	CodeInvalidTrigger = "DF007"
	// CodeInvalidCheck: the "# check=" directive is malformed.
	CodeInvalidCheck = "DF008"
)

// maxRecoveries bounds how many failing instructions are cut out of a file
// to let BuildKit's parser read the rest.
const maxRecoveries = 64

// Parse parses a Dockerfile. It never fails: problems are reported in
// File.Diagnostics, and instructions BuildKit rejects are still listed
// with their ranges.
//
// BuildKit's parser and the scanner that recovers every token's range read
// the same text independently, so they run at the same time; so do the
// two halves of the instruction parsing.
func Parse(name string, src []byte) *File { return Reparse(name, src, nil) }

// Reparse parses src as Parse does, after an edit of the file prev was
// parsed from (prev may be nil). BuildKit's typed parse of an instruction
// whose node is unchanged (same text on the same lines) is taken from
// prev instead of being computed again, which is most of them when one
// line of a long file is edited. Everything else is computed afresh.
func Reparse(name string, src []byte, prev *File) *File {
	f := &File{Source: source.NewFile(name, src)}
	p := &parse{f: f, prev: prev}
	bk := make(chan buildkitResult, 1)
	go func() { bk <- parseBuildkit(src) }()
	sc := newScanner(src)
	ls := sc.scan()
	f.Instructions = make([]*Instruction, len(ls))
	slab := make([]Instruction, len(ls))
	for i := range ls {
		f.Instructions[i] = p.instruction(&ls[i], &slab[i])
	}
	f.Escape = sc.escape
	res := <-bk
	if res.split && !p.sameInstructions(res.ast) {
		res = runBuildkit(src)
	}
	f.AST = p.buildkitReport(res)
	p.attachNodes()
	p.parseCommands()
	p.stages()
	diag.Sort(f.Diagnostics)
	return f
}

// parse holds the state of one Parse call.
type parse struct {
	f     *File
	lines map[int]*Instruction // by first line
	hits  []lintHit
	// prev is the file before the edit; reuse holds its instructions
	// whose command may be reused, by first line.
	prev  *File
	reuse map[int]*Instruction
}

// lintHit is one warning of BuildKit's linter.
type lintHit struct {
	rule, url, msg string
	loc            []parser.Range
}

func (p *parse) report(r source.Range, sev diag.Severity, code, msg string) {
	p.f.Diagnostics = append(p.f.Diagnostics, diag.Diagnostic{
		File: p.f.Source.Name, Range: r, Severity: sev, Code: code, Source: Source, Message: msg,
	})
}

// rangeOf converts file offsets to a range.
func (p *parse) rangeOf(start, end int) source.Range {
	return source.Range{Start: p.posAt(start), End: p.posAt(end)}
}

// posAt converts a file offset to a position; an offset inside a line's
// "\r\n" or "\r" ending is the end of the line's text.
func (p *parse) posAt(off int) source.Pos {
	pos := p.f.Source.PosAt(off)
	pos.Col = min(pos.Col, p.f.Source.LineLen(pos.Line))
	return pos
}

// instruction fills in from a scanned logical line and returns it.
func (p *parse) instruction(l *logical, in *Instruction) *Instruction {
	p.fromTokens(l, l.tok, in)
	for _, h := range l.heredocs {
		in.Heredocs = append(in.Heredocs, Heredoc{
			Name: h.Name, Content: h.Content, Expand: h.Expand, Chomp: h.Chomp,
			Range: p.rangeOf(h.bodyStart, h.endOffset), Terminated: h.terminated,
		})
		in.Range.End = p.posAt(h.endOffset)
	}
	if t := in.Trigger; t != nil {
		t.Heredocs, t.Range.End = in.Heredocs, in.Range.End
	}
	return in
}

// fromTokens fills in from the tokens of a logical line and returns it.
func (p *parse) fromTokens(l *logical, t tokens, in *Instruction) *Instruction {
	span := func(pc piece) source.Range { return p.rangeOf(l.span(pc.start, pc.end)) }
	*in = Instruction{
		Keyword:      t.keyword.text,
		KeywordRange: span(t.keyword),
		JSON:         t.json,
		Stage:        -1,
	}
	end := max(t.rest.end, t.keyword.end)
	if len(t.flags) > 0 {
		in.Flags = make([]Flag, 0, len(t.flags))
	}
	for _, fl := range t.flags {
		f := Flag{Name: fl.name, Value: fl.value, HasValue: fl.hasValue, Range: span(fl.piece)}
		nameEnd := fl.end
		if fl.eq >= 0 {
			nameEnd = fl.eq
		}
		f.NameRange = span(piece{start: fl.start, end: nameEnd})
		f.ValueRange = span(piece{start: min(nameEnd+1, fl.end), end: fl.end})
		in.Flags = append(in.Flags, f)
		end = max(end, fl.end)
	}
	if len(t.args) > 0 {
		in.Args = make([]Arg, 0, len(t.args))
	}
	for _, a := range t.args {
		in.Args = append(in.Args, Arg{Value: a.text, Range: span(a)})
	}
	in.Range = span(piece{start: t.keyword.start, end: end})
	if t.trigger != nil {
		in.Trigger = p.fromTokens(l, *t.trigger, new(Instruction))
	}
	return in
}

// buildkitResult is what BuildKit's parser made of a file: the AST of
// the last attempt, its warnings, and the errors of the attempts before.
type buildkitResult struct {
	ast      *parser.Node
	warnings []parser.Warning
	errs     []buildkitError
	// empty is set when BuildKit found no instruction at all.
	empty bool
	// split is set when the file was parsed in two halves.
	split bool
}

// buildkitError is one error of BuildKit's parser and its first line.
type buildkitError struct {
	line int
	msg  string
}

// runBuildkit runs BuildKit's parser. When it fails, the failing
// instruction is blanked out (line numbers stay) and the rest is parsed
// again, so that every syntax error is reported and the AST covers every
// good instruction. It only reads src, so it may run while the scanner
// does.
func runBuildkit(src []byte) (res buildkitResult) {
	defer func() {
		// Never let a parser bug take the caller down: it becomes a
		// syntax error on the first line.
		if r := recover(); r != nil {
			res = buildkitResult{errs: []buildkitError{{line: 1, msg: fmt.Sprintf("BuildKit's parser failed: %v", r)}}}
		}
	}()
	buf := bytes.Clone(src)
	for range maxRecoveries {
		out, err := parser.Parse(bytes.NewReader(buf))
		if err == nil {
			res.ast, res.warnings = out.AST, out.Warnings
			return res
		}
		first, last := errorLines(err)
		if strings.Contains(err.Error(), "line greater than max allowed size") {
			// BuildKit's line scanner does not say which line; find it.
			if n := tooLongLine(buf); n > 0 {
				first, last = n, n
			}
		}
		if strings.Contains(err.Error(), "file with no instructions") {
			res.empty = len(res.errs) == 0
			return res
		}
		res.errs = append(res.errs, buildkitError{line: first, msg: message(err)})
		if out != nil {
			res.ast = out.AST
			return res
		}
		if first < 1 || !blankLines(buf, first, last) {
			return res
		}
	}
	return res
}

// splitSize is the size from which BuildKit's parser reads a file in two
// halves at once.
const splitSize = 8 << 10

// parseBuildkit runs BuildKit's parser, on the two halves of a large file
// at once when it can be cut between two instructions (see splitOffset).
// The second half is parsed behind as many empty lines as the first has,
// so that its lines keep their numbers. A half that does not parse sends
// the whole file through runBuildkit, which reports every error.
func parseBuildkit(src []byte) buildkitResult {
	off := splitOffset(src)
	if off == 0 {
		return runBuildkit(src)
	}
	first := make(chan buildkitResult, 1)
	go func() { first <- runBuildkit(src[:off]) }()
	lines := bytes.Count(src[:off], []byte("\n"))
	second := runBuildkit(slices.Concat(bytes.Repeat([]byte("\n"), lines), src[off:]))
	a := <-first
	if len(a.errs) > 0 || len(second.errs) > 0 || a.empty || second.empty || a.ast == nil || second.ast == nil {
		return runBuildkit(src)
	}
	a.ast.Children = append(a.ast.Children, second.ast.Children...)
	a.ast.EndLine = second.ast.EndLine
	a.warnings = append(a.warnings, second.warnings...)
	a.split = true
	return a
}

// splitOffset returns where a file can be cut in two for BuildKit's
// parser, or 0: the start of the line after an instruction that ends near
// the middle of the file. Files with heredocs or an escape directive,
// where instruction boundaries take more than a line scan to find, are
// never cut; Parse also checks the halves' instructions against the
// scanner's and parses the whole file again if they differ.
func splitOffset(src []byte) int {
	if len(src) < splitSize || bytes.Contains(src, []byte("<<")) {
		return 0
	}
	if _, _, _, ok := parser.ParseDirective("escape", src); ok {
		return 0
	}
	// The first content line from the middle on that follows a line
	// without a continuation starts an instruction; the cut goes after
	// that line, so that comments before the instruction stay with it.
	prevEnd, continued := -1, true
	for off := 0; off < len(src); {
		end := bytes.IndexByte(src[off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off
		}
		line := bytes.TrimSpace(src[off:end])
		if len(line) > 0 && line[0] != '#' {
			if off >= len(src)/2 && !continued && prevEnd > 0 {
				return prevEnd
			}
			continued = line[len(line)-1] == '\\'
			prevEnd = end + 1
		}
		off = end + 1
	}
	return 0
}

// sameInstructions reports whether BuildKit's nodes start on the lines
// where the scanner found instructions, one for one.
func (p *parse) sameInstructions(ast *parser.Node) bool {
	if ast == nil || len(ast.Children) != len(p.f.Instructions) {
		return false
	}
	for i, n := range ast.Children {
		if n.StartLine != p.f.Instructions[i].KeywordRange.Start.Line {
			return false
		}
	}
	return true
}

// buildkitReport reports the errors and warnings of BuildKit's parser at
// the scanned instructions and returns its AST.
func (p *parse) buildkitReport(res buildkitResult) *parser.Node {
	for _, e := range res.errs {
		p.report(p.errorRange(e.line), diag.Error, CodeSyntax, e.msg)
	}
	if res.empty {
		p.report(p.lineRange(1), diag.Error, CodeEmpty,
			"the Dockerfile has no instructions; add a FROM instruction")
	}
	p.parserWarnings(res.warnings)
	return res.ast
}

// errorLines returns the 1-based lines a BuildKit parser error covers.
func errorLines(err error) (first, last int) {
	var le *parser.LocationError
	if !errors.As(err, &le) || len(le.Locations) == 0 || len(le.Locations[0]) == 0 {
		return 0, 0
	}
	loc := le.Locations[0]
	first, last = loc[0].Start.Line, loc[len(loc)-1].End.Line
	// Directive errors are raised before the line counter moves on, so
	// their line is 0-based.
	if msg := err.Error(); strings.Contains(msg, "parser directive") || strings.Contains(msg, "escape token") {
		first, last = first+1, last+1
	}
	return first, max(last, first)
}

// tooLongLine returns the first line (1-based) too long for BuildKit's
// line scanner, or 0.
func tooLongLine(buf []byte) int {
	for line := 1; len(buf) > 0; line++ {
		n := bytes.IndexByte(buf, '\n')
		if n < 0 {
			n = len(buf)
		}
		if n >= bufio.MaxScanTokenSize-1 {
			return line
		}
		buf = buf[min(n+1, len(buf)):]
	}
	return 0
}

// blankLines replaces the text of lines first..last (1-based) with spaces
// and reports whether anything changed.
func blankLines(buf []byte, first, last int) bool {
	line, changed := 1, false
	for i, b := range buf {
		if b == '\n' {
			line++
			continue
		}
		if line >= first && line <= last && b != ' ' && b != '\r' {
			buf[i] = ' '
			changed = true
		}
	}
	return changed
}

// message is the text of a BuildKit error without its location wrapper.
func message(err error) string {
	msg := err.Error()
	return strings.TrimPrefix(msg, "dockerfile parse error: ")
}

// lineRange covers the text of a line, leading white space excluded.
func (p *parse) lineRange(line int) source.Range {
	text := p.f.Source.LineText(line)
	start := len(text) - len(strings.TrimLeft(text, " \t"))
	return source.Range{Start: source.Pos{Line: line, Col: start}, End: source.Pos{Line: line, Col: len(text)}}
}

// errorRange is where a parser error on line is shown: the first line of
// the instruction starting there, or the line itself.
func (p *parse) errorRange(line int) source.Range {
	if line < 1 {
		line = 1
	}
	for _, in := range p.f.Instructions {
		if in.KeywordRange.Start.Line == line {
			r := p.lineRange(line)
			r.Start = in.KeywordRange.Start
			return r
		}
	}
	return p.lineRange(line)
}

func (p *parse) parserWarnings(ws []parser.Warning) {
	for _, w := range ws {
		if w.Location == nil {
			continue
		}
		r := p.lineRange(w.Location.Start.Line)
		code := "NoEmptyContinuation"
		if w.URL != linter.RuleNoEmptyContinuation.URL {
			code = "DF000"
		}
		for _, in := range p.f.Instructions {
			if in.Range.Start.Line <= r.Start.Line && r.Start.Line <= in.Range.End.Line {
				r = source.Range{Start: in.KeywordRange.Start, End: in.KeywordRange.End}
			}
		}
		p.f.Diagnostics = append(p.f.Diagnostics, diag.Diagnostic{
			File: p.f.Source.Name, Range: r, Severity: diag.Warning, Code: code,
			Source: Source, Message: strings.TrimSpace(w.Short), URL: w.URL,
		})
	}
}

// attachNodes pairs BuildKit's nodes with the scanned instructions by
// their first line.
func (p *parse) attachNodes() {
	p.lines = make(map[int]*Instruction, len(p.f.Instructions))
	for _, in := range p.f.Instructions {
		p.lines[in.KeywordRange.Start.Line] = in
	}
	if p.f.AST == nil {
		return
	}
	for _, n := range p.f.AST.Children {
		if in := p.lines[n.StartLine]; in != nil && strings.EqualFold(in.Keyword, n.Value) {
			in.Node = n
		}
	}
}

// lintConfig returns the configuration of BuildKit's rule linter given by
// the file's "# check=" directive.
func (p *parse) lintConfig() linter.Config {
	opts, _, loc, ok := parser.ParseDirective("check", p.f.Source.Text)
	if !ok {
		return linter.Config{}
	}
	p.f.checkOpts = opts
	c, err := linter.ParseLintOptions(opts)
	if err != nil {
		line := 1
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		p.report(p.lineRange(line), diag.Error, CodeInvalidCheck,
			fmt.Sprintf("invalid check directive: %v", err))
		return linter.Config{}
	}
	return *c
}

// newLinter returns BuildKit's rule linter configured by cfg, collecting
// warnings into p.hits.
func (p *parse) newLinter(cfg linter.Config) *linter.Linter {
	cfg.Warn = func(rule, _, url, msg string, loc []parser.Range) {
		p.hits = append(p.hits, lintHit{rule: rule, url: url, msg: msg, loc: loc})
	}
	return linter.New(&cfg)
}

// parallelCommands is the number of instructions from which BuildKit's
// instruction parser runs on two halves of the file at once.
const parallelCommands = 64

// parseCommands runs BuildKit's instruction parser on every node, so that
// all errors are reported, not only the first. A long file is parsed in
// two halves at once, each with its own linter; their diagnostics are
// joined in file order.
func (p *parse) parseCommands() {
	cfg := p.lintConfig()
	p.applyCheckDirective(p.newLinter(cfg))
	p.reusable()
	ins := p.f.Instructions
	if len(ins) < parallelCommands {
		p.parseCommandsOf(ins, cfg)
		return
	}
	half := len(ins) / 2
	second := &parse{f: &File{Source: p.f.Source}, reuse: p.reuse}
	done := make(chan any, 1)
	go func() {
		// A panic is handed to the caller's goroutine, where it would
		// have happened without the split.
		defer func() { done <- recover() }()
		second.parseCommandsOf(ins[half:], cfg)
	}()
	p.parseCommandsOf(ins[:half], cfg)
	if r := <-done; r != nil {
		panic(r)
	}
	p.f.Diagnostics = append(p.f.Diagnostics, second.f.Diagnostics...)
}

// parseCommandsOf parses the instructions ins, reporting into p.
func (p *parse) parseCommandsOf(ins []*Instruction, cfg linter.Config) {
	lint := p.newLinter(cfg)
	for _, in := range ins {
		if in.Node == nil {
			continue
		}
		p.hits = p.hits[:0]
		var cmd any
		var err error
		if old := p.reused(in); old != nil {
			cmd, p.hits = old.Command, append(p.hits, old.hits...)
		} else {
			cmd, err = instructions.ParseInstructionWithLinter(in.Node, lint)
		}
		p.lintWarnings(in, lint.ReturnAsError)
		if err != nil {
			p.commandError(in, err)
			continue
		}
		in.Command = cmd
		if len(p.hits) > 0 {
			in.hits = slices.Clone(p.hits)
		}
		p.checkTrigger(in, lint)
		p.checkMounts(in)
	}
}

// reusable indexes the instructions of the previous parse whose command
// a reparse may take over: parsed without error, no ONBUILD, and parsed
// with the same escape character and check directive.
func (p *parse) reusable() {
	prev := p.prev
	if prev == nil || prev.Escape != p.f.Escape || prev.checkOpts != p.f.checkOpts {
		return
	}
	p.reuse = make(map[int]*Instruction, len(prev.Instructions))
	for _, in := range prev.Instructions {
		if in.Command != nil && in.Node != nil && in.Trigger == nil {
			p.reuse[in.Node.StartLine] = in
		}
	}
}

// reused returns the previous instruction whose BuildKit node is the same
// as in's, or nil. BuildKit's instruction parser reads nothing but the
// node, so the same node gives the same command and warnings.
func (p *parse) reused(in *Instruction) *Instruction {
	if in.Trigger != nil {
		return nil
	}
	old := p.reuse[in.Node.StartLine]
	if old == nil {
		return nil
	}
	a, b := old.Node, in.Node
	if a.EndLine != b.EndLine || a.Original != b.Original || !slices.Equal(a.PrevComment, b.PrevComment) ||
		!slices.Equal(a.Heredocs, b.Heredocs) {
		return nil
	}
	return old
}

// applyCheckDirective applies "# check=skip=" and "# check=error=true"
// to the warnings of BuildKit's parser, as BuildKit's build does.
func (p *parse) applyCheckDirective(lint *linter.Linter) {
	ds := p.f.Diagnostics[:0]
	for _, d := range p.f.Diagnostics {
		if d.Code == linter.RuleNoEmptyContinuation.Name {
			if _, skip := lint.SkippedRules[d.Code]; skip || lint.SkipAll {
				continue
			}
			if lint.ReturnAsError {
				d.Severity = diag.Error
			}
		}
		ds = append(ds, d)
	}
	p.f.Diagnostics = ds
}

func (p *parse) lintWarnings(in *Instruction, asError bool) {
	for _, h := range p.hits {
		sev := diag.Warning
		if asError {
			sev = diag.Error
		}
		p.f.Diagnostics = append(p.f.Diagnostics, diag.Diagnostic{
			File: p.f.Source.Name, Range: lintRange(in, h.rule), Severity: sev, Code: h.rule,
			Source: Source, Message: h.msg, URL: h.url,
		})
	}
}

// lintRange narrows a rule's line range to the part of the instruction it
// is about.
func lintRange(in *Instruction, rule string) source.Range {
	switch rule {
	case linter.RuleStageNameCasing.Name:
		if len(in.Args) >= 3 {
			return in.Args[2].Range
		}
	case linter.RuleFromAsCasing.Name:
		if len(in.Args) >= 2 {
			return in.Args[1].Range
		}
	}
	return in.KeywordRange
}

var reFlagName = regexp.MustCompile(`--([A-Za-z0-9][A-Za-z0-9-]*)`)

// commandError reports an instruction BuildKit's instruction parser
// rejected, at the flag it names if any.
func (p *parse) commandError(in *Instruction, err error) {
	msg := message(err)
	var unknown *instructions.UnknownInstructionError
	if errors.As(err, &unknown) {
		p.report(in.KeywordRange, diag.Error, CodeUnknownInstruction, msg)
		return
	}
	p.report(problemRange(in, msg), diag.Error, CodeInvalidInstruction,
		fmt.Sprintf("%s: %s", in.Name(), msg))
}

// problemRange is the flag a message names, else the instruction without
// its heredoc bodies.
func problemRange(in *Instruction, msg string) source.Range {
	for _, m := range reFlagName.FindAllStringSubmatch(msg, -1) {
		if f, ok := in.Flag(m[1]); ok {
			return f.Range
		}
	}
	r := in.Range
	if len(in.Args) > 0 {
		r.End = in.Args[len(in.Args)-1].Range.End
	}
	for _, f := range in.Flags {
		if r.End.Before(f.Range.End) {
			r.End = f.Range.End
		}
	}
	if r.End.Before(in.KeywordRange.End) {
		r.End = in.KeywordRange.End
	}
	return r
}

// checkTrigger parses the instruction an ONBUILD registers: BuildKit only
// parses it in the builds that use the image, where it would fail.
func (p *parse) checkTrigger(in *Instruction, lint *linter.Linter) {
	t := in.Trigger
	if t == nil || in.Node.Next == nil || len(in.Node.Next.Children) == 0 {
		return
	}
	t.Node = in.Node.Next.Children[0]
	t.Node.StartLine, t.Node.EndLine = in.Node.StartLine, in.Node.EndLine
	t.Node.Heredocs = in.Node.Heredocs
	p.hits = p.hits[:0]
	cmd, err := instructions.ParseInstructionWithLinter(t.Node, lint)
	if err != nil {
		p.report(problemRange(t, message(err)), diag.Warning, CodeInvalidTrigger,
			fmt.Sprintf("ONBUILD %s: %s; builds based on this image will fail", t.Name(), message(err)))
		return
	}
	t.Command = cmd
}

// checkMounts validates the --mount values of a RUN.
func (p *parse) checkMounts(in *Instruction) {
	if _, ok := in.Command.(*instructions.RunCommand); !ok {
		return
	}
	for _, f := range in.Flags {
		if f.Name != "mount" {
			continue
		}
		if _, err := parseMount(f.Value); err != nil {
			p.report(f.ValueRange, diag.Error, CodeInvalidMount, fmt.Sprintf("RUN --mount: %v", err))
		}
	}
}

// stages groups the instructions into FROM sections. It works from the
// scanned tokens, so a broken file still has its stages.
func (p *parse) stages() {
	var cur *Stage
	for _, in := range p.f.Instructions {
		if strings.EqualFold(in.Keyword, "from") {
			cur = newStage(in, len(p.f.Stages))
			p.f.Stages = append(p.f.Stages, cur)
			in.Stage = cur.Index
			continue
		}
		if cur == nil {
			if !strings.EqualFold(in.Keyword, "arg") && in.Command != nil {
				p.report(in.KeywordRange, diag.Error, CodeNoStage,
					fmt.Sprintf("%s comes before the first FROM; only ARG may come before FROM", in.Name()))
			}
			continue
		}
		in.Stage = cur.Index
		cur.Instructions = append(cur.Instructions, in)
		cur.Range.End = in.Range.End
	}
}

func newStage(from *Instruction, index int) *Stage {
	st := &Stage{Index: index, From: from, Range: from.Range}
	if len(from.Args) > 0 {
		st.Base, st.BaseRange = from.Args[0].Value, from.Args[0].Range
	}
	if len(from.Args) >= 3 && strings.EqualFold(from.Args[1].Value, "as") {
		st.Name, st.NameRange = strings.ToLower(from.Args[2].Value), from.Args[2].Range
	}
	if f, ok := from.Flag("platform"); ok {
		st.Platform = f.Value
	}
	return st
}
