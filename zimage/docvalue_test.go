package zimage

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// docValueInputs gathers every ZImagefile the tests know: rule fixtures,
// plan fixtures, the fuzz seeds, the agreement test's small files, the
// shared corpus and the 1,000-step bench file.
func docValueInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{"large1000": large1000()}
	for name, src := range badFiles {
		in["bad/"+name] = []byte(src)
	}
	var paths []string
	for _, pat := range []string{
		"testdata/rules/*.zimagefile", "testdata/plans/*.zimagefile", "testdata/format/*.zimagefile",
		"../schema/testdata/valid/*.zimagefile",
	} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	// The shared corpus, when it is there (TestCorpusParses insists on it).
	filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && IsZImagefileName(d.Name()) {
			paths = append(paths, path)
		}
		return nil
	})
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in[p] = src
	}
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, arg, ok := strings.Cut(string(b), "\n[]byte(")
		if !ok {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(arg), ")"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		in[p] = []byte(s)
	}
	return in
}

// TestDocValueMatchesGoYAML checks that the document value the schema
// validates is the one go-yaml's decoder would produce, wherever docValue
// builds it itself.
func TestDocValueMatchesGoYAML(t *testing.T) {
	built := 0
	for name, src := range docValueInputs(t) {
		f := parse(name, src)
		if f.root == nil || f.root.y == nil {
			continue
		}
		got, ok := docValue(f.root)
		var want any
		y := f.root.y
		if f.pieced {
			whole, err := safeParse(src)
			if err != nil {
				t.Fatalf("%s: parsed in pieces but not whole: %v", name, err)
			}
			y = whole.Docs[0].Body
		}
		wantErr := safeNodeToValue(y, &want)
		if !ok {
			continue
		}
		built++
		if wantErr != nil {
			t.Errorf("%s: go-yaml cannot decode it (%v) but docValue built %v", name, wantErr, got)
			continue
		}
		if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
			t.Errorf("%s: docValue differs from go-yaml's decoding\n got: %s\nwant: %s", name, g, w)
		}
	}
	if built < 50 {
		t.Errorf("docValue built only %d documents itself; want most of them", built)
	}
}

func TestDocValueDeclines(t *testing.T) {
	for _, src := range []string{
		"base: &a x\nworkdir: *a\n",
		"base: a\nenv:\n  <<: {A: b}\n",
		"base: !!str 1\n",
		"base: a\nenv: !!map {A: b}\n",
	} {
		f := parse("ZImagefile", []byte(src))
		if v, ok := docValue(f.root); ok {
			t.Errorf("%q: docValue built %#v; want it to leave aliases, merge keys and tags to go-yaml", src, v)
		}
	}
}
