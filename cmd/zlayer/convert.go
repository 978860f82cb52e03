package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/zimage"
)

func newConvertCmd() *cobra.Command {
	var to, out string
	cmd := &cobra.Command{
		Use:   "convert FILE [--to zimagefile|dockerfile] [-o OUT]",
		Short: "Convert a ZImagefile to a Dockerfile or a Dockerfile to a ZImagefile",
		Long: `Convert reads a build file, turns it into a stage plan and writes the plan
in the other format (or the one --to names) to standard output or OUT.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bf, err := runner.FindBuildFile(".", args[0], "")
			if err != nil {
				return usageErrorf("%w", err)
			}
			text, err := convert(bf, to)
			if err != nil {
				return err
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(text)
				return err
			}
			return os.WriteFile(out, text, 0o644)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "target format: zimagefile or dockerfile (default: the other one)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// convert renders bf's plan in the format to names.
func convert(bf runner.BuildFile, to string) ([]byte, error) {
	if to == "" {
		to = "zimagefile"
		if bf.ZImagefile {
			to = "dockerfile"
		}
	}
	if to != "zimagefile" && to != "dockerfile" {
		return nil, usageErrorf("--to must be zimagefile or dockerfile, not %q", to)
	}
	p, _, err := runner.Load(bf)
	if err != nil {
		var le *runner.LoadError
		if errors.As(err, &le) {
			return nil, &exitError{code: 1, err: err}
		}
		return nil, usageErrorf("%w", err)
	}
	var text []byte
	if to == "dockerfile" {
		text, err = dockerfile.Format(p)
	} else {
		text, err = zimage.Format(p)
	}
	if err != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("%s cannot be converted to a %s: %w", bf.Path, to, err)}
	}
	return text, nil
}
