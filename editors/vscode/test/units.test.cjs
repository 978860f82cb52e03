'use strict';
// Unit tests for the pieces the extension owns: settings → server settings,
// finding the binaries, the stage pick, task definitions → command lines,
// the status bar and build tracking. They load the modules compiled to out/
// by `npm run build:units`; none of them needs VS Code or the server.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { serverSettings } = require('../out/config.js');
const { serverProgram, cliProgram, findOnPath } = require('../out/binary.js');
const { stagesFromCodeLenses, stagesFromSymbols, stagePickItems } = require('../out/stages.js');
const { buildCommandArgs, watchCommandArgs, checkDefinition, buildahEnv, taskName } = require('../out/tasks.js');
const { BuildStatus } = require('../out/status.js');
const { Builds, imageIdIn, buildIdOf } = require('../out/builds.js');

function reader(flat) {
  return { get: (key) => flat[key] };
}

test('serverSettings maps every server setting and leaves client-only ones out', () => {
  const { settings, problems } = serverSettings(reader({
    path: '/opt/zlayer-lsp',
    'dockerfile.enable': false,
    'buildah.path': ' /usr/local/bin/buildah ',
    'buildah.storageDriver': 'vfs',
    'buildah.root': '/var/tmp/root',
    'buildah.runroot': '',
    'build.tags': ['app:dev', 'registry.local/app:dev'],
    'build.args': { VERSION: '1.2', DEBUG: 1 },
    'lint.rules': { ZI201: 'off', DL3007: 'Error' },
  }));
  assert.deepEqual(problems, []);
  assert.deepEqual(settings, {
    buildah: { path: '/usr/local/bin/buildah', storageDriver: 'vfs', root: '/var/tmp/root' },
    build: { tags: ['app:dev', 'registry.local/app:dev'], args: { VERSION: '1.2', DEBUG: '1' } },
    lint: { rules: { ZI201: 'off', DL3007: 'error' } },
  });
});

test('serverSettings reports invalid entries instead of sending them', () => {
  const { settings, problems } = serverSettings(reader({
    'build.tags': ['ok', '', 3, {}],
    'build.args': { 'A=B': 'x', '': 'y', GOOD: 'z' },
    'lint.rules': { ZI001: 'fatal', ZI002: 'warning' },
  }));
  assert.deepEqual(settings.build.tags, ['ok', '3']);
  assert.deepEqual(settings.build.args, { GOOD: 'z' });
  assert.deepEqual(settings.lint.rules, { ZI002: 'warning' });
  assert.equal(problems.length, 5);
  assert.match(problems.join('\n'), /zlayer\.lint\.rules: ignoring ZI001: "fatal" is not one of off, info, warning, error/);
  assert.match(problems.join('\n'), /zlayer\.build\.args: ignoring "A=B"/);
});

test('serverSettings with nothing set gives empty defaults', () => {
  assert.deepEqual(serverSettings(reader({})).settings, { buildah: {}, build: { tags: [], args: {} }, lint: { rules: {} } });
});

function binDir(t, names) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zlayer-bin-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const n of names) {
    fs.writeFileSync(path.join(dir, n), '#!/bin/sh\n', { mode: 0o755 });
  }
  return dir;
}

test('serverProgram runs zlayer-lsp as is and zlayer with the lsp subcommand', (t) => {
  const dir = binDir(t, ['zlayer-lsp', 'zlayer']);
  assert.deepEqual(serverProgram(path.join(dir, 'zlayer-lsp')), { command: path.join(dir, 'zlayer-lsp'), args: [] });
  assert.deepEqual(serverProgram(path.join(dir, 'zlayer')), { command: path.join(dir, 'zlayer'), args: ['lsp'] });
});

test('serverProgram looks on PATH for zlayer-lsp, then zlayer', (t) => {
  const both = binDir(t, ['zlayer-lsp', 'zlayer']);
  const cliOnly = binDir(t, ['zlayer']);
  assert.deepEqual(serverProgram('', { PATH: both }), { command: path.join(both, 'zlayer-lsp'), args: [] });
  assert.deepEqual(serverProgram('', { PATH: cliOnly }), { command: path.join(cliOnly, 'zlayer'), args: ['lsp'] });
  assert.equal(findOnPath('zlayer-lsp', { PATH: cliOnly }), undefined);
});

