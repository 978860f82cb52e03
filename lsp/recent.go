package lsp

import (
	"slices"
	"sync"
)

// keptAnalyses is how many documents keep their analysis (syntax tree,
// outline, diagnostics) between requests: the ones the user works in. An
// editor with a hundred files open shows a few of them; the others keep
// only their text, and their next request analyses it again, which takes
// about a millisecond for a typical file. Their diagnostics stay published.
const keptAnalyses = 8

// recent is the list of the documents that keep their analysis, most
// recently used first.
type recent struct {
	mu   sync.Mutex
	docs []*document
}

// use moves d to the front and returns the document that falls off the
// end, whose analysis the caller forgets, or nil.
func (r *recent) use(d *document) (out *document) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.docs) > 0 && r.docs[0] == d {
		return nil
	}
	if i := slices.Index(r.docs, d); i >= 0 {
		copy(r.docs[1:i+1], r.docs[:i])
		r.docs[0] = d
		return nil
	}
	r.docs = slices.Insert(r.docs, 0, d)
	if len(r.docs) <= keptAnalyses {
		return nil
	}
	out = r.docs[len(r.docs)-1]
	r.docs[len(r.docs)-1] = nil
	r.docs = r.docs[:len(r.docs)-1]
	return out
}

// drop removes a closed document.
func (r *recent) drop(d *document) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.Index(r.docs, d); i >= 0 {
		r.docs = slices.Delete(r.docs, i, i+1)
	}
}
