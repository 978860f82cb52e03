package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
)

// Hash is a hex sha256 of the key, suitable as a cache entry name.
func (k StepKey) Hash() string {
	h := sha256.New()
	fields := append([]string{k.Parent, k.Instruction, k.Digest, k.Platform, k.Format}, k.Env...)
	for _, s := range fields {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// instructionKey is an expanded instruction as cache-key text: its keyword
// and every field except source positions, so that moving a line does not
// change the key.
func instructionKey(x plan.Instruction) string {
	b, err := json.Marshal(x)
	if err != nil {
		return x.Keyword() + " " + Describe(x)
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		if b2, err := json.Marshal(withoutRanges(v)); err == nil {
			b = b2
		}
	}
	return x.Keyword() + " " + string(b)
}

// withoutRanges drops every "Range" field of a decoded JSON value.
func withoutRanges(v any) any {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "Range")
		for k, e := range v {
			v[k] = withoutRanges(e)
		}
	case []any:
		for i, e := range v {
			v[i] = withoutRanges(e)
		}
	}
	return v
}

// caching reports whether this build uses a layer cache.
func (b *build) caching() bool { return b.opts.Cache != nil && !b.dry() }

// newKey starts the key of a step that follows the state st.
func (s *stageRun) newKey(st *stepState, instruction string) StepKey {
	return StepKey{Parent: st.key, Instruction: instruction, Platform: s.rs.Platform, Format: s.b.opts.Format}
}

// rootKey is the key of a stage's state right after FROM: its base image.
func (s *stageRun) rootKey(baseID string) string {
	k := StepKey{Parent: "base:" + baseID, Instruction: "FROM", Platform: s.rs.Platform, Format: s.b.opts.Format}
	return k.Hash()
}

// advance moves st over a configuration step: its variables, working
// directory, user and shell, and its key. The step is never committed on
// its own: its effect is part of the next committed image. ARG keys on the
// values of the build arguments, not only on their names.
func (s *stageRun) advance(st *stepState, x plan.Instruction) {
	st.apply(x)
	if !s.b.caching() || st.key == "" {
		return
	}
	k := s.newKey(st, instructionKey(x))
	if _, ok := x.(*plan.Arg); ok {
		k.Env = keyValues(st.scope.BuildArgs())
	}
	st.key = k.Hash()
}

func keyValues(kvs []plan.KeyValue) []string {
	out := make([]string, len(kvs))
	for i, kv := range kvs {
		out[i] = kv.Key + "=" + kv.Value
	}
	return out
}

// stepKey is the cache key of a RUN, COPY or ADD. ok is false for a step
// whose result the key cannot describe (an ADD of a URL without
// --checksum, a source image that is not in the store yet).
func (s *stageRun) stepKey(ctx context.Context, st *stepState, x plan.Instruction) (k StepKey, ok bool, err error) {
	k = s.newKey(st, instructionKey(x))
	switch x := x.(type) {
	case *plan.Run:
		k.Env = append(keyValues(st.scope.BuildArgs()), "shell="+strings.Join(st.shell, " "), "workdir="+st.workdir, "user="+st.user)
		for _, m := range x.Mounts {
			d, ok, err := s.mountDigest(ctx, m)
			if err != nil || !ok {
				return k, ok, err
			}
			k.Digest += d + ";"
		}
	case *plan.Copy:
		k.Env = []string{"workdir=" + st.workdir}
		switch {
		case len(x.Heredocs) > 0:
			k.Env = append(k.Env, keyValues(st.scope.BuildArgs())...)
		case x.From != "":
			k.Digest, ok = s.sourceDigest(ctx, x.From)
			if !ok {
				return k, false, nil
			}
		default:
			var local []string
			for _, src := range x.Sources {
				switch {
				case !isURL(src):
					local = append(local, src)
				case x.Checksum == "":
					return k, false, nil // the URL's content is only known after the download
				}
			}
			if len(local) > 0 {
				if k.Digest, err = s.contextDigest(local); err != nil {
					return k, false, err
				}
			}
		}
	}
	return k, true, nil
}

