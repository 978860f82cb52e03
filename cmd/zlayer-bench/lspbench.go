package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// lspDoc is one document of a language-server workload, written to disk
// with the build-context files it copies.
type lspDoc struct {
	Label, Path, Text string
}

// lspWorkload is what one language is measured on: a large and a typical
// document, a hundred typical documents for the memory measurement, and a
// probe that puts an error into a document, to check that a server really
// validates what it is given before its numbers are believed.
type lspWorkload struct {
	Kind  string
	Dir   string
	Docs  []lspDoc
	Many  []lspDoc
	Probe func(text string) string
}

// lspOptions sets the sample counts of the language-server measurements.
type lspOptions struct {
	Edits, Completions, Warmup int
	Verbose                    io.Writer
}

// docResult holds one server's numbers on one document.
type docResult struct {
	Diagnostics []time.Duration // didChange → publishDiagnostics, one per edit
	Completion  []time.Duration
}

// lspResult holds one server's numbers on one workload.
type lspResult struct {
	Docs []docResult
	RSS  int64
}

// makeWorkload writes a workload of build files named name ("ZImagefile"
// or "Dockerfile") under dir, rendering each recipe with render.
func makeWorkload(dir, kind, name string, render func(*recipe) string, probe func(string) string) (*lspWorkload, error) {
	w := &lspWorkload{Kind: kind, Dir: dir, Probe: probe}
	add := func(sub, label string, r *recipe, files map[string]string) (lspDoc, error) {
		d := lspDoc{Label: label, Path: filepath.Join(dir, sub, name), Text: render(r)}
		if err := writeTree(filepath.Join(dir, sub), files); err != nil {
			return d, err
		}
		return d, writeTree(filepath.Join(dir, sub), map[string]string{name: d.Text})
	}
	large, err := add("large", fmt.Sprintf("%s steps", thousands(largeRecipe().Steps())), largeRecipe(), largeFiles())
	if err != nil {
		return nil, err
	}
	typical, err := add("typical", "", typicalRecipe(0), typicalFiles())
	if err != nil {
		return nil, err
	}
	typical.Label = fmt.Sprintf("%d lines", strings.Count(typical.Text, "\n"))
	w.Docs = []lspDoc{large, typical}
	for i := range 100 {
		d, err := add(fmt.Sprintf("many/%03d", i), "", typicalRecipe(i), typicalFiles())
		if err != nil {
			return nil, err
		}
		w.Many = append(w.Many, d)
	}
	return w, nil
}

// zimageProbe misspells the first stage's base key, which only a server
// that knows the ZImagefile schema reports.
func zimageProbe(text string) string { return strings.Replace(text, "    base:", "    baes:", 1) }

// dockerfileProbe misspells the first FROM.
func dockerfileProbe(text string) string { return strings.Replace(text, "\nFROM ", "\nFORM ", 1) }

// measureLSP measures one server on one workload: latencies on each
// document in one server process, then memory in a fresh one.
func measureLSP(ctx context.Context, spec serverSpec, w *lspWorkload, opts lspOptions) (*lspResult, error) {
	srv, err := startServer(ctx, spec, w.Dir, opts.Verbose)
	if err != nil {
		return nil, err
	}
	res := &lspResult{}
	for _, d := range w.Docs {
		r, err := measureDoc(ctx, srv, d, w.Probe, opts)
		if err != nil {
			srv.Close()
			return nil, fmt.Errorf("%s on %s %s: %w", spec.Name, w.Kind, d.Label, err)
		}
		res.Docs = append(res.Docs, r)
	}
	srv.Close()
	if res.RSS, err = measureMemory(ctx, spec, w, opts); err != nil {
		return nil, fmt.Errorf("%s on %d %ss: %w", spec.Name, len(w.Many), w.Kind, err)
	}
	return res, nil
}

