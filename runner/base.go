package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zlayer/zlayer/runner/buildah"
)

// from creates the working container name from image. local images
// (stage results, scratch, localhost/ names) are never pulled.
func (b *build) from(ctx context.Context, name, image, platform string, local bool) error {
	args := fromArgs(name, b.opts.Format, platform, local)
	if !local {
		args = b.registryFlags(args)
	}
	_, err := b.do(ctx, append(args, image)...)
	if err == nil || ctx.Err() != nil {
		// A cancelled call may have made the container: cleanup removes
		// it, or finds nothing to remove.
		b.addContainer(name)
	}
	return err
}

// fromArgs are the arguments of `buildah from` that make the container
// name, before the image; an image that is not local may be pulled.
func fromArgs(name, format, platform string, local bool) []string {
	args := []string{"from", "--quiet", "--name", name, "--format", format}
	if local {
		args = append(args, "--pull=never")
	} else {
		args = append(args, "--pull=false")
	}
	if platform != "" {
		args = append(args, "--platform", platform)
	}
	return args
}

// fromImage creates the working container name from an image reference.
// A name with a registry is used as it is; a short name is looked up as
// localhost/NAME, then under --default-registry, then on docker.io. Images
// already in the store are used without touching the network.
func (b *build) fromImage(ctx context.Context, name, ref, platform string) error {
	cands := candidates(ref, b.opts.DefaultRegistry)
	if b.dry() {
		return b.from(ctx, name, cands[len(cands)-1], platform, isLocal(cands[len(cands)-1]))
	}
	for _, c := range cands {
		err := b.from(ctx, name, c, platform, true)
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
	var errs []string
	for _, c := range cands {
		if isLocal(c) {
			continue
		}
		err := b.from(ctx, name, c, platform, false)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		errs = append(errs, err.Error())
	}
	return fmt.Errorf("image %q not found locally and could not be pulled (%s)", ref, strings.Join(errs, "; "))
}

// candidates are the fully qualified names a reference may stand for, in
// lookup order.
func candidates(ref, defaultRegistry string) []string {
	first, _, hasSlash := strings.Cut(ref, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return []string{ref}
	}
	cands := []string{"localhost/" + ref}
	if defaultRegistry != "" {
		cands = append(cands, strings.TrimSuffix(defaultRegistry, "/")+"/"+ref)
	}
	if hasSlash {
		return append(cands, "docker.io/"+ref)
	}
	return append(cands, "docker.io/library/"+ref)
}

// localImage inspects the image ref stands for when the store has it,
// trying the names fromImage tries, in its order. It returns nil when none
// is in the store or the one found is for another platform.
func (b *build) localImage(ctx context.Context, ref, platform string) (*buildah.ImageInfo, error) {
	for _, c := range candidates(ref, b.opts.DefaultRegistry) {
		info, err := b.inspectImage(ctx, c)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if !platformMatches(info, platform) {
			return nil, nil
		}
		return info, nil
	}
	return nil, nil
}

// inspectImage inspects an image in the store. What it finds is
// remembered for the rest of the build, so that stages on the same base
// ask buildah once; an image that is not found is asked for again, as a
// stage may have pulled it meanwhile.
func (b *build) inspectImage(ctx context.Context, ref string) (*buildah.ImageInfo, error) {
	b.mu.Lock()
	q, ok := b.inspected[ref]
	if !ok {
		q = &imageQuery{done: make(chan struct{})}
		b.inspected[ref] = q
	}
	b.mu.Unlock()
	if !ok {
		q.info, q.err = b.cli.InspectImage(ctx, ref)
		if q.err != nil {
			b.mu.Lock()
			delete(b.inspected, ref)
			b.mu.Unlock()
		}
		close(q.done)
	}
	select {
	case <-q.done:
		return q.info, q.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// imageQuery is one inspection of an image, which stages on the same base
// share.
type imageQuery struct {
	done chan struct{}
	info *buildah.ImageInfo
	err  error
}

// platformMatches reports whether an image is for platform
// ("os/arch[/variant]"; "" matches every image).
func platformMatches(info *buildah.ImageInfo, platform string) bool {
	if platform == "" {
		return true
	}
	parts := strings.Split(platform, "/")
	have := []string{info.OS, info.Architecture, info.Variant}
	for i, p := range parts {
		if i < len(have) && p != "" && !strings.EqualFold(p, have[i]) {
			return false
		}
	}
	return true
}

// stageContainer returns a working container holding a finished stage's
// result, for COPY --from and mounts that read its files: the stage's own
// container, or one made from its image when the stage made none (every
// step came from the layer cache).
func (b *build) stageContainer(ctx context.Context, idx int) (string, error) {
	out := b.stages[idx]
	out.ctrMu.Lock()
	defer out.ctrMu.Unlock()
	if out.ctr != "" {
		return out.ctr, nil
	}
	name := b.containerName(fmt.Sprintf("%d-result", idx))
	if err := b.from(ctx, name, out.image, "", true); err != nil {
		return "", err
	}
	out.ctr = name
	return name, nil
}

// stageMount returns where the working container of stage idx is mounted
// on the host, mounting it when the stage did not.
func (b *build) stageMount(ctx context.Context, idx int) (string, error) {
	ctr, err := b.stageContainer(ctx, idx)
	if err != nil {
		return "", err
	}
	out := b.stages[idx]
	out.ctrMu.Lock()
	defer out.ctrMu.Unlock()
	if out.mnt == "" {
		if out.mnt, err = b.mount(ctx, ctr); err != nil {
			return "", err
		}
	}
	return out.mnt, nil
}

// mount mounts the working container ctr and returns where on the host.
func (b *build) mount(ctx context.Context, ctr string) (string, error) {
	out, err := b.do(ctx, "mount", ctr)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func isLocal(ref string) bool { return strings.HasPrefix(ref, "localhost/") }

// registryFlags adds the credential and TLS options of pulls and pushes.
func (b *build) registryFlags(args []string) []string {
	if b.opts.AuthFile != "" {
		args = append(args, "--authfile", b.opts.AuthFile)
	}
	if b.opts.InsecureRegistry {
		args = append(args, "--tls-verify=false")
	}
	return args
}

// emptyDir returns an empty directory to copy into containers.
func (b *build) emptyDir() (string, error) {
	if b.dry() {
		return "$(empty directory)", nil
	}
	dir := filepath.Join(b.tmp, "empty")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("making an empty directory: %w", err)
	}
	return dir, nil
}

// tempDir makes a new directory in the build's temporary directory.
func (b *build) tempDir(what string) (string, error) {
	if b.dry() {
		return "$(" + what + " directory)", nil
	}
	dir, err := os.MkdirTemp(b.tmp, what+"-")
	if err != nil {
		return "", fmt.Errorf("making a temporary directory: %w", err)
	}
	os.Chmod(dir, 0o755)
	return dir, nil
}

// writeTemp writes data to a new file in a private directory of its own.
func (b *build) writeTemp(what string, data []byte, mode os.FileMode) (string, error) {
	if b.dry() {
		return "$(" + what + " file)", nil
	}
	dir, err := os.MkdirTemp(b.tmp, what+"-")
	if err != nil {
		return "", fmt.Errorf("making a temporary directory: %w", err)
	}
	file := filepath.Join(dir, what)
	if err := os.WriteFile(file, data, mode); err != nil {
		return "", fmt.Errorf("writing a temporary file: %w", err)
	}
	return file, os.Chmod(file, mode)
}

// claimCache marks a cache ID as used by a running step; it reports false
// when another step has it.
func (b *build) claimCache(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cacheUse[id] > 0 {
		return false
	}
	b.cacheUse[id]++
	return true
}

func (b *build) releaseCache(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cacheUse[id]--
}

// secret finds a --secret by ID.
func (b *build) secret(id string) (Secret, bool) {
	for _, s := range b.opts.Secrets {
		if s.ID == id {
			return s, true
		}
	}
	return Secret{}, false
}

// value reads the secret.
func (s Secret) value() ([]byte, error) {
	if s.Env != "" {
		v, ok := os.LookupEnv(s.Env)
		if !ok {
			return nil, fmt.Errorf("secret %q: environment variable %s is not set", s.ID, s.Env)
		}
		return []byte(v), nil
	}
	data, err := os.ReadFile(s.Src)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", s.ID, err)
	}
	return data, nil
}

// ParseSecret parses a --secret value: "id=ID,src=FILE" or "id=ID,env=VAR"
// (type=file|env, source= and target= are accepted as BuildKit spells them).
func ParseSecret(v string) (Secret, error) {
	var s Secret
	for _, f := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			return s, fmt.Errorf("--secret %q: expected key=value pairs such as id=mysecret,src=FILE", v)
		}
		switch k {
		case "id":
			s.ID = val
		case "src", "source":
			s.Src = val
		case "env":
			s.Env = val
		case "type":
			if val != "file" && val != "env" {
				return s, fmt.Errorf("--secret %q: type must be file or env", v)
			}
		default:
			return s, fmt.Errorf("--secret %q: unknown key %q", v, k)
		}
	}
	if s.ID == "" {
		return s, fmt.Errorf("--secret %q: missing id=", v)
	}
	if s.Src == "" && s.Env == "" {
		s.Env = s.ID
		if _, err := os.Stat(s.ID); err == nil {
			s.Src, s.Env = s.ID, ""
		}
	}
	return s, nil
}
