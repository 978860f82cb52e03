package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNextBuild(t *testing.T) {
	tests := []struct {
		name, stream, id, err string
	}{
		{"done after progress", `{"type":"watch_triggered","files":["lib/mod-1.txt"]}
{"type":"step_done","stage":0,"step":3,"cached":false}
not json
{"type":"build_done","image_id":"sha256:abc","tags":["localhost/zlayer-bench:latest"]}
`, "sha256:abc", ""},
		{"failed", `{"type":"build_failed","error":"exit status 1\n","file":"ZImagefile","line":12}
`, "", "build failed at ZImagefile:12: exit status 1"},
		{"exited", `{"type":"step_started"}
`, "", "the watcher exited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := make(chan watchEvent, 16)
			go readEvents(strings.NewReader(tt.stream), events, nil)
			ev, err := nextBuild(context.Background(), events)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.ImageID != tt.id || ev.at.IsZero() {
				t.Errorf("event %+v, want image %s with its arrival time", ev, tt.id)
			}
		})
	}
}

func TestSameImage(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"sha256:0123abcd", "0123abcd", true},
		{"0123abcd", "0123", true},
		{"0123abcd", "4567abcd", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := sameImage(tt.a, tt.b); got != tt.want {
			t.Errorf("sameImage(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestStoreLeavesNothing makes a store with its base image, runs a
// container in it, and checks that removing the store leaves no directory
// and no mount behind.
func TestStoreLeavesNothing(t *testing.T) {
	requireBuildah(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := newStore(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.imageID(ctx, baseImage)
	if err != nil || id == "" {
		t.Fatalf("base image: %q, %v", id, err)
	}
	ctr, err := s.cli.Output(ctx, "from", "--pull=never", baseImage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.cli.Output(ctx, "mount", strings.TrimSpace(string(ctr))); err != nil {
		t.Fatal(err)
	}
	if err := s.remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists (%v)", dir, err)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), dir) {
		t.Errorf("mounts left under %s", dir)
	}
}

// TestBuildBench runs the build measurements once with the real zlayer and
// buildah and checks that every row was measured.
func TestBuildBench(t *testing.T) {
	requireBuildah(t)
	if testing.Short() {
		t.Skip("runs a dozen real builds")
	}
	zlayer := buildZlayer(t, "cmd/zlayer")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tb, err := buildBench(ctx, t.TempDir(), buildOptions{Zlayer: zlayer, Runs: 1, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 6 {
		t.Fatalf("%d rows, want 6", len(tb.Rows))
	}
	for _, r := range tb.Rows {
		if r.Note != "" {
			t.Logf("%s: %s", r.Name, r.Note)
			continue
		}
		if r.Ours.Time <= 0 || r.Peer.Time <= 0 {
			t.Errorf("%s: zlayer %v, buildah %v; want both measured", r.Name, r.Ours.Time, r.Peer.Time)
		}
	}
	var b strings.Builder
	tb.Render(&b)
	t.Log("\n" + b.String())
}

func requireBuildah(t *testing.T) {
	t.Helper()
	if err := checkBuildTools(); err != nil {
		requireTool(t, err.Error())
	}
}
