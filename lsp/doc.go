// Package lsp is the zlayer language server: diagnostics, completion, hover,
// navigation, code lenses and actions for ZImagefiles and Dockerfiles, and
// builds started from the editor.
//
// The server speaks LSP 3.17 over JSON-RPC (go.lsp.dev/protocol and
// go.lsp.dev/jsonrpc2). Notifications are handled in wire order on the read
// loop, requests run concurrently, $/cancelRequest cancels a request's
// context and a panic in a handler becomes an error reply. Every open
// document is parsed once per change by the shared front ends (package
// zimage for ZImagefiles, package dockerfile for Dockerfiles); the parse
// result is cached per version and shared by every feature. A pool of
// workers, one per CPU, publishes diagnostics as soon as they are computed
// and always works on a document's latest text, so intermediate versions
// are skipped when edits arrive faster than they can be analysed. Only the
// recently used documents keep their analysis in memory; the others keep
// their text and are analysed again on their next request. A Dockerfile
// edit reuses BuildKit's parse of the instructions it left alone. While a
// burst of opens lasts the GC keeps the heap tight, and the heap is
// returned to the operating system when it is over.
//
// ZImagefile completion and hover have one source of truth, the embedded
// JSON Schema (package schema): keys, their descriptions, step kinds and the
// modifiers each kind allows, enum and example values. The cursor's place in
// the document comes from the parser's recovered AST, so a half-typed key on
// a line that does not parse still completes.
//
// Builds (workspace/executeCommand zlayer.buildStage, zlayer.buildImage)
// run the real runner in the background and report through $/progress,
// zlayer/buildOutput notifications, window/showMessage and, for a failing
// step, an error diagnostic on the step's range. A stage without a name (a
// Dockerfile FROM without AS) is built by its index.
package lsp
