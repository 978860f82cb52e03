package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/dockerfile/runtimes"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/zimage"
)

// BuildFile is the input a build reads: a ZImagefile, a Dockerfile or a
// runtime template.
type BuildFile struct {
	// Path is the file's path; for a runtime template it is
	// "runtime:<name>".
	Path string
	// ZImagefile reports that the file is read as a ZImagefile.
	ZImagefile bool
	// Source is the file's text.
	Source []byte
}

// FindBuildFile chooses the build file per spec §1.4: an explicit
// ZImagefile (zfile, the -z option) wins, then an explicit build file
// (file, -f), which is a ZImagefile by name or a .yml/.yaml extension and
// a Dockerfile otherwise; else discovery in dir: ZImagefile, a single
// ZImagefile.* or *.zimagefile (ZI303 when several), Dockerfile,
// Containerfile (ZI307 when none).
func FindBuildFile(dir, file, zfile string) (BuildFile, error) {
	switch {
	case zfile != "":
		return readBuildFile(zfile, true)
	case file != "":
		return readBuildFile(file, IsZImagefilePath(file))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return BuildFile{}, fmt.Errorf("reading build context: %w", err)
	}
	var cands []string
	regular := map[string]bool{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			regular[e.Name()] = true
			if zimage.IsZImagefileName(e.Name()) && e.Name() != "ZImagefile" {
				cands = append(cands, e.Name())
			}
		}
	}
	slices.Sort(cands)
	switch {
	case regular["ZImagefile"]:
		return readBuildFile(filepath.Join(dir, "ZImagefile"), true)
	case len(cands) == 1:
		return readBuildFile(filepath.Join(dir, cands[0]), true)
	case len(cands) > 1:
		return BuildFile{}, diagError(diag.Diagnostic{Severity: diag.Error, Code: "ZI303", NoRange: true,
			Message: fmt.Sprintf("multiple ZImagefile candidates in %s: %s — pass `-z <path>` to pick one", dir, strings.Join(cands, ", "))})
	case regular["Dockerfile"]:
		return readBuildFile(filepath.Join(dir, "Dockerfile"), false)
	case regular["Containerfile"]:
		return readBuildFile(filepath.Join(dir, "Containerfile"), false)
	}
	return BuildFile{}, diagError(diag.Diagnostic{Severity: diag.Error, Code: "ZI307", NoRange: true,
		Message: fmt.Sprintf("no ZImagefile or Dockerfile found in '%s'", dir)})
}

// IsZImagefilePath reports whether an explicitly named build file is read
// as a ZImagefile: by its base name, or a .yml/.yaml extension.
func IsZImagefilePath(p string) bool {
	base := filepath.Base(p)
	ext := strings.ToLower(filepath.Ext(base))
	return zimage.IsZImagefileName(base) || ext == ".yml" || ext == ".yaml"
}

func readBuildFile(path string, zimagefile bool) (BuildFile, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return BuildFile{}, fmt.Errorf("reading build file: %w", err)
	}
	return BuildFile{Path: path, ZImagefile: zimagefile, Source: src}, nil
}

// RuntimeBuildFile returns the Dockerfile of a runtime template (spec
// §10); "auto" detects the template from the files in dir.
func RuntimeBuildFile(name, dir string) (BuildFile, error) {
	if name == "auto" {
		detected, err := runtimes.Detect(dir)
		if err != nil {
			return BuildFile{}, err
		}
		name = detected
	}
	switch {
	case runtimes.IsWasm(name):
		return BuildFile{}, errors.New("WebAssembly builds ('wasm' mode) are not supported by this builder; the file can be validated but not built [ZI301]")
	case runtimes.IsWindows(name):
		return BuildFile{}, errors.New("target OS 'windows' is not supported by this builder; only Linux images can be built [ZI302]")
	}
	t, ok := runtimes.Lookup(name)
	if !ok || !t.Buildable() {
		return BuildFile{}, fmt.Errorf("unknown runtime template %q; `zlayer runtimes` lists them", name)
	}
	return BuildFile{Path: "runtime:" + t.Name, Source: t.Dockerfile}, nil
}

// LoadError is a build file whose diagnostics include errors, so it
// cannot be built.
type LoadError struct {
	File        string
	Diagnostics []diag.Diagnostic
}

func (e *LoadError) Error() string {
	var errs []string
	for _, d := range e.Diagnostics {
		if d.Severity == diag.Error {
			errs = append(errs, FormatDiagnostic(d))
		}
	}
	return strings.Join(errs, "\n")
}

// FormatDiagnostic renders a build-file diagnostic for the terminal. A
// ZImagefile error reads as ZLayer prints it: "ZImagefile parse error:"
// for ZI0xx codes, "ZImagefile validation error:" for the others.
func FormatDiagnostic(d diag.Diagnostic) string {
	msg := d.Message
	if d.Source == "zimagefile" && d.Severity == diag.Error {
		if strings.HasPrefix(d.Code, "ZI0") {
			msg = "ZImagefile parse error: " + msg
		} else {
			msg = "ZImagefile validation error: " + msg
		}
	}
	if d.Code != "" {
		msg += " [" + d.Code + "]"
	}
	loc := d.File
	if !d.NoRange && !d.Range.IsZero() {
		loc = fmt.Sprintf("%s:%d:%d", d.File, d.Range.Start.Line, d.Range.Start.Col+1)
	}
	return fmt.Sprintf("%s: %s: %s", loc, d.Severity, msg)
}

// Load parses a build file into a plan. It fails with a *LoadError when
// the file has errors; warnings are returned with the plan.
func Load(bf BuildFile) (*plan.Plan, []diag.Diagnostic, error) {
	var p *plan.Plan
	var ds []diag.Diagnostic
	if bf.ZImagefile {
		f := zimage.Parse(bf.Path, bf.Source)
		ds = f.Diagnostics
		if !f.HasErrors() {
			var err error
			if p, err = f.Plan(); err != nil {
				return nil, ds, err
			}
		}
	} else {
		f := dockerfile.Parse(bf.Path, bf.Source)
		p, _ = f.Plan() // its diagnostics are the errors among f.Diagnostics
		ds = f.Diagnostics
	}
	if diag.HasError(ds) || p == nil {
		return nil, ds, &LoadError{File: bf.Path, Diagnostics: ds}
	}
	if p.File == "" {
		p.File = bf.Path
	}
	return p, ds, nil
}
