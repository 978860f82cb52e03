-- Unit tests of the plugin's own logic (no server): image and build ids,
-- the project root, output prefixes, matching end messages to builds, and
-- the status line. Run by nvim_test.go in headless Neovim.
local failures = 0
local function check(name, got, want)
  if not vim.deep_equal(got, want) then
    failures = failures + 1
    io.stderr:write(('FAIL %s: got %s, want %s\n'):format(name, vim.inspect(got), vim.inspect(want)))
  end
end

local ok, err = pcall(function()
  local util = require('zlayer.util')
  local build = require('zlayer.build')

  check('image_id short', util.image_id('Built stage app in 0.8s: image 38b10e4b055a (app:dev)'), '38b10e4b055a')
  check('image_id digest', util.image_id('id sha256:' .. string.rep('ab', 32)), 'sha256:' .. string.rep('ab', 32))
  check('image_id none', util.image_id('Build of stage app failed: ZImagefile:5: exit status 1'), nil)
  check('image_id word', util.image_id('deadbeefcafe'), nil)
  check('build_id object', util.build_id({ buildId = 'build-1' }), 'build-1')
  check('build_id string', util.build_id('b2'), 'b2')
  check('build_id number', util.build_id({ id = 3 }), '3')
  check('build_id nil', util.build_id(vim.NIL), nil)

  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. '/repo/.git', 'p')
  vim.fn.mkdir(dir .. '/repo/app', 'p')
  vim.fn.mkdir(dir .. '/loose', 'p')
  check('root from .git', util.root_dir(dir .. '/repo/app/ZImagefile', { '.git' }), dir .. '/repo')
  check('root without marker', util.root_dir(dir .. '/loose/ZImagefile', { '.git' }), dir .. '/loose')

  local out = build.output_buffer()
  build.started({ buildId = 'b1' }, 'app (ZImagefile)', 'app')
  build.started({ buildId = 'b2' }, 'image (ZImagefile)', nil)
  check('status two builds', build.status(), 'zlayer: 2 builds')
  build.on_output(nil, { buildId = 'b1', stage = 'builder', line = '[builder 1/2] FROM busybox', stream = 'stdout' })
  build.on_output(nil, { buildId = 'b1', stage = 'app', line = 'hello\nworld', stream = 'stderr' })
  check('output prefixes', vim.list_slice(vim.api.nvim_buf_get_lines(out, 0, -1, false), 3),
    { '[builder 1/2] FROM busybox', '[app] ! hello', '[app] ! world' })

  local notified = {}
  local notify = vim.notify
  vim.notify = function(msg, level)
    table.insert(notified, { msg, level })
  end
  build.on_message(nil, { type = 3, message = 'Built image in 2.0s: image 0a1b2c3d4e5f' })
  check('image build ended', vim.tbl_map(function(b)
    return b.id
  end, build.running()), { 'b1' })
  check('last ok', { build.last.ok, build.last.image, build.last.id }, { true, '0a1b2c3d4e5f', 'b2' })
  build.on_message(nil, { type = 3, message = 'settings reloaded' })
  check('unrelated message keeps the build', #build.running(), 1)
  check('status one build', build.status(), 'zlayer: building app (ZImagefile)')
  build.on_progress(nil, { token = 't', value = { kind = 'begin', title = 'Building stage app', percentage = 0 } }, { client_id = 1 })
  build.on_progress(nil, { token = 't', value = { kind = 'report', message = '[app 2/3] COPY', percentage = 40 } }, { client_id = 1 })
  check('status progress', build.status(), 'zlayer: Building stage app [app 2/3] COPY (40%)')
  build.on_progress(nil, { token = 't', value = { kind = 'end' } }, { client_id = 1 })
  build.on_message(nil, { type = 1, message = 'Build of stage app failed: ZImagefile:12: RUN exited with 1' })
  check('failed build ended', { #build.running(), build.last.ok, build.last.id }, { 0, false, 'b1' })
  check('status idle', build.status(), '')
  check('messages shown', notified, {
    { 'zlayer: Built image in 2.0s: image 0a1b2c3d4e5f', vim.log.levels.INFO },
    { 'zlayer: settings reloaded', vim.log.levels.INFO },
    { 'zlayer: Build of stage app failed: ZImagefile:12: RUN exited with 1', vim.log.levels.ERROR },
  })
  vim.notify = notify
end)
if not ok then
  io.stderr:write('FAIL: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
if failures > 0 then
  vim.cmd('cquit 1')
end
io.stdout:write('unit: ok\n')
vim.cmd('qall!')
