'use strict';
// A fake `vscode` module, just enough of the extension host API for the real
// extension bundle and the real vscode-languageclient to run under
// `node --test`. Everything a test asserts on is recorded in `state`:
// registered commands and providers, diagnostics, messages, status-bar
// items, output channels, terminals, quick picks and the clipboard.
//
// Usage: const fake = require('./fake-vscode.cjs'); fake.install(); then
// require('../dist/extension.js').

const Module = require('module');
const path = require('path');

class Disposable {
  constructor(fn) { this._fn = fn; }
  static from(...ds) { return new Disposable(() => ds.forEach((d) => d && d.dispose && d.dispose())); }
  dispose() { if (this._fn) { const f = this._fn; this._fn = undefined; f(); } }
}
const noop = () => new Disposable(() => {});

class EventEmitter {
  constructor() {
    this._listeners = new Set();
    this.event = (listener, thisArg) => {
      const l = thisArg ? listener.bind(thisArg) : listener;
      this._listeners.add(l);
      return new Disposable(() => this._listeners.delete(l));
    };
  }
  fire(e) { for (const l of [...this._listeners]) { l(e); } }
  dispose() { this._listeners.clear(); }
}

class Uri {
  constructor(scheme, authority, p, query, fragment) {
    this.scheme = scheme; this.authority = authority || ''; this.path = p || '';
    this.query = query || ''; this.fragment = fragment || '';
  }
  static file(p) { return new Uri('file', '', path.resolve(p)); }
  static parse(s) {
    const m = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(s);
    if (!m) { throw new Error(`fake vscode: cannot parse URI ${s}`); }
    return new Uri(m[1], m[2], decodeURIComponent(m[3]), m[4], m[5]);
  }
  static joinPath(base, ...parts) { return base.with({ path: path.posix.join(base.path, ...parts) }); }
  get fsPath() { return this.path; }
  with(change) {
    return new Uri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path,
      change.query ?? this.query, change.fragment ?? this.fragment);
  }
  toString() {
    const p = this.path.split('/').map(encodeURIComponent).join('/');
    return `${this.scheme}:${this.scheme === 'file' || this.authority ? `//${this.authority}` : ''}${p}` +
      `${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
  toJSON() { return this.toString(); }
}

class Position {
  constructor(line, character) { this.line = line; this.character = character; }
  isEqual(o) { return o.line === this.line && o.character === this.character; }
  isBefore(o) { return this.line < o.line || (this.line === o.line && this.character < o.character); }
  translate(dl = 0, dc = 0) { return new Position(this.line + dl, this.character + dc); }
}
class Range {
  constructor(a, b, c, d) {
    if (typeof a === 'number') { this.start = new Position(a, b); this.end = new Position(c, d); }
    else { this.start = a; this.end = b; }
  }
  get isEmpty() { return this.start.isEqual(this.end); }
  contains(p) { return !p.isBefore(this.start) && !this.end.isBefore(p); }
}
class Selection extends Range {}
class Location { constructor(uri, range) { this.uri = uri; this.range = range; } }
class Diagnostic {
  constructor(range, message, severity = 0) { this.range = range; this.message = message; this.severity = severity; }
}
class DiagnosticRelatedInformation { constructor(location, message) { this.location = location; this.message = message; } }
class CancellationError extends Error { constructor() { super('Canceled'); this.name = 'Canceled'; } }
class CancellationTokenSource {
  constructor() {
    const emitter = new EventEmitter();
    this._emitter = emitter;
    this.token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
  }
  cancel() { if (!this.token.isCancellationRequested) { this.token.isCancellationRequested = true; this._emitter.fire(); } }
  dispose() { this._emitter.dispose(); }
}
class MarkdownString {
  constructor(value = '', supportThemeIcons) { this.value = value; this.supportThemeIcons = supportThemeIcons; }
  appendText(t) { this.value += t; return this; }
  appendMarkdown(t) { this.value += t; return this; }
  appendCodeblock(code, lang = '') { this.value += `\n\`\`\`${lang}\n${code}\n\`\`\`\n`; return this; }
}
class CompletionItem { constructor(label, kind) { this.label = label; this.kind = kind; } }
class CompletionList { constructor(items = [], isIncomplete = false) { this.items = items; this.isIncomplete = isIncomplete; } }
class CodeLens { constructor(range, command) { this.range = range; this.command = command; } get isResolved() { return !!this.command; } }
class CodeActionKind {
  constructor(value) { this.value = value; }
  append(part) { return new CodeActionKind(this.value ? `${this.value}.${part}` : part); }
  contains(other) { return this.value === other.value || other.value.startsWith(`${this.value}.`); }
  intersects(other) { return this.contains(other) || other.contains(this); }
}
for (const [k, v] of Object.entries({ Empty: '', QuickFix: 'quickfix', Refactor: 'refactor', RefactorExtract: 'refactor.extract',
  RefactorInline: 'refactor.inline', RefactorRewrite: 'refactor.rewrite', Source: 'source', SourceOrganizeImports: 'source.organizeImports',
  SourceFixAll: 'source.fixAll', RefactorMove: 'refactor.move', Notebook: 'notebook' })) {
  CodeActionKind[k] = new CodeActionKind(v);
}
class TextEdit {
  constructor(range, newText) { this.range = range; this.newText = newText; }
  static replace(r, t) { return new TextEdit(r, t); }
  static insert(p, t) { return new TextEdit(new Range(p, p), t); }
  static delete(r) { return new TextEdit(r, ''); }
}
class WorkspaceEdit {
  constructor() { this._edits = []; }
  replace(uri, range, newText) { this._edits.push({ uri, edit: new TextEdit(range, newText) }); }
  insert(uri, pos, newText) { this.replace(uri, new Range(pos, pos), newText); }
  delete(uri, range) { this.replace(uri, range, ''); }
  set(uri, edits) { for (const e of edits) { this._edits.push({ uri, edit: e }); } }
  entries() { return this._edits.map((e) => [e.uri, [e.edit]]); }
  get size() { return this._edits.length; }
}
class Task {
  constructor(definition, scope, name, source, execution, problemMatchers) {
    Object.assign(this, { definition, scope, name, source, execution, problemMatchers });
  }
}
class ProcessExecution { constructor(process, args, options) { Object.assign(this, { process, args, options }); } }
class ShellExecution { constructor(commandLine, options) { Object.assign(this, { commandLine, options }); } }
class ThemeIcon { constructor(id) { this.id = id; } }
class ThemeColor { constructor(id) { this.id = id; } }

