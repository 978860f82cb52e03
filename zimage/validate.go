package zimage

import (
	"fmt"
	"github.com/agext/levenshtein"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile/runtimes"
	"github.com/zlayer/zlayer/source"
)

// validate runs the rules that need more than one node at a time: keys
// (ZI005, ZI009), modes (ZI101–ZI105, ZI117, ZI207, ZI204), step values,
// stage references and variables.
func validate(d *decoder) {
	if d.f.root == nil || d.f.root.kind != kindMap {
		if d.f.root == nil || d.f.root.isNull() {
			d.noMode()
		}
		return
	}
	d.keys(d.f.root)
	d.version()
	d.mode()
	d.stageRules()
	d.allSteps(func(st *Step, stageIdx int, names []string) { d.stepRules(st, stageIdx, names) })
	d.variables()
	d.wasmRules()
}

// keys reports duplicate keys (ZI005) and merge keys (ZI009) in every
// mapping of the document. Aliased copies are skipped: their original is
// checked where it is defined.
func (d *decoder) keys(n *node) {
	if n == nil || n.alias {
		return
	}
	switch n.kind {
	case kindSeq:
		for _, it := range n.items {
			d.keys(it)
		}
	case kindMap:
		first := map[string]*pair{}
		for _, p := range n.pairs {
			d.keys(p.value)
			if p.merge {
				d.errorAt(p.key.rng, "ZI009", "merge keys (`<<`) are not supported")
				continue
			}
			f, seen := first[p.key.text]
			if !seen {
				first[p.key.text] = p
				continue
			}
			col := d.f.Source.RuneCol(f.key.rng.Start)
			d.report(diag.Diagnostic{Range: p.key.rng, Severity: diag.Error, Code: "ZI005",
				Message: fmt.Sprintf("duplicate key `%s`, first defined at line %d, column %d", p.key.text, f.key.rng.Start.Line, col),
				Related: []diag.Related{{Range: f.key.rng, Message: "first defined here"}}})
		}
	}
}

func (d *decoder) version() {
	if v := d.f.Version; v != nil && v.Text != "1" {
		d.errorAt(v.Range, "ZI101", fmt.Sprintf("unsupported version '%s', only version \"1\" is supported", v.Text))
	}
}

const modeMessage = "exactly one of 'runtime', 'wasm', 'stages', 'base', or 'build' must be set"

// noMode reports ZI102 unless recovery blanked a line that may have held
// the mode key.
func (d *decoder) noMode() {
	if len(d.f.blanked) > 0 {
		return
	}
	r := source.Range{Start: source.Pos{Line: 1}, End: source.Pos{Line: 1}}
	if root := d.f.root; root != nil && root.kind == kindMap && len(root.pairs) > 0 {
		r = root.pairs[0].key.rng
	}
	d.errorAt(r, "ZI102", modeMessage+", but none were found")
}

// mode decides the file's mode (spec §3) and reports what does not fit it.
func (d *decoder) mode() {
	f, root := d.f, d.f.root
	var present []*pair
	for _, k := range modeKeys {
		p := root.get(k)
		if p == nil || p.value.isNull() && k != "wasm" && k != "stages" {
			continue
		}
		present = append(present, p)
	}
	if f.Runtime != nil && root.get("wasm") == nil {
		if l := strings.ToLower(f.Runtime.Text); l == "wasm" || l == "webassembly" {
			f.RuntimeWasm = true
		}
	}
	if f.Runtime != nil && !f.RuntimeWasm {
		if _, ok := runtimes.Lookup(strings.ToLower(f.Runtime.Text)); !ok {
			var names []string
			for _, t := range runtimes.All() {
				names = append(names, t.Name)
				names = append(names, t.Aliases...)
			}
			d.report(diag.Diagnostic{Range: f.Runtime.Range, Severity: diag.Error, Code: "ZI117",
				Message: fmt.Sprintf("unknown runtime '%s' in ZImagefile", f.Runtime.Text), Related: didYouMean(f.Runtime.Range, f.Runtime.Text, names)})
		}
	}
	switch len(present) {
	case 0:
		d.noMode()
		return
	case 1:
	default:
		d.tooManyModes(present)
		return
	}
	switch present[0].key.text {
	case "runtime":
		f.Mode = ModeRuntime
		if f.RuntimeWasm {
			f.Mode = ModeWasm
		}
	case "wasm":
		f.Mode = ModeWasm
	case "stages":
		f.Mode = ModeMultiStage
	default:
		f.Mode = ModeSingleStage
	}
	d.ignoredKeys()
}

