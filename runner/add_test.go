package runner

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// tarGz makes a gzip-compressed tar archive of name → content.
func tarGz(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, text := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(text)), Typeflag: tar.TypeReg})
		tw.Write([]byte(text))
	}
	tw.Close()
	gz.Close()
	return buf.String()
}

func TestAddArchiveAndURL(t *testing.T) {
	s := buildahtest.Shared(t)
	archive := tarGz(t, map[string]string{"pkg/readme.txt": "inside the archive\n"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(archive)) // a URL is never extracted, even when it is an archive
	}))
	defer srv.Close()
	sum := sha256.Sum256([]byte(archive))
	dir, p := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox\nADD files.tar.gz /opt/\nADD " + srv.URL + "/dl.tar.gz /downloads/\n" +
			"ADD --checksum=sha256:" + hex.EncodeToString(sum[:]) + " " + srv.URL + "/sum.tar.gz /verified/\n",
		"files.tar.gz": archive,
	})
	res, rec, err := runBuild(t, s, dir, p, Options{})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, rec.output())
	}
	if got := s.RunIn(t, res.ImageID, "cat", "/opt/pkg/readme.txt"); got != "inside the archive\n" {
		t.Errorf("local archive not extracted: %q", got)
	}
	ls := s.RunIn(t, res.ImageID, "ls", "/downloads", "/verified")
	if !strings.Contains(ls, "dl.tar.gz") || !strings.Contains(ls, "sum.tar.gz") {
		t.Errorf("URL downloads missing or extracted:\n%s", ls)
	}

	_, bad := loadDockerfile(t, map[string]string{
		"Dockerfile": "FROM busybox\nADD --checksum=sha256:" + strings.Repeat("0", 64) + " " + srv.URL + "/x /x\n",
	})
	if _, _, err := runBuild(t, s, dir, bad, Options{}); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("err = %v, want a checksum mismatch", err)
	}
}
