" zlayer-ale.vim: the zlayer language server as an ALE linter for Vim.
"
" Source it after ALE is loaded (e.g. from your vimrc with
" `runtime plugin/ale.vim` first, or from ~/.vim/after/plugin/), and put
" editors/nvim on 'runtimepath' for ZImagefile detection and syntax:
"
"   set runtimepath+=/path/to/zlayer/editors/nvim
"   source /path/to/zlayer/editors/vim/zlayer-ale.vim
"
" g:zlayer_lsp_executable names the server (default: zlayer-lsp on PATH).

let g:zlayer_lsp_executable = get(g:, 'zlayer_lsp_executable', 'zlayer-lsp')

function! s:ZlayerRoot(buffer) abort
  let l:git = finddir('.git', fnamemodify(bufname(a:buffer), ':p:h') . ';')
  return empty(l:git) ? fnamemodify(bufname(a:buffer), ':p:h') : fnamemodify(l:git, ':p:h:h')
endfunction

for s:filetype in ['zimagefile', 'dockerfile']
  call ale#linter#Define(s:filetype, {
  \   'name': 'zlayer',
  \   'lsp': 'stdio',
  \   'executable': {b -> g:zlayer_lsp_executable},
  \   'command': '%e',
  \   'project_root': function('s:ZlayerRoot'),
  \   'language': s:filetype,
  \})
endfor
