// Package zimage is the ZImagefile front end of the toolkit: it parses the
// YAML build format of the ZImagefile specification into a position-aware
// AST, validates it with the spec's rules (codes ZI001–ZI218), converts it
// into the shared stage plan for the runner, and renders a plan back as a
// ZImagefile for `zlayer convert`.
//
// Parse never fails: broken YAML is recovered line by line so that the
// language server keeps diagnostics, symbols and completion on a file that
// is being typed. Every key, value, stage and step carries its source range.
package zimage

import (
	"bytes"
	"time"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/schema"
	"github.com/zlayer/zlayer/source"
)

// Mode is the way a ZImagefile describes its image (spec §3).
type Mode int

// Modes. ModeUnknown means no mode key or several of them.
const (
	ModeUnknown Mode = iota
	ModeRuntime
	ModeSingleStage
	ModeMultiStage
	ModeWasm
)

func (m Mode) String() string {
	switch m {
	case ModeRuntime:
		return "runtime"
	case ModeSingleStage:
		return "single-stage"
	case ModeMultiStage:
		return "multi-stage"
	case ModeWasm:
		return "wasm"
	}
	return "unknown"
}

// Value is a scalar value (its scalar text) and where it is written.
type Value struct {
	Text string
	// KeyRange covers the key that holds the value; it is zero for list items.
	KeyRange source.Range
	// Range covers the value.
	Range source.Range
}

// Entry is the range of the key and its value together (the value alone for
// list items).
func (v *Value) Entry() source.Range { return entry(v.KeyRange, v.Range) }

func entry(key, value source.Range) source.Range {
	if key.IsZero() {
		return value
	}
	if value.End.Before(key.End) {
		value.End = key.End
	}
	return source.Range{Start: key.Start, End: value.End}
}

// Pair is one entry of a string map (env, labels, args).
type Pair struct {
	Key, Value string
	KeyRange   source.Range
	Range      source.Range // the value
}

// Map is a string map in source order.
type Map struct {
	KeyRange, Range source.Range
	Pairs           []Pair
}

// Entry is the range of the map's key and value together.
func (m *Map) Entry() source.Range { return entry(m.KeyRange, m.Range) }

// List is a list of strings (volumes, features).
type List struct {
	KeyRange, Range source.Range
	Items           []Value
}

// Command is a command in shell form (a string) or exec form (a list).
type Command struct {
	// Args is the exec form; in shell form it holds the one script.
	Args            []string
	Shell           bool
	KeyRange, Range source.Range
}

// Entry is the range of the command's key and value together.
func (c *Command) Entry() source.Range { return entry(c.KeyRange, c.Range) }

// Port is one exposed port.
type Port struct {
	Port  int
	Proto string // tcp, udp or sctp
	Range source.Range
}

// Expose is the expose key.
type Expose struct {
	KeyRange, Range source.Range
	Ports           []Port
}

// Duration is a healthcheck duration.
type Duration struct {
	Value
	D time.Duration
}

// Healthcheck is the healthcheck section.
type Healthcheck struct {
	KeyRange, Range                source.Range
	Cmd                            *Command
	Interval, Timeout, StartPeriod *Duration
	Retries                        *int64
}

// Entry is the range of the healthcheck key and its mapping.
func (h *Healthcheck) Entry() source.Range { return entry(h.KeyRange, h.Range) }

// Build is a build: directive (spec §6).
type Build struct {
	KeyRange, Range source.Range
	// Short reports the string form.
	Short   bool
	Context string // "" means the outer context
	File    string // "" means auto-discovery
	Args    []Pair
}

// CacheMount is one entry of a run step's cache list.
type CacheMount struct {
	Range               source.Range
	Target, ID, Sharing *Value
	ReadOnly            bool
}

// Step is one entry of a steps list.
type Step struct {
	Index int // 0-based position in its list
	Range source.Range
	// Action is run, copy, add, env, workdir or user; "" when the step has
	// no action or several.
	Action      string
	ActionRange source.Range // the action key
	// Run is the command of a run step.
	Run *Command
	// Sources are the sources of a copy or add step.
	Sources      []Value
	SourcesRange source.Range
	// Env is the map of an env step, or the transient env of a run step.
	Env                    *Map
	Workdir, User          *Value
	To, From, Owner, Chmod *Value
	Cache                  []CacheMount

	loc  string // the <loc> prefix of its messages
	node *node
}

