package watch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildcontext"
)

func TestRelevance(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".dockerignore", "docker\n**/*.md\ngen\n!gen/keep\nvendor")
	write(t, root, "docker/Dockerfile", "FROM scratch")
	if err := os.MkdirAll(filepath.Join(root, "vendor/x"), 0o755); err != nil {
		t.Fatal(err)
	}
	buildFile := filepath.Join(root, "docker/Dockerfile")
	bc, err := buildcontext.Open(root, buildFile)
	if err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{
		Nested: []*plan.Nested{{Context: "sub/base"}},
		Stages: []*plan.Stage{{Instructions: []plan.Instruction{
			&plan.Copy{Sources: []string{"src", "/go.mod", "cfg/*.yaml"}},
			&plan.Copy{Sources: []string{"https://example.com/x.tar"}, Add: true},
			&plan.Copy{From: "builder", Sources: []string{"bin"}},
			&plan.Run{Mounts: []plan.Mount{{Type: "bind", Source: "scripts"}, {Type: "cache", Target: "cache"}}},
		}}},
	}
	r := NewRelevance(bc, buildFile, p)
	tests := []struct {
		path string
		want bool
	}{
		{"docker/Dockerfile", true}, // ignored, but the build file always counts
		{"docker/other", false},
		{".dockerignore", true},
		{"docker/Dockerfile.dockerignore", true},
		{"src/main.go", true},
		{"src/README.md", false},
		{"go.mod", true},
		{"go.sum", false},
		{"cfg/app.yaml", true},
		{"cfg/app.json", false},
		{"sub/base/README.md", true}, // a nested context counts whole
		{"sub/other", false},
		{"bin/tool", false},        // copied from a stage, not the context
		{"scripts/build.sh", true}, // a bind mount of the context
		{"cache/x", false},
	}
	for _, tt := range tests {
		if got := r.Relevant(tt.path); got != tt.want {
			t.Errorf("Relevant(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	skip := []struct {
		path string
		want bool
	}{
		{"vendor", true},
		{"docker", false}, // holds the build file
		{"gen", false},    // gen/keep is re-included
		{"src", false},
	}
	for _, tt := range skip {
		if got := r.SkipDir(tt.path); got != tt.want {
			t.Errorf("SkipDir(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}

	// A build file that no longer parses keeps the old sources.
	r.Update(bc, buildFile, nil)
	if !r.Relevant("src/main.go") || !r.Relevant("sub/base/x") {
		t.Error("Update with a nil plan dropped the previous sources")
	}
	// A source with a variable makes everything not ignored count.
	r.Update(bc, buildFile, &plan.Plan{Stages: []*plan.Stage{{Instructions: []plan.Instruction{
		&plan.Copy{Sources: []string{"${APP}/bin"}},
	}}}})
	if !r.Relevant("anything/at/all") || r.Relevant("x.md") || r.Relevant("src/notes.md") {
		t.Error("a source with a variable should make every file the ignore file keeps relevant")
	}
}
