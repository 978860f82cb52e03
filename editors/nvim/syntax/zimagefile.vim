" ZImagefile syntax: YAML, plus ${VAR} references.
if exists('b:current_syntax')
  finish
endif
runtime! syntax/yaml.vim
unlet! b:current_syntax
syntax match zimagefileVariable /\$\%({[A-Za-z_][A-Za-z0-9_]*\%(:\=[-+?][^}]*\)\=}\|[A-Za-z_][A-Za-z0-9_]*\)/ containedin=ALLBUT,yamlComment
highlight default link zimagefileVariable Identifier
let b:current_syntax = 'zimagefile'
