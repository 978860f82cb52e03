package watch

import (
	"path"
	"strings"
)

// editorTemp lists the names of the temporary files editors write next to
// the file being edited, as Tilt and docker compose watch ignore them.
var editorTemp = []string{
	".*.swp", ".*.swx", ".*.swo", ".*.swn", "4913", "*~", // Vim
	"#*#", ".#*", "flymake_*", // Emacs
	"*___jb_old___", "*___jb_tmp___", // JetBrains IDEs
	".*.kate-swp",    // Kate
	"*-go-tmp-umask", // the go command
}

// neverWatched lists directory names whose contents never trigger a build.
var neverWatched = []string{".git", ".idea"}

// EditorTemp reports whether name, a file's base name, is a temporary file
// an editor writes while saving (Vim swap files and 4913, backups ending in
// "~", Emacs lock and autosave files, JetBrains and Kate temp files).
func EditorTemp(name string) bool {
	for _, pat := range editorTemp {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

// noise reports whether a change at rel can never matter to a build:
// editor temp files, anything in .git or .idea, and the build's outputs.
func (l *loop) noise(rel string) bool {
	if rel == "." {
		return false
	}
	for part := range strings.SplitSeq(rel, "/") {
		for _, dir := range neverWatched {
			if part == dir {
				return true
			}
		}
	}
	if EditorTemp(path.Base(rel)) {
		return true
	}
	for _, out := range l.opts.Outputs {
		if rel == out || strings.HasPrefix(rel, out+"/") {
			return true
		}
	}
	return false
}

// relevant reports whether a change at rel should make a batch.
func (l *loop) relevant(rel string) bool {
	if l.noise(rel) {
		return false
	}
	return l.opts.Relevant == nil || l.opts.Relevant(rel)
}

// skipDir reports whether the directory rel is not watched at all.
func (l *loop) skipDir(rel string) bool {
	if rel == "." {
		return false
	}
	for _, dir := range neverWatched {
		if path.Base(rel) == dir {
			return true
		}
	}
	for _, out := range l.opts.Outputs {
		if rel == out || strings.HasPrefix(rel, out+"/") {
			return true
		}
	}
	return l.opts.SkipDir != nil && l.opts.SkipDir(rel)
}
