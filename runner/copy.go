package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildcontext"
	"github.com/zlayer/zlayer/runner/fscopy"
)

// copyStep runs COPY or ADD with `buildah copy` / `buildah add`. Sources
// come from heredocs, a stage's working container, an image, or the build
// context; context sources are checked first (they must exist and stay
// inside the context) and copied with the context's ignore file.
func (s *stageRun) copyStep(ctx context.Context, n int, c *plan.Copy) error {
	if c.Parents || len(c.Excludes) > 0 {
		return fmt.Errorf("%s --parents and --exclude are not supported by buildah 1.28", c.Keyword())
	}
	if done, err := s.copyDirect(ctx, c); done || err != nil {
		return err
	}
	verb := "copy"
	if c.Add {
		verb = "add"
	}
	args := []string{verb}
	if c.Chown != "" {
		args = append(args, "--chown", c.Chown)
	}
	if c.Chmod != "" {
		args = append(args, "--chmod", c.Chmod)
	}
	var srcs []string
	var err error
	switch {
	case len(c.Heredocs) > 0:
		var dir string
		dir, srcs, err = s.heredocSources(c)
		args = append(args, "--contextdir", dir)
	case c.From != "":
		var from string
		from, srcs, err = s.fromSources(ctx, c)
		args = append(args, "--from", from)
	default:
		var extra, downloads []string
		extra, srcs, downloads, err = s.contextSources(ctx, c)
		args = append(args, extra...)
		if err == nil && len(downloads) > 0 {
			// Verified downloads live outside the context and, like every
			// ADD of a URL, are not extracted: copy them on their own.
			err = s.copyFiles(ctx, c, downloads, len(srcs)+len(downloads))
		}
		if err != nil || len(srcs) == 0 {
			return err
		}
	}
	if err != nil {
		return err
	}
	args = append(append(append(args, s.ctr), srcs...), s.dest(c, len(srcs)))
	_, err = s.b.do(ctx, args...)
	return err
}

// dest is the destination of a COPY or ADD with n sources; with several
// sources it is a directory.
func (s *stageRun) dest(c *plan.Copy, n int) string {
	dest := s.abs(c.Dest)
	if n > 1 && !strings.HasSuffix(dest, "/") {
		dest += "/"
	}
	return dest
}

// copyFiles copies host files with `buildah copy`, keeping --chown and
// --chmod.
func (s *stageRun) copyFiles(ctx context.Context, c *plan.Copy, files []string, n int) error {
	args := []string{"copy"}
	if c.Chown != "" {
		args = append(args, "--chown", c.Chown)
	}
	if c.Chmod != "" {
		args = append(args, "--chmod", c.Chmod)
	}
	args = append(append(append(args, s.ctr), files...), s.dest(c, n))
	_, err := s.b.do(ctx, args...)
	return err
}

// heredocSources writes COPY <<EOF files into a directory of their own.
func (s *stageRun) heredocSources(c *plan.Copy) (string, []string, error) {
	dir, err := s.b.tempDir("heredoc")
	if err != nil {
		return "", nil, err
	}
	var srcs []string
	for _, h := range c.Heredocs {
		content := string(heredocContent(h))
		if h.Expand {
			if content, err = s.scope.ExpandWord(content); err != nil {
				return "", nil, fmt.Errorf("heredoc %s: %w", h.Name, err)
			}
		}
		file := filepath.Join(dir, sanitize(h.Name))
		if !s.b.dry() {
			if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
				return "", nil, fmt.Errorf("writing heredoc %s: %w", h.Name, err)
			}
		}
		srcs = append(srcs, file)
	}
	return dir, srcs, nil
}

// fromSources resolves COPY --from: a stage's working container, or a
// container made from an image. Relative sources from a stage resolve
// against the stage's final working directory when the plan says so
// (ZImagefile), otherwise against "/".
func (s *stageRun) fromSources(ctx context.Context, c *plan.Copy) (string, []string, error) {
	dir, from := "/", ""
	if idx, ok := s.b.res.StageRef(c.From, s.rs.Index); ok {
		out := s.b.stages[idx]
		ctr, err := s.b.stageContainer(ctx, idx)
		if err != nil {
			return "", nil, err
		}
		from = ctr
		if c.FromStageWorkdir && out.workdir != "" {
			dir = out.workdir
		}
	} else {
		from = s.b.containerName(fmt.Sprintf("%d-from-%s", s.rs.Index, sanitize(c.From)))
		if err := s.b.fromImage(ctx, from, c.From, s.rs.Platform); err != nil {
			return "", nil, err
		}
	}
	return from, s.fromPaths(c, dir), nil
}

