'use strict';
// End-to-end tests of the extension: the fake `vscode` module drives the
// real extension bundle (dist/extension.js) and the real
// vscode-languageclient against the real zlayer-lsp binary (ZLAYER_LSP, or
// built from this checkout).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');

const fake = require('./fake-vscode.cjs');
const { requireTool, serverBinaries } = require('./helpers.cjs');

fake.install();
const { state, waitFor } = fake;
const vscode = fake.vscode;
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

test('the extension against the real zlayer-lsp', async (t) => {
  const bins = serverBinaries();
  if (!bins) {
    requireTool(t, 'zlayer-lsp (set ZLAYER_LSP or install go)');
    return;
  }
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'zlayer-vscode-ws-'));
  t.after(() => fs.rmSync(ws, { recursive: true, force: true }));
  if (bins.tmp) {
    t.after(() => fs.rmSync(bins.tmp, { recursive: true, force: true }));
  }
  const file = path.join(ws, 'ZImagefile');
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'ZImagefile'), file);
  fake.addWorkspaceFolder(ws);
  fake.setSettings({
    'zlayer.path': bins.lsp,
    'zlayer.build.tags': ['zlayer-vscode-test:dev'],
    'zlayer.buildah.path': path.join(ws, 'no-such-buildah'),
  });

  const ext = require('../dist/extension.js');
  const api = await ext.activate(fake.extensionContext(path.join(__dirname, '..')));
  t.after(() => ext.deactivate());
  const client = await waitFor('the client to run', () => api.client()?.isRunning() && api.client());

  await t.test('activation registers every contributed command and the server commands', () => {
    for (const c of manifest.contributes.commands) {
      assert.ok(state.commands.has(c.command), `command ${c.command} is contributed but not registered`);
    }
    for (const c of ['zlayer.buildStage', 'zlayer.buildImage', 'zlayer.cancelBuild', 'zlayer.convert']) {
      assert.ok(state.commands.has(c), `server command ${c} is not registered by the client`);
    }
    assert.ok(state.taskProviders.has('zlayer'));
    assert.equal(client.initializeResult.serverInfo.name, 'zlayer-lsp');
  });

  const doc = fake.openDocument(file, 'zimagefile');
  const uri = doc.uri.toString();

  await t.test('a diagnostic arrives for the opened ZImagefile', async () => {
    const diags = await waitFor('diagnostics', () => state.diagnostics.get(uri)?.length && state.diagnostics.get(uri));
    const typo = diags.find((d) => d.range.start.line === 9);
    assert.ok(typo, `no diagnostic on line 10; got ${JSON.stringify(diags.map((d) => [d.range.start.line, d.message]))}`);
    assert.equal(typo.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(typo.range.start.character, 4);
    assert.equal(typo.range.end.character, 8);
    assert.match(typo.message, /unknown field `baes`/);
  });

  await t.test('completion offers the stage keys', async () => {
    const provider = state.providers.find((p) => p.kind === 'registerCompletionItemProvider');
    assert.ok(provider, 'no completion provider registered');
    const [, completion] = provider.args;
    // Line 11 is "    steps:" in the app stage; ask at the start of its key.
    const result = await completion.provideCompletionItems(doc, new vscode.Position(10, 4), new vscode.CancellationTokenSource().token,
      { triggerKind: vscode.CompletionTriggerKind.Invoke });
    const items = Array.isArray(result) ? result : result?.items ?? [];
    const labels = items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const key of ['base', 'workdir']) {
      assert.ok(labels.includes(key), `completion lacks ${key}: ${labels.join(', ')}`);
    }
  });

  await t.test('fixing the typo clears the diagnostics', async () => {
    await waitFor('ZI003 to be back', () => state.diagnostics.get(uri)?.some((d) => /unknown field `baes`/.test(d.message)));
    fake.changeDocument(doc, doc.getText().replace('baes:', 'base:'));
    await waitFor('the typo diagnostic to clear', () => !state.diagnostics.get(uri)?.some((d) => /unknown field/.test(d.message)));
  });

  await t.test('Build Stage… lists the stages from the server and starts the build there', async () => {
    const before = state.messages.length;
    state.quickPickAnswer = (items) => items.find((i) => i.stage === 'builder');
    await vscode.commands.executeCommand('zlayer.pickStageAndBuild');
    const pick = state.quickPicks.at(-1);
    assert.deepEqual(pick.items.map((i) => i.label), ['builder', 'app']);
    const out = state.outputChannels.get('ZLayer Build');
    assert.ok(out.lines.some((l) => /build builder \(ZImagefile\) started/.test(l)), out.lines.join('\n'));
    // buildah is missing on purpose: the server must end the build with an error the user sees.
    const end = await waitFor('the end of the build', () => state.messages.slice(before).find((m) => m.level === 'error'));
    assert.match(end.text, /buildah|build/i);
    assert.deepEqual(api.builds.running(), []);
    const item = state.statusItems.find((i) => i.name === 'ZLayer build');
    assert.equal(item.visible, false, 'the status bar item stays after the build ended');
  });

  await t.test('a code lens runs the build through the extension', async () => {
    const provider = state.providers.find((p) => p.kind === 'registerCodeLensProvider');
    assert.ok(provider, 'no code lens provider registered');
    const lenses = await provider.args[1].provideCodeLenses(doc, new vscode.CancellationTokenSource().token);
    const lens = lenses.find((l) => l.command?.arguments?.[0]?.stage === 'app');
    assert.ok(lens, `no lens for stage app: ${JSON.stringify(lenses.map((l) => l.command?.title))}`);
    assert.match(lens.command.title, /Build stage app/);
    const out = state.outputChannels.get('ZLayer Build');
    const before = state.messages.length;
    const result = await vscode.commands.executeCommand(lens.command.command, ...lens.command.arguments);
    assert.ok(result?.buildId, `no build id in ${JSON.stringify(result)}`);
    assert.ok(out.lines.some((l) => l.includes(`build app (ZImagefile) started (${result.buildId})`)), out.lines.join('\n'));
    await waitFor('the end of the build', () => state.messages.slice(before).find((m) => /Build of stage app/.test(m.text)));
    assert.deepEqual(api.builds.running(), []);
    assert.ok(state.progress.some((p) => /Building stage app/.test(p.options.title)),
      `no work-done progress shown: ${JSON.stringify(state.progress.map((p) => p.options.title))}`);
  });

  await t.test('changed lint settings reach the server', async () => {
    fake.changeDocument(doc, doc.getText().replace('    base: "localhost/zlayer-vscode-test/none:never"\n    steps:\n      - copy',
      '    baes: "localhost/zlayer-vscode-test/none:never"\n    steps:\n      - copy'));
    await waitFor('the ZI003 diagnostic', () => state.diagnostics.get(uri)?.some((d) => /unknown field `baes`/.test(d.message)));
    fake.setSettings({ ...state.settings, 'zlayer.lint.rules': { ZI003: 'off' } });
    await waitFor('ZI003 to be turned off', () => !state.diagnostics.get(uri)?.some((d) => /unknown field `baes`/.test(d.message)));
    fake.setSettings({ ...state.settings, 'zlayer.lint.rules': {} });
    await waitFor('ZI003 to be back', () => state.diagnostics.get(uri)?.some((d) => /unknown field `baes`/.test(d.message)));
    fake.changeDocument(doc, doc.getText().replace('baes:', 'base:'));
    await waitFor('the typo diagnostic to clear', () => !state.diagnostics.get(uri)?.some((d) => /unknown field/.test(d.message)));
  });

  await t.test('Dockerfiles are served too', async () => {
    const dockerfile = path.join(ws, 'Dockerfile');
    fs.writeFileSync(dockerfile, 'FROM localhost/zlayer-vscode-test/none:never\nFORM oops\n');
    const d = fake.openDocument(dockerfile, 'dockerfile');
    const diags = await waitFor('Dockerfile diagnostics', () => state.diagnostics.get(d.uri.toString())?.length && state.diagnostics.get(d.uri.toString()));
    assert.ok(diags.some((x) => x.range.start.line === 1 && x.severity === vscode.DiagnosticSeverity.Error),
      JSON.stringify(diags.map((x) => [x.range.start.line, x.message])));
    fake.showDocument(doc); // back to the ZImagefile
  });

  await t.test('Convert opens the Dockerfile the server produced', async () => {
    await vscode.commands.executeCommand('zlayer.convertFile');
    const converted = await waitFor('the converted document', () => state.openedDocuments.find((d) => d?.languageId === 'dockerfile'));
    assert.match(converted.getText(), /^FROM localhost\/zlayer-vscode-test\/none:never AS builder$/m);
  });

  await t.test('builds are refused in an untrusted workspace', async () => {
    state.isTrusted = false;
    t.after(() => { state.isTrusted = true; });
    const out = state.outputChannels.get('ZLayer Build');
    const before = out.lines.length;
    await vscode.commands.executeCommand('zlayer.buildCurrentImage');
    await vscode.commands.executeCommand('zlayer.buildStage', { uri, stage: 'app' }); // what a code lens runs
    assert.match(state.messages.at(-1).text, /only offered in a trusted workspace/);
    assert.match(state.messages.at(-2).text, /only offered in a trusted workspace/);
    assert.deepEqual(out.lines.slice(before), [], 'a build was started');
    state.isTrusted = true;
  });

  await t.test('Watch runs zlayer watch in a terminal', async (tt) => {
    if (!bins.cli) {
      requireTool(tt, 'the zlayer binary next to ZLAYER_LSP');
      return;
    }
    await vscode.commands.executeCommand('zlayer.watch');
    const term = state.terminals.at(-1);
    assert.ok(term?.shown, 'no terminal shown');
    assert.equal(term.options.shellPath, bins.cli);
    assert.deepEqual(term.options.shellArgs, ['watch', '--file', file, '--tag', 'zlayer-vscode-test:dev', ws]);
  });

  await t.test('a zlayer task from tasks.json resolves to a zlayer build command', async (tt) => {
    if (!bins.cli) {
      requireTool(tt, 'the zlayer binary next to ZLAYER_LSP');
      return;
    }
    const folder = vscode.workspace.workspaceFolders[0];
    const def = { type: 'zlayer', file: 'ZImagefile', stage: 'app', args: { V: '1' } };
    const task = state.taskProviders.get('zlayer').resolveTask(new vscode.Task(def, folder, 'x', 'zlayer'));
    assert.equal(task.execution.process, bins.cli);
    assert.deepEqual(task.execution.args, ['build', '--file', file, '--target', 'app', '--tag', 'zlayer-vscode-test:dev',
      '--build-arg', 'V=1', '--progress', 'plain', ws]);
    assert.equal(task.name, 'build ZImagefile (stage app)');
  });

  await t.test('turning Dockerfile support off restarts the client without the dockerfile language', async () => {
    const old = api.client();
    fake.setSettings({ ...state.settings, 'zlayer.dockerfile.enable': false });
    const fresh = await waitFor('a new client', () => api.client() !== old && api.client()?.isRunning() && api.client());
    const languages = fresh.clientOptions.documentSelector.map((s) => s.language);
    assert.ok(languages.includes('zimagefile'));
    assert.ok(!languages.includes('dockerfile'));
  });

  await t.test('a wrong zlayer.path gives a clear message with install instructions', async () => {
    fake.setSettings({ ...state.settings, 'zlayer.path': path.join(ws, 'missing', 'zlayer-lsp') });
    const msg = await waitFor('the error message', () => state.messages.find((m) => m.level === 'error' && /does not exist/.test(m.text)));
    assert.match(msg.text, /setting zlayer\.path/);
    assert.match(msg.text, /go install github\.com\/zlayer\/zlayer\/cmd\/zlayer-lsp@latest/);
    assert.deepEqual(msg.items, ['Open Settings']);
    assert.equal(api.client(), undefined);
  });
});
