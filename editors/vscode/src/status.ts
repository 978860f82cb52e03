// The status-bar item that shows running builds.

/** The part of vscode.StatusBarItem the build status drives. */
export interface StatusItem {
  text: string;
  tooltip: string | unknown;
  command: string | unknown;
  show(): void;
  hide(): void;
}

interface Running {
  label: string;
  message?: string;
}

/**
 * BuildStatus shows the builds in progress in one status-bar item ("building
 * runtime", or "2 builds" when several run) and hides it when none is left.
 * Clicking it cancels the builds.
 */
export class BuildStatus {
  private readonly running = new Map<string, Running>();

  constructor(private readonly item: StatusItem, private readonly cancelCommand: string) {
    item.hide();
  }

  /** begin records a build that started. */
  begin(buildId: string, label: string): void {
    this.running.set(buildId, { label });
    this.render();
  }

  /** report updates the build's latest progress message (e.g. the running step). */
  report(buildId: string, message: string): void {
    const r = this.running.get(buildId);
    if (r) {
      r.message = message;
      this.render();
    }
  }

  /** end removes a build; the item hides when it was the last one. */
  end(buildId: string): void {
    this.running.delete(buildId);
    this.render();
  }

  /** active lists the running builds' ids. */
  active(): string[] {
    return [...this.running.keys()];
  }

  /** labelOf returns the label a running build was started with. */
  labelOf(buildId: string): string | undefined {
    return this.running.get(buildId)?.label;
  }

  private render(): void {
    const builds = [...this.running.values()];
    if (builds.length === 0) {
      this.item.hide();
      return;
    }
    if (builds.length === 1) {
      const b = builds[0];
      this.item.text = `$(sync~spin) ZLayer: building ${b.label}${b.message ? ` — ${b.message}` : ''}`;
    } else {
      this.item.text = `$(sync~spin) ZLayer: ${builds.length} builds`;
    }
    this.item.tooltip = `${builds.map((b) => `Building ${b.label}`).join('\n')}\nClick to cancel.`;
    this.item.command = this.cancelCommand;
    this.item.show();
  }
}
