'use strict';
// A real build from the extension (opt-in: ZLAYER_TEST_BUILDAH=1, always under CI=true; needs
// buildah and a static busybox). A private buildah store under a temporary
// directory gets a busybox base made locally; the Build Stage command runs
// through the real server, the RUN output reaches the output channel, and
// the end notification's "Copy image ID" copies the image ID.

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const fake = require('./fake-vscode.cjs');
const { requireTool, serverBinaries } = require('./helpers.cjs');

fake.install();
const { state, waitFor } = fake;

// makeStore creates a private store holding localhost/busybox:latest.
function makeStore(dir) {
  const store = { root: path.join(dir, 'root'), runroot: path.join(dir, 'run'), driver: 'overlay' };
  const buildah = (...args) => execFileSync('buildah', ['--root', store.root, '--runroot', store.runroot,
    '--storage-driver', store.driver, ...args], { env: { ...process.env, BUILDAH_ISOLATION: 'chroot' } }).toString().trim();
  const ctr = buildah('from', 'scratch');
  const mnt = buildah('mount', ctr);
  for (const d of ['bin', 'tmp', 'etc', 'root']) {
    fs.mkdirSync(path.join(mnt, d), { recursive: true });
  }
  fs.copyFileSync('/bin/busybox', path.join(mnt, 'bin', 'busybox'));
  fs.chmodSync(path.join(mnt, 'bin', 'busybox'), 0o755);
  for (const applet of execFileSync('/bin/busybox', ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox')) {
    fs.symlinkSync('busybox', path.join(mnt, 'bin', applet));
  }
  fs.writeFileSync(path.join(mnt, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  buildah('config', '--env', 'PATH=/bin', ctr);
  buildah('commit', '--rm', '--quiet', ctr, 'localhost/busybox:latest');
  store.cleanup = () => {
    try { buildah('rm', '--all'); } catch { /* best effort */ }
  };
  return store;
}

test('a real build ends with a notification whose action copies the image ID', async (t) => {
  if (process.env.ZLAYER_TEST_BUILDAH !== '1' && process.env.CI !== 'true') {
    t.skip('set ZLAYER_TEST_BUILDAH=1 to run a real build (CI always does)');
    return;
  }
  if (!fs.existsSync('/bin/busybox')) {
    requireTool(t, 'a static /bin/busybox (apt-get install busybox-static)');
    return;
  }
  const bins = serverBinaries();
  if (!bins) {
    requireTool(t, 'zlayer-lsp (set ZLAYER_LSP or install go)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zlayer-vscode-build-'));
  // One hook, so that the order is certain: stop the server, empty the store, remove it all.
  const cleanups = [() => fs.rmSync(dir, { recursive: true, force: true })];
  t.after(async () => {
    for (const fn of cleanups.reverse()) {
      await fn();
    }
  });
  if (bins.tmp) {
    cleanups.push(() => fs.rmSync(bins.tmp, { recursive: true, force: true }));
  }
  let store;
  try {
    store = makeStore(dir);
  } catch (err) {
    if (err.code === 'ENOENT') {
      requireTool(t, 'buildah');
      return;
    }
    throw err;
  }
  cleanups.push(() => store.cleanup());
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  const file = path.join(ws, 'build.zimagefile');
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'build.zimagefile'), file);
  fake.addWorkspaceFolder(ws);
  fake.setSettings({
    'zlayer.path': bins.lsp,
    'zlayer.buildah.root': store.root,
    'zlayer.buildah.runroot': store.runroot,
    'zlayer.buildah.storageDriver': store.driver,
    'zlayer.build.tags': ['zlayer-vscode-test:built'],
  });
  const ext = require('../dist/extension.js');
  const api = await ext.activate(fake.extensionContext(path.join(__dirname, '..')));
  cleanups.push(() => ext.deactivate());
  await waitFor('the client to run', () => api.client()?.isRunning());
  fake.openDocument(file, 'zimagefile');

  state.messageAnswers.push((level, text, items) => (items.includes('Copy image ID') ? 'Copy image ID' : undefined));
  state.quickPickAnswer = (items) => items.find((i) => i.stage === 'hello');
  await fake.vscode.commands.executeCommand('zlayer.pickStageAndBuild');
  const done = await waitFor('the build to end', () => state.messages.find((m) => /^Built|failed/.test(m.text)), 180000);
  const out = state.outputChannels.get('ZLayer Build').lines.join('\n');
  assert.match(done.text, /^Built stage hello/, `${done.text}\n${out}`);
  assert.deepEqual(done.items, ['Copy image ID', 'Show Output']);
  await waitFor('the clipboard', () => state.clipboard !== '');
  const id = state.clipboard;
  assert.ok(done.text.includes(id), `copied ${id}, message ${done.text}`);
  const images = execFileSync('buildah', ['--root', store.root, '--runroot', store.runroot, '--storage-driver', store.driver,
    'images', '--noheading', '--no-trunc']).toString();
  assert.ok(images.split('\n').some((l) => l.includes(id) && l.includes('zlayer-vscode-test')), `image ${id} not tagged:\n${images}`);
  assert.match(out, /hello-from-vscode/);
  assert.equal(state.statusItems.find((i) => i.name === 'ZLayer build').visible, false);
});
