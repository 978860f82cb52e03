// Command zlayer-lsp is the zlayer language server for ZImagefiles and
// Dockerfiles. It speaks LSP on stdin and stdout; its own log goes to
// stderr. It accepts and ignores --stdio, which some clients append.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/zlayer/zlayer/lsp"
)

func main() {
	for _, a := range os.Args[1:] {
		switch a {
		case "--stdio", "-stdio":
		case "--version", "-version", "version":
			fmt.Println("zlayer-lsp", lsp.Version)
			return
		default:
			fmt.Fprintf(os.Stderr, "zlayer-lsp: unknown argument %q; the server talks LSP on stdin/stdout and takes no arguments\n", a)
			os.Exit(2)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := lsp.RunStdio(ctx, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "zlayer-lsp:", err)
		os.Exit(1)
	}
}
