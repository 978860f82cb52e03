package runtimes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotDetected is returned (wrapped) by Detect when no template fits.
var ErrNotDetected = errors.New("no runtime template detected")

// Detect picks the template for a build context by the files in it, in
// the order of spec §10.4: package.json (bun with a bun lock file, deno
// with a deno.json, else node20), deno, Cargo.toml (rust), Python project
// files (python312), go.mod (go).
func Detect(dir string) (string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("detect runtime: %w", err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("detect runtime: %s is not a directory", dir)
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if fi, err := os.Stat(filepath.Join(dir, n)); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
		return false
	}
	switch {
	case has("package.json"):
		switch {
		case has("bun.lockb", "bun.lock"):
			return "bun", nil
		case has("deno.json", "deno.jsonc"):
			return "deno", nil
		}
		return "node20", nil
	case has("deno.json", "deno.jsonc", "deno.lock"):
		return "deno", nil
	case has("Cargo.toml"):
		return "rust", nil
	case has("pyproject.toml", "requirements.txt", "setup.py", "Pipfile", "poetry.lock"):
		return "python312", nil
	case has("go.mod"):
		return "go", nil
	}
	return "", fmt.Errorf("%w in %s: add package.json, deno.json, Cargo.toml, requirements.txt, pyproject.toml or go.mod, or name a runtime with --runtime", ErrNotDetected, dir)
}

// DetectVersion is Detect refined by the version hints of spec §10.4:
// .nvmrc, .node-version or package.json engines.node choose node22 over
// node20; .python-version or pyproject.toml requires-python choose
// python313 over python312.
func DetectVersion(dir string) (string, error) {
	name, err := Detect(dir)
	if err != nil {
		return "", err
	}
	switch name {
	case "node20":
		return nodeVersion(dir), nil
	case "python312":
		return pythonVersion(dir), nil
	}
	return name, nil
}

func readTrimmed(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func nodeVersion(dir string) string {
	for _, f := range []string{".nvmrc", ".node-version"} {
		v := readTrimmed(dir, f)
		if v == "" {
			continue
		}
		v = strings.TrimPrefix(v, "v")
		switch {
		case strings.HasPrefix(v, "22"):
			return "node22"
		case strings.HasPrefix(v, "20"):
			return "node20"
		}
		break
	}
	var pkg struct {
		Engines struct {
			Node string `json:"node"`
		} `json:"engines"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "package.json")); err == nil && json.Unmarshal(b, &pkg) == nil &&
		strings.Contains(pkg.Engines.Node, "22") {
		return "node22"
	}
	return "node20"
}

func pythonVersion(dir string) string {
	v := readTrimmed(dir, ".python-version")
	if v == "" {
		v = requiresPython(dir)
	}
	if strings.HasPrefix(v, "3.13") {
		return "python313"
	}
	return "python312"
}

// requiresPython returns the value of the first requires-python line of
// pyproject.toml with spaces and quotes removed.
func requiresPython(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "pyproject.toml"))
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.TrimSpace(key) != "requires-python" {
			continue
		}
		return strings.NewReplacer(" ", "", `"`, "", "'", "").Replace(value)
	}
	return ""
}
