package dockerfile

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
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

// FuzzReparse checks that reparsing a file after an edit gives the
// diagnostics and commands a fresh parse gives: the edit replaces n bytes
// at offset at with ins.
func FuzzReparse(f *testing.F) {
	f.Add([]byte("FROM alpine AS build\nRUN echo a\n"), uint(26), uint8(1), []byte("b"))
	f.Add([]byte("# escape=`\nFROM alpine\nRUN a `\n  b\n"), uint(0), uint8(11), []byte(""))
	f.Add([]byte("FROM a\nMAINTAINER x\nCOPY --chmod=7 a b\n"), uint(0), uint8(0), []byte("# check=skip=all\n"))
	f.Add([]byte("FROM a\nRUN <<E\nx\nE\nRUN b\n"), uint(14), uint8(1), []byte("y\nz"))
	f.Fuzz(func(t *testing.T, a []byte, at uint, n uint8, ins []byte) {
		at = min(at, uint(len(a)))
		end := min(at+uint(n), uint(len(a)))
		b := slices.Concat(a[:at], ins, a[end:])
		got := Reparse("Dockerfile", b, Parse("Dockerfile", a))
		want := Parse("Dockerfile", b)
		if !reflect.DeepEqual(stableDiagnostics(got.Diagnostics), stableDiagnostics(want.Diagnostics)) {
			t.Fatalf("diagnostics after reparse:\n%v\nafter a fresh parse:\n%v", got.Diagnostics, want.Diagnostics)
		}
		for i, in := range got.Instructions {
			if !reflect.DeepEqual(in.Command, want.Instructions[i].Command) {
				t.Fatalf("instruction %d: command %#v after reparse, %#v after a fresh parse", i, in.Command, want.Instructions[i].Command)
			}
		}
	})
}

// stableDiagnostics drops the suggestion of an unknown-instruction error, which
// BuildKit picks among equally close names in no fixed order.
func stableDiagnostics(ds []diag.Diagnostic) []diag.Diagnostic {
	out := slices.Clone(ds)
	for i := range out {
		if msg, _, ok := strings.Cut(out[i].Message, " (did you mean "); ok {
			out[i].Message = msg
		}
	}
	return out
}