// fromPaths returns the sources of COPY --from as paths inside the source
// container, with relative ones resolved against dir.
func (s *stageRun) fromPaths(c *plan.Copy, dir string) []string {
	srcs := make([]string, len(c.Sources))
	for i, src := range c.Sources {
		if isURL(src) {
			srcs[i] = src
			continue
		}
		srcs[i] = src
		if !path.IsAbs(src) {
			srcs[i] = path.Join(dir, src)
		}
		if strings.HasSuffix(src, "/") && !strings.HasSuffix(srcs[i], "/") {
			srcs[i] += "/"
		}
	}
	return srcs
}

// copyDirect makes a plain COPY (see package fscopy) in the mounted
// working container itself, which saves a buildah process, and reports
// whether it did; the sources are the build context or a stage's working
// container. Any other COPY, and one that fscopy finds is not plain before
// it changes anything, is left to buildah copy.
func (s *stageRun) copyDirect(ctx context.Context, c *plan.Copy) (bool, error) {
	opts, ok := copyOptions(c)
	if s.b.dry() || !ok {
		return false, nil
	}
	srcDir, srcs, exclude, err := s.directSources(ctx, c)
	if err != nil || srcDir == "" {
		return false, err
	}
	opts.Exclude = exclude
	src, err := os.OpenRoot(srcDir)
	if err != nil {
		return false, nil
	}
	defer src.Close()
	dst, err := s.containerRoot(ctx)
	if err != nil {
		return false, err
	}
	err = fscopy.Copy(ctx, dst, s.dest(c, len(srcs)), src, srcs, opts)
	if errors.Is(err, fscopy.ErrUnsupported) {
		return false, nil
	}
	return true, err
}

// copyOptions turns the --chown and --chmod of a COPY into fscopy's
// options, and reports whether fscopy can make the copy: not an ADD or a
// heredoc, and numeric flags (a user name needs buildah's look-up in the
// container, and a symbolic mode its parser).
func copyOptions(c *plan.Copy) (fscopy.Options, bool) {
	var opts fscopy.Options
	if c.Add || len(c.Heredocs) > 0 {
		return opts, false
	}
	if c.Chown != "" {
		u, g, ok := strings.Cut(c.Chown, ":")
		uid, err1 := strconv.ParseUint(u, 10, 31)
		gid, err2 := strconv.ParseUint(g, 10, 31)
		if !ok || err1 != nil || err2 != nil {
			return opts, false
		}
		opts.UID, opts.GID = int(uid), int(gid)
	}
	if c.Chmod != "" {
		bits, err := strconv.ParseUint(c.Chmod, 8, 32)
		if err != nil || len(c.Chmod) < 3 || len(c.Chmod) > 4 || bits == 0 {
			return opts, false
		}
		opts.Mode = fs.FileMode(bits) & fs.ModePerm
		if bits&0o4000 != 0 {
			opts.Mode |= fs.ModeSetuid
		}
		if bits&0o2000 != 0 {
			opts.Mode |= fs.ModeSetgid
		}
		if bits&0o1000 != 0 {
			opts.Mode |= fs.ModeSticky
		}
	}
	return opts, true
}

// directSources returns the directory a plain COPY copies from, its
// sources as paths inside it and what the context's ignore file leaves
// out, or "" when the copy is not plain: its sources are neither a
// stage's nor the context's, or a source is reached through a symbolic
// link, which buildah resolves itself.
func (s *stageRun) directSources(ctx context.Context, c *plan.Copy) (string, []string, fscopy.Filter, error) {
	if c.From != "" {
		idx, ok := s.b.res.StageRef(c.From, s.rs.Index)
		if !ok {
			return "", nil, nil, nil
		}
		dir, err := s.b.stageMount(ctx, idx)
		if err != nil {
			return "", nil, nil, err
		}
		workdir := "/"
		if out := s.b.stages[idx]; c.FromStageWorkdir && out.workdir != "" {
			workdir = out.workdir
		}
		return dir, s.fromPaths(c, workdir), nil, nil
	}
	bc, err := s.b.context()
	if err != nil {
		return "", nil, nil, nil
	}
	files, err := s.b.match(c.Sources)
	if err != nil {
		return "", nil, nil, nil // buildah's copy reports it as before
	}
	for _, f := range files {
		if f.Resolved != f.Path {
			return "", nil, nil, nil
		}
	}
	var exclude fscopy.Filter
	if bc.IgnoreFile() != "" {
		exclude = bc
	}
	return bc.Dir(), c.Sources, exclude, nil
}

