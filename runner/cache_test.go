package runner

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/source"
)

func TestStepKeyHash(t *testing.T) {
	base := StepKey{Parent: "p", Instruction: "RUN x", Env: []string{"A=1"}, Digest: "sha256:d", Platform: "linux/amd64", Format: "oci"}
	changed := map[string]func(k *StepKey){
		"parent":      func(k *StepKey) { k.Parent = "q" },
		"instruction": func(k *StepKey) { k.Instruction = "RUN y" },
		"env value":   func(k *StepKey) { k.Env = []string{"A=2"} },
		"env added":   func(k *StepKey) { k.Env = append(k.Env, "B=1") },
		"digest":      func(k *StepKey) { k.Digest = "sha256:e" },
		"platform":    func(k *StepKey) { k.Platform = "linux/arm64" },
		"format":      func(k *StepKey) { k.Format = "docker" },
		"boundaries":  func(k *StepKey) { k.Parent, k.Instruction = "pR", "UN x" },
	}
	for name, change := range changed {
		k := base
		k.Env = append([]string(nil), base.Env...)
		change(&k)
		if k.Hash() == base.Hash() {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
	if again := base; again.Hash() != base.Hash() || len(base.Hash()) != 64 {
		t.Errorf("hash %q is not a stable 64-digit hex string", base.Hash())
	}
}

func TestInstructionKeyIgnoresPositions(t *testing.T) {
	at := func(line int) plan.At {
		return plan.At{Range: source.Range{Start: source.Pos{Line: line, Col: 1}, End: source.Pos{Line: line, Col: 9}}}
	}
	a := &plan.Copy{At: at(3), Sources: []string{"a.txt"}, Dest: "/a", Heredocs: []plan.Heredoc{{Name: "EOF", Content: "x"}}}
	b := *a
	b.At = at(30)
	if instructionKey(a) != instructionKey(&b) {
		t.Errorf("moving a COPY changes its key:\n%s\n%s", instructionKey(a), instructionKey(&b))
	}
	b.Chmod = "600"
	if instructionKey(a) == instructionKey(&b) {
		t.Error("COPY --chmod does not change the key")
	}
	l1 := &plan.Label{At: at(2), Pairs: []plan.KeyValue{{Key: "v", Value: "one"}}}
	l2 := &plan.Label{At: at(2), Pairs: []plan.KeyValue{{Key: "v", Value: "two"}}}
	if instructionKey(l1) == instructionKey(l2) {
		t.Error("an expanded LABEL value does not change the key")
	}
}

// slowEndCache is a layer cache that stores nothing and takes a while to
// end, as one pushing entries to a registry does.
type slowEndCache struct {
	ended atomic.Bool
}

func (c *slowEndCache) Begin(context.Context) ([]string, error) { return nil, nil }
func (c *slowEndCache) Lookup(StepKey) bool                     { return false }
func (c *slowEndCache) Image(context.Context, StepKey) (string, error) {
	return "", errors.New("slowEndCache holds no images")
}
func (c *slowEndCache) Name(StepKey) string                          { return "" }
func (c *slowEndCache) Store(context.Context, StepKey, string) error { return nil }
func (c *slowEndCache) End(context.Context) error {
	time.Sleep(300 * time.Millisecond)
	c.ended.Store(true)
	return nil
}

func TestFailedTagWaitsForTheCache(t *testing.T) {
	// A build whose image cannot be tagged still ends its use of the layer
	// cache before it returns: a watch loop's next build begins it again.
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{"Dockerfile": "FROM localhost/busybox\nLABEL a=b\n"})
	c := &slowEndCache{}
	_, _, err := runBuild(t, s, dir, p, Options{Cache: c, Tags: []string{"NOT A VALID NAME"}})
	if err == nil || !strings.Contains(err.Error(), "tagging") {
		t.Fatalf("err = %v, want a failed tag", err)
	}
	if !c.ended.Load() {
		t.Error("Build returned before the layer cache's End did")
	}
}

// brokenCache is a layer cache that cannot be listed.
type brokenCache struct{ slowEndCache }

func (c *brokenCache) Begin(context.Context) ([]string, error) {
	return nil, errors.New("listing the layer cache: store is locked")
}

func TestUnusableCacheIsNotBlamedOnAStep(t *testing.T) {
	// The layer cache's failure to begin fails the build with its own
	// message, not as the failure of the step that first waited for it.
	s := buildahtest.Shared(t)
	dir, p := loadDockerfile(t, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN true\n"})
	_, _, err := runBuild(t, s, dir, p, Options{Cache: &brokenCache{}})
	if err == nil || !strings.Contains(err.Error(), "store is locked") {
		t.Fatalf("err = %v, want the cache's failure", err)
	}
	var se *StepError
	if errors.As(err, &se) {
		t.Errorf("the cache's failure is reported as step %d (%s) failing", se.Step, se.Instruction)
	}
}
