package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zlayer/zlayer/runner/buildah"
)

// Spares are working containers made between the builds of a watch
// session, ready for the next rebuild. A stage that starts working from an
// image a spare was made from takes the spare instead of making and
// mounting a container, which costs buildah about 55 ms at the start of a
// rebuild. After each build, Spares makes one spare for each image a stage
// of that build made its first container from (when one file changes again
// and again, those are the images the next rebuild starts from) and
// removes the spares no build took.
//
// A spare is a container made from an image and mounted, nothing else, so
// a stage that takes one is where it would be with a container of its own.
// Spares serve one build at a time; Close removes them.
type Spares struct {
	cli    *buildah.CLI
	prefix string
	ctx    context.Context // ends with Close
	cancel context.CancelFunc

	mu     sync.Mutex
	ready  map[spareKey][]spare
	made   int
	making sync.WaitGroup
}

// spareKey says what a spare was made from, and how.
type spareKey struct{ image, format, platform string }

// spare is a working container made ahead and where it is mounted.
type spare struct{ name, mnt string }

// NewSpares returns an empty set of spares in the store cli works on.
func NewSpares(cli *buildah.CLI) *Spares {
	var b [6]byte
	rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	return &Spares{cli: cli, prefix: "zlayer-spare-" + hex.EncodeToString(b[:]) + "-", ctx: ctx, cancel: cancel,
		ready: map[spareKey][]spare{}}
}

// take hands out a spare made from k, if one is ready; a nil Spares has
// none.
func (p *Spares) take(k spareKey) (spare, bool) {
	if p == nil {
		return spare{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.ready[k]
	if len(list) == 0 {
		return spare{}, false
	}
	p.ready[k] = list[1:]
	return list[0], true
}

// refill makes, in the background, a spare for each of wants that no
// ready spare answers, and removes the ready spares that none of wants
// asks for.
func (p *Spares) refill(wants []spareKey) {
	if p == nil || p.ctx.Err() != nil {
		return
	}
	p.mu.Lock()
	need := map[spareKey]int{}
	for _, k := range wants {
		need[k]++
	}
	var unused []string
	for k, list := range p.ready {
		keep := min(len(list), need[k])
		for _, s := range list[keep:] {
			unused = append(unused, s.name)
		}
		p.ready[k] = list[:keep]
		need[k] -= keep
	}
	var names []string
	var keys []spareKey
	for k, n := range need {
		for range n {
			p.made++
			names, keys = append(names, fmt.Sprintf("%s%d", p.prefix, p.made)), append(keys, k)
		}
	}
	p.mu.Unlock()
	p.making.Go(func() {
		p.remove(unused)
		for i, k := range keys {
			p.make(names[i], k)
		}
	})
}

// make makes and mounts one spare at the lowest CPU priority and adds it
// to the ready ones; a spare that could not be made is removed.
func (p *Spares) make(name string, k spareKey) {
	args := append(fromArgs(name, k.format, k.platform, true), k.image)
	if _, err := p.cli.Run(p.ctx, buildah.Command{Args: args, Background: true}); err != nil {
		p.remove([]string{name})
		return
	}
	out, err := p.cli.Run(p.ctx, buildah.Command{Args: []string{"mount", name}, Background: true})
	if err != nil {
		p.remove([]string{name})
		return
	}
	p.mu.Lock()
	closed := p.ctx.Err() != nil
	if !closed {
		p.ready[k] = append(p.ready[k], spare{name, strings.TrimSpace(string(out))})
	}
	p.mu.Unlock()
	if closed {
		p.remove([]string{name})
	}
}

// remove removes spares, whatever state they are in.
func (p *Spares) remove(names []string) {
	if len(names) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p.cli.Run(ctx, buildah.Command{Args: append([]string{"rm"}, names...), Background: true})
}

// Wait waits until the spares being made are ready.
func (p *Spares) Wait() { p.making.Wait() }

// Close stops making spares and removes them all.
func (p *Spares) Close() {
	p.cancel()
	p.making.Wait()
	p.mu.Lock()
	var names []string
	for _, list := range p.ready {
		for _, s := range list {
			names = append(names, s.name)
		}
	}
	p.ready = map[spareKey][]spare{}
	p.mu.Unlock()
	p.remove(names)
}
