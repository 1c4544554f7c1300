-- Headless Neovim client test of `wf lsp` (run by nvim_test.sh): diagnostics, hover, definition, completion.
-- Environment: WF_BIN (the wf binary), WF_REPO (the source tree), WF_FILE (the .wf file to open).
local function fail(msg)
  io.stderr:write('nvim_test: FAIL: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

local function check(cond, msg)
  if not cond then fail(msg) end
  return cond
end

local ok, err = pcall(function()
  local wf = dofile(os.getenv('WF_REPO') .. '/editors/nvim/wf.lua')
  local file = os.getenv('WF_FILE')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'wf'

  -- The shipped configuration, started with the 0.7 API.
  local config = wf.client_config(bufnr, { cmd = { os.getenv('WF_BIN'), 'lsp' } })
  local client_id = vim.lsp.start_client(config)
  check(client_id, 'vim.lsp.start_client returned nil')
  vim.lsp.buf_attach_client(bufnr, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  check(vim.wait(10000, function() return client.initialized end, 20), 'the server did not initialize within 10 s')

  -- Diagnostics: the injected `let retries: int = "three"` is E0200.
  local function codes()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      if code then table.insert(out, tostring(code)) end
    end
    return out
  end
  local got = vim.wait(10000, function() return vim.tbl_contains(codes(), 'E0200') end, 20)
  check(got, 'no E0200 among the diagnostics within 10 s; got: ' .. vim.inspect(codes()))

  -- Positions: `stale` in `  return stale`, and its declaration `var stale`.
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local use_line, decl_line
  for i, l in ipairs(lines) do
    if l:match('^%s*return stale') then use_line = i - 1 end
    if l:match('var stale') then decl_line = i - 1 end
  end
  check(use_line and decl_line, 'the sample no longer has `var stale` / `return stale`')
  local use_col = lines[use_line + 1]:find('stale') - 1
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = use_line, character = use_col + 1 },
  }

  -- Hover: the type of `stale`.
  local res, e = client.request_sync('textDocument/hover', params, 5000, bufnr)
  check(res and not res.err and res.result, 'hover returned nothing: ' .. vim.inspect(e or res))
  local contents = res.result.contents
  local text = type(contents) == 'string' and contents or (contents.value or vim.inspect(contents))
  check(text:find('list<string>', 1, true), 'hover over `stale` does not mention list<string>: ' .. text)

  -- Definition: the `var stale` line.
  res, e = client.request_sync('textDocument/definition', params, 5000, bufnr)
  check(res and not res.err and res.result, 'definition returned nothing: ' .. vim.inspect(e or res))
  local loc = res.result
  if vim.tbl_islist(loc) then loc = loc[1] end
  check(loc, 'definition returned an empty list')
  local range = loc.range or loc.targetSelectionRange
  check(range.start.line == decl_line, ('definition at line %d, expected %d'):format(range.start.line, decl_line))

  -- Completion after `return st`: `stale` is offered.
  local cparams = {
    textDocument = params.textDocument,
    position = { line = use_line, character = use_col + 2 },
  }
  res, e = client.request_sync('textDocument/completion', cparams, 5000, bufnr)
  check(res and not res.err and res.result, 'completion returned nothing: ' .. vim.inspect(e or res))
  local items = res.result.items or res.result
  local labels = {}
  for _, it in ipairs(items) do labels[it.label] = true end
  check(#items > 0, 'completion returned no items')
  check(labels['stale'], 'completion does not offer `stale`; ' .. #items .. ' items')

  print(('nvim_test: ok (%d diagnostics, hover %d chars, %d completion items)'):format(
    #vim.diagnostic.get(bufnr), #text, #items))
  client.stop()
  vim.wait(2000, function() return client.is_stopped() end, 20)
end)
if not ok then fail(tostring(err)) end
vim.cmd('qall!')
