package schema

import (
	"slices"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	s := load(t)
	tests := []struct {
		name     string
		ptr      []string
		want     []string // names in order
		required []string
		types    map[string]string // a few type labels to check
	}{
		{
			name: "top level",
			ptr:  nil,
			want: []string{"version", "runtime", "base", "build", "steps", "platform", "os", "stages", "wasm",
				"env", "workdir", "expose", "cmd", "entrypoint", "user", "labels", "volumes", "healthcheck", "stopsignal", "args"},
			types: map[string]string{"steps": "list of steps", "stages": "map of stages", "cmd": "command",
				"env": "string map", "volumes": "string list", "expose": "port or list of ports", "base": "string", "build": "build"},
		},
		{
			name: "stage under any name",
			ptr:  []string{"stages", "my builder"},
			want: []string{"base", "build", "platform", "os", "args", "env", "workdir", "steps", "labels", "expose",
				"user", "entrypoint", "cmd", "volumes", "healthcheck", "stopsignal"},
		},
		{
			name:  "step",
			ptr:   []string{"stages", "app", "steps", "3"},
			want:  []string{"run", "copy", "add", "env", "workdir", "user", "to", "from", "owner", "chmod", "cache"},
			types: map[string]string{"run": "command", "copy": "sources", "cache": "list of cache mounts", "to": "string"},
		},
		{
			name:     "top-level step",
			ptr:      []string{"steps", "0"},
			want:     []string{"run", "copy", "add", "env", "workdir", "user", "to", "from", "owner", "chmod", "cache"},
			required: nil,
		},
		{
			name:     "cache mount",
			ptr:      []string{"steps", "1", "cache", "0"},
			want:     []string{"target", "id", "sharing", "readonly"},
			required: []string{"target"},
			types:    map[string]string{"target": "string", "readonly": "boolean"},
		},
		{
			name:     "healthcheck",
			ptr:      []string{"healthcheck"},
			want:     []string{"cmd", "interval", "timeout", "start_period", "retries"},
			required: []string{"cmd"},
			types:    map[string]string{"cmd": "command", "interval": "duration", "retries": "u32"},
		},
		{
			name:     "stage healthcheck",
			ptr:      []string{"stages", "app", "healthcheck"},
			want:     []string{"cmd", "interval", "timeout", "start_period", "retries"},
			required: []string{"cmd"},
		},
		{
			name: "wasm",
			ptr:  []string{"wasm"},
			want: []string{"target", "optimize", "opt_level", "language", "wit", "world", "output", "features",
				"build_args", "pre_build", "post_build", "adapter", "oci"},
			types: map[string]string{"pre_build": "list of commands", "oci": "boolean", "features": "string list"},
		},
		{
			name: "build long form",
			ptr:  []string{"stages", "base", "build"},
			want: []string{"workdir", "context", "file", "args"},
		},
		{name: "string map has no fixed keys", ptr: []string{"env"}, want: nil},
		{name: "a list has no keys", ptr: []string{"steps"}, want: nil},
		{name: "unknown location", ptr: []string{"nope", "deeper"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := s.Keys(tt.ptr)
			var names, required []string
			for _, k := range keys {
				names = append(names, k.Name)
				if k.Required {
					required = append(required, k.Name)
				}
				if k.Description == "" || k.Title == "" || k.Type == "" {
					t.Errorf("key %q: title %q, description %q, type %q", k.Name, k.Title, k.Description, k.Type)
				}
				if want, ok := tt.types[k.Name]; ok && k.Type != want {
					t.Errorf("key %q: type %q, want %q", k.Name, k.Type, want)
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("Keys(%q) = %q, want %q", tt.ptr, names, tt.want)
			}
			if !slices.Equal(required, tt.required) {
				t.Errorf("required keys = %q, want %q", required, tt.required)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	s := load(t)
	tests := []struct {
		ptr         []string
		title       string
		descWord    string // a word the description must contain
		typ         string
		enum        []string
		def         string
		examplesHas string
	}{
		{ptr: nil, title: "ZImagefile", descWord: "Dockerfile", typ: "mapping"},
		{ptr: []string{"runtime"}, title: "Runtime template", descWord: "node22", typ: "string", examplesHas: "python312"},
		{ptr: []string{"os"}, title: "Target operating system", descWord: "windows", typ: "linux or windows", enum: []string{"linux", "windows"}, def: "linux"},
		{ptr: []string{"stages", "web"}, title: "stage", descWord: "base", typ: "stage"},
		{ptr: []string{"stages", "web", "base"}, title: "Base", descWord: "earlier stage", typ: "string", examplesHas: "scratch"},
		{ptr: []string{"stages", "web", "steps", "0", "copy"}, title: "Copy files", descWord: "context", typ: "sources"},
		{ptr: []string{"steps", "2", "cache", "0", "sharing"}, title: "Sharing", descWord: "locked", typ: "string",
			enum: []string{"shared", "locked", "private"}, def: "shared"},
		{ptr: []string{"steps", "2", "cache", "0", "readonly"}, title: "Read-only", descWord: "read-only", typ: "boolean", def: "false"},
		{ptr: []string{"healthcheck", "retries"}, title: "Retries", descWord: "unhealthy", typ: "u32", examplesHas: "3"},
		{ptr: []string{"healthcheck", "interval"}, title: "Interval", descWord: "between", typ: "duration", examplesHas: "30s"},
		{ptr: []string{"wasm", "target"}, title: "WASI target", descWord: "component", typ: "string",
			enum: []string{"preview1", "preview2"}, def: "preview2"},
		{ptr: []string{"wasm", "features"}, title: "Features", descWord: "cargo", typ: "string list", def: "[]"},
		{ptr: []string{"wasm", "build_args"}, title: "Build arguments", descWord: "name", typ: "string map", def: "{}"},
		{ptr: []string{"version"}, title: "Format version", descWord: "1", typ: "string", enum: []string{"1"}},
		{ptr: []string{"env", "PATH"}, title: "string", descWord: "Numbers", typ: "string"},
		{ptr: []string{"expose", "1"}, title: "port", descWord: "udp", typ: "port", examplesHas: "53/udp"},
	}
	for _, tt := range tests {
		info, ok := s.Describe(tt.ptr)
		if !ok {
			t.Errorf("Describe(%q) found nothing", tt.ptr)
			continue
		}
		if info.Title != tt.title || info.Type != tt.typ || info.Default != tt.def || !slices.Equal(info.Enum, tt.enum) {
			t.Errorf("Describe(%q) = title %q, type %q, default %q, enum %q; want %q, %q, %q, %q",
				tt.ptr, info.Title, info.Type, info.Default, info.Enum, tt.title, tt.typ, tt.def, tt.enum)
		}
		if !strings.Contains(info.Description, tt.descWord) {
			t.Errorf("Describe(%q).Description = %q, want it to mention %q", tt.ptr, info.Description, tt.descWord)
		}
		if tt.examplesHas != "" && !slices.Contains(info.Examples, tt.examplesHas) {
			t.Errorf("Describe(%q).Examples = %q, want %q among them", tt.ptr, info.Examples, tt.examplesHas)
		}
	}
	for _, ptr := range [][]string{{"nope"}, {"stages", "a", "frm"}, {"steps", "x"}} {
		if info, ok := s.Describe(ptr); ok {
			t.Errorf("Describe(%q) = %+v, want nothing", ptr, info)
		}
	}
}

func TestValues(t *testing.T) {
	s := load(t)
	tests := []struct {
		ptr  []string
		want []string
	}{
		{[]string{"os"}, []string{"linux", "windows"}},
		{[]string{"stages", "x", "os"}, []string{"linux", "windows"}},
		{[]string{"steps", "0", "cache", "0", "sharing"}, []string{"shared", "locked", "private"}},
		{[]string{"steps", "0", "cache", "0", "readonly"}, []string{"true", "false"}},
		{[]string{"wasm", "opt_level"}, []string{"O", "Os", "Oz", "O2", "O3"}},
		{[]string{"wasm", "language"}, []string{"rust", "go", "python", "typescript", "assemblyscript", "c", "zig"}},
		{[]string{"wasm", "world"}, []string{"zlayer-plugin", "zlayer-http-handler", "zlayer-transformer",
			"zlayer-authenticator", "zlayer-rate-limiter", "zlayer-middleware", "zlayer-router"}},
		{[]string{"wasm", "oci"}, []string{"true", "false"}},
		{[]string{"runtime"}, []string{"node20", "node22", "python312", "python313", "rust", "go", "deno", "bun", "wasm"}},
		{[]string{"version"}, []string{"1"}},
		{[]string{"env", "X"}, nil},
		{[]string{"nope"}, nil},
	}
	for _, tt := range tests {
		if got := s.Values(tt.ptr); !slices.Equal(got, tt.want) {
			t.Errorf("Values(%q) = %q, want %q", tt.ptr, got, tt.want)
		}
	}
}