// contextSources checks context sources and turns them into the absolute
// paths buildah copy needs. URLs of ADD are passed on; with --checksum they
// are downloaded and verified first (downloads). buildah gets the context
// (--contextdir) only when it has work to do with it: an ignore file to
// apply, or a symlink among the sources to resolve inside the context. It
// costs buildah two more helper processes per copy.
func (s *stageRun) contextSources(ctx context.Context, c *plan.Copy) (args, srcs, downloads []string, err error) {
	bc, err := s.b.context()
	if err != nil {
		return nil, nil, nil, err
	}
	var local []string
	plain := bc.IgnoreFile() == ""
	for _, src := range c.Sources {
		switch {
		case c.Add && isURL(src) && c.Checksum != "":
			file, err := s.b.download(ctx, src, c.Checksum)
			if err != nil {
				return nil, nil, nil, err
			}
			downloads = append(downloads, file)
		case c.Add && isURL(src):
			srcs = append(srcs, src)
		default:
			local = append(local, src)
		}
	}
	if len(local) > 0 {
		files, err := s.b.match(local)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, f := range files {
			plain = plain && f.Resolved == f.Path
		}
	}
	for _, src := range local {
		srcs = append(srcs, filepath.Join(bc.Dir(), filepath.FromSlash(path.Clean("/"+src))))
	}
	if plain {
		return nil, srcs, downloads, nil
	}
	args = []string{"--contextdir", bc.Dir()}
	if f := bc.IgnoreFile(); f != "" {
		args = append(args, "--ignorefile", f)
	}
	return args, srcs, downloads, nil
}

// context opens the build context once per build.
func (b *build) context() (*buildcontext.Context, error) {
	b.ctxOnce.Do(func() {
		b.bctx, b.bctxErr = buildcontext.Open(b.opts.ContextDir, b.opts.Plan.File)
	})
	return b.bctx, b.bctxErr
}

// match returns the context files that sources select. A build matches a
// source list once: for the step's cache key and for its copy alike.
func (b *build) match(sources []string) ([]buildcontext.File, error) {
	bc, err := b.context()
	if err != nil {
		return nil, err
	}
	k := strings.Join(sources, "\x00")
	b.mu.Lock()
	files, ok := b.matched[k]
	b.mu.Unlock()
	if ok {
		return files, nil
	}
	if files, err = bc.Match(sources); err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.matched == nil {
		b.matched = map[string][]buildcontext.File{}
	}
	b.matched[k] = files
	b.mu.Unlock()
	return files, nil
}

// contextPath is the host path of a context-relative path that must stay
// inside the context.
func (b *build) contextPath(rel string) (string, error) {
	bc, err := b.context()
	if err != nil {
		return "", err
	}
	if rel != "" && rel != "." && rel != "/" {
		if _, err := bc.Match([]string{rel}); err != nil {
			return "", err
		}
	}
	return filepath.Join(bc.Dir(), filepath.FromSlash(path.Clean("/"+rel))), nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// download fetches url for ADD --checksum and verifies it; the file keeps
// the URL's base name so that ADD names it as Docker does.
func (b *build) download(ctx context.Context, url, checksum string) (string, error) {
	algo, want, ok := strings.Cut(checksum, ":")
	if !ok || algo != "sha256" {
		return "", fmt.Errorf("ADD --checksum=%s: only sha256:<hex> is supported", checksum)
	}
	if b.dry() {
		return "$(download of " + url + ")", nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("ADD %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("ADD %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ADD %s: %s", url, resp.Status)
	}
	dir, err := b.tempDir("download")
	if err != nil {
		return "", err
	}
	name := path.Base(strings.SplitN(url, "?", 2)[0])
	if name == "/" || name == "." {
		name = "download"
	}
	file := filepath.Join(dir, name)
	f, err := os.Create(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), resp.Body); err != nil {
		return "", fmt.Errorf("ADD %s: %w", url, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return "", fmt.Errorf("ADD %s: checksum mismatch: got sha256:%s, want %s", url, got, checksum)
	}
	return file, nil
}
