'use strict';
// The schema-only set-up of editors/README.md: the Red Hat YAML extension's
// language server (yaml-language-server) with `yaml.schemas` mapping the
// ZImagefile globs to the output of `zlayer schema`. A ZImagefile opened as
// YAML must get a schema diagnostic at the misspelled key's stage.

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
  DidChangeConfigurationNotification, DidOpenTextDocumentNotification, PublishDiagnosticsNotification,
  ShutdownRequest, ExitNotification,
} = require('vscode-languageserver-protocol/node');
const { requireTool, serverBinaries } = require('./helpers.cjs');
const { waitFor } = require('./fake-vscode.cjs');

test('yaml-language-server validates a ZImagefile with the schema from `zlayer schema`', async (t) => {
  const bins = serverBinaries();
  if (!bins?.cli) {
    requireTool(t, 'the zlayer binary (next to ZLAYER_LSP, or go to build it)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zlayer-yaml-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  if (bins.tmp) {
    t.after(() => fs.rmSync(bins.tmp, { recursive: true, force: true }));
  }
  const schemaFile = path.join(dir, 'zimagefile.schema.json');
  fs.writeFileSync(schemaFile, execFileSync(bins.cli, ['schema']));
  const file = path.join(dir, 'ZImagefile');
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'ZImagefile'), file);

  const server = require.resolve('yaml-language-server/bin/yaml-language-server');
  const proc = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  proc.stdin.on('error', () => {}); // EPIPE once the server has exited
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  t.after(() => { conn.dispose(); proc.kill(); });
  // What editors/README.md tells users to put in settings.json.
  const settings = { yaml: { validate: true, schemas: { [schemaFile]: ['ZImagefile', 'ZImagefile.*', '*.zimagefile'] } } };
  const diagnostics = new Map();
  conn.onRequest('workspace/configuration', (p) => p.items.map((i) => settings[i.section] ?? null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => diagnostics.set(p.uri, p.diagnostics));
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: { workspace: { configuration: true } },
  });
  conn.sendNotification(InitializedNotification.type, {});
  conn.sendNotification(DidChangeConfigurationNotification.type, { settings });
  const uri = `file://${file}`;
  conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'yaml', version: 1, text: fs.readFileSync(file, 'utf8') },
  });
  const got = await waitFor('schema diagnostics', () => diagnostics.get(uri)?.length && diagnostics.get(uri), 15000);
  // Line 9 (0-based) holds `baes:` in the `app` stage, which therefore lacks `base`.
  assert.ok(got.some((d) => d.range.start.line >= 8 && d.range.start.line <= 9),
    `no diagnostic on the app stage: ${JSON.stringify(got.map((d) => [d.range.start.line, d.message]))}`);
  await conn.sendRequest(ShutdownRequest.type);
  // The server may be gone before the exit notification is written; that
  // EPIPE is the end of the session, not a failure.
  const exited = proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once('exit', resolve));
  await conn.sendNotification(ExitNotification.type).catch(() => {});
  await exited;
});
