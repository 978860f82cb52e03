-- zlayer: the zlayer language server for ZImagefiles (and Dockerfiles) in
-- Neovim 0.7 and later, with builds started from the editor.
--
--   require('zlayer').setup({
--     cmd = { 'zlayer-lsp' },  -- default: zlayer-lsp, else `zlayer lsp`, from PATH
--     dockerfile = true,       -- also serve dockerfile buffers
--     settings = {             -- the server's "zlayer" settings (design §3)
--       buildah = { storageDriver = 'overlay' },
--       build = { tags = { 'app:dev' } },
--       lint = { rules = { ZI201 = 'off' } },
--     },
--   })
--
-- Commands: :ZlayerBuild [stage], :ZlayerBuildImage, :ZlayerCancel,
-- :ZlayerWatch, :ZlayerConvert, :ZlayerOutput. Status line:
-- %{v:lua.require'zlayer'.status()}.
local build = require('zlayer.build')
local util = require('zlayer.util')

local M = {}

local name = 'zlayer'
local install_hint = 'install it with `go install github.com/zlayer/zlayer/cmd/zlayer-lsp@latest`, '
  .. 'put it on PATH or pass cmd = { "/path/to/zlayer-lsp" } to setup()'

-- The options setup() was called with, merged over the defaults.
local options = nil
-- Client ids by root directory, for Neovim 0.7 (vim.lsp.start dedupes itself).
local client_ids = {}

local defaults = {
  cmd = nil,
  cli = nil,
  dockerfile = true,
  settings = {},
  root_markers = { '.git' },
  on_attach = nil,
  capabilities = nil,
  open_output = true,
}

local function default_cmd()
  if vim.fn.executable('zlayer-lsp') == 1 then
    return { 'zlayer-lsp' }
  elseif vim.fn.executable('zlayer') == 1 then
    return { 'zlayer', 'lsp' }
  end
  return nil
end

-- The zlayer command line for :ZlayerWatch: opts.cli, the configured
-- `zlayer`, a `zlayer` next to the configured zlayer-lsp, or PATH.
local function cli_path()
  if options.cli then
    return options.cli
  end
  local first = options.cmd[1]
  local base = vim.fn.fnamemodify(first, ':t')
  if base == 'zlayer' then
    return first
  end
  if base:find('^zlayer%-lsp') and first:find('/') then
    local sibling = vim.fn.fnamemodify(first, ':h') .. '/zlayer'
    if vim.fn.executable(sibling) == 1 then
      return sibling
    end
  end
  return 'zlayer'
end

local function json_object(t)
  if t == nil or vim.tbl_isempty(t) then
    return vim.empty_dict()
  end
  return t
end

local function client_config(root)
  return {
    name = name,
    cmd = options.cmd,
    root_dir = root,
    init_options = json_object(options.settings),
    settings = { zlayer = json_object(options.settings) },
    capabilities = options.capabilities,
    on_attach = options.on_attach,
    on_exit = function()
      client_ids[root] = nil
      build.reset()
    end,
    handlers = {
      ['zlayer/buildOutput'] = build.on_output,
      ['window/showMessage'] = build.on_message,
      ['$/progress'] = build.on_progress,
    },
  }
end

