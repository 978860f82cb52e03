// Package entry point of the ZLayer VS Code extension. It starts the zlayer
// language server through vscode-languageclient for ZImagefiles (and
// Dockerfiles unless zlayer.dockerfile.enable is false), and turns the
// server's build commands (design §3) into editor commands, a status-bar
// item, an output channel, notifications and a `zlayer` task type.

import * as path from 'path';
import * as vscode from 'vscode';
import {
  ConfigurationParams,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ShowMessageNotification,
} from 'vscode-languageclient/node';
import { cliProgram, installHint, serverProgram } from './binary';
import { BuildOutput, Builds, ShowMessage } from './builds';
import { serverSettings, ServerSettings } from './config';
import { LspCodeLens, LspDocumentSymbol, Stage, stagePickItems, stagesFromCodeLenses, stagesFromSymbols } from './stages';
import { BuildStatus } from './status';
import { buildahEnv, buildCommandArgs, checkDefinition, taskName, TaskDefinition, watchCommandArgs } from './tasks';

/** The extension's API, returned by activate (used by tests and other extensions). */
export interface ZLayerApi {
  /** client is the running language client, if the server could be started. */
  client(): LanguageClient | undefined;
  /** builds tracks the builds in progress. */
  readonly builds: Builds;
}

const buildCommands = new Set(['zlayer.buildStage', 'zlayer.buildImage']);
const zimagefileGlob = '**/{ZImagefile,ZImagefile.*,*.zimagefile}';

let extension: Extension | undefined;

/** activate starts the language server and registers the commands. */
export async function activate(context: vscode.ExtensionContext): Promise<ZLayerApi> {
  extension = new Extension(context);
  await extension.start();
  return { client: () => extension?.client, builds: extension.builds };
}

/** deactivate stops the language server. */
export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}

class Extension {
  client: LanguageClient | undefined;
  readonly builds: Builds;
  private readonly output: vscode.OutputChannel;

