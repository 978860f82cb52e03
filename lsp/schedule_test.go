package lsp

import (
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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

// TestBurstOfOpens checks when the scheduler lowers the GC percentage
// and returns memory: during and at the end of a burst of opens, never
// for edits or opens that come one at a time.
func TestBurstOfOpens(t *testing.T) {
	newQueue := func() *scheduler {
		q := &scheduler{tuneGC: true}
		q.work, q.idle = sync.NewCond(&q.mu), sync.NewCond(&q.mu)
		return q
	}
	gcPercent := func() int {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	before := gcPercent()
	// run queues n documents (opened or edited) and works on them in
	// order; it returns after which ones (1-based) memory would be
	// released and the GC percentage seen while each was worked on.
	run := func(q *scheduler, n int, open bool) (releases, percents []int) {
		var docs []*document
		for range n {
			d := &document{}
			docs = append(docs, d)
			if open {
				q.open(d)
			} else {
				q.poke(d)
			}
		}
		for i := range docs {
			d := q.next()
			if d != docs[i] {
				t.Fatalf("document %d came out of the queue out of order", i)
			}
			percents = append(percents, gcPercent())
			if q.done(d, true) {
				releases = append(releases, i+1)
			}
		}
		return releases, percents
	}
	t.Run("a burst releases once, at its end, with the GC tight while it lasts", func(t *testing.T) {
		n := burstOpens + 4
		releases, percents := run(newQueue(), n, true)
		if !slices.Equal(releases, []int{n}) {
			t.Errorf("released after %v, want [%d]", releases, n)
		}
		for i, p := range percents {
			if p != burstGCPercent {
				t.Errorf("GC percentage %d while document %d of the burst was analysed, want %d", p, i+1, burstGCPercent)
			}
		}
		if got := gcPercent(); got != before {
			t.Errorf("GC percentage %d after the burst, want %d as before", got, before)
		}
	})
	t.Run("closing the waiting documents ends a burst", func(t *testing.T) {
		q := newQueue()
		var docs []*document
		for range burstOpens {
			d := &document{}
			docs = append(docs, d)
			q.open(d)
		}
		if got := gcPercent(); got != burstGCPercent {
			t.Fatalf("GC percentage %d during the burst, want %d", got, burstGCPercent)
		}
		for _, d := range docs {
			q.remove(d)
		}
		if got := gcPercent(); got != before || q.burst {
			t.Errorf("GC percentage %d (burst %v) after every document was closed, want %d", got, q.burst, before)
		}
	})
	for _, tt := range []struct {
		name   string
		n      int
		open   bool
		single bool // one document at a time
	}{
		{"a few opens are no burst", burstOpens - 1, true, false},
		{"edits never are", 3 * burstOpens, false, false},
		{"nor opens one at a time", 2 * burstOpens, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := newQueue()
			var releases, percents []int
			for range tt.n {
				k := tt.n
				if tt.single {
					k = 1
				}
				r, p := run(q, k, tt.open)
				releases, percents = append(releases, r...), append(percents, p...)
				if !tt.single {
					break
				}
			}
			if len(releases) > 0 {
				t.Errorf("released after %v, want never", releases)
			}
			for _, p := range percents {
				if p != before {
					t.Fatalf("GC percentage %d, want %d unchanged", p, before)
				}
			}
		})
	}
}

// TestCollectIfDue checks when the scheduler collects between an analysis
// and its publication: only in a server that owns its process, outside a
// burst of opens, and only once the heap is close to the GC's goal.
func TestCollectIfDue(t *testing.T) {
	// A high percentage keeps the runtime's own collections out of the
	// way while the heap grows towards the goal.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	heapShare := func() float64 {
		s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		return float64(s[1].Value.Uint64()) / float64(s[0].Value.Uint64())
	}
	var keep [][]byte
	grow := func() { // to just past collectDue of the goal
		runtime.GC()
		// At GOGC 400 the runtime starts a collection no earlier than at
		// 0.76 of the goal (0.7 of the way from the live heap).
		for i := 0; heapShare() < collectDue+0.01; i++ {
			if i == 4096 { // 256 MiB
				t.Fatalf("the heap stays at %.0f%% of the goal", 100*heapShare())
			}
			keep = append(keep, make([]byte, 64<<10))
		}
	}
	collects := func(q *scheduler) bool {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		q.collectIfDue()
		runtime.ReadMemStats(&after)
		return after.NumGC > before.NumGC
	}
	owner := &scheduler{tuneGC: true}
	runtime.GC()
	if collects(owner) {
		t.Error("collected right after a collection")
	}
	grow()
	if !collects(owner) {
		t.Errorf("did not collect with the heap at %.0f%% of the goal", 100*heapShare())
	}
	// Who collects is decided on the heap's numbers, which the runtime's
	// own collections would move under a test of it.
	const goal = 100 << 20
	due := uint64(collectDue*goal) + 1
	for _, c := range []struct {
		name string
		q    *scheduler
		heap uint64
		want bool
	}{
		{"owner, heap near the goal", owner, due, true},
		{"owner, heap well below the goal", owner, goal / 2, false},
		{"a server that does not own its process", &scheduler{}, due, false},
		{"during a burst of opens", &scheduler{tuneGC: true, burst: true}, due, false},
	} {
		if got := c.q.collectionDue(c.heap, goal); got != c.want {
			t.Errorf("%s: collects = %v, want %v", c.name, got, c.want)
		}
	}
}