const enums = {
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  DiagnosticTag: { Unnecessary: 1, Deprecated: 2 },
  CompletionItemKind: new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? k : undefined) }),
  CompletionItemTag: { Deprecated: 1 },
  CompletionTriggerKind: { Invoke: 0, TriggerCharacter: 1, TriggerForIncompleteCompletions: 2 },
  SymbolKind: new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? k : undefined) }),
  SymbolTag: { Deprecated: 1 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  TaskGroup: { Build: { id: 'build' }, Test: { id: 'test' }, Clean: { id: 'clean' }, Rebuild: { id: 'rebuild' } },
  TaskRevealKind: { Always: 1, Silent: 2, Never: 3 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  TextDocumentSaveReason: { Manual: 1, AfterDelay: 2, FocusOut: 3 },
  EndOfLine: { LF: 1, CRLF: 2 },
  FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  FoldingRangeKind: { Comment: 1, Imports: 2, Region: 3 },
  DocumentHighlightKind: { Text: 0, Read: 1, Write: 2 },
  CodeActionTriggerKind: { Invoke: 1, Automatic: 2 },
  SignatureHelpTriggerKind: { Invoke: 1, TriggerCharacter: 2, ContentChange: 3 },
  InlayHintKind: { Type: 1, Parameter: 2 },
  InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 },
  UIKind: { Desktop: 1, Web: 2 },
};