test('a missing binary gives an error with install instructions', (t) => {
  const empty = binDir(t, []);
  const notFound = serverProgram('', { PATH: empty });
  assert.ok(notFound instanceof Error);
  assert.match(notFound.message, /Neither zlayer-lsp nor zlayer was found on PATH/);
  assert.match(notFound.message, /go install github\.com\/zlayer\/zlayer\/cmd\/zlayer-lsp@latest/);
  assert.match(notFound.message, /zlayer\.path/);
  const bad = serverProgram('/nonexistent/zlayer-lsp', { PATH: empty });
  assert.ok(bad instanceof Error);
  assert.match(bad.message, /"\/nonexistent\/zlayer-lsp" \(setting zlayer\.path\) does not exist or is not executable/);
  fs.writeFileSync(path.join(empty, 'zlayer-lsp'), 'not executable', { mode: 0o644 });
  assert.ok(serverProgram(path.join(empty, 'zlayer-lsp')) instanceof Error);
});

test('cliProgram finds zlayer next to a configured zlayer-lsp, then on PATH', (t) => {
  const both = binDir(t, ['zlayer-lsp', 'zlayer']);
  const lspOnly = binDir(t, ['zlayer-lsp']);
  const cliOnly = binDir(t, ['zlayer']);
  assert.equal(cliProgram(path.join(both, 'zlayer-lsp'), { PATH: '' }), path.join(both, 'zlayer'));
  assert.equal(cliProgram(path.join(lspOnly, 'zlayer-lsp'), { PATH: cliOnly }), path.join(cliOnly, 'zlayer'));
  const err = cliProgram(path.join(lspOnly, 'zlayer-lsp'), { PATH: lspOnly });
  assert.ok(err instanceof Error);
  assert.match(err.message, /zlayer command line was not found next to .*zlayer-lsp or on PATH/);
});

const range = (line) => ({ start: { line, character: 2 }, end: { line, character: 9 } });

test('stagesFromCodeLenses lists the stages of the build-stage lenses in file order', () => {
  const lenses = [
    { range: range(0), command: { title: '▶ Build image', command: 'zlayer.buildImage', arguments: [{ uri: 'file:///x' }] } },
    { range: range(20), command: { title: '▶ Build stage runtime', command: 'zlayer.buildStage', arguments: [{ uri: 'file:///x', stage: 'runtime' }] } },
    { range: range(3), command: { title: '▶ Build stage builder', command: 'zlayer.buildStage', arguments: [{ uri: 'file:///x', stage: 'builder' }] } },
    { range: range(3), command: { title: 'duplicate', command: 'zlayer.buildStage', arguments: [{ uri: 'file:///x', stage: 'builder' }] } },
    { range: range(5) },
    { range: range(6), command: { title: 'broken', command: 'zlayer.buildStage', arguments: [] } },
  ];
  assert.deepEqual(stagesFromCodeLenses(lenses), [{ name: 'builder', line: 3 }, { name: 'runtime', line: 20 }]);
  assert.deepEqual(stagesFromCodeLenses(null), []);
});

test('stagesFromSymbols reads ZImagefile and Dockerfile symbol trees', () => {
  const zimage = [
    { name: 'version', kind: 14, range: range(0) },
    { name: 'stages', kind: 2, range: range(1), children: [
      { name: 'builder', kind: 5, range: range(2), children: [] },
      { name: 'runtime', kind: 5, range: range(9) },
    ] },
  ];
  assert.deepEqual(stagesFromSymbols(zimage), [{ name: 'builder', line: 2 }, { name: 'runtime', line: 9 }]);
  const docker = [
    { name: 'FROM golang:1.22 AS build', kind: 5, range: range(0) },
    { name: 'ARG X', kind: 13, range: range(1) },
    { name: 'final', detail: 'stage 1', kind: 5, range: range(4) },
  ];
  assert.deepEqual(stagesFromSymbols(docker), [{ name: 'build', line: 0 }, { name: 'final', line: 4 }]);
});

