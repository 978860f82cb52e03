package runtimes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/plan"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name, want        string
		buildable         bool
		wasm, windows, ok bool
	}{
		{"node20", "node20", true, false, false, true},
		{"NODE", "node20", true, false, false, true},
		{"nodejs22", "node22", true, false, false, true},
		{"node-22", "node22", true, false, false, true},
		{"python", "python312", true, false, false, true},
		{"Python3.13", "python313", true, false, false, true},
		{"python-312", "python312", true, false, false, true},
		{"rs", "rust", true, false, false, true},
		{"golang", "go", true, false, false, true},
		{"deno", "deno", true, false, false, true},
		{"bun", "bun", true, false, false, true},
		{"nanoserver", "windows-nanoserver", false, false, true, true},
		{"windows_servercore", "windows-servercore", false, false, true, true},
		{"windows-server-core", "windows-servercore", false, false, true, true},
		{"wasi-component", "wasm", false, true, false, true},
		{"WebAssembly", "wasm", false, true, false, true},
		{"java", "", false, false, false, false},
		{"", "", false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, ok := Lookup(tt.name)
			if ok != tt.ok || tmpl.Name != tt.want || tmpl.Buildable() != tt.buildable {
				t.Errorf("Lookup(%q) = %q buildable=%v ok=%v, want %q %v %v",
					tt.name, tmpl.Name, tmpl.Buildable(), ok, tt.want, tt.buildable, tt.ok)
			}
			if IsWasm(tt.name) != tt.wasm || IsWindows(tt.name) != tt.windows {
				t.Errorf("IsWasm=%v IsWindows=%v, want %v %v", IsWasm(tt.name), IsWindows(tt.name), tt.wasm, tt.windows)
			}
		})
	}
}

func TestAllListsTheEightTemplates(t *testing.T) {
	var names []string
	for _, tmpl := range All() {
		names = append(names, tmpl.Name)
		if tmpl.Description == "" || len(tmpl.DetectFiles) == 0 || !tmpl.Buildable() {
			t.Errorf("%s: incomplete listing entry %+v", tmpl.Name, tmpl)
		}
	}
	want := "node20 node22 python312 python313 rust go deno bun"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("All() = %s, want %s", got, want)
	}
}

// stageShape is the expected plan of one template stage: name, base and
// one line per instruction ("KEYWORD detail").
type stageShape struct {
	name, base string
	steps      []string
}

