package runner

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/runner/buildah"
)

// finish tags, pushes and describes the committed target image and writes
// the iidfile, while the layer cache finishes its work; the build is done
// when cacheEnded says that went well. It returns only once the cache's
// work and the inspection are over, whatever fails.
func (b *build) finish(ctx context.Context, final *stageOut, cacheEnded <-chan error) (*Result, error) {
	id := final.image
	inspected := b.inspectResult(ctx, id) // meanwhile the image is tagged
	holding := time.Now()
	err := b.hold(ctx)
	held := time.Since(holding)
	if err == nil {
		err = b.tagAndPush(ctx, final)
	} else if final.owned {
		b.addImage(id) // never published: cleanup removes it
	}
	if cacheErr := <-cacheEnded; err == nil {
		err = cacheErr
	}
	r := <-inspected
	if err != nil {
		return nil, err
	}
	res := &Result{ImageID: id, Tags: append([]string(nil), b.opts.Tags...)}
	if !b.dry() {
		if r.err != nil {
			return nil, fmt.Errorf("inspecting the image: %w", r.err)
		}
		res.Size, res.Layers = r.info.Size, r.info.Layers
		if b.opts.IIDFile != "" {
			if err := os.WriteFile(b.opts.IIDFile, []byte("sha256:"+id), 0o644); err != nil {
				return nil, fmt.Errorf("writing --iidfile: %w", err)
			}
		}
	}
	res.Duration = time.Since(b.start) - held // the build's own time
	b.mu.Lock()
	res.Warnings = append([]diag.Diagnostic(nil), b.warnings...)
	b.mu.Unlock()
	done := BuildDone{ImageID: id, Tags: res.Tags, Size: res.Size, Layers: res.Layers, DurationMS: ms(res.Duration)}
	if done.Tags == nil {
		done.Tags = []string{}
	}
	b.emit(done)
	return res, nil
}

// hold waits until Options.Hold lets the build publish its image.
func (b *build) hold(ctx context.Context) error {
	if b.opts.Hold == nil {
		return nil
	}
	select {
	case <-b.opts.Hold:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// tagAndPush gives the target image the tags it was not committed under
// and pushes every tag when asked to.
func (b *build) tagAndPush(ctx context.Context, final *stageOut) error {
	tags := b.opts.Tags
	if final.tagged {
		tags = tags[1:]
	}
	if len(tags) > 0 {
		if _, err := b.do(ctx, append([]string{"tag", final.image}, tags...)...); err != nil {
			return fmt.Errorf("tagging the image %s: %w", strings.Join(tags, ", "), err)
		}
	}
	if !b.opts.Push {
		return nil
	}
	for _, tag := range b.opts.Tags {
		args := b.registryFlags([]string{"push", "--quiet"})
		if _, err := b.do(ctx, append(args, tag)...); err != nil {
			return fmt.Errorf("pushing %s: %w", tag, err)
		}
	}
	return nil
}

// inspection is the outcome of inspecting an image.
type inspection struct {
	info *buildah.ImageInfo
	err  error
}

// inspectResult inspects the target image in the background; in a dry
// run nothing is inspected.
func (b *build) inspectResult(ctx context.Context, id string) <-chan inspection {
	ch := make(chan inspection, 1)
	if b.dry() {
		ch <- inspection{err: errDryRun}
		return ch
	}
	go func() {
		info, err := b.cli.InspectImage(ctx, id)
		ch <- inspection{info, err}
	}()
	return ch
}

// warnHealthcheck gives ZI308 when the target image has a health check
// that the OCI format drops.
func (s *stageRun) warnHealthcheck() {
	if s.b.opts.Format != "oci" || s.healthcheckAt == nil && !s.inheritedHealthcheck {
		return
	}
	d := diag.Diagnostic{File: s.b.opts.Plan.File, Severity: diag.Warning, Code: "ZI308", Source: "zlayer", NoRange: true,
		Message: "'healthcheck' is not part of the OCI image format and is dropped; build with the docker image format to keep it"}
	if s.healthcheckAt != nil {
		d.Range, d.NoRange = s.healthcheckAt.Range, false
	}
	s.b.warn(d)
}
