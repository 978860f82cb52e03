// The stages of a build file, as the server reports them. The server puts a
// `▶ Build stage NAME` code lens on every stage whose command is
// zlayer.buildStage with {uri, stage}; those lenses are the authoritative list.
// Document symbols are the fallback for a server that sends lenses unresolved.

/** A stage the user can build. */
export interface Stage {
  name: string;
  /** 0-based line of the stage in the file. */
  line: number;
}

/** The protocol shapes read here (raw LSP JSON, not VS Code objects). */
export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
export interface LspCodeLens {
  range: LspRange;
  command?: { title: string; command: string; arguments?: unknown[] };
  data?: unknown;
}
export interface LspDocumentSymbol {
  name: string;
  detail?: string;
  kind: number;
  range: LspRange;
  children?: LspDocumentSymbol[];
}

/** stagesFromCodeLenses lists the stages named by zlayer.buildStage lenses, in file order, without duplicates. */
export function stagesFromCodeLenses(lenses: readonly LspCodeLens[] | null | undefined): Stage[] {
  const stages: Stage[] = [];
  const seen = new Set<string>();
  for (const lens of lenses ?? []) {
    if (lens.command?.command !== 'zlayer.buildStage') {
      continue;
    }
    const arg = lens.command.arguments?.[0];
    const name = typeof arg === 'object' && arg !== null ? (arg as { stage?: unknown }).stage : undefined;
    if (typeof name !== 'string' || name === '' || seen.has(name)) {
      continue;
    }
    seen.add(name);
    stages.push({ name, line: lens.range.start.line });
  }
  return stages.sort((a, b) => a.line - b.line);
}

/**
 * stagesFromSymbols lists stages from a document-symbol tree: the children of
 * a top-level "stages" symbol (ZImagefile), otherwise the top-level symbols
 * whose detail or name marks them as stages (Dockerfile FROM lines).
 */
export function stagesFromSymbols(symbols: readonly LspDocumentSymbol[] | null | undefined): Stage[] {
  const top = symbols ?? [];
  const group = top.find((s) => s.name === 'stages' && s.children && s.children.length > 0);
  const candidates = group ? group.children ?? [] : top.filter((s) => /\bstage\b/i.test(s.detail ?? '') || /^FROM\b/i.test(s.name));
  return candidates.map((s) => ({ name: stageName(s.name), line: s.range.start.line }));
}

// stageName takes "builder" out of "FROM golang AS builder"; other names are kept.
function stageName(name: string): string {
  const m = /\sAS\s+(\S+)\s*$/i.exec(name);
  return m ? m[1] : name;
}

/** A quick-pick entry for a stage. */
export interface StagePickItem {
  label: string;
  description: string;
  stage: string;
}

/** stagePickItems builds the quick-pick entries, the last stage (the image's) marked as the final one. */
export function stagePickItems(stages: readonly Stage[]): StagePickItem[] {
  return stages.map((s, i) => ({
    label: s.name,
    description: `line ${s.line + 1}${i === stages.length - 1 ? ' · final stage' : ''}`,
    stage: s.name,
  }));
}
