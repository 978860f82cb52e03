package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/zlayer/zlayer/plan"
)

// Hash is a hex sha256 of the key, suitable as a cache entry name.
func (k StepKey) Hash() string {
	h := sha256.New()
	for _, s := range append([]string{k.Parent, k.Instruction, k.Digest}, k.Env...) {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// instructionKey is an expanded instruction as cache-key text: its keyword
// and every field except its source position, so that moving a line does
// not change the key.
func instructionKey(x plan.Instruction) string {
	b, err := json.Marshal(x)
	if err != nil {
		return x.Keyword() + " " + Describe(x)
	}
	var m map[string]any
	if json.Unmarshal(b, &m) == nil {
		delete(m, "Range")
		b, _ = json.Marshal(m)
	}
	return x.Keyword() + " " + string(b)
}

// chain advances the stage's key over a step that needs no lookup.
func (s *stageRun) chain(x plan.Instruction) {
	if s.b.opts.Cache != nil {
		s.key = StepKey{Parent: s.key, Instruction: instructionKey(x)}.Hash()
	}
}

// stepKey is the cache key of a RUN, COPY or ADD.
func (s *stageRun) stepKey(x plan.Instruction) (StepKey, error) {
	k := StepKey{Parent: s.key, Instruction: instructionKey(x)}
	switch x := x.(type) {
	case *plan.Run:
		for _, kv := range s.scope.BuildArgs() {
			k.Env = append(k.Env, kv.Key+"="+kv.Value)
		}
		k.Env = append(k.Env, "shell="+strings.Join(s.shell, " "), "workdir="+s.workdir, "user="+s.user)
	case *plan.Copy:
		switch {
		case len(x.Heredocs) > 0:
		case x.From != "":
			if idx, ok := s.b.res.StageRef(x.From, s.rs.Index); ok {
				k.Digest = "stage:" + s.b.stages[idx].image
			} else {
				k.Digest = "image:" + x.From
			}
		default:
			d, err := s.contextDigest(x)
			if err != nil {
				return k, err
			}
			k.Digest = d
		}
		k.Env = append(k.Env, "workdir="+s.workdir)
	}
	return k, nil
}

// contextDigest digests the context files a COPY or ADD selects.
func (s *stageRun) contextDigest(c *plan.Copy) (string, error) {
	bc, err := s.b.context()
	if err != nil {
		return "", err
	}
	var local []string
	for _, src := range c.Sources {
		if !isURL(src) {
			local = append(local, src)
		}
	}
	files, err := bc.Match(local)
	if err != nil {
		return "", err
	}
	return bc.Digest(files)
}

// lookup asks the cache for the result of step x; on a hit the stage
// continues from the cached image.
func (s *stageRun) lookup(ctx context.Context, x plan.Instruction) (key StepKey, hit bool, err error) {
	if s.b.opts.Cache == nil || s.b.dry() {
		return key, false, nil
	}
	if key, err = s.stepKey(x); err != nil {
		return key, false, err
	}
	image, ok := s.b.opts.Cache.Lookup(ctx, key)
	if !ok {
		return key, false, nil
	}
	if _, err := s.b.cli.InspectImage(ctx, image); err != nil {
		return key, false, nil // a vanished cache image is a miss
	}
	if err := s.resume(ctx, image); err != nil {
		return key, false, err
	}
	s.key = key.Hash()
	return key, true, nil
}

// store commits the step's result and hands it to the cache.
func (s *stageRun) store(ctx context.Context, key StepKey) error {
	if s.b.opts.Cache == nil || s.b.dry() {
		return nil
	}
	id, err := s.commitAs(ctx, false, nil)
	if err != nil {
		return err
	}
	s.key = key.Hash()
	return s.b.opts.Cache.Store(ctx, key, id)
}

// resume replaces the working container with one made from image.
func (s *stageRun) resume(ctx context.Context, image string) error {
	if s.root != nil {
		s.root.Close()
		s.root = nil
	}
	if _, err := s.b.do(ctx, "rm", s.ctr); err != nil {
		return err
	}
	return s.b.from(ctx, s.ctr, image, "", true)
}