--- Attaches the zlayer language server to buffer buf (0: the current one).
function M.attach(buf)
  if not options then
    M.setup({})
  end
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  if not options.cmd then
    util.notify('neither zlayer-lsp nor zlayer was found on PATH: ' .. install_hint, vim.log.levels.ERROR)
    return nil
  end
  if vim.fn.executable(options.cmd[1]) ~= 1 then
    util.notify(('cannot run %s: %s'):format(options.cmd[1], install_hint), vim.log.levels.ERROR)
    return nil
  end
  local root = util.root_dir(vim.api.nvim_buf_get_name(buf), options.root_markers)
  local config = client_config(root)
  if vim.lsp.start then
    local id
    vim.api.nvim_buf_call(buf, function()
      id = vim.lsp.start(config, { bufnr = buf })
    end)
    return id
  end
  local id = client_ids[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    local ok, started = pcall(vim.lsp.start_client, config)
    if not ok or not started then
      util.notify(('starting %s failed (%s): %s'):format(options.cmd[1], tostring(started), install_hint), vim.log.levels.ERROR)
      return nil
    end
    id = started
    client_ids[root] = id
  end
  vim.lsp.buf_attach_client(buf, id)
  return id
end

local function client_for(buf)
  local clients = util.clients(buf, name)
  if #clients == 0 then
    util.notify('the language server is not attached to this buffer (is it a ZImagefile?)', vim.log.levels.ERROR)
    return nil
  end
  return clients[1]
end

--- The stages of buffer buf, from the server's `Build stage` code lenses, in file order.
function M.stages(buf, timeout_ms)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  local clients = util.clients(buf, name)
  if #clients == 0 then
    return {}
  end
  local res = util.call(clients[1], 'request_sync', 'textDocument/codeLens',
    { textDocument = { uri = vim.uri_from_bufnr(buf) } }, timeout_ms or 3000, buf)
  local stages, seen = {}, {}
  for _, lens in ipairs(res and res.result or {}) do
    local cmd = lens.command
    local arg = cmd and cmd.command == 'zlayer.buildStage' and type(cmd.arguments) == 'table' and cmd.arguments[1]
    local stage = type(arg) == 'table' and arg.stage or nil
    if type(stage) == 'string' and stage ~= '' and not seen[stage] then
      seen[stage] = true
      table.insert(stages, { name = stage, line = lens.range.start.line })
    end
  end
  table.sort(stages, function(a, b)
    return a.line < b.line
  end)
  return stages
end

local function start_build(buf, command, stage)
  local client = client_for(buf)
  if not client then
    return
  end
  if vim.bo[buf].modified then
    vim.api.nvim_buf_call(buf, function()
      vim.cmd('silent write')
    end)
  end
  local args = { uri = vim.uri_from_bufnr(buf) }
  args.stage = stage
  local b = options.settings.build or {}
  if type(b.tags) == 'table' and #b.tags > 0 then
    args.tags = b.tags
  end
  if type(b.args) == 'table' and not vim.tbl_isempty(b.args) then
    args.buildArgs = b.args
  end
  local label = ('%s (%s)'):format(stage or 'image', vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':t'))
  if options.open_output then
    build.show_output()
  end
  build.append({ ('── build %s requested ──'):format(label) })
  util.call(client, 'request', 'workspace/executeCommand', { command = command, arguments = { args } }, function(err, result)
    if err then
      local msg = ('build %s could not start: %s'):format(label, err.message or vim.inspect(err))
      build.append({ '── ' .. msg .. ' ──' })
      util.notify(msg, vim.log.levels.ERROR)
      return
    end
    build.started(result, label, stage)
  end, buf)
end

--- Builds a stage (and the stages it depends on) of buffer buf; without a stage, asks which one.
function M.build_stage(stage, buf)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  if stage and stage ~= '' then
    return start_build(buf, 'zlayer.buildStage', stage)
  end
  local stages = M.stages(buf)
  if #stages == 0 then
    util.notify('no stages found (fix the errors the file reports first)', vim.log.levels.WARN)
    return
  end
  local names = vim.tbl_map(function(s)
    return s.name
  end, stages)
  vim.ui.select(names, { prompt = 'Stage to build' }, function(choice)
    if choice then
      start_build(buf, 'zlayer.buildStage', choice)
    end
  end)
end