// A text document over an in-memory string with LF line ends.
class TextDocument {
  constructor(uri, languageId, text) {
    this.uri = uri; this.fileName = uri.fsPath; this.languageId = languageId;
    this.version = 1; this.isDirty = false; this.isClosed = false; this.isUntitled = uri.scheme === 'untitled';
    this.eol = enums.EndOfLine.LF; this._text = text;
  }
  getText(range) {
    if (!range) { return this._text; }
    return this._text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }
  get lineCount() { return this._text.split('\n').length; }
  lineAt(l) {
    const line = typeof l === 'number' ? l : l.line;
    const text = this._text.split('\n')[line] ?? '';
    return { lineNumber: line, text, range: new Range(line, 0, line, text.length), isEmptyOrWhitespace: text.trim() === '' };
  }
  offsetAt(pos) {
    const lines = this._text.split('\n');
    let off = 0;
    for (let i = 0; i < pos.line && i < lines.length; i++) { off += lines[i].length + 1; }
    return Math.min(off + pos.character, this._text.length);
  }
  positionAt(offset) {
    const before = this._text.slice(0, offset).split('\n');
    return new Position(before.length - 1, before[before.length - 1].length);
  }
  getWordRangeAtPosition(pos) {
    const text = this.lineAt(pos.line).text;
    let s = pos.character; let e = pos.character;
    while (s > 0 && /[\w-]/.test(text[s - 1])) { s--; }
    while (e < text.length && /[\w-]/.test(text[e])) { e++; }
    return s === e ? undefined : new Range(pos.line, s, pos.line, e);
  }
  validateRange(r) { return r; }
  validatePosition(p) { return p; }
  async save() { state.saved.push(this.uri.toString()); this.isDirty = false; return true; }
}

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; if (glob[i + 1] === '/') { i++; re += '/?'; } }
    else if (c === '*') { re += '[^/]*'; }
    else if (c === '?') { re += '[^/]'; }
    else if (c === '{') { re += '(?:'; }
    else if (c === '}') { re += ')'; }
    else if (c === ',') { re += '|'; }
    else { re += c.replace(/[.+^$()|[\]\\]/g, '\\$&'); }
  }
  return new RegExp(`^${re}$`);
}

// languages.match: the score VS Code gives a document for a selector.
function match(selector, doc) {
  const sels = Array.isArray(selector) ? selector : [selector];
  let best = 0;
  for (const s of sels) {
    if (typeof s === 'string') { if (s === doc.languageId || s === '*') { best = Math.max(best, 10); } continue; }
    if (s.language && s.language !== doc.languageId && s.language !== '*') { continue; }
    if (s.scheme && s.scheme !== doc.uri.scheme && s.scheme !== '*') { continue; }
    if (s.pattern) {
      const pattern = typeof s.pattern === 'string' ? s.pattern : s.pattern.pattern;
      if (!globToRegExp(pattern).test(doc.uri.fsPath) && !globToRegExp(`**/${pattern}`).test(doc.uri.fsPath)) { continue; }
    }
    best = Math.max(best, 10);
  }
  return best;
}

const state = {
  commands: new Map(),
  executed: [],
  providers: [],
  diagnostics: new Map(), // uri string -> Diagnostic[] (merged over collections)
  collections: [],
  messages: [], // {level, text, items}
  messageAnswers: [], // functions (level, text, items) => choice | undefined
  statusItems: [],
  outputChannels: new Map(),
  terminals: [],
  quickPicks: [],
  quickPickAnswer: (items) => items[0],
  clipboard: '',
  saved: [],
  taskProviders: new Map(),
  progress: [],
  openedDocuments: [],
  settings: {}, // flat "zlayer.build.tags" -> value
  isTrusted: true,
};

function outputChannel(name, options) {
  const ch = {
    name, lines: [], shown: 0, logLevel: enums.LogLevel.Info,
    onDidChangeLogLevel: new EventEmitter().event,
    append(v) { this.lines.push(v); }, appendLine(v) { this.lines.push(v); },
    replace(v) { this.lines = [v]; }, clear() { this.lines = []; },
    show() { this.shown++; }, hide() {}, dispose() {},
  };
  for (const level of ['trace', 'debug', 'info', 'warn', 'error']) {
    ch[level] = (msg, ...rest) => ch.lines.push(`[${level}] ${msg instanceof Error ? msg.message : msg}${rest.length ? ` ${rest.join(' ')}` : ''}`);
  }
  if (options && options.log === undefined) { /* plain channel */ }
  state.outputChannels.set(name, ch);
  return ch;
}

