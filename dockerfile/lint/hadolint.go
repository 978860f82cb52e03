package lint

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/source"
)

// hadolint best practices with the severities of notes/lsp-landscape.md
// §3.3. DL3025 and DL3000 are left to JSONArgsRecommended and
// WorkdirRelativePath, DL3024 to DuplicateStageName. The ShellCheck
// rules need a shell parser and are not implemented.
func hadolintRules() []Rule {
	h := func(code string, sev diag.Severity, check func(*checker)) Rule {
		return Rule{Code: code, Severity: sev, URL: "https://github.com/hadolint/hadolint/wiki/" + code, check: check}
	}
	return []Rule{
		h("DL3002", diag.Warning, checkRootUser),
		h("DL3003", diag.Warning, runCheck(checkCd)),
		h("DL3004", diag.Warning, runCheck(checkSudo)),
		h("DL3006", diag.Warning, checkUntagged),
		h("DL3007", diag.Warning, checkLatest),
		h("DL3008", diag.Info, runCheck(checkAptPin)),
		h("DL3009", diag.Info, runCheck(checkAptLists)),
		h("DL3013", diag.Info, runCheck(checkPipPin)),
		h("DL3015", diag.Info, runCheck(checkAptRecommends)),
		h("DL3016", diag.Info, runCheck(checkNpmPin)),
		h("DL3018", diag.Info, runCheck(checkApkPin)),
		h("DL3019", diag.Info, runCheck(checkApkCache)),
		h("DL3020", diag.Warning, checkAddForCopy),
		h("DL3022", diag.Error, checkCopyFromUnknown),
		h("DL3023", diag.Error, checkCopyFromSelf),
		h("DL3042", diag.Info, runCheck(checkPipCache)),
		h("DL3045", diag.Warning, checkRelativeCopyDest),
		h("DL3059", diag.Info, checkConsecutiveRuns),
		h("DL4006", diag.Warning, checkPipefail),
	}
}

// stageName is how messages name a stage.
func stageName(st *dockerfile.Stage) string {
	if st.Name != "" {
		return st.Name
	}
	return fmt.Sprint(st.Index)
}

func checkRootUser(c *checker) {
	if len(c.f.Stages) == 0 {
		return
	}
	var last *dockerfile.Instruction
	chain(c.f, c.f.Stages[len(c.f.Stages)-1], func(in *dockerfile.Instruction) {
		if _, ok := in.Command.(*instructions.UserCommand); ok {
			last = in
		}
	})
	if last == nil {
		return
	}
	user, _, _ := strings.Cut(last.Command.(*instructions.UserCommand).User, ":")
	if user == "root" || user == "0" {
		c.report(argsRange(last), "Last USER should not be root")
	}
}

// baseImage returns the stage's base when it is an image reference
// without variables (not a stage, not scratch).
func baseImage(f *dockerfile.File, st *dockerfile.Stage) (string, bool) {
	b := st.Base
	if b == "" || strings.Contains(b, "$") || strings.EqualFold(b, "scratch") || stageByRef(f, b, st.Index) != nil {
		return "", false
	}
	return b, true
}

func imageTag(ref string) (tag string, digest bool) {
	if strings.Contains(ref, "@") {
		return "", true
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	if _, t, ok := strings.Cut(last, ":"); ok {
		return t, false
	}
	return "", false
}

func checkUntagged(c *checker) {
	for _, st := range c.f.Stages {
		if img, ok := baseImage(c.f, st); ok {
			if tag, digest := imageTag(img); tag == "" && !digest {
				c.report(st.BaseRange, fmt.Sprintf("Always tag the version of an image explicitly (%s)", img))
			}
		}
	}
}

func checkLatest(c *checker) {
	for _, st := range c.f.Stages {
		if img, ok := baseImage(c.f, st); ok {
			if tag, _ := imageTag(img); tag == "latest" {
				c.report(st.BaseRange, fmt.Sprintf("Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag (%s)", img))
			}
		}
	}
}

func checkAddForCopy(c *checker) {
	for _, in := range c.f.Instructions {
		add, ok := in.Command.(*instructions.AddCommand)
		if !ok {
			continue
		}
		useful := len(add.SourceContents) > 0
		for _, src := range add.SourcePaths {
			if isURL(src) || isArchive(src) || strings.Contains(src, "$") {
				useful = true
			}
		}
		if !useful {
			c.report(in.KeywordRange, "Use COPY instead of ADD for files and folders")
		}
	}
}

func isURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}

