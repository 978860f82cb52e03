package runner

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// memCache is a StepCache in memory.
type memCache struct {
	mu      sync.Mutex
	entries map[string]string
}

func (c *memCache) Lookup(_ context.Context, k StepKey) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	img, ok := c.entries[k.Hash()]
	return img, ok
}

func (c *memCache) Store(_ context.Context, k StepKey, image string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[k.Hash()] = image
	return nil
}

// cached lists which steps of a build were cache hits, by step number.
func cached(rec *recorder) map[int]bool {
	out := map[int]bool{}
	for _, e := range rec.events {
		if d, ok := e.(StepDone); ok {
			out[d.Step] = d.Cached
		}
	}
	return out
}

func TestStepCacheSeam(t *testing.T) {
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox\nRUN date +%s%N > /stamp\nCOPY input.txt /input.txt\nRUN cat /stamp /input.txt > /both\n",
		"input.txt":  "one\n",
	})
	cache := &memCache{entries: map[string]string{}}
	t.Cleanup(func() {
		for _, img := range cache.entries {
			s.RemoveImage(img)
		}
	})
	first, rec, err := runBuild(t, s, dir, p, Options{Cache: cache})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if c := cached(rec); c[2] || c[3] || c[4] {
		t.Errorf("cold build reported cache hits: %v", c)
	}
	second, rec, err := runBuild(t, s, dir, p, Options{Cache: cache})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if c := cached(rec); !c[2] || !c[3] || !c[4] {
		t.Errorf("warm build missed: %v", c)
	}
	stamp := s.RunIn(t, first.ImageID, "cat", "/stamp")
	if got := s.RunIn(t, second.ImageID, "cat", "/stamp"); got != stamp {
		t.Errorf("warm build re-ran the RUN: stamp %q, first build had %q", got, stamp)
	}
	os.WriteFile(filepath.Join(dir, "input.txt"), []byte("two\n"), 0o644)
	third, rec, err := runBuild(t, s, dir, p, Options{Cache: cache})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if c := cached(rec); !c[2] || c[3] || c[4] {
		t.Errorf("after changing input.txt: cached steps %v, want only step 2", c)
	}
	if got := s.RunIn(t, third.ImageID, "cat", "/both"); got != stamp+"two\n" {
		t.Errorf("/both = %q", got)
	}
}