function diagnosticCollection(name) {
  const own = new Map();
  const recompute = (key) => {
    const all = [];
    for (const c of state.collections) { all.push(...(c._own.get(key) || [])); }
    state.diagnostics.set(key, all);
    events.diagnostics.fire({ uris: [Uri.parse(key)] });
  };
  const c = {
    name, _own: own,
    set(uri, diags) {
      if (Array.isArray(uri)) { for (const [u, d] of uri) { c.set(u, d); } return; }
      own.set(uri.toString(), diags ? [...diags] : []); recompute(uri.toString());
    },
    delete(uri) { own.delete(uri.toString()); recompute(uri.toString()); },
    clear() { const keys = [...own.keys()]; own.clear(); keys.forEach(recompute); },
    get(uri) { return own.get(uri.toString()); },
    has(uri) { return own.has(uri.toString()); },
    forEach(cb) { for (const [k, v] of own) { cb(Uri.parse(k), v, c); } },
    dispose() { c.clear(); state.collections = state.collections.filter((x) => x !== c); },
  };
  state.collections.push(c);
  return c;
}

const events = {
  open: new EventEmitter(), close: new EventEmitter(), change: new EventEmitter(), save: new EventEmitter(),
  config: new EventEmitter(), diagnostics: new EventEmitter(), activeEditor: new EventEmitter(),
  visibleEditors: new EventEmitter(), tabs: new EventEmitter(),
};

const documents = [];
const workspaceFolders = [];

function configuration(section) {
  const prefix = section ? `${section}.` : '';
  const get = (key, def) => {
    const full = prefix + key;
    if (full in state.settings) { return state.settings[full]; }
    // A section read as a whole: collect nested keys into an object.
    const nested = {};
    let found = false;
    for (const [k, v] of Object.entries(state.settings)) {
      if (k.startsWith(`${full}.`)) {
        found = true;
        const parts = k.slice(full.length + 1).split('.');
        let cur = nested;
        for (const p of parts.slice(0, -1)) { cur = cur[p] = cur[p] || {}; }
        cur[parts[parts.length - 1]] = v;
      }
    }
    return found ? nested : def;
  };
  return {
    get, has: (key) => get(key) !== undefined,
    inspect: (key) => ({ key: prefix + key, defaultValue: undefined, globalValue: get(key) }),
    update: async (key, value) => { state.settings[prefix + key] = value; },
  };
}

const workspace = {
  get textDocuments() { return documents.filter((d) => !d.isClosed); },
  get workspaceFolders() { return workspaceFolders.length ? workspaceFolders : undefined; },
  get isTrusted() { return state.isTrusted; },
  notebookDocuments: [],
  name: 'fake',
  getConfiguration: (section) => configuration(section),
  getWorkspaceFolder: (uri) => workspaceFolders.find((f) => uri.fsPath.startsWith(f.uri.fsPath + path.sep)),
  onDidOpenTextDocument: events.open.event,
  onDidCloseTextDocument: events.close.event,
  onDidChangeTextDocument: events.change.event,
  onDidSaveTextDocument: events.save.event,
  onDidChangeConfiguration: events.config.event,
  createFileSystemWatcher: () => ({ onDidCreate: noop, onDidChange: noop, onDidDelete: noop, dispose() {} }),
  findFiles: async () => state.files || [],
  openTextDocument: async (arg) => {
    const doc = arg && arg.content !== undefined
      ? new TextDocument(new Uri('untitled', '', `Untitled-${documents.length + 1}`), arg.language || 'plaintext', arg.content)
      : documents.find((d) => d.uri.toString() === arg.toString());
    state.openedDocuments.push(doc);
    return doc;
  },
  applyEdit: async () => true,
  fs: {},
};