  constructor(context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('ZLayer Build');
    const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
    item.name = 'ZLayer build';
    context.subscriptions.push(this.output, item);
    this.builds = new Builds(this.output, new BuildStatus(item, 'zlayer.cancel'), {
      succeeded: (message, imageId) => void this.showSucceeded(message, imageId),
      failed: (message) =>
        void vscode.window.showErrorMessage(message, 'Show Output').then((c) => c && this.output.show()),
      other: (m) => showServerMessage(m),
    });
    const register = (id: string, fn: (...args: any[]) => unknown) =>
      context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    register('zlayer.pickStageAndBuild', (uri?: vscode.Uri) => this.pickStageAndBuild(uri));
    register('zlayer.buildCurrentImage', (uri?: vscode.Uri) => this.buildFile('zlayer.buildImage', uri));
    register('zlayer.cancel', () => this.cancel());
    register('zlayer.watch', (uri?: vscode.Uri) => this.watch(uri));
    register('zlayer.convertFile', (uri?: vscode.Uri) => this.convert(uri));
    register('zlayer.restartServer', () => this.restart());
    register('zlayer.showBuildOutput', () => this.output.show());
    context.subscriptions.push(
      vscode.tasks.registerTaskProvider('zlayer', {
        provideTasks: () => this.provideTasks(),
        resolveTask: (task) => this.resolveTask(task),
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('zlayer.path') || e.affectsConfiguration('zlayer.dockerfile.enable')) {
          void this.restart();
        } else if (e.affectsConfiguration('zlayer')) {
          this.pushSettings();
        }
      }),
    );
  }

  /** start launches the language server; a missing binary is reported, not thrown. */
  async start(): Promise<void> {
    const cfg = vscode.workspace.getConfiguration('zlayer');
    const program = serverProgram(cfg.get<string>('path') ?? '');
    if (program instanceof Error) {
      void vscode.window.showErrorMessage(`ZLayer: ${program.message}`, 'Open Settings').then((c) => {
        if (c) {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'zlayer.path');
        }
      });
      return;
    }
    const client = new LanguageClient('zimagefile', 'ZLayer Language Server', program, this.clientOptions(cfg));
    client.onNotification('zlayer/buildOutput', (p: BuildOutput) => this.builds.output(p));
    client.onNotification(ShowMessageNotification.type, (m: ShowMessage) => this.builds.message(m));
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.client = undefined;
      void vscode.window.showErrorMessage(`ZLayer: the language server ${program.command} failed to start: ${message(err)}. ${installHint}`);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.builds.clear();
    if (client) {
      await client.stop().catch(() => undefined);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private clientOptions(cfg: vscode.WorkspaceConfiguration): LanguageClientOptions {
    const { settings, problems } = serverSettings(cfg);
    const selector: { language: string; scheme: string }[] = [];
    const languages = cfg.get<boolean>('dockerfile.enable') === false ? ['zimagefile'] : ['zimagefile', 'dockerfile'];
    for (const language of languages) {
      selector.push({ language, scheme: 'file' }, { language, scheme: 'untitled' });
    }
    for (const p of problems) {
      this.output.appendLine(`settings: ${p}`);
    }
    return {
      documentSelector: selector,
      initializationOptions: settings,
      middleware: {
        workspace: {
          configuration: (params: ConfigurationParams, token, next) => this.configuration(params, token, next),
        },
        executeCommand: (command, args, next) =>
          buildCommands.has(command) ? this.runBuild(command, args[0] ?? {}) : next(command, args),
      },
    };
  }

  // configuration answers workspace/configuration for the "zlayer" section
  // with the mapped server settings; other sections are left to the client.
  private async configuration(params: ConfigurationParams, token: vscode.CancellationToken, next: any): Promise<unknown[]> {
    const answers = await next(params, token);
    if (!Array.isArray(answers)) {
      return answers;
    }
    return params.items.map((item, i) => {
      if (item.section !== 'zlayer') {
        return answers[i];
      }
      const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
      return serverSettings(vscode.workspace.getConfiguration('zlayer', scope)).settings;
    });
  }

  // pushSettings sends changed settings to the server in the shape it reads
  // (the "zlayer" section, mapped like initializationOptions).
  private pushSettings(): void {
    const client = this.client;
    if (!client?.isRunning()) {
      return;
    }
    const { settings, problems } = serverSettings(vscode.workspace.getConfiguration('zlayer'));
    for (const p of problems) {
      this.output.appendLine(`settings: ${p}`);
    }
    void client.sendNotification(DidChangeConfigurationNotification.type, { settings: { zlayer: settings } });
  }

  private settingsFor(uri?: vscode.Uri): ServerSettings {
    return serverSettings(vscode.workspace.getConfiguration('zlayer', uri)).settings;
  }

  /** runBuild asks the server to start a build; args are the command's {uri, stage?, tags?, buildArgs?}. */
  async runBuild(command: string, args: { uri?: string; stage?: string; tags?: string[]; buildArgs?: Record<string, string> }): Promise<unknown> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('ZLayer: builds run programs, so they are only offered in a trusted workspace.');
      return undefined;
    }
    const client = this.client;
    if (!client) {
      void vscode.window.showErrorMessage(`ZLayer: the language server is not running. ${installHint}`);
      return undefined;
    }
    if (!args.uri) {
      void vscode.window.showErrorMessage('ZLayer: no build file given.');
      return undefined;
    }
    const uri = vscode.Uri.parse(args.uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) {
      await doc.save();
    }
    const settings = this.settingsFor(uri);
    const params = {
      uri: args.uri,
      ...(args.stage ? { stage: args.stage } : {}),
      tags: args.tags ?? settings.build.tags,
      buildArgs: args.buildArgs ?? settings.build.args,
    };
    const label = `${args.stage ?? 'image'} (${path.basename(uri.fsPath)})`;
    try {
      const result = await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [params] });
      this.builds.started(result, label, args.stage);
      return result;
    } catch (err) {
      const text = `ZLayer: build ${label} could not start: ${message(err)}`;
      this.output.appendLine(text);
      void vscode.window.showErrorMessage(text);
      return undefined;
    }
  }

  private buildFile(command: string, uri?: vscode.Uri, stage?: string): Promise<unknown> {
    const target = uri ?? this.activeBuildFile();
    if (!target) {
      void vscode.window.showWarningMessage('ZLayer: open a ZImagefile or Dockerfile to build.');
      return Promise.resolve(undefined);
    }
    return this.runBuild(command, { uri: target.toString(), stage });
  }

  private async pickStageAndBuild(uri?: vscode.Uri): Promise<unknown> {
    const target = uri ?? this.activeBuildFile();
    if (!target || !this.client) {
      return this.buildFile('zlayer.buildStage', target);
    }
    const stages = await this.stages(this.client, target);
    if (stages.length === 0) {
      void vscode.window.showWarningMessage(`ZLayer: ${path.basename(target.fsPath)} has no stages to build (fix the errors it reports first).`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(stagePickItems(stages), { placeHolder: 'Stage to build (with the stages it depends on)' });
    if (!pick) {
      return undefined;
    }
    return this.buildFile('zlayer.buildStage', target, pick.stage);
  }

  // stages asks the server for the file's stages: its code lenses first
  // (resolving them if needed), then its document symbols.
  private async stages(client: LanguageClient, uri: vscode.Uri): Promise<Stage[]> {
    const textDocument = { uri: uri.toString() };
    let lenses = (await client.sendRequest<LspCodeLens[] | null>('textDocument/codeLens', { textDocument }).catch(() => null)) ?? [];
    if (lenses.some((l) => !l.command) && client.initializeResult?.capabilities.codeLensProvider?.resolveProvider) {
      lenses = await Promise.all(lenses.map((l) => (l.command ? l : client.sendRequest<LspCodeLens>('codeLens/resolve', l).catch(() => l))));
    }
    const fromLenses = stagesFromCodeLenses(lenses);
    if (fromLenses.length > 0) {
      return fromLenses;
    }
    const symbols = await client.sendRequest<LspDocumentSymbol[] | null>('textDocument/documentSymbol', { textDocument }).catch(() => null);
    return stagesFromSymbols(symbols);
  }

  private async cancel(): Promise<void> {
    const client = this.client;
    if (!client || this.builds.running().length === 0) {
      void vscode.window.showInformationMessage('ZLayer: no build is running.');
      return;
    }
    try {
      await client.sendRequest(ExecuteCommandRequest.type, { command: 'zlayer.cancelBuild', arguments: [] });
    } catch (err) {
      void vscode.window.showErrorMessage(`ZLayer: cancelling failed: ${message(err)}`);
    }
  }

  private watch(uri?: vscode.Uri): void {
    const target = uri ?? this.activeBuildFile();
    if (!target) {
      void vscode.window.showWarningMessage('ZLayer: open a ZImagefile or Dockerfile to watch.');
      return;
    }
    const cli = cliProgram(vscode.workspace.getConfiguration('zlayer').get<string>('path') ?? '');
    if (cli instanceof Error) {
      void vscode.window.showErrorMessage(`ZLayer: ${cli.message}`);
      return;
    }
    const settings = this.settingsFor(target);
    const terminal = vscode.window.createTerminal({
      name: `zlayer watch ${path.basename(target.fsPath)}`,
      shellPath: cli,
      shellArgs: watchCommandArgs(target.fsPath, settings),
      cwd: path.dirname(target.fsPath),
      env: buildahEnv(settings),
    });
    terminal.show();
  }

  private async convert(uri?: vscode.Uri): Promise<void> {
    const target = uri ?? this.activeBuildFile();
    const client = this.client;
    if (!target || !client) {
      void vscode.window.showWarningMessage('ZLayer: open a ZImagefile or Dockerfile to convert (and make sure the language server runs).');
      return;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    const to = doc?.languageId === 'dockerfile' ? 'zimagefile' : 'dockerfile';
    try {
      const result = await client.sendRequest(ExecuteCommandRequest.type, {
        command: 'zlayer.convert',
        arguments: [{ uri: target.toString(), to }],
      });
      const content = typeof result === 'string' ? result : (result as { text?: string } | null)?.text;
      if (typeof content !== 'string') {
        throw new Error('the server returned no text');
      }
      const converted = await vscode.workspace.openTextDocument({ language: to, content });
      await vscode.window.showTextDocument(converted);
    } catch (err) {
      void vscode.window.showErrorMessage(`ZLayer: converting ${path.basename(target.fsPath)} to a ${to === 'dockerfile' ? 'Dockerfile' : 'ZImagefile'} failed: ${message(err)}`);
    }
  }

  private activeBuildFile(): vscode.Uri | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc && (doc.languageId === 'zimagefile' || doc.languageId === 'dockerfile') ? doc.uri : undefined;
  }

  private async showSucceeded(text: string, imageId: string | undefined): Promise<void> {
    const actions = imageId ? ['Copy image ID', 'Show Output'] : ['Show Output'];
    const choice = await vscode.window.showInformationMessage(text, ...actions);
    if (choice === 'Copy image ID' && imageId) {
      await vscode.env.clipboard.writeText(imageId);
    } else if (choice === 'Show Output') {
      this.output.show();
    }
  }

  private async provideTasks(): Promise<vscode.Task[]> {
    const files = await vscode.workspace.findFiles(zimagefileGlob, '**/node_modules/**', 50);
    const tasks: vscode.Task[] = [];
    for (const file of files) {
      const folder = vscode.workspace.getWorkspaceFolder(file);
      if (!folder) {
        continue;
      }
      const def: TaskDefinition = { type: 'zlayer', file: path.relative(folder.uri.fsPath, file.fsPath) };
      const task = this.taskFor(def, folder);
      if (task) {
        tasks.push(task);
      }
    }
    return tasks;
  }

  private resolveTask(task: vscode.Task): vscode.Task | undefined {
    const folder = typeof task.scope === 'object' ? (task.scope as vscode.WorkspaceFolder) : vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      return undefined;
    }
    return this.taskFor(task.definition as TaskDefinition, folder);
  }

  private taskFor(def: TaskDefinition, folder: vscode.WorkspaceFolder): vscode.Task | undefined {
    const problem = checkDefinition(def);
    const cli = cliProgram(vscode.workspace.getConfiguration('zlayer').get<string>('path') ?? '');
    if (problem || cli instanceof Error) {
      void vscode.window.showErrorMessage(`ZLayer task: ${problem ?? (cli as Error).message}`);
      return undefined;
    }
    const settings = this.settingsFor(folder.uri);
    const exec = new vscode.ProcessExecution(cli, buildCommandArgs(def, settings, folder.uri.fsPath), {
      cwd: folder.uri.fsPath,
      env: buildahEnv(settings),
    });
    const task = new vscode.Task(def, folder, taskName(def), 'zlayer', exec, '$zlayer');
    task.group = vscode.TaskGroup.Build;
    return task;
  }
}

function showServerMessage(m: ShowMessage): void {
  switch (m.type) {
    case 1:
      void vscode.window.showErrorMessage(m.message);
      break;
    case 2:
      void vscode.window.showWarningMessage(m.message);
      break;
    default:
      void vscode.window.showInformationMessage(m.message);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
