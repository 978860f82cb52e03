package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/lsp"
)

func newLSPCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lsp",
		Short: "Run the language server on stdin/stdout (same as zlayer-lsp)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := lsp.RunStdio(cmd.Context(), os.Stdin, os.Stdout, os.Stderr); err != nil {
				return &exitError{code: 1, err: err}
			}
			return nil
		},
	}
	// Clients such as vscode-languageclient append --stdio.
	cmd.Flags().Bool("stdio", true, "talk LSP over stdin/stdout (the only transport)")
	return cmd
}
