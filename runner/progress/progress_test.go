package progress

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/source"
)

// events is a small successful build and a failing one.
var events = []runner.Event{
	runner.BuildStarted{Stages: 1, Steps: 2},
	runner.StageStarted{Stage: 0, Name: "stage-0", Base: "busybox", Steps: 2},
	runner.StepStarted{Stage: 0, Step: 1, Instruction: "FROM busybox", File: "Dockerfile", Line: 1, Name: "stage-0", Steps: 2},
	runner.StepDone{Stage: 0, Step: 1, DurationMS: 20},
	runner.StepStarted{Stage: 0, Step: 2, Instruction: "RUN echo hi", File: "Dockerfile", Line: 2, Name: "stage-0", Steps: 2},
	runner.Output{Stage: 0, Step: 2, Stream: "stdout", Line: "hi", Name: "stage-0"},
	runner.StepDone{Stage: 0, Step: 2, Cached: false, DurationMS: 300},
	runner.StageDone{Stage: 0, Image: "0123456789abcdef"},
	runner.BuildDone{ImageID: "0123456789abcdef", Tags: []string{"localhost/x:1"}, Size: 2010000, Layers: 2, DurationMS: 1234},
	runner.BuildFailed{Error: "boom", Stage: 0, Step: 2, File: "Dockerfile", Line: 2},
}

func TestJSONShapes(t *testing.T) {
	var b bytes.Buffer
	p, _ := New(&b, JSON)
	for _, e := range events {
		p.Event(e)
	}
	p.Close()
	want := `{"type":"build_started","stages":1,"steps":2}
{"type":"stage_started","stage":0,"name":"stage-0","base":"busybox"}
{"type":"step_started","stage":0,"step":1,"instruction":"FROM busybox","file":"Dockerfile","line":1}
{"type":"step_done","stage":0,"step":1,"cached":false,"duration_ms":20}
{"type":"step_started","stage":0,"step":2,"instruction":"RUN echo hi","file":"Dockerfile","line":2}
{"type":"output","stage":0,"step":2,"stream":"stdout","line":"hi"}
{"type":"step_done","stage":0,"step":2,"cached":false,"duration_ms":300}
{"type":"stage_done","stage":0,"image":"0123456789abcdef"}
{"type":"build_done","image_id":"0123456789abcdef","tags":["localhost/x:1"],"size":2010000,"layers":2,"duration_ms":1234}
{"type":"build_failed","error":"boom","stage":0,"step":2,"file":"Dockerfile","line":2}
`
	if b.String() != want {
		t.Errorf("json progress:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPlainLook(t *testing.T) {
	var b bytes.Buffer
	p, _ := New(&b, Plain)
	for _, e := range events {
		p.Event(e)
	}
	want := []string{
		`^#1 \[stage-0 1/2\] FROM busybox$`,
		`^#1 DONE 0\.0s$`,
		`^#2 \[stage-0 2/2\] RUN echo hi$`,
		`^#2 \d+\.\d{3} \[stage-0\] hi$`,
		`^#2 DONE 0\.3s$`,
		`^#3 \[stage-0\] committed 0123456789ab$`,
		`^#4 writing image sha256:0123456789abcdef$`,
		`^#4 naming to localhost/x:1$`,
		`^#4 DONE 1\.2s \(2 layers, 2\.01 MB\)$`,
		`^#2 ERROR: boom$`,
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("plain progress has %d lines, want %d:\n%s", len(lines), len(want), b.String())
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want %s", i+1, lines[i], re)
		}
	}
}

func TestTTYFinalFrame(t *testing.T) {
	var b bytes.Buffer
	p, _ := New(&b, TTY)
	for _, e := range events[:len(events)-1] {
		p.Event(e)
	}
	p.Close()
	out := b.String()
	for _, want := range []string{"[+] Building", "(2/2) FINISHED", " => [stage-0 2/2] RUN echo hi"} {
		if !strings.Contains(out, want) {
			t.Errorf("tty output lacks %q:\n%q", want, out)
		}
	}
}

func TestFailureReport(t *testing.T) {
	src := []byte("FROM busybox\nRUN echo ok\nRUN echo a\nRUN false\nRUN echo b\n\n\n\n\n\nRUN echo far\n")
	err := &runner.StepError{Stage: 0, StageName: "stage-0", Step: 4, Steps: 6, Instruction: "RUN false",
		File: "Dockerfile", Range: source.Range{Start: source.Pos{Line: 4}, End: source.Pos{Line: 4, Col: 9}},
		Output: []string{"some output"}, Err: errors.New(`process "/bin/sh -c false" did not complete successfully: exit code: 1`)}
	var b bytes.Buffer
	Failure(&b, err, src)
	want := `------
 > [stage-0 4/6] RUN false:
some output
------
Dockerfile:4
--------------------
   1 |     FROM busybox
   2 |     RUN echo ok
   3 |     RUN echo a
   4 | >>> RUN false
   5 |     RUN echo b
--------------------
ERROR: failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1
`
	if b.String() != want {
		t.Errorf("failure report:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSnippetMultiLine(t *testing.T) {
	f := source.NewFile("Dockerfile", []byte("FROM a\nRUN one \\\n  two\nRUN x\nRUN y\nRUN z\n"))
	var b bytes.Buffer
	Snippet(&b, f, source.Range{Start: source.Pos{Line: 2}, End: source.Pos{Line: 3, Col: 5}})
	want := "Dockerfile:2-3\n--------------------\n   1 |     FROM a\n   2 | >>> RUN one \\\n   3 | >>>   two\n   4 |     RUN x\n   5 |     RUN y\n--------------------\n"
	if b.String() != want {
		t.Errorf("snippet:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestParallelOutputPrefixedWithStage(t *testing.T) {
	interleaved := []runner.Event{
		runner.BuildStarted{Stages: 2, Steps: 4},
		runner.StageStarted{Stage: 0, Name: "web", Steps: 2},
		runner.StageStarted{Stage: 1, Name: "api", Steps: 2},
		runner.StepStarted{Stage: 0, Step: 2, Instruction: "RUN make web", Name: "web", Steps: 2},
		runner.StepStarted{Stage: 1, Step: 2, Instruction: "RUN make api", Name: "api", Steps: 2},
		runner.Output{Stage: 0, Step: 2, Stream: "stdout", Line: "building web", Name: "web"},
		runner.Output{Stage: 1, Step: 2, Stream: "stdout", Line: "building api", Name: "api"},
		runner.Output{Stage: 0, Step: 2, Stream: "stderr", Line: "web done", Name: "web"},
	}
	for _, mode := range []string{Plain, TTY} {
		var b bytes.Buffer
		p, _ := New(&b, mode)
		for _, e := range interleaved {
			p.Event(e)
		}
		p.Close()
		for _, want := range []string{"[web] building web", "[api] building api", "[web] web done"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s output lacks %q:\n%s", mode, want, b.String())
			}
		}
	}
}
