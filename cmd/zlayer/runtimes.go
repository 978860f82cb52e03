package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/dockerfile/runtimes"
)

func newRuntimesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "runtimes [--json]",
		Short: "List the runtime templates that `runtime:` and --runtime build from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := runtimes.All()
			if asJSON {
				type entry struct {
					Name        string   `json:"name"`
					Aliases     []string `json:"aliases"`
					Description string   `json:"description"`
					DetectFiles []string `json:"detectFiles"`
				}
				out := []entry{}
				for _, t := range all {
					out = append(out, entry{t.Name, nonNil(t.Aliases), t.Description, nonNil(t.DetectFiles)})
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tDESCRIPTION\tDETECTED BY\tALIASES")
			for _, t := range all {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, t.Description,
					strings.Join(t.DetectFiles, ", "), strings.Join(t.Aliases, ", "))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
