package watch_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildcontext"
	"github.com/zlayer/zlayer/runner/watch"
)

// This example watches a build context the way `zlayer watch` does: only
// changes a build can see make a batch, and the build's own output file
// (an --iidfile inside the context) never does.
func Example() {
	dir, err := os.MkdirTemp("", "watch-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY src /app\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "src"), 0o755)

	// The plan would come from parsing the Dockerfile.
	p := &plan.Plan{Stages: []*plan.Stage{{Instructions: []plan.Instruction{
		&plan.Copy{Sources: []string{"src"}, Dest: "/app"},
	}}}}
	bc, err := buildcontext.Open(dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		log.Fatal(err)
	}
	rel := watch.NewRelevance(bc, filepath.Join(dir, "Dockerfile"), p)

	ctx := context.Background()
	w, err := watch.New(ctx, bc.Dir(), watch.Options{
		Relevant: rel.Relevant,
		SkipDir:  rel.SkipDir,
		Outputs:  []string{"image.iid"},
		Logf:     log.Printf,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()

	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not copied"), 0o644)
	os.WriteFile(filepath.Join(dir, "image.iid"), []byte("sha256:..."), 0o644)
	os.WriteFile(filepath.Join(dir, "src", ".main.go.swp"), []byte("vim"), 0o644)
	os.WriteFile(filepath.Join(dir, "src", "main.go"), []byte("package main"), 0o644)

	b := <-w.Batches()
	fmt.Println("rebuild for:", b.Summary(5))
	// Output: rebuild for: src/main.go
}