func isArchive(s string) bool {
	s = strings.ToLower(s)
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}

// copyFrom yields COPY instructions with a literal --from.
func copyFrom(f *dockerfile.File, fn func(in *dockerfile.Instruction, from dockerfile.Flag)) {
	for _, in := range f.Instructions {
		if _, ok := in.Command.(*instructions.CopyCommand); !ok || in.Stage < 0 {
			continue
		}
		if fl, ok := in.Flag("from"); ok && fl.Value != "" && !strings.Contains(fl.Value, "$") {
			fn(in, fl)
		}
	}
}

func checkCopyFromUnknown(c *checker) {
	copyFrom(c.f, func(in *dockerfile.Instruction, fl dockerfile.Flag) {
		if stageByRef(c.f, fl.Value, in.Stage) != nil || isSelf(c.f, in, fl.Value) {
			return
		}
		if n, ok := atoi(fl.Value); ok {
			c.report(fl.ValueRange, fmt.Sprintf("COPY --from=%d refers to no earlier stage; stage indexes start at 0 and only earlier stages can be copied from", n))
			return
		}
		for _, st := range c.f.Stages[in.Stage+1:] {
			if st.Name != "" && strings.EqualFold(st.Name, fl.Value) {
				c.report(fl.ValueRange, fmt.Sprintf("COPY --from=%s refers to a stage defined later; only earlier stages can be copied from", fl.Value))
				return
			}
		}
		var earlier []string
		for _, st := range c.f.Stages[:in.Stage] {
			if st.Name != "" {
				earlier = append(earlier, st.Name)
			}
		}
		if near := suggest(fl.Value, earlier); near != "" && !strings.ContainsAny(fl.Value, ":/@") {
			c.report(fl.ValueRange, fmt.Sprintf("COPY --from=%s names no stage and will pull an image of that name; did you mean stage %q?", fl.Value, near))
		}
	})
}

func isSelf(f *dockerfile.File, in *dockerfile.Instruction, ref string) bool {
	st := f.Stages[in.Stage]
	n, isIndex := atoi(ref)
	return st.Name != "" && strings.EqualFold(st.Name, ref) || isIndex && n == st.Index
}

func checkCopyFromSelf(c *checker) {
	copyFrom(c.f, func(in *dockerfile.Instruction, fl dockerfile.Flag) {
		if isSelf(c.f, in, fl.Value) {
			c.report(fl.ValueRange, fmt.Sprintf("COPY --from should reference a previously defined FROM alias, not its own stage %s", stageName(c.f.Stages[in.Stage])))
		}
	})
}

func checkRelativeCopyDest(c *checker) {
	for _, st := range c.f.Stages {
		workdir := false
		chain(c.f, st, func(in *dockerfile.Instruction) {
			switch cmd := in.Command.(type) {
			case *instructions.WorkdirCommand:
				workdir = true
			case *instructions.CopyCommand:
				d := cmd.DestPath
				if !workdir && in.Stage == st.Index && !strings.HasPrefix(d, "/") && !strings.HasPrefix(d, "$") && !windowsPath(d) {
					c.report(in.Args[len(in.Args)-1].Range, "COPY to a relative destination without WORKDIR set")
				}
			}
		})
	}
}

func checkConsecutiveRuns(c *checker) {
	for _, st := range c.f.Stages {
		var prev *dockerfile.Instruction
		for in := range parsed(st) {
			_, isRun := in.Command.(*instructions.RunCommand)
			if isRun && prev != nil && len(in.Flags) == 0 && len(prev.Flags) == 0 {
				c.report(in.KeywordRange, "Multiple consecutive RUN instructions. Consider consolidation.")
			}
			prev = nil
			if isRun {
				prev = in
			}
		}
	}
}

