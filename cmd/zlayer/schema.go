package main

import (
	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/schema"
)

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the ZImagefile JSON Schema (draft 2020-12)",
		Long: `Schema prints the JSON Schema that zlayer validates ZImagefiles with.
Point an editor's YAML support at it (for example yaml.schemas in the
Red Hat YAML extension) to get validation without the zlayer language server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(schema.JSON())
			return err
		},
	}
}