test('stagePickItems marks the final stage and shows 1-based lines', () => {
  assert.deepEqual(stagePickItems([{ name: 'builder', line: 3 }, { name: 'runtime', line: 20 }]), [
    { label: 'builder', description: 'line 4', stage: 'builder' },
    { label: 'runtime', description: 'line 21 · final stage', stage: 'runtime' },
  ]);
});

const settings = {
  buildah: { path: '/opt/bin/buildah', storageDriver: 'overlay', root: '/r', runroot: '/rr' },
  build: { tags: ['app:dev'], args: { A: '1', B: '2' } },
  lint: { rules: {} },
};

test('buildCommandArgs turns a task definition into zlayer build arguments', () => {
  const def = { type: 'zlayer', file: 'images/ZImagefile.web', stage: 'builder', tags: ['web:1', 'web:latest'], args: { B: 'task' } };
  assert.deepEqual(buildCommandArgs(def, settings, '/ws'), [
    'build', '--file', '/ws/images/ZImagefile.web', '--target', 'builder',
    '--tag', 'web:1', '--tag', 'web:latest',
    '--build-arg', 'A=1', '--build-arg', 'B=task',
    '--storage-driver', 'overlay', '--root', '/r', '--runroot', '/rr',
    '--progress', 'plain', '/ws/images',
  ]);
  assert.equal(taskName(def), 'build images/ZImagefile.web (stage builder)');
});

test('buildCommandArgs uses the default tags and an explicit context', () => {
  const def = { type: 'zlayer', file: 'ZImagefile', context: '..' };
  const plain = { buildah: {}, build: { tags: ['app:dev'], args: {} }, lint: { rules: {} } };
  assert.deepEqual(buildCommandArgs(def, plain, '/ws/app'), [
    'build', '--file', '/ws/app/ZImagefile', '--tag', 'app:dev', '--progress', 'plain', '/ws',
  ]);
  assert.equal(taskName(def), 'build ZImagefile');
});

test('checkDefinition explains what a broken task definition lacks', () => {
  assert.equal(checkDefinition({ type: 'zlayer', file: 'ZImagefile' }), undefined);
  assert.match(checkDefinition({ type: 'zlayer' }), /needs "file"/);
  assert.match(checkDefinition({ type: 'zlayer', file: 'Z', tags: 'a' }), /"tags" must be a list of strings/);
  assert.match(checkDefinition({ type: 'zlayer', file: 'Z', args: ['A=1'] }), /"args" must be an object/);
  assert.match(checkDefinition({ type: 'zlayer', file: 'Z', stage: 3 }), /"stage" must be a string/);
});

test('watchCommandArgs watches the file in its directory with the build settings', () => {
  assert.deepEqual(watchCommandArgs('/ws/app/ZImagefile', settings), [
    'watch', '--file', '/ws/app/ZImagefile', '--tag', 'app:dev', '--build-arg', 'A=1', '--build-arg', 'B=2',
    '--storage-driver', 'overlay', '--root', '/r', '--runroot', '/rr', '/ws/app',
  ]);
});

test('buildahEnv puts the configured buildah first on PATH', () => {
  assert.deepEqual(buildahEnv(settings, { PATH: '/usr/bin' }), { PATH: `/opt/bin${path.delimiter}/usr/bin` });
  assert.deepEqual(buildahEnv({ ...settings, buildah: {} }, { PATH: '/usr/bin' }), {});
  assert.deepEqual(buildahEnv({ ...settings, buildah: { path: '/opt/bin/my-buildah' } }, { PATH: '/usr/bin' }), {});
});

function fakeItem() {
  return { text: '', tooltip: '', command: undefined, visible: true, show() { this.visible = true; }, hide() { this.visible = false; } };
}