func (d *decoder) tooManyModes(present []*pair) {
	last := present[0]
	names := make([]string, len(present))
	for i, p := range present {
		names[i] = p.key.text
		if p.key.text == "runtime" && d.f.RuntimeWasm {
			names[i] = "wasm" // runtime: wasm stands for the wasm key (spec §3.2)
		}
		if last.key.rng.Start.Before(p.key.rng.Start) {
			last = p
		}
	}
	var rel []diag.Related
	for _, p := range present {
		if p != last {
			rel = append(rel, diag.Related{Range: p.key.rng, Message: fmt.Sprintf("'%s' is also set here", p.key.text)})
		}
	}
	d.report(diag.Diagnostic{Range: last.key.rng, Severity: diag.Error, Code: "ZI103",
		Message: modeMessage + ", but multiple were found: " + strings.Join(names, ", "), Related: rel})
}

// ignoredKeys warns about top-level keys without effect in the mode (ZI207).
func (d *decoder) ignoredKeys() {
	root := d.f.root
	switch d.f.Mode {
	case ModeMultiStage:
		if p := root.get("steps"); p != nil {
			d.warnAt(p.key.rng, "ZI207", "'steps' is ignored in multi-stage mode; move the steps into a stage")
		}
	case ModeWasm:
		for _, k := range []string{"steps", "platform", "os", "env", "workdir", "expose", "cmd", "entrypoint",
			"user", "volumes", "healthcheck", "stopsignal", "args"} {
			if p := root.get(k); p != nil {
				d.warnAt(p.key.rng, "ZI207", fmt.Sprintf("'%s' is ignored in wasm mode", k))
			}
		}
	}
}

// stageRules checks the stages map and each stage's base/build (ZI104,
// ZI105, ZI204) and stage references in bases (ZI201–ZI203).
func (d *decoder) stageRules() {
	f := d.f
	if p := f.root.get("stages"); p != nil && len(f.Stages) == 0 && (p.value.isNull() || p.value.kind == kindMap) {
		d.errorAt(p.key.rng, "ZI204", "'stages' must contain at least one stage")
	}
	names := stageNames(f.Stages)
	for _, st := range f.Stages {
		if st.node == nil || st.node.kind != kindMap {
			continue
		}
		base, build := st.node.get("base"), st.node.get("build")
		if base != nil && base.value.isNull() {
			base = nil
		}
		if build != nil && build.value.isNull() {
			build = nil
		}
		switch {
		case base == nil && build == nil:
			if !d.touchesBlanked(st.Range) {
				d.errorAt(st.NameRange, "ZI104", fmt.Sprintf("stage '%s': exactly one of 'base' or 'build' must be set, but neither was found", st.Name))
			}
		case base != nil && build != nil:
			later := base
			if base.key.rng.Start.Before(build.key.rng.Start) {
				later = build
			}
			d.errorAt(later.key.rng, "ZI105", fmt.Sprintf("stage '%s': 'base' and 'build' are mutually exclusive, but both were set", st.Name))
		}
		if st.Base != nil {
			d.stageRef(fmt.Sprintf("stage '%s': ", st.Name), "base", st.Base, st.Index, names, true)
		}
		if st.Platform != nil {
			d.platform(fmt.Sprintf("stage '%s': ", st.Name), st.Platform)
		}
	}
	if f.Platform != nil {
		d.platform("", f.Platform)
	}
}

func stageNames(stages []*Stage) []string {
	names := make([]string, len(stages))
	for i, s := range stages {
		names[i] = s.Name
	}
	return names
}

// allSteps calls fn for every step with the index of the stage it belongs
// to and the names of the stages it may refer to (nil: no stage checks).
func (d *decoder) allSteps(fn func(st *Step, stageIdx int, names []string)) {
	f := d.f
	var top []string
	stageIdx := 0
	if f.Mode == ModeRuntime && f.Runtime != nil {
		top = templateStageNames(f.Runtime.Text)
		stageIdx = len(top) - 1
	}
	for _, st := range f.Steps {
		fn(st, stageIdx, top)
	}
	names := stageNames(f.Stages)
	for _, stage := range f.Stages {
		for _, st := range stage.Steps {
			fn(st, stage.Index, names)
		}
	}
}

var reChmod = regexp.MustCompile(`^[0-7]{3,4}$`)

