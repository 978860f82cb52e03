package runner

import (
	"testing"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestIndependentStagesOverlap(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": `FROM busybox AS one
RUN sleep 2

FROM busybox AS two
RUN sleep 2

FROM busybox
COPY --from=one /etc/passwd /one
COPY --from=two /etc/passwd /two
`,
	})
	_, rec, err := runBuild(t, s, dir, p, Options{Jobs: 2})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	// Positions in the event stream, which the build emits in order.
	type span struct{ start, end int }
	stages := map[int]*span{}
	runs := map[int]*span{}
	for i, e := range rec.events {
		switch e := e.(type) {
		case StageStarted:
			stages[e.Stage] = &span{start: i}
		case StageDone:
			stages[e.Stage].end = i
		case StepStarted:
			if e.Step == 2 {
				runs[e.Stage] = &span{start: i}
			}
		case StepDone:
			if e.Step == 2 {
				runs[e.Stage].end = i
			}
		}
	}
	overlap := func(a, b *span) bool { return a != nil && b != nil && a.start < b.end && b.start < a.end }
	if !overlap(stages[0], stages[1]) {
		t.Errorf("with --jobs 2 stages one and two did not overlap: %+v %+v", stages[0], stages[1])
	}
	if !overlap(runs[0], runs[1]) {
		t.Errorf("with --jobs 2 the two sleeps did not overlap: %+v %+v", runs[0], runs[1])
	}
	if stages[2] == nil || stages[2].start < max(stages[0].end, stages[1].end) {
		t.Errorf("the last stage started before the stages it copies from were done: %+v", stages)
	}
}
