package buildcontext

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// digestVersion starts every digest so that a change to the encoding can
// never produce a digest equal to an old one.
const digestVersion = "zlayer build context digest v1\n"

// Digest returns a sha256 content digest ("sha256:<hex>") of files, as
// Match returned them, read from disk now. It covers each file's path,
// where it resolves to, type, permission bits, owner, and content (a
// symlink's target for a link), and not its modification time: `touch`
// keeps the digest and `chmod` changes it. The order of files does not
// matter. A file that disappeared since Match is an error.
func (c *Context) Digest(files []File) (string, error) {
	root, err := os.OpenRoot(c.dir)
	if err != nil {
		return "", fmt.Errorf("open build context: %w", err)
	}
	defer root.Close()
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	files = slices.CompactFunc(files, func(a, b File) bool { return a.Path == b.Path })

	records := make([][]byte, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			h := sha256.New()
			for i := range next {
				records[i], errs[i] = record(root, files[i], h)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()

	sum := sha256.New()
	io.WriteString(sum, digestVersion)
	for i, rec := range records {
		if errs[i] != nil {
			return "", fmt.Errorf("digest build context %s: %w", c.dir, errs[i])
		}
		sum.Write(rec)
	}
	return "sha256:" + hex.EncodeToString(sum.Sum(nil)), nil
}

// record encodes one file unambiguously: length-prefixed fields, and the
// sha256 of the content rather than the content itself. h is a scratch
// hash the caller owns.
func record(root *os.Root, f File, h hash.Hash) ([]byte, error) {
	fi, err := root.Lstat(f.Resolved)
	if err != nil {
		return nil, err
	}
	uid, gid := owner(fi)
	var b []byte
	b = appendString(b, f.Path)
	b = appendString(b, f.Resolved)
	b = binary.AppendUvarint(b, uint64(fi.Mode()))
	b = binary.AppendUvarint(b, uint64(uid))
	b = binary.AppendUvarint(b, uint64(gid))
	switch {
	case fi.Mode().IsRegular():
		h.Reset()
		if err := hashContent(root, f.Resolved, h); err != nil {
			return nil, err
		}
		b = h.Sum(b)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := root.Readlink(f.Resolved)
		if err != nil {
			return nil, err
		}
		b = appendString(b, target)
	}
	return b, nil
}

func hashContent(root *os.Root, name string, h hash.Hash) error {
	f, err := root.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
