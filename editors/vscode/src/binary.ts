// Finding the zlayer binaries. The language server is either `zlayer-lsp`
// or `zlayer lsp`; watch mode and tasks need the `zlayer` command line.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A program and its arguments. */
export interface Program {
  command: string;
  args: string[];
}

/** Install instructions shown when no binary is found. */
export const installHint =
  'Install it with `go install github.com/zlayer/zlayer/cmd/zlayer-lsp@latest` ' +
  '(and `.../cmd/zlayer@latest` for builds in a terminal), make sure it is on PATH, ' +
  'or set "zlayer.path" to the binary.';

/** findOnPath returns the first executable called name in PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * serverProgram decides how to start the language server. configured is the
 * zlayer.path setting: a `zlayer-lsp` binary runs as is, any other binary is
 * taken to be `zlayer` and gets the `lsp` subcommand. With no setting,
 * `zlayer-lsp` and then `zlayer` are looked up on PATH. The error names what
 * was tried and how to fix it.
 */
export function serverProgram(configured: string, env: NodeJS.ProcessEnv = process.env): Program | Error {
  if (configured.trim() !== '') {
    const p = expandHome(configured.trim());
    if (!isExecutable(p)) {
      return new Error(`The zlayer language server "${p}" (setting zlayer.path) does not exist or is not executable. ${installHint}`);
    }
    return { command: p, args: isLspBinary(p) ? [] : ['lsp'] };
  }
  const lsp = findOnPath('zlayer-lsp', env);
  if (lsp) {
    return { command: lsp, args: [] };
  }
  const cli = findOnPath('zlayer', env);
  if (cli) {
    return { command: cli, args: ['lsp'] };
  }
  return new Error(`Neither zlayer-lsp nor zlayer was found on PATH. ${installHint}`);
}

/**
 * cliProgram finds the `zlayer` command line for watch mode and tasks: the
 * configured binary if it is `zlayer`, a `zlayer` next to a configured
 * `zlayer-lsp`, or `zlayer` on PATH.
 */
export function cliProgram(configured: string, env: NodeJS.ProcessEnv = process.env): string | Error {
  const p = configured.trim() === '' ? '' : expandHome(configured.trim());
  if (p !== '' && !isLspBinary(p) && isExecutable(p)) {
    return p;
  }
  if (p !== '') {
    const sibling = path.join(path.dirname(p), process.platform === 'win32' ? 'zlayer.exe' : 'zlayer');
    if (isExecutable(sibling)) {
      return sibling;
    }
  }
  const cli = findOnPath('zlayer', env);
  if (cli) {
    return cli;
  }
  return new Error(`The zlayer command line was not found${p ? ` next to ${p} or` : ''} on PATH. ${installHint}`);
}

function isLspBinary(p: string): boolean {
  return path.basename(p).toLowerCase().startsWith('zlayer-lsp');
}

function expandHome(p: string): string {
  if (p === '~' || p.startsWith('~/')) {
    return path.join(os.homedir(), p.slice(1));
  }
  return p;
}

function isExecutable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) {
      return false;
    }
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