// measureDoc opens d, checks that the server reports a probe error, then
// times edits to diagnostics and completion requests.
func measureDoc(ctx context.Context, srv *lspServer, d lspDoc, probe func(string) string, opts lspOptions) (docResult, error) {
	var res docResult
	uri := fileURI(d.Path)
	if err := srv.Open(uri, d.Text); err != nil {
		return res, err
	}
	clean, err := srv.Diagnostics(ctx, uri, 1)
	if err != nil {
		return res, fmt.Errorf("diagnostics after didOpen: %w", err)
	}
	if err := checkProbe(ctx, srv, uri, d.Text, clean.Count, probe); err != nil {
		return res, err
	}
	line, col, ok := markerLine(d.Text)
	if !ok {
		return res, fmt.Errorf("%s has no %q", d.Path, editMarker)
	}
	// This process's garbage collector is kept out of the timed requests:
	// a collection here would delay reading a reply and be counted as the
	// server's time.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for k := range opts.Warmup + opts.Edits {
		srv.client.Drain()
		start := time.Now()
		v, err := srv.Edit(uri, line, col+len("edit-"), 4, fmt.Sprintf("%04d", k+1))
		if err != nil {
			return res, err
		}
		got, err := srv.Diagnostics(ctx, uri, v)
		if err != nil {
			return res, fmt.Errorf("diagnostics after edit %d: %w", k+1, err)
		}
		if k >= opts.Warmup {
			res.Diagnostics = append(res.Diagnostics, got.At.Sub(start))
		}
	}
	ccol, ok := completionColumn(strings.Split(d.Text, "\n")[line])
	if !ok {
		return res, fmt.Errorf("no step key or RUN on line %d of %s", line+1, d.Path)
	}
	runtime.GC() // what the edits left behind, before the completions
	for k := range opts.Warmup + opts.Completions {
		start := time.Now()
		n, at, err := srv.Complete(ctx, uri, line, ccol)
		elapsed := at.Sub(start) // when the reply arrived, as for diagnostics
		if err != nil {
			return res, err
		}
		if n == 0 {
			return res, fmt.Errorf("completion at %d:%d gave no items", line+1, ccol+1)
		}
		if k >= opts.Warmup {
			res.Completion = append(res.Completion, elapsed)
		}
	}
	return res, nil
}

// checkProbe puts the probe's error into the document, expects more
// diagnostics than the clean text got, and restores the text.
func checkProbe(ctx context.Context, srv *lspServer, uri, text string, clean int, probe func(string) string) error {
	bad := probe(text)
	if bad == text {
		return fmt.Errorf("the probe changes nothing in %s", uri)
	}
	v, err := srv.Replace(uri, bad)
	if err != nil {
		return err
	}
	got, err := srv.Diagnostics(ctx, uri, v)
	if err != nil {
		return err
	}
	if got.Count <= clean {
		return fmt.Errorf("the server reported no problem in a document with a deliberate error (%d diagnostics, %d without the error): it does not validate this file, so its numbers would mean nothing", got.Count, clean)
	}
	if v, err = srv.Replace(uri, text); err != nil {
		return err
	}
	_, err = srv.Diagnostics(ctx, uri, v)
	return err
}

// measureMemory opens every document of w.Many in a fresh server, waits
// for the diagnostics of each, and reads the server's resident memory.
func measureMemory(ctx context.Context, spec serverSpec, w *lspWorkload, opts lspOptions) (int64, error) {
	srv, err := startServer(ctx, spec, w.Dir, opts.Verbose)
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	waiting := map[string]bool{}
	for _, d := range w.Many {
		uri := fileURI(d.Path)
		waiting[uri] = true
		if err := srv.Open(uri, d.Text); err != nil {
			return 0, err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 2*waitTimeout)
	defer cancel()
	for len(waiting) > 0 {
		d, err := srv.client.NextDiagnostics(wctx)
		if err != nil {
			return 0, fmt.Errorf("%d documents still without diagnostics: %w", len(waiting), err)
		}
		delete(waiting, d.URI)
	}
	return rss(srv.PID())
}

// thousands prints n with a comma every three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