--- Builds the whole file of buffer buf.
function M.build_image(buf)
  start_build((buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf, 'zlayer.buildImage', nil)
end

--- Cancels every running build.
function M.cancel()
  local client = client_for(vim.api.nvim_get_current_buf())
  if not client then
    return
  end
  util.call(client, 'request', 'workspace/executeCommand', { command = 'zlayer.cancelBuild', arguments = {} }, function(err)
    if err then
      util.notify('cancelling failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
  end)
end

--- Runs `zlayer watch` on the current file in a terminal split.
function M.watch()
  local file = vim.api.nvim_buf_get_name(0)
  if file == '' then
    util.notify('save the build file first', vim.log.levels.WARN)
    return
  end
  local cli = cli_path()
  if vim.fn.executable(cli) ~= 1 then
    util.notify(('cannot run %s: install it with `go install github.com/zlayer/zlayer/cmd/zlayer@latest` or pass cli = "/path/to/zlayer" to setup()'):format(cli), vim.log.levels.ERROR)
    return
  end
  local cmd = { cli, 'watch', '--file', file }
  local s = options.settings
  local b = s.build or {}
  for _, tag in ipairs(b.tags or {}) do
    vim.list_extend(cmd, { '--tag', tag })
  end
  local keys = vim.tbl_keys(b.args or {})
  table.sort(keys)
  for _, k in ipairs(keys) do
    vim.list_extend(cmd, { '--build-arg', k .. '=' .. tostring(b.args[k]) })
  end
  local bh = s.buildah or {}
  for _, f in ipairs({ { '--storage-driver', 'storageDriver' }, { '--root', 'root' }, { '--runroot', 'runroot' } }) do
    local v = bh[f[2]]
    if type(v) == 'string' and v ~= '' then
      vim.list_extend(cmd, { f[1], v })
    end
  end
  local dir = vim.fn.fnamemodify(file, ':p:h')
  table.insert(cmd, dir)
  vim.cmd('botright 15split')
  vim.cmd('enew')
  if vim.fn.has('nvim-0.11') == 1 then
    vim.fn.jobstart(cmd, { term = true, cwd = dir })
  else
    vim.fn.termopen(cmd, { cwd = dir })
  end
  return cmd
end

--- Opens the current file converted to a Dockerfile (or a Dockerfile converted to a ZImagefile) in a new buffer.
function M.convert()
  local buf = vim.api.nvim_get_current_buf()
  local client = client_for(buf)
  if not client then
    return
  end
  local to = vim.bo[buf].filetype == 'dockerfile' and 'zimagefile' or 'dockerfile'
  local res, err = util.call(client, 'request_sync', 'workspace/executeCommand',
    { command = 'zlayer.convert', arguments = { { uri = vim.uri_from_bufnr(buf), to = to } } }, 10000, buf)
  local result = res and res.result
  local text = type(result) == 'string' and result or (type(result) == 'table' and result.text)
  if type(text) ~= 'string' then
    util.notify('converting failed: ' .. tostring(res and res.err and res.err.message or err or 'no text returned'), vim.log.levels.ERROR)
    return
  end
  vim.cmd('vnew')
  vim.api.nvim_buf_set_lines(0, 0, -1, false, vim.split(text, '\n', { plain = true }))
  vim.bo.filetype = to
end

--- A short status-line text while a build runs ("" when idle).
function M.status()
  return build.status()
end

local function complete_stage(arglead)
  local out = {}
  for _, s in ipairs(M.stages(0, 1000)) do
    if s.name:sub(1, #arglead) == arglead then
      table.insert(out, s.name)
    end
  end
  return out
end

local function create_commands()
  local cmd = vim.api.nvim_create_user_command
  cmd('ZlayerBuild', function(a)
    M.build_stage(a.args)
  end, { nargs = '?', complete = complete_stage, desc = 'Build a stage of this file with zlayer' })
  cmd('ZlayerBuildImage', function()
    M.build_image()
  end, { desc = 'Build this file with zlayer' })
  cmd('ZlayerCancel', M.cancel, { desc = 'Cancel the running zlayer builds' })
  cmd('ZlayerWatch', function()
    M.watch()
  end, { desc = 'Run zlayer watch on this file in a terminal' })
  cmd('ZlayerConvert', M.convert, { desc = 'Convert between ZImagefile and Dockerfile' })
  cmd('ZlayerOutput', build.show_output, { desc = 'Show the zlayer build output' })
end

--- Sets the plugin up: attaches the server to zimagefile (and dockerfile) buffers and defines the commands.
function M.setup(opts)
  options = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  options.cmd = options.cmd or default_cmd()
  local filetypes = { 'zimagefile' }
  if options.dockerfile then
    table.insert(filetypes, 'dockerfile')
  end
  local group = vim.api.nvim_create_augroup('zlayer', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = filetypes,
    callback = function(ev)
      M.attach(ev.buf)
    end,
  })
  create_commands()
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(filetypes, vim.bo[buf].filetype) then
      M.attach(buf)
    end
  end
end

return M