// stepRules checks the values of one step (ZI205, ZI208–ZI211, ZI217 and
// the stage reference in from).
func (d *decoder) stepRules(st *Step, stageIdx int, names []string) {
	switch st.Action {
	case "run":
		if st.Run != nil && (len(st.Run.Args) == 0 || st.Run.Shell && st.Run.Args[0] == "") {
			d.errorAt(st.Run.Range, "ZI208", st.loc+"'run' command must not be empty")
		}
	case "copy", "add":
		if st.Sources != nil && (len(st.Sources) == 0 || len(st.Sources) == 1 && st.Sources[0].Range == st.SourcesRange && st.Sources[0].Text == "") {
			d.errorAt(st.SourcesRange, "ZI209", fmt.Sprintf("%s'%s' step must have at least one source", st.loc, st.Action))
		}
		if st.Chmod != nil && !strings.Contains(st.Chmod.Text, "$") && !reChmod.MatchString(st.Chmod.Text) {
			d.errorAt(st.Chmod.Range, "ZI211", fmt.Sprintf("%sinvalid 'chmod' value '%s', expected an octal mode such as '755' or '0644'", st.loc, st.Chmod.Text))
		}
		if st.From != nil && st.Action == "add" {
			for _, s := range st.Sources {
				if isURL(s.Text) {
					d.warnAt(s.Range, "ZI217", fmt.Sprintf("%s'from' has no effect on URL source '%s'", st.loc, s.Text))
				}
			}
		}
		if st.From != nil && names != nil {
			d.stageRef(st.loc, "from", st.From, stageIdx, names, false)
		}
	}
	targets := map[string]bool{}
	for _, c := range st.Cache {
		if c.Sharing != nil && c.Sharing.Text != "shared" && c.Sharing.Text != "locked" && c.Sharing.Text != "private" {
			d.errorAt(c.Sharing.Range, "ZI205", fmt.Sprintf("%scache.sharing must be one of [\"locked\", \"shared\", \"private\"], got '%s'", st.loc, c.Sharing.Text))
		}
		if c.Target == nil {
			continue
		}
		key := c.Target.Text
		if !strings.Contains(key, "$") {
			key = path.Clean(key)
		}
		if targets[key] {
			d.errorAt(c.Target.Range, "ZI210", fmt.Sprintf("%sduplicate cache target '%s'", st.loc, c.Target.Text))
		}
		targets[key] = true
	}
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

// stageRef checks a stage base or a from value (spec §4.3).
func (d *decoder) stageRef(loc, field string, v *Value, self int, names []string, isBase bool) {
	s := v.Text
	if isBase && strings.EqualFold(s, "scratch") || strings.Contains(s, "$") {
		return
	}
	idx := slices.Index(names, s)
	if idx < 0 && !isBase && isDigits(s) {
		if n, err := strconv.Atoi(s); err == nil && n < len(names) {
			idx = n
		}
	}
	if idx >= 0 {
		name := names[idx]
		if name == "" {
			name = strconv.Itoa(idx)
		}
		switch {
		case idx == self:
			d.errorAt(v.Range, "ZI201", fmt.Sprintf("%s'%s' refers to stage '%s' itself; only earlier stages can be referenced", loc, field, name))
		case idx > self:
			d.errorAt(v.Range, "ZI202", fmt.Sprintf("%s'%s' refers to stage '%s', which is defined later; only earlier stages can be referenced", loc, field, name))
		}
		return
	}
	if strings.ContainsAny(s, "/:@$") {
		return
	}
	best, bestDist := "", 3
	for i := 0; i < self && i < len(names); i++ {
		if names[i] == "" {
			continue
		}
		if dist := levenshtein.Distance(s, names[i], nil); dist >= 1 && dist < bestDist {
			best, bestDist = names[i], dist
		}
	}
	if best != "" {
		d.warnAt(v.Range, "ZI203", fmt.Sprintf("%s'%s' is not a stage and will be used as an image; did you mean stage '%s'?", loc, s, best))
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var rePlatform = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+){0,2}$`)

func (d *decoder) platform(loc string, v *Value) {
	if strings.Contains(v.Text, "$") || rePlatform.MatchString(v.Text) {
		return
	}
	d.errorAt(v.Range, "ZI212", fmt.Sprintf("%sinvalid platform '%s', expected '<os>[/<arch>[/<variant>]]'", loc, v.Text))
}

func (d *decoder) wasmRules() {
	w := d.f.Wasm
	if w == nil {
		return
	}
	check := func(v *Value, field string, allowed []string) {
		if v == nil || slices.Contains(allowed, v.Text) {
			return
		}
		quoted := make([]string, len(allowed))
		for i, a := range allowed {
			quoted[i] = strconv.Quote(a)
		}
		d.errorAt(v.Range, map[string]string{"target": "ZI113", "world": "ZI114", "opt_level": "ZI115", "language": "ZI116"}[field],
			fmt.Sprintf("wasm.%s must be one of [%s], got '%s'", field, strings.Join(quoted, ", "), v.Text))
	}
	check(w.Target, "target", []string{"preview1", "preview2"})
	check(w.World, "world", []string{"zlayer-plugin", "zlayer-http-handler", "zlayer-transformer", "zlayer-authenticator", "zlayer-rate-limiter", "zlayer-middleware", "zlayer-router"})
	check(w.OptLevel, "opt_level", []string{"O", "Os", "Oz", "O2", "O3"})
	check(w.Language, "language", []string{"rust", "go", "python", "typescript", "assemblyscript", "c", "zig"})
}
