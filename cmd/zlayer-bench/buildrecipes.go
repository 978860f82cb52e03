package main

import "fmt"

// changedFile is the source file the one-file-change rebuilds edit. Only
// the first stage copies it, in its second COPY, so a rebuild re-runs that
// stage from there and the second stage from its COPY --from onward.
const changedFile = "lib/mod-1.txt"

// twoStageRecipe is the build of the build measurements: two stages that
// each COPY a few source files and RUN something cheap.
func twoStageRecipe() *recipe {
	return &recipe{
		Comment: "Two-stage build measured by zlayer-bench.",
		Stages: []stage{{
			Name: "build", Base: baseImage, Workdir: "/src",
			Steps: []step{
				{Copy: []string{"a.txt", "b.txt"}, To: "/src/"},
				{Run: "cat a.txt b.txt | sha256sum > /src/ab.sum"},
				{Copy: []string{"lib"}, To: "/src/lib/"},
				{Run: "find lib -type f | sort | xargs cat | sha256sum > /src/lib.sum"},
			},
		}, {
			Name: "app", Base: baseImage, Workdir: "/app",
			Steps: []step{
				{Copy: []string{"main.txt"}, To: "/app/"},
				{Copy: []string{"/src/ab.sum", "/src/lib.sum"}, From: "build", To: "/app/"},
				{Run: "cat /app/ab.sum /app/lib.sum > /app/manifest"},
			},
			Cmd: []string{"cat", "/app/manifest"},
		}},
	}
}

// twoStageFiles is the build context of twoStageRecipe.
func twoStageFiles() map[string]string {
	files := map[string]string{
		"a.txt":    "alpha\n",
		"b.txt":    "beta\n",
		"main.txt": "main\n",
	}
	for i := range 4 {
		files[fmt.Sprintf("lib/mod-%d.txt", i)] = fmt.Sprintf("module %d\n", i)
	}
	return files
}

// parallelRecipe has two independent stages that each sleep for the given
// seconds and a final stage that copies from both: a builder that runs
// independent stages at once pays the sleep once, one that does not twice.
// The bench runs it with 1 s and with the 2 s of the parallel-stages test
// of the cache issue (#4).
func parallelRecipe(sleep int) *recipe {
	work := func(name string) stage {
		return stage{Name: name, Base: baseImage, Steps: []step{
			{Copy: []string{name + ".txt"}, To: "/" + name + ".txt"},
			{Run: fmt.Sprintf("sleep %d && cat /%s.txt > /%s.out", sleep, name, name)},
		}}
	}
	return &recipe{
		Comment: "Two independent stages measured by zlayer-bench.",
		Stages: []stage{work("left"), work("right"), {
			Name: "final", Base: baseImage,
			Steps: []step{
				{Copy: []string{"/left.out"}, From: "left", To: "/left.out"},
				{Copy: []string{"/right.out"}, From: "right", To: "/right.out"},
			},
		}},
	}
}

// parallelFiles is the build context of parallelRecipe.
func parallelFiles() map[string]string {
	return map[string]string{"left.txt": "left\n", "right.txt": "right\n"}
}
