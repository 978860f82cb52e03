// The `zlayer` task type: a build described in tasks.json, run with the
// zlayer command line so it can be bound to a key like any other task.

import * as path from 'path';
import { ServerSettings } from './config';

/** TaskDefinition is a `zlayer` task in tasks.json (see package.json taskDefinitions). */
export interface TaskDefinition {
  type: 'zlayer';
  /** The build file, relative to the workspace folder. */
  file: string;
  /** The build context; default: the build file's directory. */
  context?: string;
  /** Build only this stage and its dependencies (--target). */
  stage?: string;
  /** Image names (--tag); default: zlayer.build.tags. */
  tags?: string[];
  /** Build arguments (--build-arg), merged over zlayer.build.args. */
  args?: Record<string, string>;
}

/**
 * checkDefinition reports what is wrong with a task definition from
 * tasks.json, or undefined when it can be run.
 */
export function checkDefinition(def: Partial<TaskDefinition>): string | undefined {
  if (typeof def.file !== 'string' || def.file.trim() === '') {
    return 'a zlayer task needs "file": the ZImagefile or Dockerfile to build';
  }
  if (def.stage !== undefined && typeof def.stage !== 'string') {
    return '"stage" must be a string';
  }
  if (def.tags !== undefined && (!Array.isArray(def.tags) || def.tags.some((t) => typeof t !== 'string'))) {
    return '"tags" must be a list of strings';
  }
  if (def.args !== undefined && (typeof def.args !== 'object' || def.args === null || Array.isArray(def.args))) {
    return '"args" must be an object of KEY: "value" pairs';
  }
  return undefined;
}

/**
 * buildCommandArgs turns a task definition into `zlayer build` arguments.
 * folder is the workspace folder the relative paths are resolved against;
 * the settings supply default tags, build arguments and buildah options.
 */
export function buildCommandArgs(def: TaskDefinition, settings: ServerSettings, folder: string): string[] {
  const file = path.resolve(folder, def.file);
  const context = def.context ? path.resolve(folder, def.context) : path.dirname(file);
  const args = ['build', '--file', file];
  if (def.stage) {
    args.push('--target', def.stage);
  }
  for (const tag of def.tags ?? settings.build.tags) {
    args.push('--tag', tag);
  }
  const buildArgs = { ...settings.build.args, ...(def.args ?? {}) };
  for (const [k, v] of Object.entries(buildArgs)) {
    args.push('--build-arg', `${k}=${v}`);
  }
  args.push(...storageArgs(settings), '--progress', 'plain', context);
  return args;
}

/** watchCommandArgs are the `zlayer watch` arguments for a build file. */
export function watchCommandArgs(file: string, settings: ServerSettings): string[] {
  const args = ['watch', '--file', file];
  for (const tag of settings.build.tags) {
    args.push('--tag', tag);
  }
  for (const [k, v] of Object.entries(settings.build.args)) {
    args.push('--build-arg', `${k}=${v}`);
  }
  args.push(...storageArgs(settings), path.dirname(file));
  return args;
}

/** storageArgs are buildah's global storage options as zlayer flags. */
function storageArgs(settings: ServerSettings): string[] {
  const out: string[] = [];
  const b = settings.buildah;
  if (b.storageDriver) {
    out.push('--storage-driver', b.storageDriver);
  }
  if (b.root) {
    out.push('--root', b.root);
  }
  if (b.runroot) {
    out.push('--runroot', b.runroot);
  }
  return out;
}

/** taskName is the label a task shows in the task picker. */
export function taskName(def: TaskDefinition): string {
  return def.stage ? `build ${def.file} (stage ${def.stage})` : `build ${def.file}`;
}

/**
 * buildahEnv makes the command line use zlayer.buildah.path: the CLI runs
 * `buildah` from PATH, so the binary's directory is put first. It returns no
 * change when the setting is empty or names a binary not called buildah
 * (the CLI has no flag for it; the language server honours the setting
 * itself).
 */
export function buildahEnv(settings: ServerSettings, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const b = settings.buildah.path;
  if (!b || path.basename(b) !== 'buildah') {
    return {};
  }
  return { PATH: [path.dirname(b), env.PATH ?? ''].filter((d) => d !== '').join(path.delimiter) };
}