// mountDigest is the part of a RUN's key that a --mount contributes: the
// content of what a bind mount shows, and the source of a cache mount
// seeded from a stage or image. Cache contents, tmpfs and secrets are not
// part of the key.
func (s *stageRun) mountDigest(ctx context.Context, m plan.Mount) (string, bool, error) {
	switch {
	case m.Type != "bind" && m.Type != "" && m.Type != "cache":
		return "", true, nil
	case m.From != "":
		d, ok := s.sourceDigest(ctx, m.From)
		return d, ok, nil
	case m.Type == "cache":
		return "", true, nil
	}
	src := m.Source
	if src == "" {
		src = "."
	}
	d, err := s.contextDigest([]string{src})
	return d, err == nil, err
}

// sourceDigest identifies the content of a --from: a stage's image ID or
// an image's ID; ok is false for an image that is not in the store.
func (s *stageRun) sourceDigest(ctx context.Context, from string) (string, bool) {
	if idx, ok := s.b.res.StageRef(from, s.rs.Index); ok {
		return "stage:" + s.b.stages[idx].image, true
	}
	info, err := s.b.localImage(ctx, from, s.rs.Platform)
	if err != nil || info == nil {
		return "", false
	}
	return "image:" + info.ID, true
}

// contextDigest digests the context files that sources select.
func (s *stageRun) contextDigest(sources []string) (string, error) {
	files, err := s.b.match(sources)
	if err != nil {
		return "", err
	}
	bc, err := s.b.context()
	if err != nil {
		return "", err
	}
	return bc.Digest(files)
}

// cachedStep looks instruction i (step n) up in the cache. The first
// step of a group finds out whether the cache holds the commit that ends
// the group; if so, every step of the group is reported cached and the
// stage continues from that commit; if not, reading stops for the rest of
// the stage.
func (s *stageRun) cachedStep(ctx context.Context, i, n int, x plan.Instruction, start time.Time) (key StepKey, hit bool, err error) {
	if err := s.b.cacheReady(ctx); err != nil {
		return key, false, err
	}
	key, ok, err := s.keyAt(ctx, i, &s.stepState, x)
	if err != nil {
		return key, false, err
	}
	if !ok {
		s.key = "" // nothing after this step can be described by a key
	}
	if !ok || !s.reading || s.key == "" {
		s.reading = false
		return key, false, nil
	}
	if s.promise == nil {
		end, ok := s.groupEnd(ctx, i, key)
		if !ok || !s.b.opts.Cache.Lookup(end) {
			s.reading = false
			return key, false, nil
		}
		s.promise = &end
	}
	s.cachedPending()
	s.key = key.Hash()
	if s.commitAt[i] {
		s.hit, s.promise = s.promise, nil
	}
	s.emit(StepDone{Stage: s.rs.Index, Step: n, Cached: true, DurationMS: ms(time.Since(start))})
	return key, true, nil
}

// cachedPending reports the pending configuration steps cached: they are
// part of a cached commit.
func (s *stageRun) cachedPending() {
	for _, p := range s.pending {
		s.emit(StepDone{Stage: s.rs.Index, Step: p.step, Cached: true, DurationMS: ms(time.Since(p.started))})
	}
	s.pending = nil
}

// resultKey is the key of the commit that ends a stage in state st, or of
// its squashed commit.
func (s *stageRun) resultKey(st *stepState, squash bool) StepKey {
	if squash {
		return s.newKey(st, "COMMIT --squash")
	}
	return s.newKey(st, "COMMIT")
}

// hitAt continues the stage from the cached result of key; the pending
// configuration steps are part of it.
func (s *stageRun) hitAt(key StepKey) {
	s.cachedPending()
	s.hit = &key
	s.key = key.Hash()
}

// current returns the image that holds the stage's state (its base or the
// last cache hit), fetching a hit from the cache first; "" for scratch. A
// working container made before the hit (from a base that had to be
// pulled) no longer holds the stage's state and is removed, so that no
// later step or stage copying from this one reads it.
func (s *stageRun) current(ctx context.Context) (string, error) {
	if s.hit == nil {
		return s.image, nil
	}
	img, err := s.b.opts.Cache.Image(ctx, *s.hit)
	if err != nil {
		return "", fmt.Errorf("layer cache: %w", err)
	}
	s.image, s.hit = img, nil
	return s.image, s.removeContainer(ctx)
}

