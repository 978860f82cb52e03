//go:build unix

package buildcontext

import (
	"io/fs"
	"syscall"
)

// owner returns the numeric owner of a file.
func owner(fi fs.FileInfo) (uid, gid uint32) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid, st.Gid
	}
	return 0, 0
}
