package lsp

import (
	"sync"

	"github.com/zlayer/zlayer/diag"
)

// builds tracks the builds started from the editor.
type builds struct {
	s  *Server
	wg sync.WaitGroup

	mu     sync.Mutex
	failed map[string][]diag.Diagnostic // build file path → failure diagnostics
}

func newBuilds(s *Server) *builds {
	return &builds{s: s, failed: map[string][]diag.Diagnostic{}}
}

// wait blocks until every build goroutine has finished.
func (b *builds) wait() { b.wg.Wait() }

// cancelAll cancels every running build.
func (b *builds) cancelAll() {}

// failures returns the diagnostics of the last failed build of a file.
func (b *builds) failures(path string) []diag.Diagnostic {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failed[path]
}
