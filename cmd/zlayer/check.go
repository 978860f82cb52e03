package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/lsp"
	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/source"
)

func newCheckCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "check [--format text|json] [FILE...]",
		Short: "Report diagnostics for ZImagefiles and Dockerfiles",
		Long: `Check parses and validates build files and prints every diagnostic:
syntax errors, validation rules, semantic checks and lint findings.
With no FILE it checks the build file found in the current directory.
It exits 1 when any diagnostic is an error.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			if format != "text" && format != "json" {
				return usageErrorf("--format must be text or json, not %q", format)
			}
			if len(files) == 0 {
				bf, err := discoverBuildFile(".")
				if err != nil {
					return &exitError{code: 2, err: err}
				}
				files = []string{bf.Path}
			}
			var all []checked
			for _, name := range files {
				src, err := os.ReadFile(name)
				if err != nil {
					return usageErrorf("%w", err)
				}
				all = append(all, checkFile(name, src))
			}
			if err := writeDiagnostics(cmd.OutOrStdout(), format, all); err != nil {
				return err
			}
			for _, c := range all {
				if diag.HasError(c.diags) {
					return &exitError{code: 1, err: fmt.Errorf("")}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// checked is one file's text and diagnostics.
type checked struct {
	file  *source.File
	diags []diag.Diagnostic
}

func checkFile(name string, src []byte) checked {
	f, diags := analyze(name, src)
	for i := range diags {
		if diags[i].Code == "ZL001" {
			// The editor only warns about a file it will not analyse
			// (binary data); as a build file it is an error.
			diags[i].Severity = diag.Error
		}
	}
	diag.Sort(diags)
	return checked{file: f, diags: diags}
}

// jsonDiagnostic is one entry of `check --format json` (design §2).
type jsonDiagnostic struct {
	File      string `json:"file"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	EndLine   int    `json:"endLine,omitempty"`
	EndColumn int    `json:"endColumn,omitempty"`
	Severity  string `json:"severity"`
	Code      string `json:"code,omitempty"`
	Source    string `json:"source"`
	Message   string `json:"message"`
	// Related points at places that explain the diagnostic: the first
	// occurrence of a duplicate key, the key a misspelt one may mean.
	Related []jsonRelated `json:"related,omitempty"`
}

// jsonRelated is one related position of a diagnostic.
type jsonRelated struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func writeDiagnostics(w io.Writer, format string, all []checked) error {
	out := []jsonDiagnostic{}
	for _, c := range all {
		for _, d := range c.diags {
			j := jsonDiagnostic{File: c.file.Name, Severity: d.Severity.String(), Code: d.Code, Source: d.Source, Message: d.Message}
			if d.File != "" {
				j.File = d.File
			}
			if !d.NoRange {
				j.Line, j.Column = d.Range.Start.Line, c.file.RuneCol(d.Range.Start)
				j.EndLine, j.EndColumn = d.Range.End.Line, c.file.RuneCol(d.Range.End)
			}
			for _, r := range d.Related {
				file := r.File
				if file == "" {
					file = j.File
				}
				j.Related = append(j.Related, jsonRelated{File: file, Line: r.Range.Start.Line, Column: c.file.RuneCol(r.Range.Start), Message: r.Message})
			}
			out = append(out, j)
		}
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"diagnostics": out})
	}
	for _, j := range out {
		code := ""
		if j.Code != "" {
			code = " [" + j.Code + "]"
		}
		if j.Line == 0 {
			fmt.Fprintf(w, "%s: %s: %s%s\n", j.File, j.Severity, j.Message, code)
			continue
		}
		fmt.Fprintf(w, "%s:%d:%d: %s: %s%s\n", j.File, j.Line, j.Column, j.Severity, j.Message, code)
		for _, r := range j.Related {
			fmt.Fprintf(w, "%s:%d:%d: note: %s\n", r.File, r.Line, r.Column, r.Message)
		}
	}
	return nil
}

// analyze computes the diagnostics the language server would publish for
// the file, with its directory as the build context.
func analyze(name string, src []byte) (*source.File, []diag.Diagnostic) {
	return source.NewFile(name, src), lsp.Check(name, src, lsp.Settings{})
}

// discoverBuildFile finds the build file of dir as `zlayer build` does.
func discoverBuildFile(dir string) (runner.BuildFile, error) {
	return runner.FindBuildFile(dir, "", "")
}