func checkPipefail(c *checker) {
	for _, st := range c.f.Stages {
		pipefail := false
		chain(c.f, st, func(in *dockerfile.Instruction) {
			switch cmd := in.Command.(type) {
			case *instructions.ShellCommand:
				joined := strings.Join(cmd.Shell, " ")
				pipefail = strings.Contains(joined, "pipefail") || !strings.HasSuffix(cmd.Shell[0], "sh")
			case *instructions.RunCommand:
				if in.Stage != st.Index || pipefail || !cmd.PrependShell {
					return
				}
				script := strings.Join(cmd.CmdLine, " ")
				if hasPipe(script) && !strings.Contains(script, "pipefail") {
					c.report(argsRange(in), "Set the SHELL option -o pipefail before RUN with a pipe in it. "+
						"If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check")
				}
			}
		})
	}
}

// hasPipe reports an unquoted "|" that is not part of "||".
func hasPipe(script string) bool {
	for _, cmd := range shellCommands(script) {
		if cmd.pipe {
			return true
		}
	}
	return false
}

// runCheck adapts a check of one shell command to a rule over every
// shell-form RUN (heredoc scripts included).
func runCheck(fn func(c *checker, in *dockerfile.Instruction, cmd shellCommand, cached func(string) bool)) func(*checker) {
	return func(c *checker) {
		for _, in := range c.f.Instructions {
			run, ok := in.Command.(*instructions.RunCommand)
			if !ok || !run.PrependShell {
				continue
			}
			cmds, ok := c.scripts[in]
			if !ok {
				script := strings.Join(run.CmdLine, " ")
				for _, h := range run.Files {
					script += "\n" + h.Data
				}
				cmds = shellCommands(script)
				c.scripts[in] = cmds
			}
			cached := func(target string) bool {
				for _, f := range in.Flags {
					if f.Name == "mount" && strings.Contains(f.Value, "type=cache") && strings.Contains(f.Value, target) {
						return true
					}
				}
				return false
			}
			for _, cmd := range cmds {
				fn(c, in, cmd, cached)
			}
		}
	}
}

// wordRange finds a word of a RUN in the source, else the RUN's
// arguments.
func wordRange(f *dockerfile.File, in *dockerfile.Instruction, word string) source.Range {
	r := argsRange(in)
	start, end := f.Source.Offset(r.Start), f.Source.Offset(in.Range.End)
	text := string(f.Source.Text[start:end])
	for i := 0; i+len(word) <= len(text); i++ {
		j := strings.Index(text[i:], word)
		if j < 0 {
			break
		}
		i += j
		before := i == 0 || strings.ContainsRune(" \t\n;&|(", rune(text[i-1]))
		after := i+len(word) == len(text) || strings.ContainsRune(" \t\r\n;&|)", rune(text[i+len(word)]))
		if before && after {
			return source.Range{Start: f.Source.PosAt(start + i), End: f.Source.PosAt(start + i + len(word))}
		}
	}
	return r
}

func checkCd(c *checker, in *dockerfile.Instruction, cmd shellCommand, _ func(string) bool) {
	if cmd.name() == "cd" {
		c.report(wordRange(c.f, in, "cd"), "Use WORKDIR to switch to a directory")
	}
}

func checkSudo(c *checker, in *dockerfile.Instruction, cmd shellCommand, _ func(string) bool) {
	if cmd.name() == "sudo" {
		c.report(wordRange(c.f, in, "sudo"), "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root")
	}
}

// packages returns the arguments after a subcommand that are not options,
// or nil when the command is not "<tool> <sub>".
func (cmd shellCommand) packages(tool string, subs ...string) ([]string, bool) {
	if cmd.name() != tool || len(cmd.words) < 2 {
		return nil, false
	}
	for i, w := range cmd.words[1:] {
		if strings.HasPrefix(w, "-") {
			continue
		}
		for _, s := range subs {
			if w == s {
				var pkgs []string
				skip := false
				for _, p := range cmd.words[i+2:] {
					switch {
					case skip:
						skip = false
					case p == "-t" || p == "--virtual" || p == "--target" || p == "-r" || p == "--requirement" || p == "-c" || p == "--constraint":
						skip = true
						pkgs = append(pkgs, "") // marks a requirements file or virtual package
					case !strings.HasPrefix(p, "-"):
						pkgs = append(pkgs, p)
					}
				}
				return pkgs, true
			}
		}
		return nil, false
	}
	return nil, false
}

