package lsp

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// scheduler runs the diagnostics of every open document on a fixed pool of
// workers, one per CPU. A document waits in the queue at most once however
// often it is poked, and is never worked on by two workers at once, so its
// diagnostics are published in order and always for its latest text.
// Opening a hundred files therefore costs a hundred queue entries, not a
// hundred goroutines with stacks grown by the parser.
type scheduler struct {
	mu      sync.Mutex
	work    *sync.Cond // signalled when a document is queued or the pool stops
	idle    *sync.Cond // broadcast when a worker finishes a document
	queue   []*document
	running int // documents being worked on
	// opening counts the opened documents whose first diagnostics are
	// not published yet.
	opening int
	// burst is set while a burst of opens lasts. When tuneGC is set the
	// GC percentage is lowered meanwhile; gcPercent is the one to
	// restore.
	burst     bool
	tuneGC    bool
	gcPercent int
	stopped   bool
	workers   sync.WaitGroup
}

// An editor opening a workspace sends many didOpen notifications at once.
// Such a burst makes mostly garbage: every document is parsed, published
// and, past the recently used ones, dropped. While burstOpens or more
// opened documents wait for their first diagnostics, the GC runs at
// burstGCPercent instead of the usual percentage, so that the heap stays
// close to what is live rather than growing to twice that; when the burst
// is over the percentage is restored and the heap the burst used is
// returned to the operating system at once, not over the next minutes.
// Single opens, edits and requests never see either. The GC percentage
// belongs to the process, so only a server that owns its process
// (RunStdio) changes it.
const (
	burstOpens     = 16
	burstGCPercent = 50
)

// schedState is a document's place in the scheduler, guarded by
// scheduler.mu.
type schedState struct {
	queued, running, again, closed bool
	// opening is set from didOpen until the first publish.
	opening bool
}

// newScheduler starts n workers that publish diagnostics until ctx ends.
// tuneGC lets it lower the GC percentage during bursts of opens.
func newScheduler(ctx context.Context, n int, tuneGC bool) *scheduler {
	q := &scheduler{tuneGC: tuneGC}
	q.work, q.idle = sync.NewCond(&q.mu), sync.NewCond(&q.mu)
	for range max(n, 1) {
		q.workers.Add(1)
		go q.worker(ctx)
	}
	context.AfterFunc(ctx, q.stop)
	return q
}

// open queues the first diagnostics of a newly opened document.
func (q *scheduler) open(d *document) {
	q.mu.Lock()
	if !d.sched.closed && !q.stopped {
		d.sched.opening = true
		q.opening++
		if q.opening >= burstOpens && !q.burst {
			q.startBurst()
		}
	}
	q.mu.Unlock()
	q.poke(d)
}

// startBurst begins a burst of opens and lowers the GC percentage for it,
// unless the GC is switched off (GOGC=off), which is left alone.
func (q *scheduler) startBurst() {
	q.burst = true
	if !q.tuneGC {
		return
	}
	q.gcPercent = debug.SetGCPercent(burstGCPercent)
	if q.gcPercent < 0 {
		debug.SetGCPercent(q.gcPercent)
		q.tuneGC = false
	}
}

// poke asks for d's diagnostics to be brought up to date. A document
// poked while a worker has it is queued again when the worker is done.
func (q *scheduler) poke(d *document) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := &d.sched
	switch {
	case st.closed || q.stopped:
	case st.running:
		st.again = true
	case !st.queued:
		st.queued = true
		q.queue = append(q.queue, d)
		q.work.Signal()
	}
}

// remove takes d out of the pool and waits until no worker has it, so
// that nothing is published for d afterwards.
func (q *scheduler) remove(d *document) {
	q.mu.Lock()
	defer q.mu.Unlock()
	d.sched.closed = true
	if d.sched.opening {
		d.sched.opening = false
		q.opening--
	}
	if d.sched.queued {
		for i, e := range q.queue {
			if e == d {
				q.queue = append(q.queue[:i], q.queue[i+1:]...)
				break
			}
		}
		d.sched.queued = false
	}
	for d.sched.running {
		q.idle.Wait()
	}
	if q.burstOver() {
		q.endBurst()
	}
}

// stop ends the workers; documents still queued are dropped.
func (q *scheduler) stop() {
	q.mu.Lock()
	q.endBurst()
	q.stopped = true
	q.queue = nil
	q.work.Broadcast()
	q.mu.Unlock()
}

// wait returns when every worker has ended (after stop).
func (q *scheduler) wait() { q.workers.Wait() }

func (q *scheduler) worker(ctx context.Context) {
	defer q.workers.Done()
	for {
		d := q.next()
		if d == nil {
			return
		}
		published := d.update(ctx)
		if q.done(d, published) {
			debug.FreeOSMemory()
		}
	}
}

// next waits for a queued document and marks it running; nil means stop.
func (q *scheduler) next() *document {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) == 0 && !q.stopped {
		q.work.Wait()
	}
	if q.stopped {
		return nil
	}
	d := q.queue[0]
	q.queue[0] = nil
	q.queue = q.queue[1:]
	d.sched.queued, d.sched.running = false, true
	q.running++
	return d
}

// done releases d, queueing it again if it was poked meanwhile.
// published says d's diagnostics were published; done reports whether
// that ended a burst of opens in a server that owns its process, so that
// the caller returns memory to the system (like the GC percentage, that
// belongs to the process).
func (q *scheduler) done(d *document, published bool) (release bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.running--
	st := &d.sched
	st.running = false
	if published && st.opening {
		st.opening = false
		q.opening--
	}
	if st.again && !st.closed && !q.stopped {
		st.again, st.queued = false, true
		q.queue = append(q.queue, d)
		q.work.Signal()
	}
	st.again = false
	q.idle.Broadcast()
	if !q.burstOver() {
		return false
	}
	q.endBurst()
	return q.tuneGC
}

// burstOver reports whether a burst of opens has just ended: nothing
// opened waits for diagnostics and no document is queued or worked on.
func (q *scheduler) burstOver() bool {
	return q.burst && q.opening == 0 && len(q.queue) == 0 && q.running == 0
}

// endBurst ends a burst of opens and restores the GC percentage.
func (q *scheduler) endBurst() {
	if q.burst && q.tuneGC {
		debug.SetGCPercent(q.gcPercent)
	}
	q.burst = false
}

// collectDue is how far the heap may have grown towards the GC's goal
// when an analysis is done before collectIfDue collects.
const collectDue = 0.7

// collectIfDue runs the garbage collector now, between an analysis and
// its publication, when the heap is close to the size at which the
// runtime would start a collection by itself. That collection would
// otherwise come during the requests that follow an edit (completion,
// hover), and slow each of them while it lasts; here it delays only
// this publication. Only a server that owns its process does this, and
// not during a burst of opens.
func (q *scheduler) collectIfDue() {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	metrics.Read(sample)
	if q.collectionDue(sample[0].Value.Uint64(), sample[1].Value.Uint64()) {
		runtime.GC()
	}
}

// collectionDue reports whether collectIfDue collects with a heap of heap
// bytes and a GC goal of goal bytes.
func (q *scheduler) collectionDue(heap, goal uint64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tuneGC && !q.burst && goal > 0 && float64(heap) >= collectDue*float64(goal)
}