// TestTemplates parses every template with the toolkit's Dockerfile
// support and checks its plan against spec §10.3.
func TestTemplates(t *testing.T) {
	node := func(v string) []stageShape {
		return []stageShape{
			{"builder", "node:" + v + "-alpine", []string{
				"WORKDIR /app", "COPY package*.json ./", "RUN npm ci --omit=dev cache=/root/.npm"}},
			{"", "node:" + v + "-alpine", []string{
				"ARG NODE_ENV", "WORKDIR /app", "COPY from=builder /app/node_modules ./node_modules", "COPY . .",
				"ENV NODE_ENV=${NODE_ENV}", "USER node", `CMD ["node","index.js"]`}},
		}
	}
	python := func(v string) []stageShape {
		return []stageShape{
			{"builder", "python:" + v + "-slim", []string{
				"WORKDIR /app",
				"RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*",
				"COPY requirements.txt ./",
				"RUN pip install --user -r requirements.txt cache=/root/.cache/pip"}},
			{"", "python:" + v + "-slim", []string{
				"WORKDIR /app", "COPY from=builder /root/.local /root/.local", "ENV PATH=/root/.local/bin:$PATH",
				"COPY . .", `CMD ["python","main.py"]`}},
		}
	}
	goCaches := " cache=/go/pkg/mod cache=/root/.cache/go-build"
	tests := map[string]struct {
		globals []string
		stages  []stageShape
	}{
		"node20":    {[]string{"NODE_ENV=production"}, node("20")},
		"node22":    {[]string{"NODE_ENV=production"}, node("22")},
		"python312": {nil, python("3.12")},
		"python313": {nil, python("3.13")},
		"rust": {nil, []stageShape{
			{"builder", "rust:alpine", []string{
				"WORKDIR /app", "RUN apk add --no-cache musl-dev", "COPY Cargo.toml Cargo.lock* ./", "COPY src ./src",
				`RUN cargo build --release &&     name="$(sed -n 's/^name *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)" &&     mkdir -p /out &&     cp "target/release/$name" /out/app cache=/usr/local/cargo/registry cache=/usr/local/cargo/git cache=/app/target`}},
			{"", "alpine:latest", []string{"WORKDIR /app", "COPY from=builder /out/app ./app", `CMD ["./app"]`}},
		}},
		"go": {nil, []stageShape{
			{"builder", "golang:alpine", []string{
				"WORKDIR /app", "RUN apk add --no-cache git", "COPY go.mod go.sum* ./", "RUN go mod download" + goCaches,
				"COPY . .", `RUN CGO_ENABLED=0 GOOS=linux go build -ldflags="-w -s" -o app .` + goCaches}},
			{"", "alpine:latest", []string{
				"WORKDIR /app", "RUN apk add --no-cache ca-certificates", "COPY from=builder /app/app ./", `CMD ["./app"]`}},
		}},
		"deno": {nil, []stageShape{
			{"", "denoland/deno:latest", []string{
				"WORKDIR /app", "COPY deno.json* deno.lock* deps.ts* ./", "RUN deno cache deps.ts 2>/dev/null || true",
				"COPY . .", "RUN deno cache main.ts", "USER deno",
				`CMD ["run","--allow-net","--allow-read","--allow-env","main.ts"]`}},
		}},
		"bun": {nil, []stageShape{
			{"builder", "oven/bun:latest", []string{
				"WORKDIR /app", "COPY package.json bun.lock* ./", "RUN bun install --frozen-lockfile --production"}},
			{"", "oven/bun:latest", []string{
				"WORKDIR /app", "COPY from=builder /app/node_modules ./node_modules", "COPY . .", "USER bun",
				`CMD ["bun","run","index.ts"]`}},
		}},
	}
	for _, tmpl := range All() {
		t.Run(tmpl.Name, func(t *testing.T) {
			want, ok := tests[tmpl.Name]
			if !ok {
				t.Fatalf("no expectation for template %s", tmpl.Name)
			}
			f := dockerfile.Parse(tmpl.Name+".Dockerfile", tmpl.Dockerfile)
			for _, d := range f.Diagnostics {
				t.Errorf("diagnostic: %d:%d %s %s %s", d.Range.Start.Line, d.Range.Start.Col, d.Severity, d.Code, d.Message)
			}
			p, errs := f.Plan()
			if diag.HasError(errs) {
				t.Fatalf("plan errors: %v", errs)
			}
			var globals []string
			for _, a := range p.Args {
				globals = append(globals, a.Name+"="+a.Default)
			}
			if strings.Join(globals, ",") != strings.Join(want.globals, ",") {
				t.Errorf("global args %v, want %v", globals, want.globals)
			}
			if len(p.Stages) != len(want.stages) {
				t.Fatalf("%d stages, want %d", len(p.Stages), len(want.stages))
			}
			for i, st := range p.Stages {
				ws := want.stages[i]
				if st.Name != ws.name || st.Base != ws.base {
					t.Errorf("stage %d: %q from %q, want %q from %q", i, st.Name, st.Base, ws.name, ws.base)
				}
				var got []string
				for _, ins := range st.Instructions {
					got = append(got, shape(ins))
				}
				if strings.Join(got, "\n") != strings.Join(ws.steps, "\n") {
					t.Errorf("stage %d instructions:\n%s\nwant:\n%s", i, strings.Join(got, "\n"), strings.Join(ws.steps, "\n"))
				}
			}
		})
	}
}

