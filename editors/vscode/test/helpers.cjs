'use strict';
// Shared helpers for the integration tests: finding (or building) the real
// zlayer-lsp binary, and skipping a test whose tool is missing — except
// under CI=true, where a missing tool is a failure.

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** requireTool skips the test when a tool is missing, or fails it under CI=true. */
function requireTool(t, what) {
  if (process.env.CI === 'true') {
    throw new Error(`${what} is required under CI=true`);
  }
  t.skip(`${what} is not available`);
}

/**
 * serverBinaries returns {lsp, cli}: ZLAYER_LSP (and a `zlayer` next to it,
 * if any) or, when unset, both binaries built from this checkout with go
 * into a temporary directory. It returns undefined when neither works.
 */
function serverBinaries() {
  if (process.env.ZLAYER_LSP) {
    const lsp = path.resolve(process.env.ZLAYER_LSP);
    const cli = path.join(path.dirname(lsp), 'zlayer');
    return { lsp, cli: fs.existsSync(cli) ? cli : undefined };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zlayer-vscode-bin-'));
  try {
    execFileSync('go', ['build', '-o', dir, './cmd/zlayer-lsp', './cmd/zlayer'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if (err.code === 'ENOENT') {
      return undefined; // no go toolchain
    }
    throw new Error(`building zlayer-lsp from ${repoRoot} failed:\n${err.stderr}`);
  }
  return { lsp: path.join(dir, 'zlayer-lsp'), cli: path.join(dir, 'zlayer'), tmp: dir };
}

module.exports = { requireTool, serverBinaries, repoRoot };
