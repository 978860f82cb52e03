// Package runtimes holds the runtime templates of spec §10: ready-made
// Dockerfiles for common languages that a ZImagefile's `runtime:` key or
// `zlayer build --runtime` builds from. It resolves template names and
// aliases, lists the templates, and detects the template that fits a build
// context. The templates are plain Dockerfiles, parsed and converted to a
// stage plan by package dockerfile like any other.
package runtimes

import (
	"embed"
	"strings"
)

//go:embed templates/*.Dockerfile
var files embed.FS

// Template is one runtime template.
type Template struct {
	// Name is the canonical name, e.g. "node20".
	Name string
	// Aliases are the other names that select the template.
	Aliases []string
	// Description is a one-line summary for listings.
	Description string
	// DetectFiles are the context files that point to the template, as
	// `zlayer runtimes` shows them.
	DetectFiles []string
	// Dockerfile is the template's text; nil for the Windows and
	// WebAssembly names, which are recognised but cannot be built here.
	Dockerfile []byte
}

// Buildable reports whether the template has a Dockerfile this toolkit can
// build.
func (t Template) Buildable() bool { return t.Dockerfile != nil }

// entry describes a template; file is "" for names without a template.
type entry struct {
	name, file  string
	aliases     []string
	description string
	detect      []string
	windows     bool
	wasm        bool
}

// catalog lists every recognised name, buildable templates first, in the
// order of spec §10.1.
func catalog() []entry {
	node := []string{"package.json"}
	python := []string{"requirements.txt", "pyproject.toml", "setup.py"}
	return []entry{
		{name: "node20", file: "node20.Dockerfile", aliases: []string{"node-20", "nodejs20", "node"},
			description: "Node.js 20 on Alpine: npm ci with a cache, runs index.js as user node", detect: node},
		{name: "node22", file: "node22.Dockerfile", aliases: []string{"node-22", "nodejs22"},
			description: "Node.js 22 on Alpine: npm ci with a cache, runs index.js as user node", detect: node},
		{name: "python312", file: "python312.Dockerfile", aliases: []string{"python-312", "python3.12", "python"},
			description: "Python 3.12 slim: pip install --user -r requirements.txt, runs main.py", detect: python},
		{name: "python313", file: "python313.Dockerfile", aliases: []string{"python-313", "python3.13"},
			description: "Python 3.13 slim: pip install --user -r requirements.txt, runs main.py", detect: python},
		{name: "rust", file: "rust.Dockerfile", aliases: []string{"rs"},
			description: "Rust on Alpine (musl): cargo build --release with caches, binary on alpine", detect: []string{"Cargo.toml"}},
		{name: "go", file: "go.Dockerfile", aliases: []string{"golang"},
			description: "Go on Alpine: static build with module and build caches, binary on alpine", detect: []string{"go.mod"}},
		{name: "deno", file: "deno.Dockerfile",
			description: "Deno: caches deps.ts and main.ts, runs main.ts as user deno", detect: []string{"deno.json", "deno.jsonc"}},
		{name: "bun", file: "bun.Dockerfile",
			description: "Bun: bun install --production, runs index.ts as user bun", detect: []string{"bun.lockb", "bun.lock"}},
		{name: "windows-nanoserver", aliases: []string{"nanoserver", "windows_nanoserver"},
			description: "Windows Nano Server (recognised, not buildable here)", windows: true},
		{name: "windows-servercore", aliases: []string{"windows-server-core", "servercore", "windows_servercore"},
			description: "Windows Server Core (recognised, not buildable here)", windows: true},
		{name: "wasm", aliases: []string{"webassembly", "wasm-module", "wasm-preview1", "wasm-preview2", "wasm-component", "wasi-component"},
			description: "WebAssembly (recognised, not buildable here)", wasm: true},
	}
}

func (e entry) template() Template {
	t := Template{
		Name: e.name, Aliases: append([]string(nil), e.aliases...),
		Description: e.description, DetectFiles: append([]string(nil), e.detect...),
	}
	if e.file != "" {
		// The files are embedded at build time; a missing one is a
		// build mistake that TestTemplates catches.
		t.Dockerfile, _ = files.ReadFile("templates/" + e.file)
	}
	return t
}

// find returns the entry a name selects: lower-cased, canonical names and
// aliases.
func find(name string) (entry, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, e := range catalog() {
		if e.name == name {
			return e, true
		}
		for _, a := range e.aliases {
			if a == name {
				return e, true
			}
		}
	}
	return entry{}, false
}

// Lookup returns the template a name or alias selects (case-insensitive).
// The Windows and WebAssembly names are found too; their Template is not
// Buildable.
func Lookup(name string) (Template, bool) {
	e, ok := find(name)
	if !ok {
		return Template{}, false
	}
	return e.template(), true
}

// All returns the buildable templates in listing order.
func All() []Template {
	var out []Template
	for _, e := range catalog() {
		if e.file != "" {
			out = append(out, e.template())
		}
	}
	return out
}

// IsWasm reports whether name selects the WebAssembly runtime.
func IsWasm(name string) bool {
	e, ok := find(name)
	return ok && e.wasm
}

// IsWindows reports whether name selects a Windows runtime.
func IsWindows(name string) bool {
	e, ok := find(name)
	return ok && e.windows
}