// removeContainer removes the working container, if there is one.
func (s *stageRun) removeContainer(ctx context.Context) error {
	if !s.created {
		return nil
	}
	s.unmountRoot()
	if _, err := s.b.do(ctx, "rm", s.ctr); err != nil {
		return err
	}
	s.created, s.committed = false, false
	return nil
}

// ensure makes the working container when a step has to run: from the
// last cache hit, the last committed step, the base image, or scratch. A
// container is made afresh after each commit so that every step's changes
// are a layer of their own, as with `buildah build --layers`: the next
// step's image shares the layers before it instead of repeating them.
func (s *stageRun) ensure(ctx context.Context) error {
	if s.created && s.hit == nil && !s.committed {
		return nil
	}
	img, err := s.current(ctx)
	if err != nil {
		return err
	}
	if err := s.removeContainer(ctx); err != nil {
		return err
	}
	if img == "" {
		img = "scratch"
	}
	if err := s.newContainer(ctx, img); err != nil {
		return err
	}
	s.created, s.committed = true, false
	s.mountAhead(ctx)
	return nil
}

// newContainer makes the stage's working container from img, or takes a
// spare made from it (see Spares). The image of the stage's first
// container is the one the next build will want a spare of.
func (s *stageRun) newContainer(ctx context.Context, img string) error {
	k := spareKey{img, s.b.opts.Format, s.rs.Platform}
	if !s.wanted {
		s.wanted = true
		s.b.mu.Lock()
		s.b.wants = append(s.b.wants, k)
		s.b.mu.Unlock()
	}
	s.ctr = s.b.containerName(strconv.Itoa(s.rs.Index))
	if sp, ok := s.b.opts.Spares.take(k); ok {
		if root, err := os.OpenRoot(sp.mnt); err == nil {
			s.ctr, s.root, s.mnt = sp.name, root, sp.mnt
			s.b.addContainer(sp.name)
			return nil
		}
		s.b.addContainer(sp.name) // for cleanup to remove
	}
	return s.b.from(ctx, s.ctr, img, s.rs.Platform, true)
}

// store records that instruction i ran: at a commit point it commits
// the group into the cache under the step's key. When more steps that
// change files follow, the commit also removes the container, as the next
// step runs in a fresh one (see ensure); otherwise commitEnd commits the
// same container again with the configuration after it.
func (s *stageRun) store(ctx context.Context, i int, key StepKey) error {
	if !s.b.caching() || s.key == "" {
		return nil
	}
	if !s.commitAt[i] {
		s.key = key.Hash()
		return nil
	}
	if i == s.lastWork && !s.workdirAfter(i) {
		s.filesFinal()
	}
	id, err := s.commitEntry(ctx, key, false, i < s.lastWork)
	if err != nil {
		return err
	}
	s.image, s.key, s.committed = id, key.Hash(), true
	return nil
}

// commitEntry commits the working container as the cache entry of key and
// returns the image that holds it. When another stage of this build
// commits the same key first (two stages that begin alike), this commit
// takes no name and the stage continues from that stage's image, as if it
// had hit: taking the name would leave the other image nameless in the
// store for good.
func (s *stageRun) commitEntry(ctx context.Context, key StepKey, squash, rm bool) (string, error) {
	first, e := s.b.claimEntry(key.Hash())
	if first {
		id, err := s.commitAs(ctx, squash, rm, s.cacheNames(key))
		if err == nil {
			e.image = id
			err = s.b.opts.Cache.Store(ctx, key, id)
		}
		close(e.done)
		return e.image, err
	}
	id, err := s.commitAs(ctx, squash, rm, nil)
	if err != nil {
		return "", err
	}
	select {
	case <-e.done:
	case <-ctx.Done():
	}
	if e.image == "" || ctx.Err() != nil { // the build is failing; ours goes at the end
		s.b.addImage(id)
		return id, ctx.Err()
	}
	if _, err := s.b.do(ctx, "rmi", id); err != nil {
		return "", err
	}
	return e.image, nil
}

// entryClaim is a cache entry one stage of the build commits; image is
// set (when the commit worked) before done is closed.
type entryClaim struct {
	done  chan struct{}
	image string
}

