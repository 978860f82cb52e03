package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/schema"
)

// TestMeasureZlayerLSP runs the language-server measurement on the real
// zlayer-lsp binary, as the bench does, with few samples.
func TestMeasureZlayerLSP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zlayer-lsp")
	}
	bin := buildZlayer(t, "cmd/zlayer-lsp")
	ctx := context.Background()
	for _, kind := range []string{"ZImagefile", "Dockerfile"} {
		t.Run(kind, func(t *testing.T) {
			w, lang := workloadFor(t, kind)
			spec := serverSpec{Name: "zlayer-lsp", Argv: []string{bin}, LanguageID: lang}
			res, err := measureLSP(ctx, spec, w, lspOptions{Edits: 3, Completions: 5, Warmup: 1})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, 3, 5)
		})
	}
}

func workloadFor(t *testing.T, kind string) (*lspWorkload, string) {
	t.Helper()
	var (
		w   *lspWorkload
		err error
	)
	lang := "dockerfile"
	if kind == "ZImagefile" {
		lang = "zimagefile"
		w, err = makeWorkload(t.TempDir(), kind, "ZImagefile", (*recipe).ZImagefile, zimageProbe)
	} else {
		w, err = makeWorkload(t.TempDir(), kind, "Dockerfile", (*recipe).Dockerfile, dockerfileProbe)
	}
	if err != nil {
		t.Fatal(err)
	}
	return w, lang
}

func checkResult(t *testing.T, res *lspResult, edits, completions int) {
	t.Helper()
	if len(res.Docs) != 2 {
		t.Fatalf("%d document results, want 2 (large and typical)", len(res.Docs))
	}
	for i, d := range res.Docs {
		if len(d.Diagnostics) != edits || len(d.Completion) != completions {
			t.Errorf("document %d: %d diagnostics and %d completion samples, want %d and %d",
				i, len(d.Diagnostics), len(d.Completion), edits, completions)
		}
		for _, s := range append(d.Diagnostics, d.Completion...) {
			if s <= 0 || s > waitTimeout {
				t.Errorf("document %d: implausible sample %v", i, s)
			}
		}
	}
	if res.RSS < 1<<20 {
		t.Errorf("resident memory %d bytes, want at least 1 MiB", res.RSS)
	}
}

// TestProbeRejectsAServerThatDoesNotValidate runs yaml-language-server
// without our schema: it must not pass the probe, or the bench would time
// a server that ignores what it is given.
func TestProbeRejectsAServerThatDoesNotValidate(t *testing.T) {
	node := peersFor(t)
	w, _ := workloadFor(t, "ZImagefile")
	yp := yamlPeer()
	spec := serverSpec{Name: yp.Package, Argv: yp.argv(node, defaultPeerDir()), LanguageID: "yaml",
		Settings: map[string]any{"yaml": map[string]any{"validate": true, "schemaStore": map[string]any{"enable": false}}}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := startServer(ctx, spec, w.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, err = measureDoc(ctx, srv, w.Docs[1], w.Probe, lspOptions{Edits: 1, Completions: 1})
	if err == nil || !strings.Contains(err.Error(), "deliberate error") {
		t.Errorf("a schema-less yaml-language-server gave %v, want the probe to fail", err)
	}
}

// TestPeersValidate checks that the peers, configured as the bench does,
// report the probe's error and answer completion on the typical files.
func TestPeersValidate(t *testing.T) {
	node := peersFor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The bytes `zlayer schema` prints.
	schemaFile := filepath.Join(t.TempDir(), "zimagefile.schema.json")
	if err := os.WriteFile(schemaFile, schema.JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	yp, dp := yamlPeer(), dockerfilePeer()
	for _, tc := range []struct {
		kind string
		spec serverSpec
	}{
		{"ZImagefile", serverSpec{Name: yp.Package, Argv: yp.argv(node, defaultPeerDir()), LanguageID: "yaml", Settings: yamlSettings(schemaFile)}},
		{"Dockerfile", serverSpec{Name: dp.Package, Argv: dp.argv(node, defaultPeerDir()), LanguageID: "dockerfile"}},
	} {
		t.Run(tc.spec.Name, func(t *testing.T) {
			w, _ := workloadFor(t, tc.kind)
			srv, err := startServer(ctx, tc.spec, w.Dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			r, err := measureDoc(ctx, srv, w.Docs[1], w.Probe, lspOptions{Edits: 2, Completions: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Diagnostics) != 2 || len(r.Completion) != 2 {
				t.Errorf("got %d and %d samples, want 2 and 2", len(r.Diagnostics), len(r.Completion))
			}
		})
	}
}

// peersFor installs the peers into the user's cache directory, as the
// bench does, or skips when node or npm is missing.
func peersFor(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("installs and runs the npm language servers")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			requireTool(t, tool+" is not installed (apt-get install nodejs npm)")
		}
	}
	node, err := installPeers(context.Background(), defaultPeerDir(), io.Discard, yamlPeer(), dockerfilePeer())
	if err != nil {
		t.Fatal(err)
	}
	return node
}
