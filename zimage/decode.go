package zimage

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// Accepted keys per mapping, in the order ZI003 lists them (spec §2.3).
var (
	topKeys = []string{"version", "runtime", "base", "build", "steps", "platform", "os", "stages", "wasm",
		"env", "workdir", "expose", "cmd", "entrypoint", "user", "labels", "volumes", "healthcheck", "stopsignal", "args"}
	stageKeys = []string{"base", "build", "platform", "os", "args", "env", "workdir", "steps", "labels", "expose",
		"user", "entrypoint", "cmd", "volumes", "healthcheck", "stopsignal"}
	stepKeys        = []string{"run", "copy", "add", "env", "workdir", "user", "to", "from", "owner", "chmod", "cache"}
	cacheKeys       = []string{"target", "id", "sharing", "readonly"}
	healthcheckKeys = []string{"cmd", "interval", "timeout", "start_period", "retries"}
	wasmKeys        = []string{"target", "optimize", "opt_level", "language", "wit", "world", "output", "features",
		"build_args", "pre_build", "post_build", "adapter", "oci"}
	modeKeys   = []string{"runtime", "wasm", "stages", "base", "build"}
	actionKeys = []string{"run", "copy", "add", "env", "workdir", "user"}
)

// Expected-type phrases of ZI006 (spec §8.2).
const (
	expMapping    = "a mapping"
	expString     = "a string"
	expCommand    = "a string or a list of strings"
	expStringMap  = "a map of strings"
	expStringList = "a list of strings"
	expStages     = "a map of stages"
	expSteps      = "a list of steps"
	expCache      = "a list of cache mounts"
	expCommands   = "a list of commands"
	expExpose     = "a port number or a list of port specs"
	expExposeItem = `a port number or a "port/protocol" string`
	expBuild      = "a path string or a mapping"
	expU32        = "an integer between 0 and 4294967295"
	expBool       = "a boolean"
	expPort       = "a port number between 0 and 65535"
)

// decoder turns the node tree into the File model, reporting structural
// problems as it goes.
type decoder struct {
	f     *File
	diags []diag.Diagnostic
}

func (d *decoder) report(dg diag.Diagnostic) {
	d.diags = append(d.diags, dg)
}

func (d *decoder) errorAt(r source.Range, code, msg string) {
	d.report(diag.Diagnostic{Range: r, Severity: diag.Error, Code: code, Message: msg})
}

func (d *decoder) warnAt(r source.Range, code, msg string) {
	d.report(diag.Diagnostic{Range: r, Severity: diag.Warning, Code: code, Message: msg})
}

// found describes a node as serde does in "invalid type" messages.
func found(n *node) string {
	if n == nil {
		return "unit value"
	}
	switch n.kind {
	case kindMap:
		return "map"
	case kindSeq:
		return "sequence"
	}
	switch n.typ {
	case typeNull:
		return "unit value"
	case typeBool:
		return fmt.Sprintf("boolean `%s`", strings.ToLower(n.text))
	case typeInt:
		if v, ok := intValue(n.text); ok {
			return fmt.Sprintf("integer `%s`", v)
		}
		return fmt.Sprintf("integer `%s`", n.text)
	case typeFloat:
		return fmt.Sprintf("floating point `%s`", floatText(n.text))
	}
	return "string " + quoteText(n.text)
}

// intValue is the decimal value of a YAML 1.2 core integer.
func intValue(s string) (string, bool) {
	base, digits, neg := 10, s, false
	switch {
	case strings.HasPrefix(s, "0o"):
		base, digits = 8, s[2:]
	case strings.HasPrefix(s, "0x"):
		base, digits = 16, s[2:]
	case strings.HasPrefix(s, "-"):
		neg, digits = true, s[1:]
	case strings.HasPrefix(s, "+"):
		digits = s[1:]
	}
	b, ok := new(big.Int).SetString(digits, base)
	if !ok || digits == "" || strings.ContainsAny(digits, "+-_") {
		return "", false
	}
	v := b.String()
	if neg && v != "0" {
		v = "-" + v
	}
	return v, true
}