// claimEntry reports whether the calling stage is the first of the build
// to commit the cache entry k, and returns the entry's claim.
func (b *build) claimEntry(k string) (first bool, e *entryClaim) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.entries[k]; ok {
		return false, e
	}
	if b.entries == nil {
		b.entries = map[string]*entryClaim{}
	}
	e = &entryClaim{done: make(chan struct{})}
	b.entries[k] = e
	return true, e
}

func (s *stageRun) cacheNames(key StepKey) []string {
	if name := s.b.opts.Cache.Name(key); name != "" {
		return []string{name}
	}
	return nil
}

// endCached finishes a stage of a cached build and returns its image:
// the commit of its last group, with the trailing configuration steps,
// and for the target of a --squash build a squashed commit of that.
// owned reports an image the build made outside the cache, which is
// removed at the end unless it is the target.
func (s *stageRun) endCached(ctx context.Context) (id string, owned bool, err error) {
	squash := s.final && s.b.opts.Squash
	if s.key == "" {
		if err := s.ensure(ctx); err != nil {
			return "", false, err
		}
		if err := s.flush(ctx); err != nil {
			return "", false, err
		}
		id, err := s.commitAs(ctx, squash, false, nil)
		return id, true, err
	}
	if s.lastWork >= 0 || len(s.pending) > 0 || s.rs.Scratch && !squash {
		if err := s.commitEnd(ctx, s.resultKey(&s.stepState, false), false); err != nil {
			return "", false, err
		}
	}
	if squash {
		if err := s.commitEnd(ctx, s.resultKey(&s.stepState, true), true); err != nil {
			return "", false, err
		}
	}
	img, err := s.current(ctx)
	return img, false, err
}

// commitEnd ends the stage's last group: it continues from the cached
// commit of key, or commits the working container under key.
func (s *stageRun) commitEnd(ctx context.Context, key StepKey, squash bool) error {
	if err := s.b.cacheReady(ctx); err != nil {
		return err
	}
	if s.promise != nil && s.promise.Hash() != key.Hash() {
		return fmt.Errorf("layer cache: the key of stage %s changed while it was built", s.name())
	}
	if s.promise != nil || s.reading && s.b.opts.Cache.Lookup(key) {
		s.promise = nil
		s.hitAt(key)
		return nil
	}
	s.reading = false
	// A container whose files are committed as they are is committed again
	// with the configuration after it (or squashed): the store shares the
	// layer between the two images, and no new container is needed.
	if !s.created || !s.committed || s.hit != nil {
		if err := s.ensure(ctx); err != nil {
			return err
		}
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	s.filesFinal()
	id, err := s.commitEntry(ctx, key, squash, false)
	if err != nil {
		return err
	}
	s.image, s.key, s.committed = id, key.Hash(), true
	return nil
}

// beginCache starts the build's use of the layer cache in the background,
// while the stages look at their bases; cacheReady waits for it. The
// returned function ends the use.
func (b *build) beginCache(ctx context.Context) (end func(ctx context.Context) error) {
	b.cacheBegun = make(chan struct{})
	if !b.caching() {
		close(b.cacheBegun)
		return func(context.Context) error { return nil }
	}
	go func() {
		defer close(b.cacheBegun)
		warnings, err := b.opts.Cache.Begin(ctx)
		if err != nil {
			b.cacheErr = &cacheError{fmt.Errorf("layer cache: %w", err)}
			return
		}
		for _, w := range warnings {
			b.warn(diag.Diagnostic{File: b.opts.Plan.File, Severity: diag.Warning, Source: "zlayer", NoRange: true, Message: w})
		}
	}()
	return func(ctx context.Context) error {
		<-b.cacheBegun // its buildah call ends with ctx
		if b.cacheErr != nil {
			return b.cacheErr
		}
		if err := b.opts.Cache.End(ctx); err != nil {
			return fmt.Errorf("layer cache: %w", err)
		}
		return nil
	}
}

// cacheError is why the layer cache could not begin. The build fails with
// it as it is, not as the failure of the step that first waited for it.
type cacheError struct{ err error }

func (e *cacheError) Error() string { return e.err.Error() }
func (e *cacheError) Unwrap() error { return e.err }

// cacheReady waits until the layer cache can answer lookups.
func (b *build) cacheReady(ctx context.Context) error {
	select {
	case <-b.cacheBegun:
		return b.cacheErr
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