const window = {
  activeTextEditor: undefined,
  visibleTextEditors: [],
  tabGroups: { all: [], onDidChangeTabs: events.tabs.event, onDidChangeTabGroups: noop },
  onDidChangeActiveTextEditor: events.activeEditor.event,
  onDidChangeVisibleTextEditors: events.visibleEditors.event,
  createOutputChannel: outputChannel,
  createStatusBarItem: (alignment, priority) => {
    const item = { alignment, priority, text: '', tooltip: '', command: undefined, visible: false, name: '',
      show() { this.visible = true; }, hide() { this.visible = false; }, dispose() { this.visible = false; } };
    state.statusItems.push(item);
    return item;
  },
  createTerminal: (options) => {
    const t = { options, name: options.name, shown: false, show() { this.shown = true; }, sendText() {}, dispose() {} };
    state.terminals.push(t);
    return t;
  },
  showQuickPick: async (items, options) => {
    const list = await items;
    state.quickPicks.push({ items: list, options });
    return state.quickPickAnswer(list, options);
  },
  showTextDocument: async (doc) => ({ document: doc }),
  withProgress: async (options, task) => {
    const record = { options, reports: [] };
    state.progress.push(record);
    return task({ report: (r) => record.reports.push(r) }, new CancellationTokenSource().token);
  },
};
for (const level of ['Information', 'Warning', 'Error']) {
  window[`show${level}Message`] = async (text, ...items) => {
    const choices = items.filter((i) => typeof i === 'string' || (i && i.title));
    state.messages.push({ level: level.toLowerCase(), text, items: choices.map((i) => (typeof i === 'string' ? i : i.title)) });
    for (const answer of state.messageAnswers) {
      const choice = answer(level.toLowerCase(), text, choices);
      if (choice !== undefined) { return choice; }
    }
    return undefined;
  };
}

const languages = {
  match,
  createDiagnosticCollection: diagnosticCollection,
  getDiagnostics: (uri) => (uri ? state.diagnostics.get(uri.toString()) || [] : [...state.diagnostics]),
  onDidChangeDiagnostics: events.diagnostics.event,
  setLanguageConfiguration: noop,
};

const commands = {
  registerCommand: (id, fn) => {
    if (state.commands.has(id)) { throw new Error(`command '${id}' already exists`); }
    state.commands.set(id, fn);
    return new Disposable(() => state.commands.delete(id));
  },
  executeCommand: async (id, ...args) => {
    state.executed.push({ id, args });
    const fn = state.commands.get(id);
    return fn ? fn(...args) : undefined;
  },
  getCommands: async () => [...state.commands.keys()],
};

const tasks = {
  registerTaskProvider: (type, provider) => {
    state.taskProviders.set(type, provider);
    return new Disposable(() => state.taskProviders.delete(type));
  },
};

const env = {
  appName: 'Fake VS Code', appRoot: '/', language: 'en', machineId: 'fake', sessionId: 'fake', uriScheme: 'vscode',
  uiKind: enums.UIKind.Desktop, shell: '/bin/sh',
  clipboard: { writeText: async (t) => { state.clipboard = t; }, readText: async () => state.clipboard },
  openExternal: async () => true,
};

// A namespace that records register*Provider calls and accepts onDid*/register*.
function namespace(real, name) {
  return new Proxy(real, {
    get(target, key) {
      if (key in target) { return target[key]; }
      if (typeof key !== 'string') { return undefined; }
      if (key.startsWith('register')) {
        return (...args) => { state.providers.push({ namespace: name, kind: key, args }); return new Disposable(() => {}); };
      }
      if (key.startsWith('onDid') || key.startsWith('onWill')) { return noop; }
      return undefined;
    },
  });
}

class Generic { constructor(...args) { this.args = args; } }
const genericClasses = new Map();

