package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zlayer/zlayer/runner/buildah"
)

// List returns the cache entries in the store, oldest first, with one
// `buildah images` call.
func List(ctx context.Context, cli *buildah.CLI) ([]Entry, error) {
	out, err := cli.Output(ctx, "images", "--json", "--no-trunc", "--filter", "reference="+Repository)
	if err != nil {
		return nil, fmt.Errorf("listing the layer cache: %w", err)
	}
	var images []struct {
		ID      string   `json:"id"`
		Names   []string `json:"names"`
		Created int64    `json:"created"`
	}
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &images); err != nil {
			return nil, fmt.Errorf("listing the layer cache: decoding buildah images output: %w", err)
		}
	}
	var entries []Entry
	for _, img := range images {
		for _, n := range img.Names {
			key, ok := strings.CutPrefix(n, Repository+":")
			if !ok || !isKey(key) {
				continue
			}
			entries = append(entries, Entry{Key: key, Image: strings.TrimPrefix(img.ID, "sha256:"),
				Created: time.Unix(img.Created, 0), Names: img.Names})
		}
	}
	slices.SortFunc(entries, func(a, b Entry) int { return a.Created.Compare(b.Created) })
	return entries, nil
}

// PruneOptions say which entries Prune removes.
type PruneOptions struct {
	// OlderThan, when positive, keeps entries committed within this long;
	// zero removes every entry.
	OlderThan time.Duration
}

// Prune removes cache entries from the store and returns the removed
// ones. It removes only the cache names: an image the user also tagged
// keeps its other names and stays. Entries whose image a working
// container uses are kept and reported in the error.
func Prune(ctx context.Context, cli *buildah.CLI, opts PruneOptions) ([]Entry, error) {
	entries, err := List(ctx, cli)
	if err != nil {
		return nil, err
	}
	var doomed []Entry
	for _, e := range entries {
		if opts.OlderThan <= 0 || time.Since(e.Created) > opts.OlderThan {
			doomed = append(doomed, e)
		}
	}
	if len(doomed) == 0 {
		return nil, nil
	}
	names := make([]string, len(doomed))
	for i, e := range doomed {
		names[i] = Repository + ":" + e.Key
	}
	if _, err := cli.Output(ctx, append([]string{"rmi"}, names...)...); err == nil {
		return doomed, nil
	}
	// Some could not be removed: find out which, one at a time.
	var removed []Entry
	var errs []error
	for i, e := range doomed {
		if _, err := cli.Output(ctx, "rmi", names[i]); err != nil {
			if ctx.Err() != nil {
				return removed, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("%s: %w", names[i], err))
			continue
		}
		removed = append(removed, e)
	}
	return removed, errors.Join(errs...)
}
