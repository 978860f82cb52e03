package lint

import (
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/source"
)

// BuildKit's build checks that run only in its LLB converter, with
// BuildKit's names, messages and documentation links. NoEmptyContinuation
// and the checks the instruction parser runs (StageNameCasing,
// FromAsCasing, MaintainerDeprecated) are reported by dockerfile.Parse;
// CopyIgnoredFile needs the build context and is not checked here.
func buildkitRules() []Rule {
	bk := func(r linter.LinterRuleI, url string, check func(*checker)) Rule {
		return Rule{Code: r.RuleName(), Severity: diag.Warning, URL: url, BuildKit: true, check: check}
	}
	return []Rule{
		bk(&linter.RuleConsistentInstructionCasing, linter.RuleConsistentInstructionCasing.URL, checkCasing),
		bk(&linter.RuleDuplicateStageName, linter.RuleDuplicateStageName.URL, checkDuplicateStages),
		bk(&linter.RuleReservedStageName, linter.RuleReservedStageName.URL, checkReservedStages),
		bk(&linter.RuleLegacyKeyValueFormat, linter.RuleLegacyKeyValueFormat.URL, checkLegacyKeyValue),
		bk(&linter.RuleSecretsUsedInArgOrEnv, linter.RuleSecretsUsedInArgOrEnv.URL, checkSecrets),
		bk(&linter.RuleWorkdirRelativePath, linter.RuleWorkdirRelativePath.URL, checkRelativeWorkdir),
		bk(&linter.RuleJSONArgsRecommended, linter.RuleJSONArgsRecommended.URL, checkJSONArgs),
		bk(&linter.RuleExposeProtoCasing, linter.RuleExposeProtoCasing.URL, checkExposeCasing),
		bk(&linter.RuleExposeInvalidFormat, linter.RuleExposeInvalidFormat.URL, checkExposeFormat),
		bk(&linter.RuleUndefinedVar, linter.RuleUndefinedVar.URL, checkUndefinedVars),
		bk(&linter.RuleUndefinedArgInFrom, linter.RuleUndefinedArgInFrom.URL, checkUndefinedArgInFrom),
		bk(&linter.RuleMultipleInstructionsDisallowed, linter.RuleMultipleInstructionsDisallowed.URL, checkMultiple),
		bk(&linter.RuleInvalidDefaultArgInFrom, linter.RuleInvalidDefaultArgInFrom.URL, checkDefaultArgInFrom),
		bk(&linter.RuleFromPlatformFlagConstDisallowed, linter.RuleFromPlatformFlagConstDisallowed.URL, checkConstPlatform),
		bk(&linter.RuleRedundantTargetPlatform, linter.RuleRedundantTargetPlatform.URL, checkRedundantPlatform),
	}
}

func consistent(s string) bool { return s == strings.ToLower(s) || s == strings.ToUpper(s) }

func checkCasing(c *checker) {
	var ins []*dockerfile.Instruction
	for _, in := range c.f.Instructions {
		if in.Stage >= 0 && in.Command != nil {
			ins = append(ins, in)
		}
	}
	lower, upper := 0, 0
	for _, in := range ins {
		switch {
		case !consistent(in.Keyword):
		case in.Keyword == strings.ToLower(in.Keyword):
			lower++
		default:
			upper++
		}
	}
	want, wantName := strings.ToUpper, "uppercase"
	if lower > upper {
		want, wantName = strings.ToLower, "lowercase"
	}
	for _, in := range ins {
		if in.Keyword != want(in.Keyword) {
			c.report(in.KeywordRange, linter.RuleConsistentInstructionCasing.Format(in.Keyword, wantName))
		}
	}
}

func checkDuplicateStages(c *checker) {
	seen := map[string]bool{}
	for _, st := range c.f.Stages {
		if st.Name == "" {
			continue
		}
		if seen[st.Name] {
			c.report(st.NameRange, linter.RuleDuplicateStageName.Format(st.Name))
		}
		seen[st.Name] = true
	}
}

func checkReservedStages(c *checker) {
	for _, st := range c.f.Stages {
		if st.Name == "context" || st.Name == "scratch" {
			c.report(st.NameRange, linter.RuleReservedStageName.Format(st.Name))
		}
	}
}

func checkLegacyKeyValue(c *checker) {
	for _, in := range c.f.Instructions {
		var kvs instructions.KeyValuePairs
		switch cmd := in.Command.(type) {
		case *instructions.EnvCommand:
			kvs = cmd.Env
		case *instructions.LabelCommand:
			kvs = cmd.Labels
		}
		for _, kv := range kvs {
			if kv.NoDelim {
				c.report(argsRange(in), linter.RuleLegacyKeyValueFormat.Format(in.Name()))
				break
			}
		}
	}
}

