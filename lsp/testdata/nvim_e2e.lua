-- Headless Neovim 0.7 end-to-end test of zlayer-lsp. Environment:
-- SERVER (the binary), FILE (a ZImagefile with a ZI203 typo on line 10),
-- SETTINGS (JSON initializationOptions), BUILD (1 to run a build).
local function fail(msg) error(msg, 0) end

local ok, err = pcall(function()
  local file = os.getenv('FILE')
  local id = vim.lsp.start_client({
    name = 'zlayer', cmd = { os.getenv('SERVER') },
    root_dir = vim.fn.fnamemodify(file, ':p:h'),
    init_options = vim.fn.json_decode(os.getenv('SETTINGS')),
    handlers = {
      ['zlayer/buildOutput'] = function(_, result) table.insert(_G.zlayer_output, result.line) end,
      ['window/showMessage'] = function(_, result) table.insert(_G.zlayer_messages, result.message) end,
    },
  })
  _G.zlayer_output, _G.zlayer_messages = {}, {}
  if not id then fail('start_client returned nil') end
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'zimagefile'
  vim.lsp.buf_attach_client(buf, id)
  if not vim.wait(10000, function() local c = vim.lsp.get_client_by_id(id); return c and c.initialized end, 20) then
    fail('client did not initialize')
  end

  -- 1. The diagnostic's position (0-based line and column).
  local diag
  if not vim.wait(10000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'ZI203' then diag = d; return true end
    end
    return false
  end, 20) then fail('no ZI203 diagnostic') end
  if diag.lnum ~= 9 or diag.col ~= 14 or diag.end_col ~= 19 then
    fail(string.format('ZI203 at %d:%d-%d, want 9:14-19', diag.lnum, diag.col, diag.end_col))
  end

  -- 2. Completion of stage names after from:.
  local uri = vim.uri_from_bufnr(buf)
  local res = vim.lsp.buf_request_sync(buf, 'textDocument/completion',
    { textDocument = { uri = uri }, position = { line = 9, character = 14 } }, 5000)
  local labels = {}
  for _, r in pairs(res or {}) do
    local items = r.result and (r.result.items or r.result) or {}
    for _, it in ipairs(items) do labels[#labels + 1] = it.label end
  end
  if not vim.tbl_contains(labels, 'build') or vim.tbl_contains(labels, 'final') then
    fail('completion after from: = ' .. table.concat(labels, ','))
  end

  -- 3. The "Build stage" code action on the final stage.
  res = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = 6, character = 4 }, ['end'] = { line = 6, character = 4 } },
    context = { diagnostics = {} },
  }, 5000)
  local action
  for _, r in pairs(res or {}) do
    for _, a in ipairs(r.result or {}) do
      if a.title == 'Build stage final' then action = a end
    end
  end
  if not action then fail('no "Build stage final" code action') end

  -- 4. A build through executeCommand.
  if os.getenv('BUILD') == '1' then
    res = vim.lsp.buf_request_sync(buf, 'workspace/executeCommand',
      { command = 'zlayer.buildStage', arguments = { { uri = uri, stage = 'build' } } }, 10000)
    local started = false
    for _, r in pairs(res or {}) do
      if r.err then fail('executeCommand: ' .. vim.inspect(r.err)) end
      if r.result and r.result.buildId then started = true end
    end
    if not started then fail('executeCommand returned no buildId') end
    if not vim.wait(120000, function()
      for _, m in ipairs(_G.zlayer_messages) do
        if m:find('Built stage build') then return true end
        if m:find('failed') then fail('build failed: ' .. m) end
      end
      return false
    end, 50) then fail('build did not finish') end
    if not vim.tbl_contains(_G.zlayer_output, 'hi from nvim') then
      fail('build output: ' .. table.concat(_G.zlayer_output, ' | '))
    end
  end

  vim.lsp.stop_client(id)
  vim.wait(3000, function() return vim.lsp.get_client_by_id(id) == nil end, 20)
end)
if not ok then
  io.stderr:write('FAIL: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
io.stdout:write('OK\n')
vim.cmd('qall!')
