// Builds started from the editor. The server runs them in the background
// (design §3): workspace/executeCommand answers with the build's id, output
// arrives as zlayer/buildOutput notifications and the end as
// window/showMessage. Builds keeps the output channel, the status bar and
// the end-of-build notification in step with those messages.

import { BuildStatus } from './status';

/** The zlayer/buildOutput notification's parameters. */
export interface BuildOutput {
  buildId: string;
  stage?: string;
  line: string;
  stream?: string;
}

/** window/showMessage parameters (type: 1 error, 2 warning, 3 info, 4 log). */
export interface ShowMessage {
  type: number;
  message: string;
}

/** Where build output goes (a vscode.OutputChannel). */
export interface OutputSink {
  appendLine(value: string): void;
  show(preserveFocus?: boolean): void;
}

/** How the end of a build is shown to the user. */
export interface Notifier {
  /** succeeded shows a finished build; imageId, when known, is offered for copying. */
  succeeded(message: string, imageId: string | undefined): void;
  failed(message: string): void;
  /** other shows a server message that does not end a build. */
  other(message: ShowMessage): void;
}

const messageError = 1;

/** imageIdIn finds an image ID (sha256 digest or hexadecimal ID of 12 to 64 digits) in a message. */
export function imageIdIn(text: string): string | undefined {
  const digest = /sha256:[0-9a-f]{64}/.exec(text);
  if (digest) {
    return digest[0];
  }
  const hex = /(?<![0-9a-zA-Z])[0-9a-f]{12,64}(?![0-9a-zA-Z])/.exec(text);
  return hex && /[a-f]/.test(hex[0]) && /[0-9]/.test(hex[0]) ? hex[0] : undefined;
}

/**
 * buildIdOf reads the build id from an executeCommand answer: a string or
 * an object with buildId (or id).
 */
export function buildIdOf(result: unknown): string | undefined {
  if (typeof result === 'string' && result !== '') {
    return result;
  }
  if (typeof result === 'object' && result !== null) {
    const r = result as { buildId?: unknown; id?: unknown };
    for (const v of [r.buildId, r.id]) {
      if (typeof v === 'string' && v !== '') {
        return v;
      }
      if (typeof v === 'number') {
        return String(v);
      }
    }
  }
  return undefined;
}

/** Builds tracks the builds the server is running for this window. */
export class Builds {
  private shownFor = new Set<string>();
  /** What each running build builds: a stage name, or "" for the whole image. */
  private targets = new Map<string, string>();

  constructor(
    private readonly out: OutputSink,
    private readonly status: BuildStatus,
    private readonly notify: Notifier,
  ) {}

  /**
   * started records a build the server accepted. result is the
   * executeCommand answer; label names the build for the user. It returns
   * the build id, or undefined when the answer carried none.
   */
  started(result: unknown, label: string, stage?: string): string | undefined {
    const id = buildIdOf(result);
    if (id) {
      this.targets.set(id, stage ?? '');
    }
    this.out.appendLine(`── build ${label} started${id ? ` (${id})` : ''} ──`);
    this.out.show(true);
    if (id) {
      this.shownFor.add(id);
      this.status.begin(id, label);
    }
    return id;
  }

  /** output appends one build output line, prefixed with its stage. */
  output(p: BuildOutput): void {
    if (typeof p?.line !== 'string') {
      return;
    }
    const id = String(p.buildId ?? '');
    if (id !== '' && !this.status.labelOf(id)) {
      // A build started another way (a code action, another command).
      this.status.begin(id, p.stage || 'image');
    }
    if (id !== '' && p.stage && !this.targets.has(id)) {
      this.targets.set(id, p.stage);
    }
    if (id !== '' && !this.shownFor.has(id)) {
      this.shownFor.add(id);
      this.out.show(true);
    }
    // The runner's own step lines already start with "[stage k/n]".
    const prefix = p.stage && !p.line.startsWith(`[${p.stage} `) && !p.line.startsWith(`[${p.stage}]`) ? `[${p.stage}] ` : '';
    this.out.appendLine(`${prefix}${p.stream === 'stderr' ? '! ' : ''}${p.line}`);
    if (id !== '') {
      this.status.report(id, p.stage ?? '');
    }
  }

  /**
   * message handles window/showMessage. A message about a running build
   * ends it: the status bar drops it and the user sees the result, with the
   * image ID to copy on success. Other messages are passed on unchanged.
   */
  message(m: ShowMessage): void {
    const id = this.buildFor(m.message);
    if (id === undefined) {
      this.notify.other(m);
      return;
    }
    this.status.end(id);
    this.shownFor.delete(id);
    this.targets.delete(id);
    this.out.appendLine(`── ${m.message} ──`);
    if (m.type === messageError) {
      this.notify.failed(m.message);
    } else {
      this.notify.succeeded(m.message, imageIdIn(m.message));
    }
  }

  /** clear forgets every build, e.g. when the server stopped. */
  clear(): void {
    for (const id of this.status.active()) {
      this.status.end(id);
    }
    this.shownFor.clear();
    this.targets.clear();
  }

  /** running lists the ids of the builds in progress. */
  running(): string[] {
    return this.status.active();
  }

  // buildFor picks the running build a message is about: the one whose id
  // it names, else the one whose target it names ("Built stage app in …",
  // "Build of image failed: …"), else the only one running. Messages that
  // do not talk about a build belong to none.
  private buildFor(text: string): string | undefined {
    const active = this.status.active();
    if (active.length === 0 || !/\bbuil[dt]|cancel/i.test(text)) {
      return undefined;
    }
    const byId = active.find((id) => text.includes(id));
    if (byId) {
      return byId;
    }
    const byTarget = active.find((id) => {
      const stage = this.targets.get(id);
      const what = stage ? `stage ${escape(stage)}` : 'image';
      return new RegExp(`\\b(?:Built|Build of) ${what}(?![\\w.-])`).test(text);
    });
    if (byTarget) {
      return byTarget;
    }
    return active.length === 1 ? active[0] : undefined;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
