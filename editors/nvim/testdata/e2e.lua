-- Headless end-to-end test of the plugin against the real zlayer-lsp, run by
-- nvim_test.go as: nvim --headless -u NONE -i NONE -n
--   --cmd 'set rtp^=<editors/nvim>' -c 'filetype on' -c 'luafile e2e.lua'
-- Environment: SERVER, CLI, FILE, BUILDAH_PATH, ROOT/RUNROOT/DRIVER, EXPECT
-- ("success": a real build must succeed; "failure": it must fail cleanly).
local function log(msg)
  io.stdout:write('e2e: ' .. msg .. '\n')
end

local function wait(what, ms, fn)
  if not vim.wait(ms, fn, 20) then
    error('timed out after ' .. ms .. ' ms waiting for ' .. what, 2)
  end
end

local ok, err = pcall(function()
  local util = require('zlayer.util')
  local build = require('zlayer.build')
  local zlayer = require('zlayer')
  local settings = {
    build = { tags = { 'zlayer-nvim-test:dev' } },
    buildah = { path = os.getenv('BUILDAH_PATH'), root = os.getenv('ROOT'), runroot = os.getenv('RUNROOT'), storageDriver = os.getenv('DRIVER') },
  }
  zlayer.setup({ cmd = { os.getenv('SERVER') }, cli = os.getenv('CLI'), settings = settings })

  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('FILE')))
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.bo[buf].filetype == 'zimagefile', 'filetype is "' .. vim.bo[buf].filetype .. '", want zimagefile')
  log('filetype zimagefile')

  wait('the server to attach', 10000, function()
    local c = util.clients(buf, 'zlayer')[1]
    return c ~= nil and c.initialized
  end)
  log('attached')

  wait('a diagnostic', 10000, function()
    return #vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR }) > 0
  end)
  local typo
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.lnum == 8 then
      typo = d
    end
  end
  assert(typo, 'no diagnostic on line 9: ' .. vim.inspect(vim.diagnostic.get(buf)))
  assert(typo.col == 4 and typo.end_col == 8, 'diagnostic columns ' .. typo.col .. '-' .. typo.end_col .. ', want 4-8')
  assert(typo.severity == vim.diagnostic.severity.ERROR, 'severity ' .. tostring(typo.severity))
  assert(typo.message:find('unknown field `baes`', 1, true), 'message: ' .. typo.message)
  log('diagnostic: ' .. typo.message)

  vim.api.nvim_buf_set_lines(buf, 8, 9, false, { '    base: "localhost/busybox:latest"' })
  wait('the errors to clear', 10000, function()
    return #vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR }) == 0
  end)
  log('diagnostics cleared')

  local completions = vim.fn.getcompletion('ZlayerBuild ', 'cmdline')
  assert(vim.deep_equal(completions, { 'builder', 'app' }), ':ZlayerBuild completes ' .. vim.inspect(completions))
  log('stage completion: ' .. table.concat(completions, ' '))

  vim.cmd('ZlayerBuild app') -- writes the modified buffer first
  assert(not vim.bo[buf].modified, 'the buffer was not written before the build')
  local out = build.output_buffer()
  assert(#vim.fn.win_findbuf(out) == 1, 'the output buffer is not shown')
  local function output()
    return table.concat(vim.api.nvim_buf_get_lines(out, 0, -1, false), '\n')
  end
  wait('the server to accept the build', 10000, function()
    return output():find('build app %(ZImagefile%) started') ~= nil or output():find('could not start') ~= nil
  end)
  assert(not output():find('could not start'), output())
  log('build started')
  wait('the build to end', 240000, function()
    return build.last ~= nil
  end)
  log('build ended: ' .. build.last.message)
  if os.getenv('EXPECT') == 'success' then
    assert(build.last.ok, 'the build failed: ' .. build.last.message .. '\n' .. output())
    assert(output():find('[app] hello-from-nvim', 1, true), 'RUN output missing:\n' .. output())
  else
    assert(not build.last.ok, 'the build succeeded without buildah:\n' .. output())
  end
  assert(zlayer.status() == '', 'status after the build: ' .. zlayer.status())
  log('output buffer:\n' .. output())

  if os.getenv('CLI') then
    local cmd = zlayer.watch()
    assert(vim.bo.buftype == 'terminal', 'ZlayerWatch opened no terminal')
    local want = { os.getenv('CLI'), 'watch', '--file', os.getenv('FILE'), '--tag', 'zlayer-nvim-test:dev',
      '--storage-driver', os.getenv('DRIVER'), '--root', os.getenv('ROOT'), '--runroot', os.getenv('RUNROOT'),
      vim.fn.fnamemodify(os.getenv('FILE'), ':h') }
    assert(vim.deep_equal(cmd, want), vim.inspect(cmd))
    local job = vim.b.terminal_job_id
    vim.fn.jobstop(job)
    assert(vim.fn.jobwait({ job }, 10000)[1] ~= -1, 'zlayer watch did not stop')
    log('watch terminal: ' .. table.concat(cmd, ' '))
  end

  local id = util.clients(buf, 'zlayer')[1].id
  vim.lsp.stop_client(id)
  wait('the server to stop', 5000, function()
    return vim.lsp.get_client_by_id(id) == nil
  end)
  log('stopped')
end)
if not ok then
  io.stderr:write('FAIL: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
vim.cmd('qall!')