test('BuildStatus shows running builds and hides when they end', () => {
  const item = fakeItem();
  const status = new BuildStatus(item, 'zlayer.cancel');
  assert.equal(item.visible, false);
  status.begin('b1', 'builder (ZImagefile)');
  assert.equal(item.visible, true);
  assert.equal(item.text, '$(sync~spin) ZLayer: building builder (ZImagefile)');
  assert.equal(item.command, 'zlayer.cancel');
  status.report('b1', 'RUN npm ci');
  assert.equal(item.text, '$(sync~spin) ZLayer: building builder (ZImagefile) — RUN npm ci');
  status.begin('b2', 'image (Dockerfile)');
  assert.equal(item.text, '$(sync~spin) ZLayer: 2 builds');
  assert.match(item.tooltip, /Building builder \(ZImagefile\)\nBuilding image \(Dockerfile\)\nClick to cancel\./);
  status.end('b1');
  assert.equal(item.text, '$(sync~spin) ZLayer: building image (Dockerfile)');
  status.end('b2');
  assert.equal(item.visible, false);
  status.report('b2', 'late');
  assert.equal(item.visible, false);
});

test('imageIdIn and buildIdOf read ids from server messages and answers', () => {
  const id = 'f'.repeat(20) + '0123456789abcdef'.repeat(2) + 'a'.repeat(12);
  assert.equal(imageIdIn(`Built image ${id} (app:dev)`), id);
  assert.equal(imageIdIn('Built sha256:' + 'ab'.repeat(32)), 'sha256:' + 'ab'.repeat(32));
  assert.equal(imageIdIn('Built 3f2a9c1b7d4e in 2.1s'), '3f2a9c1b7d4e');
  assert.equal(imageIdIn('build failed at line 12'), undefined);
  assert.equal(imageIdIn('deadbeefdeadbeef'), undefined, 'no digits: a word, not an ID');
  assert.equal(buildIdOf({ buildId: 'b-7' }), 'b-7');
  assert.equal(buildIdOf('b-8'), 'b-8');
  assert.equal(buildIdOf({ id: 9 }), '9');
  assert.equal(buildIdOf(null), undefined);
});

function tracker() {
  const out = { lines: [], shown: 0, appendLine(l) { this.lines.push(l); }, show() { this.shown++; } };
  const item = fakeItem();
  const seen = [];
  const builds = new Builds(out, new BuildStatus(item, 'zlayer.cancel'), {
    succeeded: (m, id) => seen.push(['ok', m, id]),
    failed: (m) => seen.push(['failed', m]),
    other: (m) => seen.push(['other', m.message]),
  });
  return { out, item, seen, builds };
}

test('Builds feeds the output channel and ends a build with its image ID', () => {
  const { out, item, seen, builds } = tracker();
  assert.equal(builds.started({ buildId: 'b1' }, 'runtime (ZImagefile)'), 'b1');
  assert.equal(item.visible, true);
  builds.output({ buildId: 'b1', stage: 'runtime', line: 'STEP 1/2: RUN echo hi', stream: 'stdout' });
  builds.output({ buildId: 'b1', stage: 'runtime', line: 'warning: x', stream: 'stderr' });
  assert.deepEqual(out.lines.slice(1), ['[runtime] STEP 1/2: RUN echo hi', '[runtime] ! warning: x']);
  builds.message({ type: 3, message: 'Settings reloaded' });
  assert.deepEqual(seen, [['other', 'Settings reloaded']]);
  assert.equal(item.visible, true);
  builds.message({ type: 3, message: 'Built stage runtime in 0.4s: image 3f2a9c1b7d4e5a6b' });
  assert.deepEqual(seen[1], ['ok', 'Built stage runtime in 0.4s: image 3f2a9c1b7d4e5a6b', '3f2a9c1b7d4e5a6b']);
  assert.equal(item.visible, false);
  assert.deepEqual(builds.running(), []);
});

