package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/zlayer/zlayer/plan"
)

// A step that copies from a stage that is rebuilding misses the cache for
// sure: its key holds that stage's new image ID. So it need not wait for
// that stage's commit, only for its files to be final (stageOut.filesReady):
// it runs ahead, with the RUN of its group after it, while that stage
// commits, and its key and the keys after it are worked out once that
// stage is done, before the group is committed (settleAhead).

// aheadStep is a step that ran ahead and whose key waits.
type aheadStep struct {
	i, n  int
	ins   plan.Instruction
	x     plan.Instruction // expanded
	start time.Time
}

// canRunAhead reports whether the step x may run ahead of the stage it
// copies from: a COPY --from of one stage that the runner makes itself.
func (s *stageRun) canRunAhead(x plan.Instruction) bool {
	c, ok := x.(*plan.Copy)
	if !ok {
		return false
	}
	_, plain := copyOptions(c)
	return plain && s.b.caching() && c.From != "" && len(s.b.stageReads(s.rs.Index, x)) == 1
}

// stepAhead runs the file-changing step i (number n, expanded x) before
// the stage it depends on is done; see settleAhead.
func (s *stageRun) stepAhead(ctx context.Context, i, n int, ins, x plan.Instruction) error {
	start := time.Now()
	if len(s.ahead) == 0 {
		s.reading = false // a sure miss, as cachedStep would find
		s.showWhenReady(ctx)
	}
	s.started(n, x)
	if i == s.lastWork {
		close(s.out.finishing)
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	var output []string
	var err error
	switch x := x.(type) {
	case *plan.Run:
		output, err = s.runStep(ctx, n, x)
	case *plan.Copy:
		err = s.copyAhead(ctx, n, x)
	default:
		err = fmt.Errorf("%s is not supported by this builder", ins.Keyword())
	}
	if err != nil {
		return s.fail(n, ins, err, output)
	}
	s.ahead = append(s.ahead, aheadStep{i: i, n: n, ins: ins, x: x, start: start})
	if s.commitAt[i] {
		return s.settleAhead(ctx)
	}
	s.emit(StepDone{Stage: s.rs.Index, Step: n, DurationMS: ms(time.Since(start))})
	return nil
}

// showWhenReady delivers the stage's held-back events once the stages it
// needs are done, while its steps run ahead, so that a long RUN shows its
// output as it runs, not once it is over.
func (s *stageRun) showWhenReady(ctx context.Context) {
	go func() {
		for _, dep := range s.rs.Deps {
			select {
			case <-s.b.stages[dep].done:
			case <-ctx.Done():
				return
			}
		}
		s.flushEvents()
	}()
}

// copyAhead copies from a stage whose files are final. A copy the runner
// cannot make itself waits for that stage to be done and is buildah's.
func (s *stageRun) copyAhead(ctx context.Context, n int, c *plan.Copy) error {
	done, err := s.copyDirect(ctx, c)
	if done || err != nil {
		return err
	}
	for _, idx := range s.b.stageReads(s.rs.Index, c) {
		if err := s.await(ctx, idx); err != nil {
			return err
		}
	}
	return s.copyStep(ctx, n, c)
}

// settleAhead ends running ahead: once the stages this one needs are done,
// it works out the keys of the steps that ran ahead, in order, and stores
// them as if they had just run, which commits the group.
func (s *stageRun) settleAhead(ctx context.Context) error {
	if len(s.ahead) == 0 {
		return nil
	}
	steps := s.ahead
	s.ahead = nil
	if err := s.awaitDeps(ctx); err != nil {
		return err
	}
	for _, a := range steps {
		key, err := s.aheadKey(ctx, a)
		if err == nil {
			err = s.store(ctx, a.i, key)
		}
		if err != nil {
			return s.fail(a.n, a.ins, err, nil)
		}
		if s.commitAt[a.i] {
			s.emit(StepDone{Stage: s.rs.Index, Step: a.n, DurationMS: ms(time.Since(a.start))})
		}
	}
	return nil
}

// aheadKey is the key of a step that ran ahead, a miss as cachedStep
// would have found.
func (s *stageRun) aheadKey(ctx context.Context, a aheadStep) (StepKey, error) {
	if err := s.b.cacheReady(ctx); err != nil {
		return StepKey{}, err
	}
	key, ok, err := s.keyAt(ctx, a.i, &s.stepState, a.x)
	if err != nil {
		return key, err
	}
	if !ok {
		s.key = ""
	}
	return key, nil
}

// filesFinal tells the stages waiting to copy from this one that the files
// of its working container are final, before it commits them: they may
// copy now (see stepAhead). It publishes the container, where it is
// mounted and the final working directory. Only a mounted container is
// published: a reader that mounted it itself could overlap a buildah
// config of this stage, and buildah saves a container's state on both.
func (s *stageRun) filesFinal() {
	if s.published || !s.created {
		return
	}
	s.awaitMount()
	if s.mnt == "" {
		return
	}
	s.published = true
	s.out.ctrMu.Lock()
	s.out.ctr, s.out.mnt = s.ctr, s.mnt
	s.out.ctrMu.Unlock()
	s.out.workdir = s.workdir
	close(s.out.filesReady)
}

// workdirAfter reports whether a WORKDIR follows instruction i: it may
// make a directory when the stage commits, so the files are final only
// then.
func (s *stageRun) workdirAfter(i int) bool {
	for _, ins := range s.rs.Instructions[i+1:] {
		if _, ok := ins.(*plan.Workdir); ok {
			return true
		}
	}
	return false
}
