package lsp

import (
	"bytes"
	"fmt"
	"math"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/dockerfile/lint"
	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/source"
	"github.com/zlayer/zlayer/zimage"
)

// snapshot is the analysis of one generation of a document: the parse
// result shared by every feature.
type snapshot struct {
	gen     uint64
	version int32
	lang    language
	file    *source.File
	// skipped is set when the document was too large or binary to analyse.
	skipped bool
	// diags are the published diagnostics: parser, lint and context
	// checks, after suppression comments and lint.rules.
	diags []diag.Diagnostic
	// df is the parsed Dockerfile (lang == langDockerfile).
	df *dockerfile.File
	// zf is the parsed ZImagefile (lang == langZImagefile).
	zf *zimage.File
	// outline is the language-neutral view (never nil).
	outline *outline
	// settings are the settings the snapshot was computed with.
	settings Settings
}

// analyze parses text with the shared front end for its language and
// computes everything the features need.
func (s *Server) analyze(d *document, text []byte, version int32, gen uint64) *snapshot {
	return s.reanalyze(d, text, version, gen, nil)
}

// reanalyze is analyze after an edit of the text prev was computed from
// (prev may be nil): a Dockerfile's unchanged instructions keep BuildKit's
// parse of them.
func (s *Server) reanalyze(d *document, text []byte, version int32, gen uint64, prev *snapshot) *snapshot {
	snap := analyzeEdit(d.path, d.lang, text, s.currentSettings(), s.opts.MaxDocumentSize, prev)
	snap.gen, snap.version = gen, version
	return snap
}

// Check returns the diagnostics the server publishes for the build file at
// path with the given text and settings: parser, lint rules and checks
// against the build context, after suppression comments and lint.rules.
// `zlayer check` reports exactly these. Files are told apart as the
// builder's -f option does (spec §1.4): a ZImagefile name or a .yml/.yaml
// extension is a ZImagefile, anything else a Dockerfile.
func Check(path string, text []byte, settings Settings) []diag.Diagnostic {
	lang := langDockerfile
	if runner.IsZImagefilePath(path) {
		lang = langZImagefile
	}
	return analyzeText(path, lang, text, settings, math.MaxInt).diags
}

// analyzeText parses text with the shared front end for lang and computes
// everything the features need.
func analyzeText(path string, lang language, text []byte, settings Settings, maxSize int) *snapshot {
	return analyzeEdit(path, lang, text, settings, maxSize, nil)
}

// analyzeEdit is analyzeText after an edit of the text prev was computed
// from; prev may be nil.
func analyzeEdit(path string, lang language, text []byte, settings Settings, maxSize int, prev *snapshot) *snapshot {
	d := &document{path: path, lang: lang}
	snap := &snapshot{lang: d.lang, file: source.NewFile(d.path, text), outline: &outline{}, settings: settings}
	if reason := unanalysable(text, maxSize); reason != "" {
		snap.skipped = true
		if d.lang != langUnknown {
			snap.diags = []diag.Diagnostic{{
				File: d.path, Severity: diag.Warning, Code: "ZL001", Source: "zlayer",
				Message: fmt.Sprintf("%s is not analysed: %s", d.path, reason),
			}}
		}
		return snap
	}
	var ds []diag.Diagnostic
	switch d.lang {
	case langDockerfile:
		var before *dockerfile.File
		if prev != nil {
			before = prev.df
		}
		snap.df = dockerfile.Reparse(d.path, text, before)
		snap.file = snap.df.Source
		ds = append(ds, snap.df.Diagnostics...)
		ds = append(ds, dockerfileChecks(snap, settings)...)
	case langZImagefile:
		snap.zf = zimage.Parse(d.path, text)
		snap.file = snap.zf.Source
		snap.outline = zimageOutline(snap.zf)
		ds = append(ds, snap.zf.Diagnostics...)
		ds = append(ds, zimageLint(snap.zf)...)
		ds = append(ds, zimageContextChecks(snap, settings)...)
	default:
		return snap
	}
	ds = filterDiagnostics(ds, scanIgnores(snap.file, d.lang == langDockerfile), settings.Lint)
	diag.Sort(ds)
	snap.diags = ds
	return snap
}

// dockerfileChecks runs the lint rules on a parsed Dockerfile while the
// outline and the context checks are computed; both only read the file.
func dockerfileChecks(snap *snapshot, settings Settings) []diag.Diagnostic {
	linted := make(chan any, 1)
	var lintDiags []diag.Diagnostic
	go func() {
		// A panic is handed to the analysing goroutine, where it would
		// have happened without this one.
		defer func() { linted <- recover() }()
		lintDiags = lint.Check(snap.df, lint.Config{Rules: settings.Lint.Rules})
	}()
	snap.outline = dockerfileOutline(snap.df)
	ctx := dockerfileContextChecks(snap, settings)
	if r := <-linted; r != nil {
		panic(r)
	}
	return append(lintDiags, ctx...)
}

// unanalysable explains why a text is not parsed at all: too large, or
// binary (a NUL byte). It returns "" for normal text.
func unanalysable(text []byte, maxSize int) string {
	switch {
	case len(text) > maxSize:
		return fmt.Sprintf("the document is %d bytes, more than the %d bytes the server analyses", len(text), maxSize)
	case bytes.IndexByte(text, 0) >= 0:
		return "the document contains NUL bytes and looks binary"
	}
	return ""
}
