package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildah"
)

// runStep runs a RUN instruction with `buildah run`, retrying a failing
// command up to Options.Retries times. It returns the command's last
// output lines for an error report.
func (s *stageRun) runStep(ctx context.Context, n int, r *plan.Run) ([]string, error) {
	argv, heredocMount, err := s.runArgv(r)
	if err != nil {
		return nil, err
	}
	mounts := s.mounts(r)
	var specs []string
	if heredocMount != "" {
		specs = append(specs, heredocMount)
	}
	var release []func()
	defer func() {
		for _, f := range release {
			f()
		}
	}()
	for _, m := range mounts {
		spec, done, err := s.mountSpec(ctx, m)
		if err != nil {
			return nil, err
		}
		if done != nil {
			release = append(release, done)
		}
		if spec != "" {
			specs = append(specs, spec)
		}
	}
	stubs, err := s.findStubs(ctx, specs)
	if err != nil {
		return nil, err
	}
	s.awaitMount()
	args := []string{"run"}
	for _, spec := range specs {
		args = append(args, "--mount", spec)
	}
	if r.Network != "" && r.Network != "default" {
		args = append(args, "--network", r.Network)
	}
	if u := s.runUser(ctx); u != "" {
		args = append(args, "--user", u)
	}
	for _, kv := range s.scope.BuildArgs() {
		args = append(args, "--env", kv.Key+"="+kv.Value)
	}
	for _, kv := range r.Env {
		args = append(args, "--env", kv.Key+"="+kv.Value)
	}
	argv, err = s.secretEnv(r, argv)
	if err != nil {
		return nil, err
	}
	args = append(append(args, s.ctr, "--"), argv...)
	var out []string
	for attempt := 0; ; attempt++ {
		out = out[:0]
		_, err = s.b.buildah(ctx, buildah.Command{Args: args, Output: s.output(n, &out)})
		var ee *buildah.ExitError
		if err == nil || attempt >= s.b.opts.Retries || !errors.As(err, &ee) || ctx.Err() != nil {
			break
		}
		s.emit(Output{Stage: s.rs.Index, Step: n, Stream: "stderr", Name: s.name(),
			Line: fmt.Sprintf("exit code %d; retrying (attempt %d of %d)", ee.Code, attempt+2, s.b.opts.Retries+1)})
	}
	s.removeStubs(stubs)
	if err != nil {
		var ee *buildah.ExitError
		if errors.As(err, &ee) {
			return out, &RunError{Argv: argv, Code: ee.Code}
		}
		return out, err
	}
	return out, nil
}

// RunError is a RUN command that exited with a non-zero status.
type RunError struct {
	Argv []string
	Code int
}

func (e *RunError) Error() string {
	return fmt.Sprintf("process %q did not complete successfully: exit code: %d", strings.Join(e.Argv, " "), e.Code)
}

// runArgv is the argument vector of a RUN. A RUN that is nothing but one
// heredoc runs the heredoc as a script file bind-mounted into the
// container (buildah 1.28 knows no heredocs); other heredocs are handed to
// the shell, which understands them itself.
func (s *stageRun) runArgv(r *plan.Run) (argv []string, mount string, err error) {
	if !r.ShellForm {
		return r.Args, "", nil
	}
	script := strings.Join(r.Args, " ")
	if len(r.Heredocs) == 1 && isHeredocOnly(script) {
		h := r.Heredocs[0]
		file, err := s.b.writeTemp("heredoc", heredocContent(h), 0o755)
		if err != nil {
			return nil, "", err
		}
		target := "/run/zlayer-heredoc/" + sanitize(h.Name)
		return append(append([]string{}, s.shell...), target), "type=bind,src=" + file + ",target=" + target + ",ro", nil
	}
	for _, h := range r.Heredocs {
		script += "\n" + h.Content
		if !strings.HasSuffix(h.Content, "\n") {
			script += "\n"
		}
		script += h.Name
	}
	return append(append([]string{}, s.shell...), script), "", nil
}

// isHeredocOnly reports whether a shell-form RUN is just "<<NAME".
func isHeredocOnly(script string) bool {
	script = strings.TrimSpace(script)
	return strings.HasPrefix(script, "<<") && !strings.ContainsAny(script, " \t\n|;&>")
}

// heredocContent is a heredoc's text with leading tabs removed for <<-.
func heredocContent(h plan.Heredoc) []byte {
	if !h.Chomp {
		return []byte(h.Content)
	}
	lines := strings.SplitAfter(h.Content, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "\t")
	}
	return []byte(strings.Join(lines, ""))
}

