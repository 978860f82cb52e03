-- Builds started from Neovim. The server runs them in the background
-- (design §3): workspace/executeCommand answers with the build id, output
-- arrives as zlayer/buildOutput notifications, progress as $/progress and
-- the end as window/showMessage. This module keeps the output buffer and
-- the status line in step with those messages.
local util = require('zlayer.util')

local M = {}

-- The module's state: running builds (id → label), work-done progress
-- (client:token → {title, message, percentage}), the last finished build
-- and the output buffer.
local builds = {}
local targets = {} -- build id → stage name, "" for the whole image
local progress = {}
local output_buf = nil
M.last = nil

local function status_changed()
  vim.schedule(function()
    pcall(vim.cmd, 'redrawstatus')
    pcall(vim.cmd, 'doautocmd <nomodeline> User ZlayerStatus')
  end)
end

--- The scratch buffer build output goes to (created on first use).
function M.output_buffer()
  if output_buf and vim.api.nvim_buf_is_valid(output_buf) then
    return output_buf
  end
  output_buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(output_buf, 'zlayer://build')
  vim.bo[output_buf].filetype = 'zlayerbuild'
  return output_buf
end

--- Appends lines to the output buffer and scrolls the windows showing it.
function M.append(lines)
  local buf = M.output_buffer()
  local count = vim.api.nvim_buf_line_count(buf)
  if count == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == '' then
    vim.api.nvim_buf_set_lines(buf, 0, 1, false, lines)
  else
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, lines)
  end
  count = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    vim.api.nvim_win_set_cursor(win, { count, 0 })
  end
end

--- Shows the output buffer in a split at the bottom, keeping the cursor where it is.
function M.show_output()
  local buf = M.output_buffer()
  if #vim.fn.win_findbuf(buf) > 0 then
    return
  end
  local cur = vim.api.nvim_get_current_win()
  vim.cmd('botright 12split')
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_set_current_win(cur)
end

--- The builds in progress, as a list of {id, label} sorted by label.
function M.running()
  local out = {}
  for id, label in pairs(builds) do
    table.insert(out, { id = id, label = label })
  end
  table.sort(out, function(a, b)
    return a.label < b.label
  end)
  return out
end

--- Records a build the server accepted.
function M.started(result, label, stage)
  local id = util.build_id(result)
  if id then
    builds[id] = label
    targets[id] = stage or ''
  end
  M.append({ ('── build %s started%s ──'):format(label, id and (' (' .. id .. ')') or '') })
  status_changed()
  return id
end

--- Handler for zlayer/buildOutput {buildId, stage, line, stream}.
function M.on_output(_, result)
  if type(result) ~= 'table' or type(result.line) ~= 'string' then
    return
  end
  local id = result.buildId ~= nil and tostring(result.buildId) or nil
  if id and not builds[id] then
    builds[id] = result.stage or 'image' -- started elsewhere (a code action)
    status_changed()
  end
  local stage = type(result.stage) == 'string' and result.stage or ''
  if id and stage ~= '' and not targets[id] then
    targets[id] = stage
  end
  local prefix = ''
  -- The runner's own step lines already start with "[stage k/n]".
  if stage ~= '' and result.line:sub(1, #stage + 2) ~= '[' .. stage .. ' ' and result.line:sub(1, #stage + 2) ~= '[' .. stage .. ']' then
    prefix = '[' .. stage .. '] '
  end
  local marker = result.stream == 'stderr' and '! ' or ''
  local lines = vim.split(result.line, '\n', { plain = true })
  for i, l in ipairs(lines) do
    lines[i] = prefix .. marker .. l
  end
  M.append(lines)
end

-- Which running build a server message ends: the one it names by id or
-- label, else the only one running; none if it is not about a build.
local function build_for(text)
  local running = M.running()
  local lower = text:lower()
  if #running == 0 or not (lower:find('buil') or lower:find('cancel')) then
    return nil
  end
  for _, b in ipairs(running) do
    if text:find(b.id, 1, true) then
      return b.id
    end
  end
  -- The server says "Built stage app in …", "Build of image failed: …".
  for _, b in ipairs(running) do
    local stage = targets[b.id] or ''
    local what = stage ~= '' and ('stage ' .. vim.pesc(stage)) or 'image'
    for _, verb in ipairs({ 'Built ', 'Build of ' }) do
      if text:find(verb .. what .. '%f[^%w_.-]') then
        return b.id
      end
    end
  end
  return #running == 1 and running[1].id or nil
end

--- Handler for window/showMessage: ends a build when the message is about one.
function M.on_message(_, result)
  if type(result) ~= 'table' or type(result.message) ~= 'string' then
    return
  end
  local level = ({ vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO, vim.log.levels.DEBUG })[result.type]
    or vim.log.levels.INFO
  local id = build_for(result.message)
  if id then
    local label = builds[id]
    builds[id] = nil
    targets[id] = nil
    M.last = { id = id, label = label, ok = result.type ~= 1, message = result.message, image = util.image_id(result.message) }
    M.append({ '── ' .. result.message .. ' ──' })
    status_changed()
  end
  util.notify(result.message, level)
end

--- Handler for $/progress: keeps the latest work-done progress for status().
function M.on_progress(err, result, ctx, config)
  local default = vim.lsp.handlers['$/progress']
  if default and ctx and vim.lsp.get_client_by_id(ctx.client_id) then
    pcall(default, err, result, ctx, config)
  end
  local value = type(result) == 'table' and result.value or nil
  if type(value) ~= 'table' then
    return
  end
  local key = tostring(ctx and ctx.client_id) .. ':' .. tostring(result.token)
  if value.kind == 'begin' then
    progress[key] = { title = value.title, message = value.message, percentage = value.percentage }
  elseif value.kind == 'report' then
    local p = progress[key] or {}
    p.message = value.message or p.message
    p.percentage = value.percentage or p.percentage
    progress[key] = p
  elseif value.kind == 'end' then
    progress[key] = nil
  end
  status_changed()
end

--- A short status-line text: the running build's progress, or "" when idle.
function M.status()
  local keys = vim.tbl_keys(progress)
  table.sort(keys)
  for _, k in ipairs(keys) do
    local p = progress[k]
    local text = 'zlayer: ' .. (p.title or 'building')
    if p.message and p.message ~= '' then
      text = text .. ' ' .. p.message
    end
    if p.percentage then
      text = text .. (' (%d%%)'):format(p.percentage)
    end
    return text
  end
  local running = M.running()
  if #running == 1 then
    return 'zlayer: building ' .. running[1].label
  elseif #running > 1 then
    return ('zlayer: %d builds'):format(#running)
  end
  return ''
end

--- Forgets every build and progress entry (the server stopped).
function M.reset()
  builds = {}
  targets = {}
  progress = {}
  status_changed()
end

return M
