package runner

import (
	"strings"
	"testing"

	"github.com/zlayer/zlayer/dockerfile"
)

func TestCommitPoints(t *testing.T) {
	for _, tc := range []struct {
		name, stage string
		want        string // one letter per instruction: c commits after it, - does not
	}{
		{"copy joins the run after it", "COPY a /a\nRUN x\nCOPY b /b\nRUN y\n", "-c--"},
		{"run before run", "RUN x\nRUN y\n", "c-"},
		{"two copies", "COPY a /a\nCOPY b /b\nRUN x\n", "c--"},
		{"configuration after the last run", "COPY a /a\nRUN x\nCMD [\"y\"]\n", "-c-"},
		{"configuration between copy and run", "COPY a /a\nENV A=1\nRUN x\nRUN y\n", "--c-"},
		{"copy --from starts a group", "COPY a /a\nCOPY --from=other /o /o\nRUN x\n", "c--"},
		{"run mounting a stage starts a group", "COPY a /a\nRUN --mount=from=other,target=/o x\n", "c-"},
		{"configuration only", "ENV A=1\nLABEL b=2\n", "--"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, diags := dockerfile.Parse("Dockerfile", []byte("FROM other AS other\nFROM busybox\n"+tc.stage)).Plan()
			if len(diags) > 0 {
				t.Fatal(diags)
			}
			var got strings.Builder
			for _, c := range commitPoints(p.Stages[1].Instructions) {
				got.WriteString(map[bool]string{true: "c", false: "-"}[c])
			}
			if got.String() != tc.want {
				t.Errorf("commit points of\n%s= %s, want %s", tc.stage, got.String(), tc.want)
			}
		})
	}
}
