package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// lspBenchOptions configures the language-server measurements.
type lspBenchOptions struct {
	Zlayer, LSP string
	PeerDir     string
	Samples     lspOptions
	Log         io.Writer
}

// comparison is zlayer-lsp against one peer on one language, with the
// issue's targets (peer/zlayer ratios; 0 for none).
type comparison struct {
	ours, peer  serverSpec
	workload    *lspWorkload
	speed       []float64 // per document: diagnostics and completion
	memory      float64
	peerVersion string
}

// lspBench measures zlayer-lsp against yaml-language-server on
// ZImagefiles and against dockerfile-language-server on the equivalent
// Dockerfiles, and returns one table per language.
func lspBench(ctx context.Context, tmp string, opts lspBenchOptions) ([]*table, error) {
	dir := filepath.Join(tmp, "lsp")
	schemaFile := filepath.Join(dir, "zimagefile.schema.json")
	if err := writeSchema(ctx, opts.Zlayer, schemaFile); err != nil {
		return nil, err
	}
	node, err := installPeers(ctx, opts.PeerDir, opts.Log, yamlPeer(), dockerfilePeer())
	if err != nil {
		return nil, err
	}
	zw, err := makeWorkload(filepath.Join(dir, "zimage"), "ZImagefile", "ZImagefile", (*recipe).ZImagefile, zimageProbe)
	if err != nil {
		return nil, err
	}
	dw, err := makeWorkload(filepath.Join(dir, "dockerfile"), "Dockerfile", "Dockerfile", (*recipe).Dockerfile, dockerfileProbe)
	if err != nil {
		return nil, err
	}
	yp, dp := yamlPeer(), dockerfilePeer()
	comparisons := []comparison{{
		ours: serverSpec{Name: "zlayer-lsp", Argv: []string{opts.LSP}, LanguageID: "zimagefile"},
		peer: serverSpec{Name: yp.Package, Argv: yp.argv(node, opts.PeerDir), LanguageID: "yaml",
			Settings: yamlSettings(schemaFile)},
		workload: zw, speed: []float64{10, 10}, memory: 5, peerVersion: yp.Version,
	}, {
		ours:     serverSpec{Name: "zlayer-lsp", Argv: []string{opts.LSP}, LanguageID: "dockerfile"},
		peer:     serverSpec{Name: dp.Package, Argv: dp.argv(node, opts.PeerDir), LanguageID: "dockerfile"},
		workload: dw, speed: []float64{2, 1}, peerVersion: dp.Version,
	}}
	var tables []*table
	for _, c := range comparisons {
		t, err := c.run(ctx, opts)
		if err != nil {
			return tables, err
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// writeSchema saves `zlayer schema` for yaml-language-server.
func writeSchema(ctx context.Context, zlayer, path string) error {
	out := &tail{}
	c := command(ctx, []string{zlayer, "schema"}, nil)
	c.Stderr = out
	schema, err := c.Output()
	if err != nil {
		return fmt.Errorf("%s schema (yaml-language-server is configured with its output): %w%s", zlayer, err, out)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, schema, 0o644)
}

// yamlSettings configures yaml-language-server as editors/README.md tells
// users to: our schema for ZImagefile names, and no SchemaStore (which
// would go to the network).
func yamlSettings(schemaFile string) map[string]any {
	return map[string]any{"yaml": map[string]any{
		"validate":    true,
		"completion":  true,
		"hover":       true,
		"schemas":     map[string]any{schemaFile: []string{"ZImagefile", "ZImagefile.*", "*.zimagefile"}},
		"schemaStore": map[string]any{"enable": false},
	}}
}

func (c comparison) run(ctx context.Context, opts lspBenchOptions) (*table, error) {
	fmt.Fprintf(opts.Log, "· %s on %ss\n", c.ours.Name, c.workload.Kind)
	ours, err := measureLSP(ctx, c.ours, c.workload, opts.Samples)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(opts.Log, "· %s on %ss\n", c.peer.Name, c.workload.Kind)
	peer, err := measureLSP(ctx, c.peer, c.workload, opts.Samples)
	if err != nil {
		return nil, err
	}
	s := opts.Samples
	t := &table{
		Title: fmt.Sprintf("Language server, %ss: zlayer-lsp vs %s %s (%d edits, %d completions per file)",
			c.workload.Kind, c.peer.Name, c.peerVersion, s.Edits, s.Completions),
		Ours: "zlayer-lsp", Peer: c.peer.Name,
	}
	for i, d := range c.workload.Docs {
		o, p := ours.Docs[i], peer.Docs[i]
		t.Rows = append(t.Rows,
			row{Name: d.Label + ": change → diagnostics, median", Target: c.speed[i],
				Ours: quantity{Time: median(o.Diagnostics)}, Peer: quantity{Time: median(p.Diagnostics)}},
			row{Name: d.Label + ": completion p50", Target: c.speed[i],
				Ours: quantity{Time: percentile(o.Completion, 50)}, Peer: quantity{Time: percentile(p.Completion, 50)}},
			row{Name: d.Label + ": completion p99", Target: c.speed[i],
				Ours: quantity{Time: percentile(o.Completion, 99)}, Peer: quantity{Time: percentile(p.Completion, 99)}},
		)
	}
	t.Rows = append(t.Rows, row{
		Name: fmt.Sprintf("%d files open: resident memory", len(c.workload.Many)), Target: c.memory,
		Ours: quantity{Bytes: ours.RSS}, Peer: quantity{Bytes: peer.RSS},
	})
	return t, nil
}
