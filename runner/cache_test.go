package runner

import (
	"testing"

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
