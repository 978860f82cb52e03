package lint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/dockerfile"
)

// TestStageReferencedLater checks the warning for a FROM or RUN --mount
// from= that names a later stage (a cycle shows up this way) or, for a
// mount, the stage itself, and its absence where the name is an earlier
// stage, a variable, or a stage named like its own base image.
func TestStageReferencedLater(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line:col message" of each finding
	}{
		{"cycle", "FROM b AS a\nFROM a AS b\n",
			[]string{"1:5 FROM b names stage 'b', which is defined later (line 2); only earlier stages can be used, so this uses an image called 'b'"}},
		{"mount from a later stage", "FROM alpine:3 AS a\nRUN --mount=type=cache,target=/c --mount=type=bind,from=B,target=/x true\nFROM alpine:3 AS b\n",
			[]string{"2:33 RUN --mount from=B names stage 'b', which is defined later (line 3); only earlier stages can be used, so this uses an image called 'B'"}},
		{"mount from its own stage", "FROM alpine:3 AS a\nRUN --mount=from=a,target=/x true\n",
			[]string{"2:4 RUN --mount from=a names its own stage 'a'; only earlier stages can be used, so this uses an image called 'a'"}},
		{"earlier stages", "FROM alpine:3 AS a\nFROM a AS b\nRUN --mount=from=a,target=/x --mount=from=0,target=/y true\n", nil},
		{"image named like its stage", "FROM node:22 AS build\nFROM node AS node\n", nil},
		{"variable", "ARG B=b\nFROM $B AS a\nFROM alpine:3 AS b\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := dockerfile.Parse("Dockerfile", []byte(tt.src))
			var got []string
			for _, d := range Check(f, Config{}) {
				if d.Code == "StageReferencedLater" {
					got = append(got, fmt.Sprintf("%d:%d %s", d.Range.Start.Line, d.Range.Start.Col, d.Message))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
