-- Helpers that hide the differences between Neovim 0.7 and current
-- releases (client methods became `client:method()` in 0.11,
-- vim.lsp.get_clients arrived in 0.10).
local M = {}

local colon_calls = vim.fn.has('nvim-0.11') == 1

--- Calls a client method the way this Neovim expects.
function M.call(client, method, ...)
  if colon_calls then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- The clients named `name` attached to buffer `buf`.
function M.clients(buf, name)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = buf, name = name })
  end
  local out = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    if c.name == name then
      table.insert(out, c)
    end
  end
  return out
end

--- Reports a message to the user with a "zlayer: " prefix.
function M.notify(msg, level)
  vim.notify('zlayer: ' .. msg, level or vim.log.levels.INFO)
end

--- Finds an image ID (sha256 digest or 12 to 64 hex digits mixing letters and digits) in text.
function M.image_id(text)
  local digest = text:match('sha256:%x+')
  if digest and #digest == 71 then
    return digest
  end
  for hex in text:gmatch('%f[%w](%x+)%f[%W]') do
    if #hex >= 12 and #hex <= 64 and hex:find('%d') and hex:find('%a') and hex == hex:lower() then
      return hex
    end
  end
  return nil
end

--- Reads the build id from a workspace/executeCommand answer.
function M.build_id(result)
  if type(result) == 'string' and result ~= '' then
    return result
  end
  if type(result) == 'table' then
    for _, key in ipairs({ 'buildId', 'id' }) do
      local v = result[key]
      if type(v) == 'string' and v ~= '' then
        return v
      elseif type(v) == 'number' then
        return tostring(v)
      end
    end
  end
  return nil
end

--- Finds the project root of a file: the directory holding one of markers, or the file's directory.
function M.root_dir(file, markers)
  local dir = file ~= '' and vim.fn.fnamemodify(file, ':p:h') or vim.fn.getcwd()
  for _, marker in ipairs(markers) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      local abs = vim.fn.fnamemodify(found, ':p'):gsub('/$', '')
      return vim.fn.fnamemodify(abs, ':h')
    end
  end
  return dir
end

return M