// mounts lists the RUN's mounts plus the default cache mounts whose target
// the RUN does not mount itself.
func (s *stageRun) mounts(r *plan.Run) []plan.Mount {
	mounts := append([]plan.Mount{}, r.Mounts...)
	for _, d := range s.b.opts.DefaultCacheMounts {
		taken := false
		for _, m := range r.Mounts {
			taken = taken || s.abs(m.Target) == s.abs(d.Target)
		}
		if !taken {
			d.Type = "cache"
			mounts = append(mounts, d)
		}
	}
	return mounts
}

// mountSpec translates one --mount into buildah's --mount syntax. done,
// when not nil, must be called after the command ran.
func (s *stageRun) mountSpec(ctx context.Context, m plan.Mount) (spec string, done func(), err error) {
	switch m.Type {
	case "cache":
		return s.cacheSpec(ctx, m)
	case "bind", "":
		spec, err := s.bindSpec(ctx, m)
		return spec, nil, err
	case "tmpfs":
		spec := "type=tmpfs,target=" + s.abs(m.Target)
		if m.Size != "" {
			spec += ",tmpfs-size=" + m.Size
		}
		return spec, nil, nil
	case "secret":
		spec, err := s.secretSpec(m)
		return spec, nil, err
	}
	return "", nil, fmt.Errorf("RUN --mount=type=%s is not supported by this builder", m.Type)
}

// cacheSpec is a cache mount; buildah keeps it under $TMPDIR/buildah-cache.
// buildah rejects sharing=private, so a private cache that another step
// of this build is using is replaced by a fresh empty directory.
func (s *stageRun) cacheSpec(ctx context.Context, m plan.Mount) (string, func(), error) {
	target := s.abs(m.Target)
	id := m.ID
	if id == "" {
		id = path.Clean(m.Target)
	}
	spec := "type=cache,target=" + target + ",id=" + id
	var done func()
	switch m.Sharing {
	case "locked":
		spec += ",sharing=locked"
	case "private":
		if !s.b.claimCache(id) {
			dir, err := s.b.tempDir("cache")
			if err != nil {
				return "", nil, err
			}
			return "type=bind,src=" + dir + ",target=" + target + ",rw", nil, nil
		}
		done = func() { s.b.releaseCache(id) }
	}
	if m.ReadOnly {
		spec += ",ro"
	}
	for _, o := range []struct{ k, v string }{{"uid", m.UID}, {"gid", m.GID}, {"mode", m.Mode}} {
		if o.v != "" {
			spec += "," + o.k + "=" + o.v
		}
	}
	if m.From != "" {
		from, err := s.mountFrom(ctx, m.From)
		if err != nil {
			return "", nil, err
		}
		spec += ",from=" + from
		if m.Source != "" {
			spec += ",src=" + m.Source
		}
	}
	return spec, done, nil
}

// bindSpec is a bind mount of a stage, an image or the build context.
// Docker makes bind mounts read-only unless rw is given, and then discards
// the writes; a rw mount therefore gets a private copy of its source.
func (s *stageRun) bindSpec(ctx context.Context, m plan.Mount) (string, error) {
	target := s.abs(m.Target)
	var src string
	if m.From != "" {
		idx, isStage := s.b.res.StageRef(m.From, s.rs.Index)
		if isStage && !m.ReadWrite {
			return "type=bind,from=" + s.b.stages[idx].image + ",src=" + cleanAbs(m.Source) + ",target=" + target + ",ro", nil
		}
		root, err := s.fromRoot(ctx, m.From)
		if err != nil {
			return "", err
		}
		src = filepath.Join(root, cleanAbs(m.Source))
	} else {
		p, err := s.b.contextPath(m.Source)
		if err != nil {
			return "", fmt.Errorf("RUN --mount=type=bind: %w", err)
		}
		src = p
	}
	if !m.ReadWrite {
		return "type=bind,src=" + src + ",target=" + target + ",ro", nil
	}
	if s.b.dry() {
		return "type=bind,src=$(copy of " + src + "),target=" + target + ",rw", nil
	}
	dir, err := s.b.tempDir("bind")
	if err != nil {
		return "", err
	}
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		return "", fmt.Errorf("RUN --mount=type=bind,rw: copying %s: %w", m.Source, err)
	}
	return "type=bind,src=" + dir + ",target=" + target + ",rw", nil
}

// mountFrom resolves the from= of a cache mount: a stage gives its image,
// anything else is an image reference for buildah.
func (s *stageRun) mountFrom(ctx context.Context, from string) (string, error) {
	if idx, ok := s.b.res.StageRef(from, s.rs.Index); ok {
		return s.b.stages[idx].image, nil
	}
	return from, nil
}

// fromRoot returns the host path of the root filesystem of a stage's
// working container, or of a container made from an image.
func (s *stageRun) fromRoot(ctx context.Context, from string) (string, error) {
	if idx, ok := s.b.res.StageRef(from, s.rs.Index); ok {
		return s.b.stageMount(ctx, idx)
	}
	ctr := s.b.containerName(fmt.Sprintf("%d-mount-%s", s.rs.Index, sanitize(from)))
	if err := s.b.fromImage(ctx, ctr, from, s.rs.Platform); err != nil {
		return "", err
	}
	return s.b.mount(ctx, ctr)
}

