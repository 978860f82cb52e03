" ZImagefiles: ZImagefile, ZImagefile.<anything>, <name>.zimagefile.
autocmd BufRead,BufNewFile ZImagefile,ZImagefile.*,*.zimagefile setfiletype zimagefile
