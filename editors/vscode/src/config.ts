// Settings → server configuration. The extension's settings live under the
// "zlayer" section; the server reads the same section (design §3) from
// initializationOptions and workspace/configuration. Client-only settings
// (zlayer.path, zlayer.dockerfile.enable) are not sent.

/** The part of vscode.WorkspaceConfiguration the mapping reads. */
export interface ConfigReader {
  get<T>(section: string): T | undefined;
}

/** ServerSettings is the "zlayer" settings section as the server reads it. */
export interface ServerSettings {
  buildah: {
    path?: string;
    storageDriver?: string;
    root?: string;
    runroot?: string;
  };
  build: {
    tags: string[];
    args: Record<string, string>;
  };
  lint: {
    rules: Record<string, string>;
  };
}

/** The severities a lint rule can be set to. */
export const lintSeverities = ['off', 'info', 'warning', 'error'] as const;

/**
 * serverSettings maps the user's "zlayer" configuration to the settings the
 * server expects. Empty strings are left out, so the server uses its own
 * defaults; tags, build arguments and lint rules are normalised; invalid
 * entries are reported in problems instead of being sent.
 */
export function serverSettings(cfg: ConfigReader): { settings: ServerSettings; problems: string[] } {
  const problems: string[] = [];
  const settings: ServerSettings = {
    buildah: {},
    build: { tags: [], args: {} },
    lint: { rules: {} },
  };
  for (const key of ['path', 'storageDriver', 'root', 'runroot'] as const) {
    const v = text(cfg.get(`buildah.${key}`));
    if (v) {
      settings.buildah[key] = v;
    }
  }
  const tags = cfg.get<unknown>('build.tags');
  if (Array.isArray(tags)) {
    for (const t of tags) {
      const v = text(t);
      if (v) {
        settings.build.tags.push(v);
      } else {
        problems.push(`zlayer.build.tags: ignoring ${JSON.stringify(t)}: a tag must be a non-empty string`);
      }
    }
  }
  const args = cfg.get<unknown>('build.args');
  if (isRecord(args)) {
    for (const [k, v] of Object.entries(args)) {
      if (k.trim() === '' || k.includes('=')) {
        problems.push(`zlayer.build.args: ignoring ${JSON.stringify(k)}: a build argument name must be non-empty and contain no "="`);
        continue;
      }
      settings.build.args[k] = v === null || v === undefined ? '' : String(v);
    }
  }
  const rules = cfg.get<unknown>('lint.rules');
  if (isRecord(rules)) {
    for (const [code, sev] of Object.entries(rules)) {
      const v = typeof sev === 'string' ? sev.trim().toLowerCase() : '';
      if ((lintSeverities as readonly string[]).includes(v)) {
        settings.lint.rules[code] = v;
      } else {
        problems.push(`zlayer.lint.rules: ignoring ${code}: ${JSON.stringify(sev)} is not one of ${lintSeverities.join(', ')}`);
      }
    }
  }
  return { settings, problems };
}

function text(v: unknown): string {
  if (typeof v === 'string') {
    return v.trim();
  }
  if (typeof v === 'number') {
    return String(v);
  }
  return '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
