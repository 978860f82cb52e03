package runner

import (
	"context"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// TestHoldPublishesOnlyWhenReleased builds with Options.Hold: the image is
// committed but not tagged until Hold is closed; a build cancelled while
// held tags nothing and leaves nothing behind.
func TestHoldPublishesOnlyWhenReleased(t *testing.T) {
	for _, release := range []bool{true, false} {
		name := map[bool]string{true: "released", false: "cancelled"}[release]
		t.Run(name, func(t *testing.T) {
			s := buildahtest.Shared(t)
			before := s.Images(t)
			tag := "localhost/zlayer-held:" + name
			dir, p := loadDockerfile(t, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo held > /held\n"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hold, committed := make(chan struct{}), make(chan struct{})
			opts := Options{Plan: p, ContextDir: dir, Buildah: s.CLI, Tags: []string{tag}, Hold: hold,
				Events: func(e Event) {
					if _, ok := e.(StageDone); ok {
						close(committed)
					}
				}}
			var res *Result
			done := make(chan error, 1)
			began := time.Now()
			go func() {
				var err error
				res, err = Build(ctx, opts)
				done <- err
			}()
			select {
			case <-committed:
			case err := <-done:
				t.Fatalf("the build ended before it was held: %v", err)
			case <-time.After(time.Minute):
				t.Fatal("the build did not commit its image")
			}
			time.Sleep(300 * time.Millisecond) // time enough to tag, were it not held
			if _, err := s.CLI.InspectImage(context.Background(), tag); err == nil {
				t.Fatalf("%s exists while the build is held", tag)
			}
			if !release {
				cancel()
				buildahtest.AwaitCanceled(t, done)
				for _, l := range s.Leftovers(t, before) {
					t.Errorf("left behind by the cancelled held build: %s", l)
				}
				return
			}
			close(hold)
			if err := <-done; err != nil {
				t.Fatalf("released build: %v", err)
			}
			// The 300ms held back are not the build's own time.
			if wall := time.Since(began); res.Duration > wall-250*time.Millisecond {
				t.Errorf("Duration %v of a build that took %v and was held for 300ms", res.Duration, wall)
			}
			t.Cleanup(func() { s.RemoveImage(tag) })
			if info, err := s.CLI.InspectImage(context.Background(), tag); err != nil || info.ID != res.ImageID {
				t.Fatalf("%s after the release: %v (%v), want image %s", tag, info, err, res.ImageID)
			}
		})
	}
}
