// Package cache is the runner's layer cache. The result of every step a
// build runs is committed as an image in the buildah store, named
// localhost/zlayer-cache:KEY where KEY is the step's key (runner.StepKey):
// a hash of the state before the step, the expanded instruction, the
// build arguments it sees, the digest of the files it copies, the platform
// and the image format. A later build whose step has the same key
// continues from that image instead of running the step.
//
// A Cache lists the store's entries with one `buildah images` call when a
// build begins and answers every lookup from memory. It can also share
// entries through an OCI registry repository, one tag per key: --cache-to
// pushes a build's step images there, and --cache-from pulls the images a
// build hits from there when the local store lacks them.
//
// Only images named localhost/zlayer-cache:KEY are cache entries. Prune
// removes those names; an image the user also tagged keeps its other
// names and stays in the store.
package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/runner/buildah"
)

// Repository is the name of every cache image; the tag is the step's key.
const Repository = "localhost/zlayer-cache"

// Options configure a Cache.
type Options struct {
	// NoRead makes every lookup a miss; results are still stored
	// (--no-cache).
	NoRead bool
	// TTL, when positive, makes entries older than TTL misses
	// (--cache-ttl). Age is the time the entry's image was committed.
	TTL time.Duration
	// From is a registry repository to pull entries from (--cache-from).
	From string
	// To is a registry repository to push the step images of each build
	// to (--cache-to).
	To string
	// AuthFile is the registry credentials file; "" leaves
	// REGISTRY_AUTH_FILE or the default.
	AuthFile string
	// InsecureRegistry turns TLS verification off (--tls-verify=false).
	InsecureRegistry bool
	// Skopeo is the skopeo executable used to list a repository's tags;
	// "" means "skopeo" from PATH.
	Skopeo string
}

// Cache is a layer cache in a buildah store, optionally shared through a
// registry. It implements runner.StepCache. A Cache serves one build at a
// time; Begin and End bracket each build.
type Cache struct {
	cli  *buildah.CLI
	opts Options

	mu     sync.Mutex
	local  map[string]Entry // by key
	stored map[string]bool  // keys stored by this build
	remote map[string]bool  // keys in opts.From
	pushed map[string]bool  // keys in opts.To, or being pushed there

	pushCtx  context.Context
	pushMu   sync.Mutex     // one push at a time
	pushes   sync.WaitGroup // pushes of entries
	pushErrs []error
	removals sync.WaitGroup // removals of the images of entries this build replaced
}

var _ runner.StepCache = (*Cache)(nil)

// Entry is one cache image.
type Entry struct {
	// Key is the step key the entry holds the result of.
	Key string
	// Image is the image ID, hex without "sha256:".
	Image string
	// Created is when the image was committed.
	Created time.Time
	// Names are all names of the image, the cache name included.
	Names []string
}

// New returns a cache in the store cli works on.
func New(cli *buildah.CLI, opts Options) *Cache {
	return &Cache{cli: cli, opts: opts}
}

// Begin lists the local entries (one `buildah images` call) and the tags
// of the shared repositories. A repository that cannot be listed is a
// warning: the build goes on without it.
func (c *Cache) Begin(ctx context.Context) (warnings []string, err error) {
	entries, err := List(ctx, c.cli)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.local = map[string]Entry{}
	for _, e := range entries {
		c.local[e.Key] = e
	}
	c.remote, c.pushed, c.stored = map[string]bool{}, map[string]bool{}, map[string]bool{}
	c.pushCtx, c.pushErrs = ctx, nil
	if c.opts.From != "" && !c.opts.NoRead {
		if c.remote, err = c.listTags(ctx, c.opts.From); err != nil {
			warnings = append(warnings, fmt.Sprintf("--cache-from %s: %v; building without the shared cache", c.opts.From, err))
		}
	}
	if c.opts.To != "" {
		if c.opts.To == c.opts.From && err == nil {
			for k := range c.remote {
				c.pushed[k] = true
			}
		} else if tags, err := c.listTags(ctx, c.opts.To); err == nil {
			c.pushed = tags // otherwise the repository is new, or the push will say what is wrong
		}
	}
	return warnings, nil
}

// Lookup reports whether the cache holds a fresh result for key, locally
// or in the --cache-from repository. A local hit is also pushed to the
// --cache-to repository when that lacks it.
func (c *Cache) Lookup(key runner.StepKey) bool {
	if c.opts.NoRead {
		return false
	}
	k := key.Hash()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.local[k]; ok {
		if !c.fresh(e) {
			return false
		}
		c.push(k, e.Image)
		return true
	}
	return c.remote[k]
}

// fresh reports whether an entry is within the TTL.
func (c *Cache) fresh(e Entry) bool {
	return c.opts.TTL <= 0 || time.Since(e.Created) <= c.opts.TTL
}

