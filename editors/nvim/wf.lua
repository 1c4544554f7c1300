-- Neovim setup for wf: `*.wf` filetype detection and a client for the `wf lsp` language server.
--
-- Usage (see README.md): put this file on the runtimepath as lua/wf.lua, then
--   require('wf').setup({ cmd = { 'wf', 'lsp' } })
-- Works with Neovim 0.7 (vim.lsp.start_client) and newer (vim.lsp.start).
local M = {}

M.defaults = {
  cmd = { 'wf', 'lsp' },         -- the server command; point it at your `wf` binary
  root_markers = { '.git' },     -- the workspace root is the nearest directory holding one
  on_attach = nil,               -- function(client, bufnr), e.g. for key maps
}

local clients = {} -- root directory -> client id (Neovim 0.7, which has no vim.lsp.start)

local function merged(opts)
  return vim.tbl_deep_extend('force', {}, M.defaults, opts or {})
end

-- The workspace root of `fname`: the nearest ancestor with a root marker, else its directory.
function M.root_dir(fname, markers)
  local dir = vim.fn.fnamemodify(fname, ':p:h')
  for _, marker in ipairs(markers or M.defaults.root_markers) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      return vim.fn.fnamemodify(vim.fn.fnamemodify(found, ':p'):gsub('/$', ''), ':h')
    end
  end
  return dir
end

-- The client configuration for buffer `bufnr` (vim.lsp.start_client / vim.lsp.start).
function M.client_config(bufnr, opts)
  opts = merged(opts)
  local root = M.root_dir(vim.api.nvim_buf_get_name(bufnr), opts.root_markers)
  return {
    name = 'wf',
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    on_attach = opts.on_attach,
  }
end

-- Starts (or reuses) the wf client for the workspace of `bufnr` and attaches the buffer.
-- Returns the client id.
function M.start(bufnr, opts)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local config = M.client_config(bufnr, opts)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[config.root_dir]
  if not id or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients[config.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

-- Detects `*.wf` files as filetype `wf` and starts the client for every such buffer.
function M.setup(opts)
  local group = vim.api.nvim_create_augroup('wf_lsp', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = '*.wf',
    callback = function() vim.bo.filetype = 'wf' end,
  })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'wf',
    callback = function(args)
      vim.bo[args.buf].commentstring = '// %s'
      M.start(args.buf, opts)
    end,
  })
end

return M
