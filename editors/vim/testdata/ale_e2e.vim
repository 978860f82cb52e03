" Batch test of zlayer-ale.vim with Vim + ALE and the real zlayer-lsp:
"   vim -N -u NONE -i NONE -n -es -S ale_e2e.vim </dev/null
" with SERVER, PLUGIN (editors/vim), NVIM_PLUGIN (editors/nvim) and FILE set.
" Prints "e2e: ..." lines to stdout; exits 1 on the first failure.
function! s:Log(msg) abort
  call writefile(['e2e: ' . a:msg], '/dev/stdout', 'a')
endfunction

function! s:Fail(msg) abort
  call writefile(['FAIL: ' . a:msg], '/dev/stderr', 'a')
  cquit 1
endfunction

function! s:Wait(what, ms, expr) abort
  let l:waited = 0
  while !eval(a:expr)
    if l:waited >= a:ms
      call s:Fail('timed out after ' . a:ms . ' ms waiting for ' . a:what)
    endif
    sleep 20m
    let l:waited += 20
  endwhile
endfunction

try
  set runtimepath^=/usr/share/vim-ale
  set runtimepath+=/usr/share/vim-ale/after
  execute 'set runtimepath^=' . fnameescape($NVIM_PLUGIN)
  filetype plugin on
  let g:ale_lint_delay = 0
  let g:ale_completion_enabled = 0
  let g:ale_linters_explicit = 1
  let g:ale_linters = {'zimagefile': ['zlayer']}
  let g:zlayer_lsp_executable = $SERVER
  runtime plugin/ale.vim
  execute 'source ' . fnameescape($PLUGIN . '/zlayer-ale.vim')

  execute 'edit ' . fnameescape($FILE)
  if &filetype !=# 'zimagefile'
    call s:Fail('filetype is "' . &filetype . '", want zimagefile')
  endif
  call s:Log('filetype zimagefile')
  ALELint
  call s:Wait('a diagnostic on line 9', 10000, '!empty(filter(copy(ale#engine#GetLoclist(bufnr(""))), "v:val.lnum == 9"))')
  let s:item = filter(copy(ale#engine#GetLoclist(bufnr(''))), 'v:val.lnum == 9')[0]
  if s:item.col != 5 || s:item.type !=# 'E' || s:item.text !~# 'unknown field `baes`'
    call s:Fail('unexpected diagnostic ' . string(s:item))
  endif
  call s:Log('diagnostic: ' . s:item.text)
  call ale#lsp#StopAll()
  call s:Log('stopped')
catch
  call s:Fail(v:exception . ' at ' . v:throwpoint)
endtry
qall!
