package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/runner/progress"
)

func newPlanCmd() *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "plan [CONTEXT]",
		Short: "Print the buildah commands a build would run, without running anything",
		Long: `Print the buildah commands ` + "`zlayer build`" + ` would run for the same flags, one per
line, without running anything. --format text|json selects the output; --format
oci|docker is the image format, as for build. Values only known while building
(image IDs, mount points, temporary files) are shown as $(...) placeholders.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			output := "text"
			if f.format == "text" || f.format == "json" {
				output, f.format = f.format, "oci"
			}
			opts, _, err := f.load(contextArg(args), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			var cmds [][]string
			opts.DryRun = func(argv []string) { cmds = append(cmds, argv) }
			var warnings []runner.Warning
			opts.Events = func(e runner.Event) {
				if w, ok := e.(runner.Warning); ok {
					warnings = append(warnings, w)
				}
			}
			if _, err := runner.Build(context.Background(), opts); err != nil {
				progress.Failure(cmd.ErrOrStderr(), err, nil)
				return &exitError{code: 1, err: fmt.Errorf("")}
			}
			return printPlan(cmd, output, cmds, warnings)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().Lookup("format").Usage = "output format text or json; oci or docker sets the image format"
	return cmd
}

func printPlan(cmd *cobra.Command, output string, cmds [][]string, warnings []runner.Warning) error {
	w := cmd.OutOrStdout()
	if output == "json" {
		if warnings == nil {
			warnings = []runner.Warning{}
		}
		return json.NewEncoder(w).Encode(struct {
			Commands [][]string       `json:"commands"`
			Warnings []runner.Warning `json:"warnings"`
		}{cmds, warnings})
	}
	for _, argv := range cmds {
		fmt.Fprintln(w, runner.QuoteWords(argv))
	}
	for _, wn := range warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "WARNING: %s\n", wn.Message)
	}
	return nil
}