// unpinned lists packages without a version, skipping variables, paths
// and files.
func unpinned(pkgs []string, pinned func(string) bool) []string {
	var out []string
	for _, p := range pkgs {
		if p == "" || strings.ContainsAny(p, "$/") || strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".whl") || pinned(p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func checkAptPin(c *checker, in *dockerfile.Instruction, cmd shellCommand, _ func(string) bool) {
	pkgs, ok := cmd.packages("apt-get", "install")
	if !ok {
		pkgs, ok = cmd.packages("apt", "install")
	}
	if !ok {
		return
	}
	if bad := unpinned(pkgs, func(p string) bool { return strings.Contains(p, "=") }); len(bad) > 0 {
		c.report(wordRange(c.f, in, bad[0]), fmt.Sprintf("Pin versions in apt-get install. Instead of `apt-get install %s` use `apt-get install %s=<version>`", bad[0], bad[0]))
	}
}

func checkApkPin(c *checker, in *dockerfile.Instruction, cmd shellCommand, _ func(string) bool) {
	pkgs, ok := cmd.packages("apk", "add")
	if !ok {
		return
	}
	if bad := unpinned(pkgs, func(p string) bool { return strings.Contains(p, "=") }); len(bad) > 0 {
		c.report(wordRange(c.f, in, bad[0]), fmt.Sprintf("Pin versions in apk add. Instead of `apk add %s` use `apk add %s=<version>`", bad[0], bad[0]))
	}
}

func checkPipPin(c *checker, in *dockerfile.Instruction, cmd shellCommand, _ func(string) bool) {
	pkgs, ok := cmd.packages("pip", "install")
	if !ok {
		pkgs, ok = cmd.packages("pip3", "install")
	}
	if !ok {
		return
	}
	pinned := func(p string) bool { return strings.ContainsAny(p, "=<>~@") || p == "." }
	if bad := unpinned(pkgs, pinned); len(bad) > 0 {
		c.report(wordRange(c.f, in, bad[0]), fmt.Sprintf("Pin versions in pip. Instead of `pip install %s` use `pip install %s==<version>`", bad[0], bad[0]))
	}
}

func checkNpmPin(c *checker, in *dockerfile.Instruction, cmd shellCommand, _ func(string) bool) {
	pkgs, ok := cmd.packages("npm", "install", "i", "add")
	if !ok {
		return
	}
	pinned := func(p string) bool {
		return strings.Contains(strings.TrimPrefix(p, "@"), "@") || strings.HasPrefix(p, ".") || strings.Contains(p, ":")
	}
	if bad := unpinned(pkgs, pinned); len(bad) > 0 {
		c.report(wordRange(c.f, in, bad[0]), fmt.Sprintf("Pin versions in npm. Instead of `npm install %s` use `npm install %s@<version>`", bad[0], bad[0]))
	}
}

func checkAptLists(c *checker, in *dockerfile.Instruction, cmd shellCommand, cached func(string) bool) {
	if _, ok := cmd.packages("apt-get", "install"); !ok || cached("/var/lib/apt") {
		return
	}
	run := in.Command.(*instructions.RunCommand)
	if !strings.Contains(strings.Join(run.CmdLine, " "), "/var/lib/apt/lists") {
		c.report(wordRange(c.f, in, "apt-get"), "Delete the apt-get lists after installing something")
	}
}

func checkAptRecommends(c *checker, in *dockerfile.Instruction, cmd shellCommand, _ func(string) bool) {
	if _, ok := cmd.packages("apt-get", "install"); ok && !cmd.has("--no-install-recommends") &&
		!strings.Contains(strings.Join(cmd.words, " "), "Install-Recommends=false") {
		c.report(wordRange(c.f, in, "apt-get"), "Avoid additional packages by specifying `--no-install-recommends`")
	}
}

func checkApkCache(c *checker, in *dockerfile.Instruction, cmd shellCommand, cached func(string) bool) {
	if _, ok := cmd.packages("apk", "add"); ok && !cmd.has("--no-cache") && !cached("/var/cache/apk") {
		c.report(wordRange(c.f, in, "apk"), "Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages")
	}
}

func checkPipCache(c *checker, in *dockerfile.Instruction, cmd shellCommand, cached func(string) bool) {
	_, ok := cmd.packages("pip", "install")
	if !ok {
		_, ok = cmd.packages("pip3", "install")
	}
	if ok && !cmd.has("--no-cache-dir") && !cached("/root/.cache/pip") && !cached(".cache/pip") {
		c.report(wordRange(c.f, in, cmd.name()), "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`")
	}
}
