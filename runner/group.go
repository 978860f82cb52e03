package runner

import (
	"context"
	"path"
	"strings"

	"github.com/zlayer/zlayer/plan"
)

// stepState is what a step's effect and cache key depend on from the
// steps before it in its stage.
type stepState struct {
	scope   *plan.Scope
	workdir string
	user    string
	shell   []string
	key     string // layer cache key of the state so far; "" when no key can describe it
}

// clone returns a copy whose changes the original does not see.
func (st stepState) clone() stepState {
	st.scope = st.scope.Clone()
	return st
}

// apply records the effect of an expanded instruction on the variables,
// working directory, user and shell (not on the key).
func (st *stepState) apply(x plan.Instruction) {
	st.scope.Apply(x)
	switch x := x.(type) {
	case *plan.User:
		st.user = x.User
	case *plan.Workdir:
		st.workdir = path.Clean(st.abs(x.Path))
	case *plan.Shell:
		st.shell = x.Shell
	}
}

// abs makes a container path absolute against the working directory,
// keeping a trailing slash.
func (st *stepState) abs(p string) string {
	if p == "" {
		return st.workdir
	}
	if path.IsAbs(p) {
		return p
	}
	j := path.Join(st.workdir, p)
	if strings.HasSuffix(p, "/") || p == "." {
		j += "/"
	}
	return j
}

// changesFiles reports whether an instruction changes the image's files
// (RUN, COPY, ADD) rather than only its configuration or the scope.
func changesFiles(ins plan.Instruction) bool {
	switch ins.(type) {
	case *plan.Run, *plan.Copy:
		return true
	}
	return false
}

// lastWork is the index of the last instruction that changes files, -1
// when there is none.
func lastWork(instructions []plan.Instruction) int {
	last := -1
	for i, ins := range instructions {
		if changesFiles(ins) {
			last = i
		}
	}
	return last
}

// commitPoints marks the instructions a cached stage commits right after.
// The steps between two commits form a group that is looked up and run
// as one: the key of its last step finds it in the cache. A stage commits
// after each RUN that is not its last instruction, before each COPY or
// ADD and each RUN that mounts another stage, and at its end (see
// endCached). So a group is a COPY (or ADD) with the configuration steps
// and the RUN after it, or one RUN, or the configuration steps at the end:
// a change to what a COPY reads re-runs the stage from that COPY, and a
// change to a command or a configuration step never re-runs an earlier
// command. A change to a RUN re-copies the files of the COPY before it,
// which `buildah build` does on every build anyway. What a group saves is
// a commit and a new container per COPY.
func commitPoints(instructions []plan.Instruction) []bool {
	at := make([]bool, len(instructions))
	prev := -1
	for i, ins := range instructions {
		if !changesFiles(ins) {
			continue
		}
		if _, ok := ins.(*plan.Copy); ok || readsOtherImage(ins) {
			if prev >= 0 {
				at[prev] = true
			}
		}
		if _, ok := ins.(*plan.Run); ok && i < len(instructions)-1 {
			at[i] = true
		}
		prev = i
	}
	return at
}

// readsOtherImage reports whether a RUN mounts another stage or an image.
func readsOtherImage(ins plan.Instruction) bool {
	if r, ok := ins.(*plan.Run); ok {
		for _, m := range r.Mounts {
			if m.From != "" {
				return true
			}
		}
	}
	return false
}

// groupEnd returns the key of the commit that ends the group of step i,
// whose own key is key: its own, that of the group's last step, or the
// stage's result. It computes the keys of the steps ahead on a copy of the
// state and keeps them for when the steps run. ok is false when a step
// ahead has no key (or fails; it reports that when it runs).
func (s *stageRun) groupEnd(ctx context.Context, i int, key StepKey) (end StepKey, ok bool) {
	if s.commitAt[i] {
		return key, true
	}
	st := s.stepState.clone()
	st.key = key.Hash()
	instructions := s.rs.Instructions
	for j := i + 1; j < len(instructions); j++ {
		x, err := st.scope.Expand(instructions[j])
		if err != nil {
			return StepKey{}, false
		}
		if !changesFiles(x) {
			s.advance(&st, x)
			continue
		}
		k, ok, err := s.keyAt(ctx, j, &st, x)
		if err != nil || !ok {
			return StepKey{}, false
		}
		if s.commitAt[j] {
			return k, true
		}
		st.key = k.Hash()
	}
	return s.resultKey(&st, false), true
}

// keyAt is the cache key of instruction i (expanded: x) in state st,
// computed once.
func (s *stageRun) keyAt(ctx context.Context, i int, st *stepState, x plan.Instruction) (StepKey, bool, error) {
	if k, ok := s.keys[i]; ok {
		return k, true, nil
	}
	k, ok, err := s.stepKey(ctx, st, x)
	if err == nil && ok {
		if s.keys == nil {
			s.keys = map[int]StepKey{}
		}
		s.keys[i] = k
	}
	return k, ok, err
}
