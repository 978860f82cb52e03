package dockerfile

import (
	"fmt"
	"testing"

	"github.com/zlayer/zlayer/source"
)

// FuzzParse checks that any input parses, converts and formats without a
// panic, and that every range the parser reports lies inside the file.
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("FROM alpine AS build\nRUN --mount=type=cache,target=/c make\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file := Parse("Dockerfile", src)
		check := func(what string, r source.Range) {
			if err := inside(file.Source, r); err != nil {
				t.Fatalf("%s range %v: %v", what, r, err)
			}
		}
		for _, in := range file.Instructions {
			checkInstructionRanges(in, check)
			if in.Trigger != nil {
				checkInstructionRanges(in.Trigger, check)
			}
		}
		for _, st := range file.Stages {
			check("stage", st.Range)
			check("stage base", st.BaseRange)
			check("stage name", st.NameRange)
		}
		for _, d := range file.Diagnostics {
			check("diagnostic "+d.Code, d.Range)
		}
		p, _ := file.Plan()
		if _, err := Format(p); err != nil {
			t.Fatalf("Format: %v", err)
		}
	})
}

func checkInstructionRanges(in *Instruction, check func(string, source.Range)) {
	check("instruction", in.Range)
	check("keyword", in.KeywordRange)
	for _, fl := range in.Flags {
		check("flag", fl.Range)
		check("flag name", fl.NameRange)
		check("flag value", fl.ValueRange)
	}
	for _, a := range in.Args {
		check("arg", a.Range)
	}
	for _, h := range in.Heredocs {
		check("heredoc", h.Range)
	}
}

// inside reports why r is not a range of f, or nil. The zero range means
// "no position" and is allowed.
func inside(f *source.File, r source.Range) error {
	if r.IsZero() {
		return nil
	}
	if r.End.Before(r.Start) {
		return fmt.Errorf("ends before it starts")
	}
	for _, p := range []source.Pos{r.Start, r.End} {
		if p.Line < 1 || p.Line > f.LineCount() {
			return fmt.Errorf("line %d outside 1..%d", p.Line, f.LineCount())
		}
		if p.Col < 0 || p.Col > len(f.LineText(p.Line)) {
			return fmt.Errorf("column %d outside line %d of length %d", p.Col, p.Line, len(f.LineText(p.Line)))
		}
	}
	return nil
}