test('Builds matches the end message to its build and reports failures', () => {
  const { seen, builds, item } = tracker();
  builds.started({ buildId: 'b1' }, 'builder (ZImagefile)', 'builder');
  builds.started({ buildId: 'b2' }, 'runtime (ZImagefile)', 'runtime');
  builds.started({ buildId: 'b3' }, 'image (ZImagefile)');
  builds.started({ buildId: 'b4' }, 'app (ZImagefile)', 'app');
  builds.message({ type: 1, message: 'Build of stage runtime failed: ZImagefile:12: RUN exited with 1' });
  assert.deepEqual(seen, [['failed', 'Build of stage runtime failed: ZImagefile:12: RUN exited with 1']]);
  assert.deepEqual(builds.running().sort(), ['b1', 'b3', 'b4']);
  builds.message({ type: 3, message: 'Built stage app in 1.2s: image 3f2a9c1b7d4e (app:dev)' });
  assert.deepEqual(seen[1], ['ok', 'Built stage app in 1.2s: image 3f2a9c1b7d4e (app:dev)', '3f2a9c1b7d4e']);
  assert.deepEqual(builds.running().sort(), ['b1', 'b3']);
  builds.message({ type: 3, message: 'Built image in 3.0s: image 0a1b2c3d4e5f' });
  assert.deepEqual(builds.running(), ['b1']);
  builds.message({ type: 2, message: 'Build b1 cancelled' });
  assert.deepEqual(builds.running(), []);
  assert.equal(item.visible, false);
});

test('Builds does not repeat the stage prefix of runner step lines', () => {
  const { out, builds } = tracker();
  builds.started({ buildId: 'b1' }, 'app', 'app');
  builds.output({ buildId: 'b1', stage: 'builder', line: '[builder 1/2] FROM localhost/busybox:latest' });
  builds.output({ buildId: 'b1', stage: 'builder', line: 'hello' });
  assert.deepEqual(out.lines.slice(-2), ['[builder 1/2] FROM localhost/busybox:latest', '[builder] hello']);
});

test('Builds adopts output of builds started elsewhere (code actions)', () => {
  const { out, builds, item } = tracker();
  builds.output({ buildId: 'x1', stage: 'app', line: 'hello' });
  assert.equal(out.shown, 1);
  assert.deepEqual(builds.running(), ['x1']);
  assert.match(item.text, /building app/);
  builds.output({ buildId: 'x1', line: 'no stage' });
  assert.equal(out.lines.at(-1), 'no stage');
  builds.clear();
  assert.equal(item.visible, false);
});

test('the manifest contributes the language, settings and trust limits the brief asks for', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  const lang = pkg.contributes.languages.find((l) => l.id === 'zimagefile');
  assert.deepEqual(lang.filenames, ['ZImagefile']);
  assert.deepEqual(lang.filenamePatterns, ['ZImagefile.*', '*.zimagefile']);
  assert.ok(fs.existsSync(path.join(__dirname, '..', lang.configuration)));
  assert.ok(!pkg.contributes.languages.some((l) => l.id === 'dockerfile'), 'must not claim the dockerfile language');
  assert.ok(!pkg.contributes.grammars.some((g) => g.language === 'dockerfile'), 'must not claim the dockerfile grammar');
  const grammar = JSON.parse(fs.readFileSync(path.join(__dirname, '..', pkg.contributes.grammars[0].path), 'utf8'));
  assert.deepEqual(grammar.patterns, [{ include: 'source.yaml' }]);
  assert.ok(pkg.activationEvents.includes('onLanguage:dockerfile'));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  for (const key of ['zlayer.path', 'zlayer.buildah.path', 'zlayer.buildah.storageDriver', 'zlayer.buildah.root',
    'zlayer.buildah.runroot', 'zlayer.build.tags', 'zlayer.build.args', 'zlayer.lint.rules', 'zlayer.dockerfile.enable']) {
    assert.ok(pkg.contributes.configuration.properties[key], `setting ${key}`);
  }
  assert.equal(pkg.contributes.taskDefinitions[0].type, 'zlayer');
  assert.deepEqual(Object.keys(pkg.contributes.taskDefinitions[0].properties).sort(), ['args', 'context', 'file', 'stage', 'tags']);
  const conf = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'language-configuration.json'), 'utf8'));
  assert.equal(conf.comments.lineComment, '#');
  assert.ok(new RegExp(conf.indentationRules.increaseIndentPattern).test('  steps:'));
  assert.ok(new RegExp(conf.indentationRules.increaseIndentPattern).test('      - run:'));
  assert.ok(!new RegExp(conf.indentationRules.increaseIndentPattern).test('    base: alpine'));
});