// Image returns the local image of a key Lookup reported, pulling it from
// the --cache-from repository when the store lacks it. A pulled image is
// renamed to the local cache name.
func (c *Cache) Image(ctx context.Context, key runner.StepKey) (string, error) {
	k := key.Hash()
	c.mu.Lock()
	e, ok := c.local[k]
	c.mu.Unlock()
	if ok {
		return e.Image, nil
	}
	ref := c.opts.From + ":" + k
	out, err := c.cli.Output(ctx, append(c.registryFlags("pull", "--quiet"), "docker://"+ref)...)
	if err != nil {
		return "", fmt.Errorf("pulling %s: %w", ref, err)
	}
	lines := buildah.Lines(out)
	if len(lines) == 0 {
		return "", fmt.Errorf("pulling %s: buildah printed no image ID", ref)
	}
	id := strings.TrimPrefix(lines[len(lines)-1], "sha256:")
	if _, err := c.cli.Output(ctx, "tag", id, c.name(k)); err != nil {
		return "", fmt.Errorf("naming the pulled %s: %w", ref, err)
	}
	c.cli.Output(ctx, "rmi", ref) // drops the registry name; the cache name stays
	c.mu.Lock()
	c.local[k] = Entry{Key: k, Image: id, Created: time.Now(), Names: []string{c.name(k)}}
	c.mu.Unlock()
	return id, nil
}

// Name is the image name the result of key is committed under.
func (c *Cache) Name(key runner.StepKey) string { return c.name(key.Hash()) }

func (c *Cache) name(k string) string { return Repository + ":" + k }

// Store records a committed entry and pushes it to the --cache-to
// repository in the background. An image an earlier build stored under the
// same key (before --no-cache or an expired TTL) is removed in the
// background when nothing else names it; one that a container still uses
// stays for prune.
func (c *Cache) Store(ctx context.Context, key runner.StepKey, image string) error {
	k := key.Hash()
	c.mu.Lock()
	defer c.mu.Unlock()
	old, had := c.local[k]
	had = had && !c.stored[k] // two stages of this build may store the same key; both images stay in use
	c.local[k] = Entry{Key: k, Image: image, Created: time.Now(), Names: []string{c.name(k)}}
	c.stored[k] = true
	c.push(k, image)
	if had && old.Image != image && len(old.Names) == 1 {
		c.removals.Go(func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			c.cli.Run(ctx, buildah.Command{Args: []string{"rmi", old.Image}, Background: true})
		})
	}
	return nil
}

// End waits for the removals of replaced entries and for the pushes, and
// reports the first push that failed.
func (c *Cache) End(ctx context.Context) error {
	c.removals.Wait()
	done := make(chan struct{})
	go func() {
		c.pushes.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pushErrs) > 0 {
		return fmt.Errorf("--cache-to %s: %w", c.opts.To, c.pushErrs[0])
	}
	return nil
}

// push starts pushing an entry to the --cache-to repository unless it is
// there already. c.mu is held.
func (c *Cache) push(k, image string) {
	if c.opts.To == "" || c.pushed[k] {
		return
	}
	c.pushed[k] = true
	ctx := c.pushCtx
	c.pushes.Go(func() {
		c.pushMu.Lock()
		defer c.pushMu.Unlock()
		dest := "docker://" + c.opts.To + ":" + k
		if _, err := c.cli.Output(ctx, append(c.registryFlags("push", "--quiet"), image, dest)...); err != nil {
			c.mu.Lock()
			c.pushErrs = append(c.pushErrs, fmt.Errorf("pushing the step image %s: %w", k[:12], err))
			c.mu.Unlock()
		}
	})
}

// registryFlags adds the credential and TLS options to a pull or push.
func (c *Cache) registryFlags(args ...string) []string {
	if c.opts.AuthFile != "" {
		args = append(args, "--authfile", c.opts.AuthFile)
	}
	if c.opts.InsecureRegistry {
		args = append(args, "--tls-verify=false")
	}
	return args
}

// listTags lists the cache keys among a repository's tags with skopeo.
func (c *Cache) listTags(ctx context.Context, repo string) (map[string]bool, error) {
	skopeo := c.opts.Skopeo
	if skopeo == "" {
		skopeo = "skopeo"
	}
	if _, err := exec.LookPath(skopeo); err != nil {
		return nil, fmt.Errorf("listing the repository needs skopeo (apt-get install skopeo): %w", err)
	}
	args := []string{"list-tags"}
	if c.opts.AuthFile != "" {
		args = append(args, "--authfile", c.opts.AuthFile)
	}
	if c.opts.InsecureRegistry {
		args = append(args, "--tls-verify=false")
	}
	cmd := exec.CommandContext(ctx, skopeo, append(args, "docker://"+repo)...)
	cmd.Env = append(cmd.Environ(), c.cli.Env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		return nil, fmt.Errorf("listing tags: %s", strings.TrimPrefix(msg, "Error: "))
	}
	var list struct{ Tags []string }
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("listing tags: decoding skopeo output: %w", err)
	}
	keys := map[string]bool{}
	for _, t := range list.Tags {
		if isKey(t) {
			keys[t] = true
		}
	}
	return keys, nil
}

// isKey reports whether s looks like a step key: 64 lower-case hex digits.
func isKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