// secretSpec bind-mounts a --secret file read-only. The secret is copied
// into the build's private temporary directory with the mount's mode so
// that nothing of it lands in the image and the original stays untouched.
func (s *stageRun) secretSpec(m plan.Mount) (string, error) {
	id := m.ID
	if id == "" {
		id = path.Base(m.Target)
	}
	target := m.Target
	if target == "" {
		target = "/run/secrets/" + id
	}
	sec, ok := s.b.secret(id)
	if !ok {
		if m.Required {
			return "", fmt.Errorf("secret %q is required but was not given (use --secret id=%s,src=FILE)", id, id)
		}
		return "", nil
	}
	if s.b.dry() {
		return "type=bind,src=$(secret " + id + "),target=" + s.abs(target) + ",ro", nil
	}
	value, err := sec.value()
	if err != nil {
		return "", err
	}
	mode := os.FileMode(0o400)
	if m.Mode != "" {
		v, err := strconv.ParseUint(m.Mode, 8, 32)
		if err != nil {
			return "", fmt.Errorf("secret %q: invalid mode %q", id, m.Mode)
		}
		mode = os.FileMode(v)
	}
	file, err := s.b.writeTemp("secret", value, mode)
	if err != nil {
		return "", err
	}
	if m.UID != "" || m.GID != "" {
		uid, _ := strconv.Atoi(m.UID)
		gid, _ := strconv.Atoi(m.GID)
		if err := os.Chown(file, uid, gid); err != nil {
			return "", fmt.Errorf("secret %q: %w", id, err)
		}
	}
	return "type=bind,src=" + file + ",target=" + s.abs(target) + ",ro", nil
}

// secretEnv wraps argv so that secrets mounted with env= are exported to
// the command by a shell inside the container, keeping their values off
// buildah's command line.
func (s *stageRun) secretEnv(r *plan.Run, argv []string) ([]string, error) {
	var exports []string
	for _, m := range r.Mounts {
		if m.Type != "secret" || m.Env == "" {
			continue
		}
		id := m.ID
		if id == "" {
			id = path.Base(m.Target)
		}
		if _, ok := s.b.secret(id); !ok {
			continue
		}
		target := m.Target
		if target == "" {
			target = "/run/secrets/" + id
		}
		exports = append(exports, fmt.Sprintf(`%s="$(cat %s)"`, m.Env, shellQuote(s.abs(target))))
	}
	if len(exports) == 0 {
		return argv, nil
	}
	wrapper := "export " + strings.Join(exports, " ") + ` && exec "$@"`
	return append([]string{"/bin/sh", "-c", wrapper, "sh"}, argv...), nil
}

// stub is a mount target that did not exist in the container before a RUN;
// buildah leaves an empty file or directory there, which is removed again.
type stub struct {
	path, top string
}

// findStubs finds the mount targets of specs that are missing in the
// container.
func (s *stageRun) findStubs(ctx context.Context, specs []string) ([]stub, error) {
	if len(specs) == 0 || s.b.dry() {
		return nil, nil
	}
	root, err := s.containerRoot(ctx)
	if err != nil {
		return nil, err
	}
	var stubs []stub
	for _, spec := range specs {
		target := specField(spec, "target")
		rel := strings.TrimPrefix(path.Clean(target), "/")
		if rel == "" || rel == "." {
			continue
		}
		top := ""
		for p := rel; p != "." && p != "/"; p = path.Dir(p) {
			if _, err := root.Lstat(p); errors.Is(err, fs.ErrNotExist) {
				top = p
			} else {
				break
			}
		}
		if top != "" {
			stubs = append(stubs, stub{path: rel, top: top})
		}
	}
	return stubs, nil
}

// removeStubs removes each stub and the directories created for it, as
// long as they are empty.
func (s *stageRun) removeStubs(stubs []stub) {
	for _, st := range stubs {
		for p := st.path; ; p = path.Dir(p) {
			if fi, err := s.root.Lstat(p); err != nil || !fi.IsDir() && fi.Size() != 0 {
				break
			}
			if s.root.Remove(p) != nil || p == st.top {
				break
			}
		}
	}
}

// specField returns the value of key in a buildah --mount spec.
func specField(spec, key string) string {
	for _, f := range strings.Split(spec, ",") {
		if k, v, ok := strings.Cut(f, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// cleanAbs cleans p as an absolute path inside a root filesystem.
func cleanAbs(p string) string { return path.Clean("/" + p) }

// sanitize makes s usable in a container name or file name.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-.")
}
