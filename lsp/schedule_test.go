package lsp

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// TestManyOpenDocuments opens more documents than keep their analysis and
// checks that every one gets its own diagnostics, that only the recently
// used ones hold an analysis, and that a document whose analysis was
// dropped still answers requests and edits.
func TestManyOpenDocuments(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.go", "package main\n")
	c, _ := startServer(t, nil)
	n := 3 * keptAnalyses
	var docs []uri.URI
	for i := range n {
		// Each document misspells the stage differently, so that a
		// mix-up between documents shows in the messages.
		text := strings.Replace(sampleZImage, "from: buidl", fmt.Sprintf("from: buidl%d", i), 1)
		text = strings.Replace(text, "  build:", fmt.Sprintf("  build%d:", i), 1)
		docs = append(docs, c.open(filepath.Join(dir, fmt.Sprintf("app%02d.zimagefile", i)), "zimagefile", text))
	}
	for i, u := range docs {
		ds := c.diagnosticsFor(u, 1)
		want := fmt.Sprintf("'buidl%d' is not a stage", i)
		if !slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool {
			return code(d) == "ZI203" && strings.Contains(message(d), want)
		}) {
			t.Errorf("document %d: no ZI203 naming %q in\n%s", i, want, summary(ds))
		}
	}
	if got := analysedDocuments(c.srv); got > keptAnalyses {
		t.Errorf("%d documents keep an analysis, want at most %d", got, keptAnalyses)
	}

	first := docs[0]
	if got := c.complete(first, pos(16, 14)); !slices.Contains(got, "build0") || slices.Contains(got, "final") {
		t.Errorf("completion after from: in the first document = %v, want build0 and not final", got)
	}
	c.change(first, 2, edit(16, 14, 16, 20, "build0"))
	if ds := c.diagnosticsFor(first, 2); slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool { return code(d) == "ZI203" }) {
		t.Errorf("after fixing the stage name:\n%s", summary(ds))
	}
}

// analysedDocuments counts the open documents that hold an analysis.
func analysedDocuments(s *Server) int {
	s.mu.Lock()
	docs := make([]*document, 0, len(s.docs))
	for _, d := range s.docs {
		docs = append(docs, d)
	}
	s.mu.Unlock()
	n := 0
	for _, d := range docs {
		d.mu.Lock()
		if d.cached != nil {
			n++
		}
		d.mu.Unlock()
	}
	return n
}

func TestRecentUse(t *testing.T) {
	docs := make([]*document, keptAnalyses+2)
	for i := range docs {
		docs[i] = &document{path: fmt.Sprint(i)}
	}
	var r recent
	for i := range keptAnalyses {
		if out := r.use(docs[i]); out != nil {
			t.Fatalf("use of document %d of %d dropped %s", i, keptAnalyses, out.path)
		}
	}
	tests := []struct {
		name string
		use  int
		want string // path of the document that drops its analysis
	}{
		{"the most recent again", keptAnalyses - 1, ""},
		{"the oldest becomes the newest", 0, ""},
		{"a new one drops the least recently used", keptAnalyses, "1"},
		{"and the next one the next", keptAnalyses + 1, "2"},
		{"a dropped one returns", 1, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if out := r.use(docs[tt.use]); out != nil {
				got = out.path
			}
			if got != tt.want {
				t.Errorf("use(%d) dropped %q, want %q", tt.use, got, tt.want)
			}
		})
	}
	r.drop(docs[0])
	if slices.Contains(r.docs, docs[0]) || len(r.docs) != keptAnalyses-1 {
		t.Errorf("after drop: %d documents kept, the dropped one among them: %v", len(r.docs), slices.Contains(r.docs, docs[0]))
	}
}

// TestReleaseAfterBurst checks when the scheduler returns memory: once at
// the end of a burst of opens, never for edits or a few opens.
func TestReleaseAfterBurst(t *testing.T) {
	newQueue := func() *scheduler {
		q := &scheduler{}
		q.work, q.idle = sync.NewCond(&q.mu), sync.NewCond(&q.mu)
		return q
	}
	// run works on n documents, queueing them all first, and returns
	// after which ones (1-based) memory would be released.
	run := func(q *scheduler, n int, opened bool) []int {
		var docs []*document
		for range n {
			d := &document{}
			docs = append(docs, d)
			q.poke(d)
		}
		var releases []int
		for i := range docs {
			d := q.next()
			if d != docs[i] {
				t.Fatalf("document %d came out of the queue out of order", i)
			}
			if q.done(d, opened) {
				releases = append(releases, i+1)
			}
		}
		return releases
	}
	tests := []struct {
		name   string
		opens  int
		edits  int
		want   []int
		single bool // the opens come one at a time
	}{
		{"a burst of opens releases once, at its end", releaseAfterOpens + 4, 0, []int{releaseAfterOpens + 4}, false},
		{"a few opens do not", releaseAfterOpens - 1, 0, nil, false},
		{"edits never do", 0, 3 * releaseAfterOpens, nil, false},
		{"opens one at a time release when enough have come", releaseAfterOpens, 0, []int{releaseAfterOpens}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQueue()
			var got []int
			if tt.single {
				for i := range tt.opens {
					if len(run(q, 1, true)) > 0 {
						got = append(got, i+1)
					}
				}
			} else {
				got = append(got, run(q, tt.opens, true)...)
			}
			got = append(got, run(q, tt.edits, false)...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("released after %v, want %v", got, tt.want)
			}
		})
	}
}