var (
	reSecret      = regexp.MustCompile(`(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)`)
	reSecretAllow = regexp.MustCompile(`(?i)(?:_|^)(?:public|file|version)(?:_|$)`)
)

func checkSecrets(c *checker) {
	for _, in := range c.f.Instructions {
		var keys []string
		switch cmd := in.Command.(type) {
		case *instructions.ArgCommand:
			for _, a := range cmd.Args {
				keys = append(keys, a.Key)
			}
		case *instructions.EnvCommand:
			for _, kv := range cmd.Env {
				keys = append(keys, kv.Key)
			}
		default:
			continue
		}
		for i, k := range keys {
			if reSecret.MatchString(k) && !reSecretAllow.MatchString(k) {
				r := in.KeywordRange
				if i < len(in.Args) && strings.HasPrefix(in.Args[i].Value, k) {
					r = in.Args[i].Range
				}
				c.report(r, linter.RuleSecretsUsedInArgOrEnv.Format(in.Name(), k))
			}
		}
	}
}

// chain walks a stage and the earlier stages it is based on, base first,
// calling fn for every parsed instruction.
func chain(f *dockerfile.File, st *dockerfile.Stage, fn func(*dockerfile.Instruction)) {
	seen := map[int]bool{}
	var stages []*dockerfile.Stage
	for cur := st; cur != nil && !seen[cur.Index]; cur = stageByRef(f, cur.Base, cur.Index) {
		seen[cur.Index] = true
		stages = append([]*dockerfile.Stage{cur}, stages...)
	}
	for _, s := range stages {
		for in := range parsed(s) {
			fn(in)
		}
	}
}

func checkRelativeWorkdir(c *checker) {
	for _, st := range c.f.Stages {
		abs := false
		chain(c.f, st, func(in *dockerfile.Instruction) {
			w, ok := in.Command.(*instructions.WorkdirCommand)
			if !ok {
				return
			}
			switch {
			case strings.HasPrefix(w.Path, "/") || strings.HasPrefix(w.Path, "$"):
				abs = true
			case !abs && in.Stage == st.Index && !windowsPath(w.Path):
				c.report(argsRange(in), linter.RuleWorkdirRelativePath.Format(w.Path))
			}
		})
	}
}

