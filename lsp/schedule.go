package lsp

import (
	"context"
	"runtime/debug"
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
	// opened counts the documents published for the first time since
	// memory was last returned to the operating system.
	opened  int
	stopped bool
	workers sync.WaitGroup
}

// releaseAfterOpens is how many newly opened documents make a burst:
// when the queue runs dry after one, the heap the burst used is returned
// to the operating system at once instead of over the next minutes.
// Editors open a workspace's files in such bursts; a single open or an
// edit never triggers it.
const releaseAfterOpens = 16

// schedState is a document's place in the scheduler, guarded by
// scheduler.mu.
type schedState struct {
	queued, running, again, closed bool
}

// newScheduler starts n workers that publish diagnostics until ctx ends.
func newScheduler(ctx context.Context, n int) *scheduler {
	q := &scheduler{}
	q.work, q.idle = sync.NewCond(&q.mu), sync.NewCond(&q.mu)
	for range max(n, 1) {
		q.workers.Add(1)
		go q.worker(ctx)
	}
	context.AfterFunc(ctx, q.stop)
	return q
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
}

// stop ends the workers; documents still queued are dropped.
func (q *scheduler) stop() {
	q.mu.Lock()
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
		opened := d.update(ctx)
		if q.done(d, opened) {
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

// done releases d, queueing it again if it was poked meanwhile. opened
// says d was published for the first time; done reports whether that
// ended a burst of opens, so that the caller returns memory.
func (q *scheduler) done(d *document, opened bool) (release bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.running--
	if opened {
		q.opened++
	}
	st := &d.sched
	st.running = false
	if st.again && !st.closed && !q.stopped {
		st.again, st.queued = false, true
		q.queue = append(q.queue, d)
		q.work.Signal()
	}
	st.again = false
	q.idle.Broadcast()
	if q.opened < releaseAfterOpens || len(q.queue) > 0 || q.running > 0 || q.stopped {
		return false
	}
	q.opened = 0
	return true
}