const real = {
  __esModule: true,
  version: '1.91.0',
  Disposable, EventEmitter, Uri, Position, Range, Selection, Location, Diagnostic, DiagnosticRelatedInformation,
  CancellationError, CancellationTokenSource, MarkdownString, CompletionItem, CompletionList, CodeLens, CodeActionKind,
  TextEdit, WorkspaceEdit, Task, ProcessExecution, ShellExecution, ThemeIcon, ThemeColor,
  ...enums,
  workspace: namespace(workspace, 'workspace'),
  window: namespace(window, 'window'),
  languages: namespace(languages, 'languages'),
  commands: namespace(commands, 'commands'),
  tasks: namespace(tasks, 'tasks'),
  env,
  extensions: { all: [], getExtension: () => undefined, onDidChange: noop },
  notebooks: namespace({}, 'notebooks'),
  debug: namespace({}, 'debug'),
  l10n: { t: (s, ...args) => String(s).replace(/\{(\d+)\}/g, (_m, i) => String(args[i])) },
};

const vscode = new Proxy(real, {
  get(target, key) {
    if (key in target) { return target[key]; }
    if (typeof key === 'string' && /^[A-Z]/.test(key)) {
      if (!genericClasses.has(key)) {
        const cls = { [key]: class extends Generic {} }[key];
        genericClasses.set(key, cls);
      }
      return genericClasses.get(key);
    }
    return undefined;
  },
});

/** install makes require('vscode') return the fake. */
function install() {
  const id = path.join(__dirname, '__fake_vscode__.js');
  require.cache[id] = { id, filename: id, loaded: true, exports: vscode };
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === 'vscode' ? id : original.call(this, request, ...rest);
  };
}

/** openDocument opens a file as a text document, fires onDidOpenTextDocument and makes it the active editor. */
function openDocument(file, languageId, text) {
  const doc = new TextDocument(Uri.file(file), languageId, text ?? require('fs').readFileSync(file, 'utf8'));
  documents.push(doc);
  events.open.fire(doc);
  window.activeTextEditor = { document: doc, selection: new Selection(new Position(0, 0), new Position(0, 0)) };
  return doc;
}

/** showDocument makes an open document the active editor's. */
function showDocument(doc) {
  window.activeTextEditor = { document: doc, selection: new Selection(new Position(0, 0), new Position(0, 0)) };
  events.activeEditor.fire(window.activeTextEditor);
}

/** changeDocument replaces a document's text and fires onDidChangeTextDocument. */
function changeDocument(doc, text) {
  const range = new Range(new Position(0, 0), doc.positionAt(doc._text.length));
  const rangeLength = doc._text.length;
  doc._text = text;
  doc.version++;
  events.change.fire({ document: doc, reason: undefined, contentChanges: [{ range, rangeOffset: 0, rangeLength, text }] });
}

/** setSettings replaces the settings (flat keys like "zlayer.build.tags") and fires onDidChangeConfiguration. */
function setSettings(settings) {
  const before = { ...state.settings };
  state.settings = { ...settings };
  const changed = new Set([...Object.keys(before), ...Object.keys(settings)].filter((k) => before[k] !== settings[k]));
  events.config.fire({ affectsConfiguration: (section) => [...changed].some((k) => k === section || k.startsWith(`${section}.`)) });
}

/** addWorkspaceFolder adds a folder to the workspace. */
function addWorkspaceFolder(dir) {
  const f = { uri: Uri.file(dir), name: path.basename(dir), index: workspaceFolders.length };
  workspaceFolders.push(f);
  return f;
}

/** waitFor polls predicate until it returns a truthy value or the timeout passes. */
async function waitFor(what, predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) { return v; }
    if (Date.now() > deadline) { throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`); }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** extensionContext is a minimal ExtensionContext. */
function extensionContext(extensionPath) {
  return {
    subscriptions: [],
    extensionPath,
    extensionUri: Uri.file(extensionPath),
    asAbsolutePath: (p) => path.join(extensionPath, p),
    globalState: { get: () => undefined, update: async () => {}, keys: () => [] },
    workspaceState: { get: () => undefined, update: async () => {}, keys: () => [] },
    storageUri: undefined, globalStorageUri: Uri.file('/tmp'), logUri: Uri.file('/tmp'),
    environmentVariableCollection: { replace() {}, append() {}, prepend() {}, clear() {} },
  };
}

module.exports = {
  vscode, state, install, openDocument, showDocument, changeDocument, setSettings, addWorkspaceFolder, waitFor, extensionContext,
};