func windowsPath(p string) bool {
	return len(p) >= 2 && p[1] == ':' || strings.HasPrefix(p, `\`)
}

func checkJSONArgs(c *checker) {
	for _, st := range c.f.Stages {
		shellSet := false
		chain(c.f, st, func(in *dockerfile.Instruction) {
			var shellForm bool
			switch cmd := in.Command.(type) {
			case *instructions.ShellCommand:
				shellSet = true
				return
			case *instructions.CmdCommand:
				shellForm = cmd.PrependShell
			case *instructions.EntrypointCommand:
				shellForm = cmd.PrependShell
			default:
				return
			}
			if shellForm && !shellSet && in.Stage == st.Index {
				c.report(argsRange(in), linter.RuleJSONArgsRecommended.Format(in.Name()))
			}
		})
	}
}

// exposePorts yields the literal port arguments of EXPOSE instructions.
func exposePorts(f *dockerfile.File, fn func(dockerfile.Arg)) {
	for _, in := range f.Instructions {
		if _, ok := in.Command.(*instructions.ExposeCommand); !ok {
			continue
		}
		for _, a := range in.Args {
			if !strings.Contains(a.Value, "$") {
				fn(a)
			}
		}
	}
}

func checkExposeCasing(c *checker) {
	exposePorts(c.f, func(a dockerfile.Arg) {
		if _, proto, ok := strings.Cut(a.Value, "/"); ok && proto != strings.ToLower(proto) {
			c.report(a.Range, linter.RuleExposeProtoCasing.Format(a.Value))
		}
	})
}

func checkExposeFormat(c *checker) {
	exposePorts(c.f, func(a dockerfile.Arg) {
		if strings.Contains(a.Value, ":") {
			c.report(a.Range, linter.RuleExposeInvalidFormat.Format(a.Value))
		}
	})
}

func checkMultiple(c *checker) {
	for _, st := range c.f.Stages {
		last := map[string]*dockerfile.Instruction{}
		for in := range parsed(st) {
			name := in.Name()
			if name != "CMD" && name != "ENTRYPOINT" && name != "HEALTHCHECK" {
				continue
			}
			if prev := last[name]; prev != nil {
				c.report(prev.KeywordRange, linter.RuleMultipleInstructionsDisallowed.Format(prev.Keyword))
			}
			last[name] = in
		}
	}
}

// platformArgs are the automatic build arguments of the global scope,
// with sample values for expanding FROM lines.
var platformArgs = map[string]string{
	"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
	"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
}

// globalArgs returns the global ARGs (names in order, defaults by name).
func globalArgs(f *dockerfile.File) ([]string, map[string]*string) {
	var names []string
	defaults := map[string]*string{}
	for _, in := range f.Instructions {
		if in.Stage >= 0 {
			break
		}
		if a, ok := in.Command.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				names = append(names, kv.Key)
				defaults[kv.Key] = kv.Value
			}
		}
	}
	return names, defaults
}

func checkUndefinedArgInFrom(c *checker) {
	names, _ := globalArgs(c.f)
	declared := map[string]bool{}
	for _, n := range names {
		declared[n] = true
	}
	for _, st := range c.f.Stages {
		words := []dockerfile.Arg{}
		if len(st.From.Args) > 0 {
			words = append(words, st.From.Args[0])
		}
		if fl, ok := st.From.Flag("platform"); ok {
			words = append(words, dockerfile.Arg{Value: fl.Value, Range: fl.ValueRange})
		}
		for _, w := range words {
			for _, ref := range plan.DockerfileReferences(w.Value, c.f.Escape) {
				if _, auto := platformArgs[ref.Name]; auto || declared[ref.Name] || ref.Guarded {
					continue
				}
				c.report(refRange(c.f, w, ref), linter.RuleUndefinedArgInFrom.Format(ref.Name, suggest(ref.Name, names)))
			}
		}
	}
}

// refRange narrows an argument's range to a reference in it when the
// argument is written on one line as its value says.
func refRange(f *dockerfile.File, a dockerfile.Arg, ref plan.Reference) source.Range {
	r := a.Range
	if r.Start.Line != r.End.Line || r.End.Col-r.Start.Col != len(a.Value) ||
		f.Source.LineText(r.Start.Line)[r.Start.Col:r.End.Col] != a.Value {
		return r
	}
	return source.Range{
		Start: source.Pos{Line: r.Start.Line, Col: r.Start.Col + ref.Start},
		End:   source.Pos{Line: r.Start.Line, Col: r.Start.Col + ref.End},
	}
}

// expandGlobal expands a FROM value with the global ARG defaults.
func expandGlobal(f *dockerfile.File, word string) (shell.ProcessWordResult, error) {
	env := map[string]string{}
	for k, v := range platformArgs {
		env[k] = v
	}
	lex := shell.NewLex(f.Escape)
	names, defaults := globalArgs(f)
	for _, n := range names {
		if d := defaults[n]; d != nil {
			if v, _, err := lex.ProcessWord(*d, mapEnv(env)); err == nil {
				env[n] = v
			}
		} else if _, ok := platformArgs[n]; !ok {
			delete(env, n)
		}
	}
	return lex.ProcessWordWithMatches(word, mapEnv(env))
}

type mapEnv map[string]string

func (m mapEnv) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m mapEnv) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// reImage is the shape of an image reference: optional registry host,
// lower-case path components, optional tag and digest.
var reImage = regexp.MustCompile(`^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*` +
	`(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)

func checkDefaultArgInFrom(c *checker) {
	for _, st := range c.f.Stages {
		if !strings.Contains(st.Base, "$") {
			continue
		}
		res, err := expandGlobal(c.f, st.Base)
		if err != nil {
			continue
		}
		if !reImage.MatchString(res.Result) {
			c.report(st.BaseRange, linter.RuleInvalidDefaultArgInFrom.Format(st.Base))
		}
	}
}

var rePlatform = regexp.MustCompile(`^[a-z0-9]+(/[a-z0-9_]+(/[a-z0-9]+)?)?$`)

func checkConstPlatform(c *checker) {
	for _, st := range c.f.Stages {
		fl, ok := st.From.Flag("platform")
		if !ok || strings.Contains(fl.Value, "$") || !rePlatform.MatchString(fl.Value) {
			continue
		}
		parts := strings.Split(fl.Value, "/")
		if st.Name != "" && (strings.Contains(st.Name, parts[0]) || len(parts) > 1 && strings.Contains(st.Name, parts[1])) {
			continue
		}
		c.report(fl.ValueRange, linter.RuleFromPlatformFlagConstDisallowed.Format(fl.Value))
	}
}

func checkRedundantPlatform(c *checker) {
	for _, st := range c.f.Stages {
		if fl, ok := st.From.Flag("platform"); ok && (fl.Value == "$TARGETPLATFORM" || fl.Value == "${TARGETPLATFORM}") {
			c.report(fl.ValueRange, linter.RuleRedundantTargetPlatform.Format(fl.Value))
		}
	}
}