// shape summarises an instruction on one line.
func shape(ins plan.Instruction) string {
	switch c := ins.(type) {
	case *plan.Workdir:
		return "WORKDIR " + c.Path
	case *plan.User:
		return "USER " + c.User
	case *plan.Arg:
		if c.HasDefault {
			return "ARG " + c.Name + "=" + c.Default
		}
		return "ARG " + c.Name
	case *plan.Env:
		var kv []string
		for _, p := range c.Pairs {
			kv = append(kv, p.Key+"="+p.Value)
		}
		return "ENV " + strings.Join(kv, " ")
	case *plan.Copy:
		s := c.Keyword()
		if c.From != "" {
			s += " from=" + c.From
		}
		return s + " " + strings.Join(append(append([]string{}, c.Sources...), c.Dest), " ")
	case *plan.Run:
		s := "RUN " + strings.Join(c.Args, " ")
		if !c.ShellForm {
			s = "RUN exec " + strings.Join(c.Args, " ")
		}
		for _, m := range c.Mounts {
			if m.Type != "cache" {
				return s + " mount=" + m.Type
			}
			s += " cache=" + m.Target
		}
		return s
	case *plan.Command:
		if c.ShellForm {
			return c.Keyword() + " " + strings.Join(c.Args, " ")
		}
		return c.Keyword() + ` ["` + strings.Join(c.Args, `","`) + `"]`
	}
	return ins.Keyword()
}

func TestDetect(t *testing.T) {
	tests := []struct {
		files   map[string]string
		want    string
		version string
	}{
		{map[string]string{"package.json": "{}"}, "node20", "node20"},
		{map[string]string{"package.json": "{}", "bun.lock": ""}, "bun", "bun"},
		{map[string]string{"package.json": "{}", "bun.lockb": ""}, "bun", "bun"},
		{map[string]string{"package.json": "{}", "deno.json": "{}"}, "deno", "deno"},
		{map[string]string{"deno.lock": ""}, "deno", "deno"},
		{map[string]string{"deno.jsonc": ""}, "deno", "deno"},
		{map[string]string{"Cargo.toml": "", "go.mod": ""}, "rust", "rust"},
		{map[string]string{"Pipfile": ""}, "python312", "python312"},
		{map[string]string{"poetry.lock": "", "go.mod": ""}, "python312", "python312"},
		{map[string]string{"go.mod": "module x"}, "go", "go"},
		{map[string]string{"package.json": "{}", ".nvmrc": "v22.3.0\n"}, "node20", "node22"},
		{map[string]string{"package.json": "{}", ".nvmrc": "\n", ".node-version": "20"}, "node20", "node20"},
		{map[string]string{"package.json": `{"engines":{"node":">=22"}}`}, "node20", "node22"},
		{map[string]string{"package.json": `{"engines":{"node":">=22"}}`, ".nvmrc": "20"}, "node20", "node20"},
		{map[string]string{"requirements.txt": "", ".python-version": "3.13.1\n"}, "python312", "python313"},
		{map[string]string{"pyproject.toml": "[project]\nrequires-python = \"3.13\"\n"}, "python312", "python313"},
		{map[string]string{"pyproject.toml": "[project]\nrequires-python = \">=3.11\"\n"}, "python312", "python312"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		var names []string
		for name, content := range tt.files {
			names = append(names, name)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := Detect(dir)
		if err != nil || got != tt.want {
			t.Errorf("Detect(%v) = %q, %v; want %q", names, got, err, tt.want)
		}
		got, err = DetectVersion(dir)
		if err != nil || got != tt.version {
			t.Errorf("DetectVersion(%v) = %q, %v; want %q", names, got, err, tt.version)
		}
	}
}

func TestDetectNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "package.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Detect(dir)
	if !errors.Is(err, ErrNotDetected) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Detect(empty dir) error = %v, want ErrNotDetected naming the directory", err)
	}
	if _, err := Detect(filepath.Join(dir, "missing")); err == nil {
		t.Error("Detect(missing dir) succeeded")
	}
}
