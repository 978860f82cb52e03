//go:build !unix

package watch

import "io/fs"

// sysStamp is empty where files have no inode or change time to compare.
type sysStamp struct{}

func sysStampOf(fs.FileInfo) sysStamp { return sysStamp{} }

func (s sysStamp) withoutTimes() sysStamp { return s }
