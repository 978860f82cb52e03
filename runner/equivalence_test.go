package runner

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// equivalenceRecipes are the recipes under testdata/equivalence, each
// written both as a ZImagefile and as a Dockerfile, with the options every
// build of it uses.
var equivalenceRecipes = []struct {
	name      string
	format    string
	buildArgs map[string]string
	// run is a command whose output, want, shows that the image does what
	// the recipe means, so that three equally wrong images cannot pass.
	run  []string
	want string
}{
	{name: "multistage", format: "oci", buildArgs: map[string]string{"VERSION": "2.5"},
		run: []string{"/usr/local/bin/greet"}, want: "greetings from version 2.5 (equivalence)\n"},
	{name: "metadata", format: "oci", buildArgs: map[string]string{"RELEASE": "1.2.3"},
		run: []string{"cat", "/var/lib/app/release", "/tmp/uid"}, want: "1.2.3\n65534\n"},
	// RUN's user, looked up by buildah or given by us as uid:gid.
	{name: "users", format: "oci", run: []string{"cat", "/ids"},
		want: "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 \nHOME=/root\n" +
			"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 10 \nHOME=/root\n" +
			"Uid:\t1000\t1000\t1000\t1000\nGid:\t1001\t1001\t1001\t1001\nGroups:\t1001 \nHOME=/home/app\n" +
			"Uid:\t1000\t1000\t1000\t1000\nGid:\t1001\t1001\t1001\t1001\nGroups:\t1001 \nHOME=/home/app\n"},
	// Plain copies, which the runner makes in the mounted container, with
	// an ignore file.
	{name: "copies", format: "oci", run: []string{"sh", "-c", "cat /app/built; ls -a /ctx /app /app/extra /w"},
		want: "util\nkeep\n/app:\n.\n..\nbuilt\nextra\nlib\nrun.sh\n\n/app/extra:\n.\n..\nkeep.md\ntop.txt\n\n" +
			"/ctx:\n.\n..\n.dockerignore\nDockerfile\nZImagefile\napp\ndocs\ntop.txt\n\n/w:\n.\n..\nrenamed.txt\n"},
	// The OCI format has no health check; the docker format keeps it.
	{name: "healthcheck", format: "docker", run: []string{"cat", "/www/health"}, want: "ok\n"},
}

// TestEquivalence builds each recipe three ways in one store, with our
// runner from the ZImagefile, with our runner from the Dockerfile and with
// `buildah build` from the Dockerfile, and checks that the three images
// have the same root filesystem and the same configuration
// (notes/buildah.md §10: image IDs differ between build methods, so they
// are never compared).
func TestEquivalence(t *testing.T) {
	s := buildahtest.Shared(t)
	for _, r := range equivalenceRecipes {
		t.Run(r.name, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join("testdata", "equivalence", r.name))
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Format: r.format, BuildArgs: r.buildArgs}
			images := map[string]string{
				"zlayer build -f ZImagefile": buildRecipe(t, s, dir, "ZImagefile", opts),
				"zlayer build -f Dockerfile": buildRecipe(t, s, dir, "Dockerfile", opts),
				"buildah build":              budRecipe(t, s, dir, opts),
			}
			const ref = "buildah build"
			if got := s.RunIn(t, images[ref], r.run...); got != r.want {
				t.Errorf("%s: %q printed %q, want %q", ref, r.run, got, r.want)
			}
			wantFS, wantCfg := s.Rootfs(t, images[ref]), s.NormalConfig(t, images[ref])
			if len(wantFS) < 10 {
				t.Fatalf("%s: root filesystem listing has only %d entries:\n%s", ref, len(wantFS), strings.Join(wantFS, "\n"))
			}
			for _, how := range slices.Sorted(maps.Keys(images)) {
				if how == ref {
					continue
				}
				if d := buildahtest.Diff(wantFS, s.Rootfs(t, images[how]), 20); d != "" {
					t.Errorf("root filesystem of %s differs from %s's (-%s +%s):\n%s", how, ref, ref, how, d)
				}
				got := s.NormalConfig(t, images[how])
				if d := buildahtest.Diff(strings.Split(wantCfg, "\n"), strings.Split(got, "\n"), 20); d != "" {
					t.Errorf("configuration of %s differs from %s's (-%s +%s):\n%s\nwhole configuration of %s:\n%s", how, ref, ref, how, d, how, got)
				}
			}
		})
	}
}

// buildRecipe builds a recipe's file (ZImagefile or Dockerfile) with our
// runner and returns the image ID; the image is removed after the test.
func buildRecipe(t *testing.T, s *buildahtest.Store, dir, file string, opts Options) string {
	t.Helper()
	bf, err := FindBuildFile(dir, filepath.Join(dir, file), "")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := Load(bf)
	if err != nil {
		t.Fatalf("loading %s: %v", file, err)
	}
	res, rec, err := runBuild(t, s, dir, p, opts)
	if err != nil {
		t.Fatalf("building %s: %v\n%s", file, err, rec.output())
	}
	return res.ImageID
}

// budRecipe builds a recipe's Dockerfile with `buildah build` (no layer
// cache) and returns the image ID; the image is removed after the test.
func budRecipe(t *testing.T, s *buildahtest.Store, dir string, opts Options) string {
	t.Helper()
	iid := filepath.Join(t.TempDir(), "iid")
	args := []string{"build", "--pull=never", "--quiet", "--format", opts.Format, "--iidfile", iid, "-f", filepath.Join(dir, "Dockerfile")}
	for _, k := range slices.Sorted(maps.Keys(opts.BuildArgs)) {
		args = append(args, "--build-arg", k+"="+opts.BuildArgs[k])
	}
	out, err := s.CLI.Output(context.Background(), append(args, dir)...)
	if err != nil {
		t.Fatalf("buildah build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(iid)
	if err != nil {
		t.Fatalf("buildah build wrote no --iidfile: %v", err)
	}
	id := strings.TrimPrefix(strings.TrimSpace(string(b)), "sha256:")
	t.Cleanup(func() { s.RemoveImage(id) })
	return id
}
