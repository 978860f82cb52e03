package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A peer is a language server from npm that zlayer-lsp is compared with.
type peer struct {
	Package, Version string
	// Bin is the server's script inside the package.
	Bin string
}

// yamlPeer is Red Hat's YAML language server, pinned so that runs compare
// like with like; raise the version deliberately.
func yamlPeer() peer {
	return peer{"yaml-language-server", "1.25.0", "bin/yaml-language-server"}
}

// dockerfilePeer is rcjsuen's Dockerfile language server, pinned.
func dockerfilePeer() peer {
	return peer{"dockerfile-language-server-nodejs", "0.15.0", "bin/docker-langserver"}
}

// defaultPeerDir is where the peers are installed: the user's cache
// directory, never the repository.
func defaultPeerDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "zlayer-bench", "npm")
}

// installPeers makes sure the pinned peers are installed under prefix with
// `npm install --prefix`, saying so on log when it installs, and returns
// the node executable that runs them.
func installPeers(ctx context.Context, prefix string, log io.Writer, peers ...peer) (node string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("node is not installed; the peer language servers need it (apt-get install nodejs npm)")
	}
	var missing []string
	for _, p := range peers {
		if installedVersion(prefix, p) != p.Version {
			missing = append(missing, p.Package+"@"+p.Version)
		}
	}
	if len(missing) == 0 {
		return node, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm is not installed; it installs the peer language servers %v (apt-get install npm)", missing)
	}
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "· installing %s into %s\n", strings.Join(missing, " "), prefix)
	argv := append([]string{npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error"}, missing...)
	out := &tail{}
	c := command(ctx, argv, nil)
	c.Stdout, c.Stderr = out, out
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("installing the peer language servers into %s: %w%s", prefix, err, out)
	}
	for _, p := range peers {
		if v := installedVersion(prefix, p); v != p.Version {
			return "", fmt.Errorf("npm installed %s %q into %s, want %s", p.Package, v, prefix, p.Version)
		}
	}
	return node, nil
}

// installedVersion reads the installed package's version, "" if absent.
func installedVersion(prefix string, p peer) string {
	b, err := os.ReadFile(filepath.Join(prefix, "node_modules", p.Package, "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	json.Unmarshal(b, &pkg)
	return pkg.Version
}

// argv is the command that starts the peer on stdio.
func (p peer) argv(node, prefix string) []string {
	return []string{node, filepath.Join(prefix, "node_modules", p.Package, p.Bin), "--stdio"}
}