// floatText formats a float the way serde prints it: shortest form, always
// with a decimal point.
func floatText(s string) string {
	switch strings.TrimLeft(s, "+-") {
	case ".inf", ".Inf", ".INF":
		if strings.HasPrefix(s, "-") {
			return "-inf"
		}
		return "inf"
	case ".nan", ".NaN", ".NAN":
		return "NaN"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	if math.IsInf(f, 0) {
		if f < 0 {
			return "-inf"
		}
		return "inf"
	}
	out := strconv.FormatFloat(f, 'f', -1, 64)
	if math.Abs(f) >= 1e16 || (f != 0 && math.Abs(f) < 1e-5) {
		out = strconv.FormatFloat(f, 'e', -1, 64)
	}
	if !strings.ContainsAny(out, ".e") {
		out += ".0"
	}
	return out
}

// quoteText writes s in double quotes with ", \ and control characters
// escaped, as Rust's Debug formatting of strings does.
func quoteText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u{%x}`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (d *decoder) typeError(n *node, expected string) {
	d.errorAt(n.rng, "ZI006", fmt.Sprintf("invalid type: %s, expected %s", found(n), expected))
}

// fieldSet holds the winning entries of a mapping with accepted keys.
// Mappings of a ZImagefile have a handful of keys, which a slice finds
// faster than a map.
type fieldSet []*pair

// get returns the entry with key k, or nil.
func (fs fieldSet) get(k string) *pair {
	for _, p := range fs {
		if p.key.text == k {
			return p
		}
	}
	return nil
}

// fields checks the keys of a mapping against the accepted ones and returns
// the winning entries.
func (d *decoder) fields(m *node, accepted []string) fieldSet {
	out := make(fieldSet, 0, len(m.pairs))
	for _, p := range m.pairs {
		if p.shadowed || p.merge {
			continue
		}
		if !contains(accepted, p.key.text) {
			d.report(diag.Diagnostic{Range: p.key.rng, Severity: diag.Error, Code: "ZI003",
				Message: unknownField(p.key.text, accepted), Related: didYouMean(p.key.rng, p.key.text, accepted)})
			continue
		}
		out = append(out, p)
	}
	return out
}

// didYouMean suggests the candidate closest to a misspelt word (edit
// distance 1 or 2) as related information at the word itself, since the
// message text of ZI003 and ZI117 is fixed by the spec.
func didYouMean(r source.Range, word string, candidates []string) []diag.Related {
	best, bestDist := "", 3
	for _, c := range candidates {
		if dist := levenshtein.Distance(strings.ToLower(word), c, nil); dist >= 1 && dist < bestDist {
			best, bestDist = c, dist
		}
	}
	if best == "" {
		return nil
	}
	return []diag.Related{{Range: r, Message: fmt.Sprintf("did you mean `%s`?", best)}}
}

func unknownField(key string, accepted []string) string {
	quoted := make([]string, len(accepted))
	for i, k := range accepted {
		quoted[i] = "`" + k + "`"
	}
	return fmt.Sprintf("unknown field `%s`, expected one of %s", key, strings.Join(quoted, ", "))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// str decodes a string position: any scalar is accepted verbatim; null
// means absent.
func (d *decoder) str(p *pair) *Value {
	if p == nil || p.value.isNull() {
		return nil
	}
	if p.value.kind != kindScalar {
		d.typeError(p.value, expString)
		return nil
	}
	return &Value{Text: p.value.text, KeyRange: p.key.rng, Range: p.value.rng}
}

// strictString accepts only a scalar whose resolved type is string.
func (d *decoder) strictString(n *node, expected string) (string, bool) {
	if n.kind != kindScalar || n.typ != typeString {
		d.typeError(n, expected)
		return "", false
	}
	return n.text, true
}

// command decodes a command position (string = shell form, list = exec form).
func (d *decoder) command(p *pair) *Command {
	if p == nil || p.value.isNull() {
		return nil
	}
	return d.commandNode(p.value, p.key.rng)
}

func (d *decoder) commandNode(n *node, key source.Range) *Command {
	c := &Command{KeyRange: key, Range: n.rng}
	switch {
	case n.kind == kindScalar && n.typ == typeString:
		c.Shell, c.Args = true, []string{n.text}
	case n.kind == kindSeq:
		ok := true
		c.Args = []string{}
		for _, it := range n.items {
			s, good := d.strictString(it, expString)
			ok = ok && good
			c.Args = append(c.Args, s)
		}
		if !ok {
			return nil
		}
	default:
		d.typeError(n, expCommand)
		return nil
	}
	return c
}

// stringMap decodes env, labels, args and the like.
func (d *decoder) stringMap(p *pair) *Map {
	if p == nil {
		return nil
	}
	m := &Map{KeyRange: p.key.rng, Range: p.value.rng}
	if p.value.isNull() {
		return m
	}
	if p.value.kind != kindMap {
		d.typeError(p.value, expStringMap)
		return nil
	}
	for _, e := range p.value.entries() {
		if e.key.kind != kindScalar {
			d.typeError(e.key, expString)
			continue
		}
		switch {
		case e.value.isNull():
			m.Pairs = append(m.Pairs, Pair{Key: e.key.text, KeyRange: e.key.rng, Range: e.value.rng})
		case e.value.kind != kindScalar:
			d.typeError(e.value, expString)
		default:
			m.Pairs = append(m.Pairs, Pair{Key: e.key.text, Value: e.value.text, KeyRange: e.key.rng, Range: e.value.rng})
		}
	}
	return m
}

// stringList decodes volumes and features.
func (d *decoder) stringList(p *pair) *List {
	if p == nil {
		return nil
	}
	l := &List{KeyRange: p.key.rng, Range: p.value.rng}
	if p.value.isNull() {
		return l
	}
	if p.value.kind != kindSeq {
		d.typeError(p.value, expStringList)
		return nil
	}
	for _, it := range p.value.items {
		if it.kind != kindScalar {
			d.typeError(it, expString)
			continue
		}
		l.Items = append(l.Items, Value{Text: it.text, Range: it.rng})
	}
	return l
}

func (d *decoder) boolean(p *pair) *bool {
	if p == nil || p.value.isNull() {
		return nil
	}
	if p.value.kind != kindScalar || p.value.typ != typeBool {
		d.typeError(p.value, expBool)
		return nil
	}
	b := strings.EqualFold(p.value.text, "true")
	return &b
}

// mapping checks that a node is a mapping (null counts as an empty one when
// nullOK).
func (d *decoder) mapping(n *node, nullOK bool) bool {
	if n.kind == kindMap {
		return true
	}
	if nullOK && n.isNull() {
		return false
	}
	d.typeError(n, expMapping)
	return false
}

// file decodes the root mapping.
func (d *decoder) file(root *node) {
	f := d.f
	if root == nil || root.isNull() {
		return
	}
	if root.kind != kindMap {
		d.typeError(root, expMapping)
		return
	}
	fs := d.fields(root, topKeys)
	f.Version = d.str(fs.get("version"))
	f.Runtime = d.str(fs.get("runtime"))
	f.Base = d.str(fs.get("base"))
	f.Build = d.build(fs.get("build"))
	f.Platform = d.str(fs.get("platform"))
	f.OS = d.osValue(fs.get("os"))
	f.Args = d.stringMap(fs.get("args"))
	f.Image = d.image(fs)
	if p := fs.get("steps"); p != nil {
		f.Steps = d.steps(p, func(n int) string { return "step " + strconv.Itoa(n) + ": " })
	}
	if p := fs.get("stages"); p != nil {
		f.StagesRange = p.key.rng
		f.Stages = d.stages(p)
	}
	if p := fs.get("wasm"); p != nil {
		f.Wasm = d.wasm(p)
	}
}

// image decodes the image keys shared by the top level and stages.
func (d *decoder) image(fs fieldSet) Image {
	return Image{
		Env:         d.stringMap(fs.get("env")),
		Workdir:     d.str(fs.get("workdir")),
		Labels:      d.stringMap(fs.get("labels")),
		Expose:      d.expose(fs.get("expose")),
		User:        d.str(fs.get("user")),
		Volumes:     d.stringList(fs.get("volumes")),
		Healthcheck: d.healthcheck(fs.get("healthcheck")),
		StopSignal:  d.str(fs.get("stopsignal")),
		Entrypoint:  d.command(fs.get("entrypoint")),
		Cmd:         d.command(fs.get("cmd")),
	}
}

func (d *decoder) osValue(p *pair) *Value {
	v := d.str(p)
	if v != nil && v.Text != "linux" && v.Text != "windows" {
		d.errorAt(v.Range, "ZI008", fmt.Sprintf("unknown variant `%s`, expected `linux` or `windows`", v.Text))
		return nil
	}
	return v
}

func (d *decoder) build(p *pair) *Build {
	if p == nil || p.value.isNull() {
		return nil
	}
	b := &Build{KeyRange: p.key.rng, Range: p.value.rng}
	switch n := p.value; {
	case n.kind == kindScalar:
		s, ok := d.strictString(n, expBuild)
		if !ok {
			return nil
		}
		b.Short, b.Context = true, s
	case n.kind == kindMap:
		var first *pair
		for _, e := range n.entries() {
			switch e.key.text {
			case "context", "workdir":
				if first != nil {
					pos := d.f.Source.RuneCol(first.key.rng.Start)
					d.report(diag.Diagnostic{Range: e.key.rng, Severity: diag.Error, Code: "ZI005",
						Message: fmt.Sprintf("duplicate key `%s`, first defined at line %d, column %d", e.key.text, first.key.rng.Start.Line, pos),
						Related: []diag.Related{{Range: first.key.rng, Message: "first defined here"}}})
					continue
				}
				first = e
				if v := d.str(e); v != nil {
					b.Context = v.Text
				}
			case "file":
				if v := d.str(e); v != nil {
					b.File = v.Text
				}
			case "args":
				if m := d.stringMap(e); m != nil {
					b.Args = m.Pairs
				}
			default:
				d.warnAt(e.key.rng, "ZI010", fmt.Sprintf("unknown field `%s` in 'build' is ignored, expected one of `workdir`, `context`, `file`, `args`", e.key.text))
			}
		}
	default:
		d.typeError(n, expBuild)
		return nil
	}
	return b
}

func (d *decoder) expose(p *pair) *Expose {
	if p == nil || p.value.isNull() {
		return nil
	}
	e := &Expose{KeyRange: p.key.rng, Range: p.value.rng}
	n := p.value
	switch {
	case n.kind == kindScalar && n.typ == typeInt:
		port, ok := d.port(n)
		if !ok {
			return nil
		}
		e.Ports = []Port{{Port: port, Proto: "tcp", Range: n.rng}}
	case n.kind == kindSeq:
		for _, it := range n.items {
			if port, ok := d.exposeItem(it); ok {
				e.Ports = append(e.Ports, port)
			}
		}
	default:
		d.typeError(n, expExpose)
		return nil
	}
	return e
}

func (d *decoder) port(n *node) (int, bool) {
	v, _ := intValue(n.text)
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil || i < 0 || i > 65535 {
		d.errorAt(n.rng, "ZI007", fmt.Sprintf("invalid value: integer `%s`, expected %s", v, expPort))
		return 0, false
	}
	return int(i), true
}

func (d *decoder) exposeItem(n *node) (Port, bool) {
	switch {
	case n.kind == kindScalar && n.typ == typeInt:
		port, ok := d.port(n)
		return Port{Port: port, Proto: "tcp", Range: n.rng}, ok
	case n.kind == kindScalar && n.typ == typeString:
		num, proto, ok := strings.Cut(n.text, "/")
		if !ok {
			d.errorAt(n.rng, "ZI118", fmt.Sprintf("invalid port spec '%s', expected format '<port>/<protocol>'", n.text))
			return Port{}, false
		}
		port, good := parsePort(num)
		if !good {
			d.errorAt(n.rng, "ZI119", fmt.Sprintf("invalid port number: '%s'", num))
			return Port{}, false
		}
		lp := strings.ToLower(proto)
		if lp != "tcp" && lp != "udp" && lp != "sctp" {
			d.errorAt(n.rng, "ZI206", fmt.Sprintf("invalid protocol '%s' in port spec '%s', expected 'tcp', 'udp' or 'sctp'", proto, n.text))
			return Port{}, false
		}
		return Port{Port: port, Proto: lp, Range: n.rng}, true
	}
	d.typeError(n, expExposeItem)
	return Port{}, false
}

// parsePort parses decimal digits with an optional leading + into 0–65535,
// as Rust's u16 parser does.
func parsePort(s string) (int, bool) {
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 16)
	return int(v), err == nil
}

func (d *decoder) healthcheck(p *pair) *Healthcheck {
	if p == nil || p.value.isNull() {
		return nil
	}
	if !d.mapping(p.value, false) {
		return nil
	}
	h := &Healthcheck{KeyRange: p.key.rng, Range: p.value.rng}
	fs := d.fields(p.value, healthcheckKeys)
	h.Cmd = d.command(fs.get("cmd"))
	if q := fs.get("cmd"); q == nil || q.value.isNull() {
		d.errorAt(p.value.rng, "ZI004", "missing field `cmd`")
	}
	h.Interval = d.duration(fs.get("interval"), "interval")
	h.Timeout = d.duration(fs.get("timeout"), "timeout")
	h.StartPeriod = d.duration(fs.get("start_period"), "start_period")
	if q := fs.get("retries"); q != nil && !q.value.isNull() {
		h.Retries = d.u32(q.value)
	}
	return h
}

func (d *decoder) u32(n *node) *int64 {
	if n.kind != kindScalar || n.typ != typeInt {
		d.typeError(n, expU32)
		return nil
	}
	v, _ := intValue(n.text)
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil || i < 0 || i > math.MaxUint32 {
		d.errorAt(n.rng, "ZI007", fmt.Sprintf("invalid value: integer `%s`, expected %s", v, expU32))
		return nil
	}
	return &i
}

func (d *decoder) duration(p *pair, field string) *Duration {
	v := d.str(p)
	if v == nil {
		return nil
	}
	dur, err := ParseDuration(v.Text)
	if err != nil {
		d.errorAt(v.Range, "ZI120", fmt.Sprintf("invalid healthcheck %s '%s': %v", field, v.Text, err))
		return nil
	}
	return &Duration{Value: *v, D: dur}
}

func (d *decoder) stages(p *pair) []*Stage {
	n := p.value
	if n.isNull() {
		return nil
	}
	if n.kind != kindMap {
		d.typeError(n, expStages)
		return nil
	}
	var out []*Stage
	for _, e := range n.entries() {
		st := &Stage{Index: len(out), Name: e.key.text, NameRange: e.key.rng, Range: e.rangeOf()}
		out = append(out, st)
		st.node = e.value
		if !d.mapping(e.value, false) {
			continue
		}
		fs := d.fields(e.value, stageKeys)
		st.Base = d.str(fs.get("base"))
		st.Build = d.build(fs.get("build"))
		st.Platform = d.str(fs.get("platform"))
		st.OS = d.osValue(fs.get("os"))
		st.Args = d.stringMap(fs.get("args"))
		st.Image = d.image(fs)
		if q := fs.get("steps"); q != nil {
			name := st.Name
			st.Steps = d.steps(q, func(n int) string { return "stage '" + name + "', step " + strconv.Itoa(n) + ": " })
		}
	}
	return out
}

func (d *decoder) steps(p *pair, loc func(int) string) []*Step {
	n := p.value
	if n.isNull() {
		return nil
	}
	if n.kind != kindSeq {
		d.typeError(n, expSteps)
		return nil
	}
	out := make([]*Step, 0, len(n.items))
	for i, it := range n.items {
		st := &Step{Index: i, Range: it.rng, loc: loc(i + 1), node: it}
		out = append(out, st)
		if !d.mapping(it, false) {
			continue
		}
		d.step(st, it)
	}
	return out
}

// step decodes one step and runs the per-step checks of spec §5.3.
func (d *decoder) step(st *Step, n *node) {
	fs := d.fields(n, stepKeys)
	present := func(k string) *pair {
		if p := fs.get(k); p != nil && !p.value.isNull() {
			return p
		}
		return nil
	}
	var actions []*pair
	for _, k := range actionKeys {
		if p := present(k); p != nil && !(k == "env" && present("run") != nil) {
			actions = append(actions, p)
		}
	}
	switch len(actions) {
	case 0:
		if !d.touchesBlanked(n.rng) {
			d.errorAt(n.rng, "ZI106", st.loc+"step must have exactly one instruction type (run, copy, add, env, workdir, user), but none were found")
		}
	case 1:
		st.Action = actions[0].key.text
		st.ActionRange = actions[0].key.rng
	default:
		last := actions[0]
		names := make([]string, len(actions))
		for i, a := range actions {
			names[i] = a.key.text
			if last.key.rng.Start.Before(a.key.rng.Start) {
				last = a
			}
		}
		var rel []diag.Related
		for _, a := range actions {
			if a != last {
				rel = append(rel, diag.Related{Range: a.key.rng, Message: fmt.Sprintf("'%s' is also set here", a.key.text)})
			}
		}
		d.report(diag.Diagnostic{Range: last.key.rng, Severity: diag.Error, Code: "ZI107",
			Message: st.loc + "step must have exactly one instruction type, but multiple were found: " + strings.Join(names, ", "),
			Related: rel})
	}
	d.stepValues(st, fs)
	if st.Action != "" {
		d.stepModifiers(st, fs)
	}
}

func (d *decoder) stepValues(st *Step, fs fieldSet) {
	st.Run = d.command(fs.get("run"))
	for _, k := range []string{"copy", "add"} {
		if p := fs.get(k); p != nil && !p.value.isNull() && (st.Action == k || st.Action == "") {
			st.Sources, st.SourcesRange = d.sources(p)
		}
	}
	st.Env = d.stringMap(fs.get("env"))
	st.Workdir = d.str(fs.get("workdir"))
	st.User = d.str(fs.get("user"))
	st.To = d.str(fs.get("to"))
	st.From = d.str(fs.get("from"))
	st.Owner = d.str(fs.get("owner"))
	st.Chmod = d.str(fs.get("chmod"))
	if p := fs.get("cache"); p != nil {
		st.Cache = d.cache(p)
	}
}

func (d *decoder) sources(p *pair) ([]Value, source.Range) {
	n := p.value
	switch {
	case n.kind == kindScalar && n.typ == typeString:
		return []Value{{Text: n.text, Range: n.rng}}, n.rng
	case n.kind == kindSeq:
		out := []Value{}
		for _, it := range n.items {
			if s, ok := d.strictString(it, expString); ok {
				out = append(out, Value{Text: s, Range: it.rng})
			}
		}
		return out, n.rng
	}
	d.typeError(n, expCommand)
	return nil, n.rng
}

// stepModifiers reports modifiers that the step's action does not allow.
func (d *decoder) stepModifiers(st *Step, fs fieldSet) {
	copyLike := st.Action == "copy" || st.Action == "add"
	has := func(k string) *pair {
		if p := fs.get(k); p != nil && !p.value.isNull() {
			return p
		}
		return nil
	}
	if copyLike && has("to") == nil {
		d.errorAt(st.ActionRange, "ZI108", fmt.Sprintf("%s'%s' step must have a 'to' field", st.loc, st.Action))
	}
	if p := has("cache"); p != nil && st.Action != "run" && len(st.Cache) > 0 {
		d.errorAt(p.key.rng, "ZI109", fmt.Sprintf("%s'cache' is only valid on 'run' steps, not '%s'", st.loc, st.Action))
	}
	for _, m := range []struct{ key, code string }{{"from", "ZI110"}, {"owner", "ZI111"}, {"chmod", "ZI112"}} {
		if p := has(m.key); p != nil && !copyLike {
			d.errorAt(p.key.rng, m.code, fmt.Sprintf("%s'%s' is only valid on 'copy'/'add' steps, not '%s'", st.loc, m.key, st.Action))
		}
	}
	if p := has("to"); p != nil && !copyLike {
		d.warnAt(p.key.rng, "ZI218", fmt.Sprintf("%s'to' is only valid on 'copy'/'add' steps and is ignored on '%s'", st.loc, st.Action))
	}
}

func (d *decoder) cache(p *pair) []CacheMount {
	n := p.value
	if n.isNull() {
		return nil
	}
	if n.kind != kindSeq {
		d.typeError(n, expCache)
		return nil
	}
	var out []CacheMount
	for _, it := range n.items {
		if !d.mapping(it, false) {
			continue
		}
		fs := d.fields(it, cacheKeys)
		c := CacheMount{Range: it.rng}
		c.Target = d.str(fs.get("target"))
		if c.Target == nil {
			if q := fs.get("target"); q == nil || q.value.isNull() {
				d.errorAt(it.rng, "ZI004", "missing field `target`")
			}
		}
		c.ID = d.str(fs.get("id"))
		c.Sharing = d.str(fs.get("sharing"))
		if b := d.boolean(fs.get("readonly")); b != nil {
			c.ReadOnly = *b
		}
		out = append(out, c)
	}
	return out
}

func (d *decoder) wasm(p *pair) *Wasm {
	w := &Wasm{KeyRange: p.key.rng, Range: p.value.rng}
	if !d.mapping(p.value, true) {
		return w
	}
	fs := d.fields(p.value, wasmKeys)
	w.Target = d.str(fs.get("target"))
	w.Optimize = d.boolean(fs.get("optimize"))
	w.OptLevel = d.str(fs.get("opt_level"))
	w.Language = d.str(fs.get("language"))
	w.Wit = d.str(fs.get("wit"))
	w.World = d.str(fs.get("world"))
	w.Output = d.str(fs.get("output"))
	w.Features = d.stringList(fs.get("features"))
	w.BuildArgs = d.stringMap(fs.get("build_args"))
	w.PreBuild = d.commandList(fs.get("pre_build"))
	w.PostBuild = d.commandList(fs.get("post_build"))
	w.Adapter = d.str(fs.get("adapter"))
	w.OCI = d.boolean(fs.get("oci"))
	return w
}

func (d *decoder) commandList(p *pair) []*Command {
	if p == nil || p.value.isNull() {
		return nil
	}
	if p.value.kind != kindSeq {
		d.typeError(p.value, expCommands)
		return nil
	}
	var out []*Command
	for _, it := range p.value.items {
		if c := d.commandNode(it, source.Range{}); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// touchesBlanked reports whether a line blanked during recovery lies within
// r or on the line after it: "missing" checks are skipped there, since the
// missing part may be the broken line.
func (d *decoder) touchesBlanked(r source.Range) bool {
	for l := range d.f.blanked {
		if l >= r.Start.Line && l <= r.End.Line+1 {
			return true
		}
	}
	return false
}
