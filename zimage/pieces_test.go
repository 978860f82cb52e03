package zimage

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// wholeTree parses src in one piece, as parseTolerant does without pieces,
// and returns the tree, or ok false when it does not parse cleanly.
func wholeTree(sf *source.File) (*node, bool) {
	f, err := safeParse(sf.Text)
	if err != nil {
		return nil, false
	}
	py := &parsedYAML{text: sf.Text}
	py.build(sf, f)
	return py.root, len(py.errs) == 0 && py.extraDoc == nil
}

// dumpTree prints every field of a tree that the rules and the schema read.
func dumpTree(b *strings.Builder, n *node, indent string) {
	if n == nil {
		b.WriteString(indent + "nil\n")
		return
	}
	fmt.Fprintf(b, "%s%d %d %q %v flow=%v alias=%v opaque=%v\n", indent, n.kind, n.typ, n.text, n.rng, n.flow, n.alias, n.opaque)
	for _, p := range n.pairs {
		fmt.Fprintf(b, "%s pair merge=%v shadowed=%v\n", indent, p.merge, p.shadowed)
		dumpTree(b, p.key, indent+"  ")
		dumpTree(b, p.value, indent+"  ")
	}
	for _, it := range n.items {
		dumpTree(b, it, indent+"  ")
	}
}

// checkPieces fails when parsing src in pieces gives another tree than
// parsing it whole, or gives a tree where the whole text has errors.
func checkPieces(t *testing.T, name string, src []byte, n, minSize int) (pieced bool) {
	t.Helper()
	sf := source.NewFile(name, src)
	py, ok := parsePieces(sf, src, n, minSize)
	if !ok {
		return false
	}
	whole, clean := wholeTree(sf)
	if !clean {
		t.Errorf("%s: parsed in pieces, but the whole text has errors", name)
		return true
	}
	var got, want strings.Builder
	dumpTree(&got, py.root, "")
	dumpTree(&want, whole, "")
	if got.String() != want.String() {
		t.Errorf("%s (%d pieces of %d bytes): the trees differ\npieces:\n%s\nwhole:\n%s", name, n, minSize, got.String(), want.String())
	}
	return true
}

// TestPiecesMatchWhole parses every corpus and fixture file in pieces as
// small as a stage, and the 1,000-step file in the pieces Parse uses.
func TestPiecesMatchWhole(t *testing.T) {
	paths := corpusFiles(t)
	for _, pattern := range []string{"testdata/rules/*.zimagefile", "testdata/plans/*.zimagefile", "testdata/format/*"} {
		more, _ := filepath.Glob(pattern)
		paths = append(paths, more...)
	}
	pieced := 0
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for n := 2; n <= 4; n++ {
			if checkPieces(t, p, src, n, 1) {
				pieced++
			}
		}
	}
	if pieced < 20 {
		t.Errorf("only %d of %d parses were done in pieces: the test checks too little", pieced, 3*len(paths))
	}
	if !checkPieces(t, "large", large1000(), 2, minPieceSize) {
		t.Error("the 1,000-step file was not parsed in pieces")
	}
}

// TestPiecesDecline lists layouts that must be parsed whole.
func TestPiecesDecline(t *testing.T) {
	stage := "    base: alpine\n    steps:\n      - run: make\n"
	for _, src := range []string{
		"stages:\n  a:\n" + stage + "  b: &x\n" + stage + "  c: *x\n",
		"stages:\n  a:\n" + stage + "  b: !!map\n" + stage,
		"stages:\n  a:\n" + stage + "  b:\n    <<: {base: x}\n",
		"stages:\n  a:\n" + stage + "  ? b\n  : " + stage,
		"stages:\n  a:\n" + stage + "  b:\n    run: \"open\n  c: x\"\n",
		"stages:\n  a:\n" + stage + "  b:\n" + stage + "---\nstages: {}\n",
		"stages:\n  a:\n" + stage + "\tb:\n" + stage,
		"stages: # the stages\n- a\n- b\n- c\n",
	} {
		if checkPieces(t, src, []byte(src), 2, 1) {
			t.Errorf("parsed in pieces:\n%s", src)
		}
	}
}

// FuzzPieces checks that a text parsed in pieces gives the tree of the
// whole text.
func FuzzPieces(f *testing.F) {
	f.Add(large1000()[:4000], 2)
	f.Add([]byte("version: \"1\"\nstages:\n  a:\n    base: x\n  \"b\":\n    base: y # c\n\n  c: {base: z}\nlabels: {a: b}\n"), 3)
	f.Fuzz(func(t *testing.T, src []byte, n int) {
		checkPieces(t, "fuzz", src, 2+int(uint(n)%4), 1)
	})
}

// TestPiecesDiagnostics checks what a user sees in a file parsed in
// pieces: errors in a later piece at their own lines, and a stage name
// repeated across pieces reported as a duplicate.
func TestPiecesDiagnostics(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2))) // Parse cuts one piece per CPU
	src := string(large1000())
	src = strings.Replace(src, "      - workdir: \"/app/93\"\n", "      - workdr: \"/app/93\"\n", 1) // in s00
	last := strings.LastIndex(src, "      - workdir: \"/app/98\"\n")
	src = src[:last] + "      - workdr: \"/app/98\"\n" + src[last+len("      - workdir: \"/app/98\"\n"):] // in s09
	src = strings.Replace(src, "  s08:\n", "  s01:\n", 1)
	f := parse("ZImagefile", []byte(src))
	if !f.pieced {
		t.Fatal("the file was not parsed in pieces")
	}
	lines := strings.Split(src, "\n")
	lineOf := func(text string, nth int) int {
		for i, l := range lines {
			if strings.Contains(l, text) {
				if nth--; nth == 0 {
					return i + 1
				}
			}
		}
		return 0
	}
	got := map[string]int{}
	for _, d := range f.Diagnostics {
		if d.Severity == diag.Error {
			got[fmt.Sprintf("%s@%d:%d", d.Code, d.Range.Start.Line, d.Range.Start.Col)]++
		}
	}
	for _, w := range []string{
		fmt.Sprintf("ZI003@%d:8", lineOf("workdr:", 1)),
		fmt.Sprintf("ZI003@%d:8", lineOf("workdr:", 2)),
		fmt.Sprintf("ZI005@%d:2", lineOf("  s01:", 2)),
	} {
		if got[w] == 0 {
			t.Errorf("no error %s; got %v", w, got)
		}
	}
}
