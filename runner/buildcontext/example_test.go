package buildcontext_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/zlayer/zlayer/runner/buildcontext"
)

// This example selects the files of `COPY src *.txt /app/` the way the
// runner does before copying, and digests them for the step's cache key.
func Example() {
	dir, err := os.MkdirTemp("", "context-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for name, content := range map[string]string{
		".dockerignore": "**/*.log\n",
		"src/main.go":   "package main",
		"src/debug.log": "noise",
		"a.txt":         "a",
	} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}

	bc, err := buildcontext.Open(dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		log.Fatal(err)
	}
	files, err := bc.Match([]string{"src", "*.txt"})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(f.Path)
	}
	before, _ := bc.Digest(files)
	os.WriteFile(filepath.Join(dir, "src/debug.log"), []byte("more noise"), 0o644)
	after, _ := bc.Digest(files)
	fmt.Println("digest unchanged:", before == after)

	_, err = bc.Match([]string{"../secrets"})
	fmt.Println(err != nil)
	// Output:
	// a.txt
	// src
	// src/main.go
	// digest unchanged: true
	// true
}
