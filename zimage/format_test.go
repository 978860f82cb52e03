package zimage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/plan"
)

// roundTrip formats a plan, parses the result and checks that it is a
// clean ZImagefile whose plan formats to the same text again.
func roundTrip(t *testing.T, p *plan.Plan) string {
	t.Helper()
	out, err := Format(p)
	if err != nil {
		t.Fatalf("Format: %v", err)
	}
	f := Parse("converted.zimagefile", out)
	if f.HasErrors() {
		t.Fatalf("formatted file has errors:\n%s\n%s", formatDiags(f, f.Diagnostics), out)
	}
	p2, err := f.Plan()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Format(p2)
	if err != nil {
		t.Fatalf("Format of the reparsed plan: %v", err)
	}
	if string(again) != string(out) {
		t.Errorf("format is not stable:\n--- first ---\n%s--- second ---\n%s", out, again)
	}
	return string(out)
}

// TestFormatPlans formats the plans of the plan fixtures and compares
// with golden ZImagefiles.
func TestFormatPlans(t *testing.T) {
	files, _ := filepath.Glob("testdata/plans/*.zimagefile")
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, _ := os.ReadFile(path)
			p, err := Parse(filepath.Base(path), src).Plan()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(path, ".zimagefile")+".formatted", roundTrip(t, p))
		})
	}
}

// TestFormatDockerfiles converts the corpus Dockerfiles that have a
// ZImagefile twin.
func TestFormatDockerfiles(t *testing.T) {
	for _, name := range []string{"zimagefile-node", "zimagefile-rust"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(corpusDir, "examples", name, "Dockerfile")
			src, err := os.ReadFile(path)
			if err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatal(err)
				}
				t.Skip(err)
			}
			p, diags := dockerfile.Parse("Dockerfile", src).Plan()
			if len(diags) > 0 {
				t.Fatalf("Dockerfile errors: %v", diags)
			}
			golden(t, filepath.Join("testdata", "format", name+".zimagefile"), roundTrip(t, p))
		})
	}
}

// TestFormatRefuses checks the clear errors for what a ZImagefile cannot
// express.
func TestFormatRefuses(t *testing.T) {
	tests := []struct {
		name, dockerfile, want string
	}{
		{"bind mount", "FROM a\nRUN --mount=type=bind,target=/x true\n", "Dockerfile:2: RUN: a ZImagefile can only mount caches, not --mount=type=bind"},
		{"secret", "FROM a\nRUN --mount=type=secret,id=x true\n", "not --mount=type=secret"},
		{"shell", "FROM a\nSHELL [\"/bin/bash\", \"-c\"]\n", "Dockerfile:2: SHELL: a ZImagefile has no SHELL"},
		{"onbuild", "FROM a\nONBUILD RUN true\n", "has no ONBUILD"},
		{"heredoc", "FROM a\nRUN <<EOF\necho hi\nEOF\n", "has no heredocs"},
		{"healthcheck none", "FROM a\nHEALTHCHECK NONE\n", "cannot disable an inherited health check"},
		{"expose variable", "FROM a\nEXPOSE $PORT\n", "expose takes no variables"},
		{"copy link", "FROM a\nCOPY --link a /b\n", "no --link"},
		{"network", "FROM a\nRUN --network=none true\n", "cannot set the network"},
		{"copy from variable", "ARG S=a\nFROM a\nCOPY --from=$S /x /y\n", `Dockerfile:3: COPY --from: "$S" uses a variable, which a ZImagefile's from cannot`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, diags := dockerfile.Parse("Dockerfile", []byte(tt.dockerfile)).Plan()
			if len(diags) > 0 {
				t.Fatalf("Dockerfile errors: %v", diags)
			}
			_, err := Format(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Format error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
