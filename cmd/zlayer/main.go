// Command zlayer checks, plans, converts and builds ZImagefiles and
// Dockerfiles. Builds run step by step with the buildah CLI.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code: 1 when a build or check failed,
// 2 for bad usage or unreadable input.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports bad usage or unreadable input (exit code 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	root := &cobra.Command{
		Use:           "zlayer",
		Short:         "Check, plan, convert and build ZImagefiles and Dockerfiles with buildah",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(commands()...)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: 2, err: err}
	})
	if err := root.Execute(); err != nil {
		code := 2
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if err.Error() != "" {
			fmt.Fprintln(os.Stderr, "zlayer:", err)
		}
		os.Exit(code)
	}
}

// commands lists the subcommands; each lives in its own file.
func commands() []*cobra.Command {
	return []*cobra.Command{
		newVersionCmd(),
		newCheckCmd(),
		newConvertCmd(),
		newSchemaCmd(),
		newRuntimesCmd(),
		newBuildCmd(),
		newPlanCmd(),
		newCacheCmd(),
		newWatchCmd(),
		newLSPCmd(),
	}
}
