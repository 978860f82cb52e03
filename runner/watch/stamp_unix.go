//go:build unix

package watch

import (
	"io/fs"
	"syscall"
)

// sysStamp holds what the system adds to a file's metadata: its inode, so
// that a replaced file counts as changed, its owner, and its change time,
// which chmod and chown move.
type sysStamp struct {
	ino      uint64
	uid, gid uint32
	ctime    syscall.Timespec
}

func sysStampOf(fi fs.FileInfo) sysStamp {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return sysStamp{}
	}
	return sysStamp{ino: st.Ino, uid: st.Uid, gid: st.Gid, ctime: st.Ctim}
}

// withoutTimes drops the change time.
func (s sysStamp) withoutTimes() sysStamp {
	s.ctime = syscall.Timespec{}
	return s
}
