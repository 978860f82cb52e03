package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/runner/buildah"
	"github.com/zlayer/zlayer/runner/cache"
)

func newCacheCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Manage the layer cache of zlayer build",
		Long: "Every step zlayer build runs is kept as an image named " + cache.Repository + ":KEY,\n" +
			"so that the next build with the same step reuses it.",
	}
	cmd.AddCommand(newCachePruneCmd())
	return cmd
}

func newCachePruneCmd() *cobra.Command {
	var all bool
	var olderThan, root, runroot, driver string
	cmd := &cobra.Command{
		Use:   "prune (--all | --older-than DURATION)",
		Short: "Remove layer cache images; images you tagged keep their tags",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var opts cache.PruneOptions
			switch {
			case all && olderThan != "":
				return usageErrorf("give either --all or --older-than, not both")
			case olderThan != "":
				d, err := parseDuration(olderThan)
				if err != nil || d <= 0 {
					return usageErrorf("--older-than %q: want a positive duration such as 12h or 7d", olderThan)
				}
				opts.OlderThan = d
			case !all:
				return usageErrorf("give --all to remove every cache image, or --older-than DURATION")
			}
			cli := &buildah.CLI{Root: root, RunRoot: runroot, StorageDriver: driver}
			removed, err := cache.Prune(cmd.Context(), cli, opts)
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d layer cache %s\n", len(removed), plural(len(removed), "image", "images"))
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("some cache images were kept: %w", err)}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&all, "all", false, "remove every cache image")
	fs.StringVar(&olderThan, "older-than", "", "remove cache images committed more than `DURATION` ago (e.g. 36h, 7d)")
	fs.StringVar(&driver, "storage-driver", "", "buildah storage driver")
	fs.StringVar(&root, "root", "", "buildah storage root")
	fs.StringVar(&runroot, "runroot", "", "buildah storage runroot")
	return cmd
}

// parseDuration parses a Go duration ("90m", "36h") or a whole number of
// days ("7d").
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 30m, 12h or 7d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: want e.g. 30m, 12h or 7d", s)
	}
	return d, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