// Image holds the image keys shared by the top level and stages.
type Image struct {
	Env             *Map
	Workdir         *Value
	Labels          *Map
	Expose          *Expose
	User            *Value
	Volumes         *List
	Healthcheck     *Healthcheck
	StopSignal      *Value
	Entrypoint, Cmd *Command
}

// Stage is one entry of the stages mapping.
type Stage struct {
	Index     int
	Name      string
	NameRange source.Range // the stage key
	Range     source.Range // key through the end of the stage's mapping
	Base      *Value
	Build     *Build
	Platform  *Value
	OS        *Value
	Args      *Map
	Steps     []*Step
	Image

	node *node
}

// Wasm is the wasm section (spec §7.12).
type Wasm struct {
	KeyRange, Range                                         source.Range
	Target, OptLevel, Language, Wit, World, Output, Adapter *Value
	Optimize, OCI                                           *bool
	Features                                                *List
	BuildArgs                                               *Map
	PreBuild, PostBuild                                     []*Command
}

// File is a parsed ZImagefile.
type File struct {
	Source      *source.File
	Diagnostics []diag.Diagnostic
	Mode        Mode

	Version, Runtime, Base *Value
	Build                  *Build
	Platform, OS           *Value
	Args                   *Map
	// Steps are the top-level steps (single-stage and runtime mode).
	Steps  []*Step
	Stages []*Stage
	Wasm   *Wasm
	Image

	// StagesRange covers the stages key.
	StagesRange source.Range
	// RuntimeWasm reports a runtime value of wasm or webassembly turned
	// into wasm mode (spec §3.2).
	RuntimeWasm bool

	root    *node
	blanked map[int]bool
	// pieced reports that root was parsed in pieces (parsePieces).
	pieced bool
}

// Parse parses and validates a ZImagefile. It never fails: problems are in
// the returned File's Diagnostics, and as much of the document as can be
// recovered is in its fields.
func Parse(name string, src []byte) *File {
	f := parse(name, src)
	// The go-yaml tree was needed for the schema only; an editor keeps a
	// File per open document, so let it go.
	f.root.dropYAML()
	return f
}

// parse is Parse keeping the go-yaml tree under the File's nodes.
func parse(name string, src []byte) *File {
	f := &File{Source: source.NewFile(name, src)}
	sf, bom := f.Source, 0
	if text := yamlText(src); len(text) < len(src) {
		// A byte-order mark is ignored: parse without it, then move the
		// positions of line 1 back behind it.
		sf, bom = source.NewFile(name, text), len(src)-len(text)
	}
	py := parseTolerant(sf)
	if bom > 0 {
		py.shiftFirstLine(bom)
	}
	f.root = py.root
	f.blanked, f.pieced = py.blanked, py.pieced
	// The schema validates the document while the rules check it: both
	// only read the tree.
	schemaErrs := make(chan []schema.Error, 1)
	go func() { schemaErrs <- f.schemaErrors() }()
	d := &decoder{f: f}
	for _, e := range py.errs {
		d.report(diag.Diagnostic{Range: source.Range{Start: e.pos, End: e.pos}, Severity: diag.Error, Code: "ZI001", Message: e.msg})
	}
	if py.extraDoc != nil {
		d.errorAt(*py.extraDoc, "ZI002", "deserializing from YAML containing more than one document is not supported")
	}
	d.file(py.root)
	validate(d)
	d.schemaCheck(<-schemaErrs)

	for i := range d.diags {
		d.diags[i].File = name
		d.diags[i].Source = "zimagefile"
		for j := range d.diags[i].Related {
			d.diags[i].Related[j].File = name
		}
	}
	diag.Sort(d.diags)
	f.Diagnostics = d.diags
	return f
}

// yamlText is the text of a file the YAML parser reads: without a
// byte-order mark.
func yamlText(src []byte) []byte { return bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF")) }

// HasErrors reports whether any diagnostic of the file is an error.
func (f *File) HasErrors() bool { return diag.HasError(f.Diagnostics) }

// IsZImagefileName reports whether a base name is a ZImagefile name (spec
// §1.3): ZImagefile, ZImagefile.<something>, or <something>.zimagefile.
func IsZImagefileName(base string) bool {
	const name, ext = "ZImagefile", ".zimagefile"
	switch {
	case base == name:
		return true
	case len(base) > len(name)+1 && base[:len(name)+1] == name+".":
		return true
	case len(base) > len(ext) && base[len(base)-len(ext):] == ext:
		return true
	}
	return false
}
