package lsp

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
	"github.com/zlayer/zlayer/zimage"
)

// The ZImagefile counterparts of hadolint's rules use hadolint's codes so
// that one lint.rules setting and one ignore comment cover both formats.
const (
	codeUntagged    = "DL3006"
	codeLatest      = "DL3007"
	codeRootUser    = "DL3002"
	codeAptLists    = "DL3009"
	codeAptUnpinned = "DL3008"
)

// defaultOff lists rules that only run when lint.rules turns them on:
// package pinning is the most-ignored hadolint rule.
var defaultOff = map[string]bool{codeAptUnpinned: true, "DL3018": true, "DL3013": true, "DL3016": true}

func hadolintURL(code string) string { return "https://github.com/hadolint/hadolint/wiki/" + code }

// zimageLint runs the best-practice rules on a ZImagefile.
func zimageLint(f *zimage.File) []diag.Diagnostic {
	l := &zlinter{f: f}
	if f.Base != nil {
		l.base(f.Base)
	}
	for _, st := range f.Stages {
		if st.Base != nil && !earlierZStage(f, st.Base.Text, st.Index) {
			l.base(st.Base)
		}
		for _, s := range st.Steps {
			l.run(s)
		}
	}
	for _, s := range f.Steps {
		l.run(s)
	}
	l.finalUser()
	return l.out
}

type zlinter struct {
	f   *zimage.File
	out []diag.Diagnostic
}

func (l *zlinter) report(r source.Range, sev diag.Severity, code, msg string) {
	l.out = append(l.out, diag.Diagnostic{File: l.f.Source.Name, Range: r, Severity: sev, Code: code,
		Source: "zimagefile", Message: msg, URL: hadolintURL(code)})
}

// base checks an image reference: untagged (DL3006) or latest (DL3007).
func (l *zlinter) base(v *zimage.Value) {
	img := v.Text
	if img == "" || strings.EqualFold(img, "scratch") || strings.Contains(img, "$") || strings.Contains(img, "@") {
		return
	}
	name := img[strings.LastIndex(img, "/")+1:]
	tag, hasTag := "", false
	if i := strings.LastIndex(name, ":"); i >= 0 {
		tag, hasTag = name[i+1:], true
	}
	switch {
	case !hasTag:
		l.report(v.Range, diag.Warning, codeUntagged, fmt.Sprintf("always tag the version of an image explicitly: '%s' has no tag", img))
	case tag == "latest":
		l.report(v.Range, diag.Warning, codeLatest, fmt.Sprintf("using the 'latest' tag is not reproducible: pin a version of '%s'", img))
	}
}

var (
	aptInstall = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*install\b`)
	aptClean   = regexp.MustCompile(`rm\s+-(rf|fr|r)\s+/var/lib/apt/lists`)
)

// run checks a run step's shell script for apt hygiene.
func (l *zlinter) run(s *zimage.Step) {
	if s.Action != "run" || s.Run == nil || !s.Run.Shell || len(s.Run.Args) == 0 {
		return
	}
	script := s.Run.Args[0]
	if !aptInstall.MatchString(script) {
		return
	}
	cached := false
	for _, c := range s.Cache {
		if c.Target != nil && strings.HasPrefix(c.Target.Text, "/var/lib/apt") {
			cached = true
		}
	}
	if !cached && !aptClean.MatchString(script) {
		l.report(s.Run.Range, diag.Info, codeAptLists, "delete the apt lists after installing: add 'rm -rf /var/lib/apt/lists/*' (or use a cache mount on /var/lib/apt)")
	}
	for _, pkg := range aptPackages(script) {
		if !strings.ContainsAny(pkg, "=$") && !strings.HasSuffix(pkg, ".deb") {
			l.report(s.Run.Range, diag.Warning, codeAptUnpinned, fmt.Sprintf("pin versions in apt-get install: '%s' has no version (use %s=<version>)", pkg, pkg))
		}
	}
}

// aptPackages lists the package words of the apt install commands in a
// script.
func aptPackages(script string) []string {
	var out []string
	for _, cmd := range regexp.MustCompile(`&&|;|\|\||\n`).Split(script, -1) {
		loc := aptInstall.FindStringIndex(cmd)
		if loc == nil {
			continue
		}
		for _, w := range strings.Fields(cmd[loc[1]:]) {
			if strings.HasPrefix(w, "-") || w == "\\" {
				continue
			}
			out = append(out, w)
		}
	}
	return out
}

// finalUser warns when the last user set for the output image is root
// (DL3002): the top-level user, else the final stage's user key, else its
// last user step.
func (l *zlinter) finalUser() {
	f := l.f
	var last *zimage.Value
	steps := f.Steps
	if len(f.Stages) > 0 && f.Mode == zimage.ModeMultiStage {
		st := f.Stages[len(f.Stages)-1]
		steps = st.Steps
		for _, s := range steps {
			if s.Action == "user" && s.User != nil {
				last = s.User
			}
		}
		if st.User != nil {
			last = st.User
		}
	} else {
		for _, s := range steps {
			if s.Action == "user" && s.User != nil {
				last = s.User
			}
		}
	}
	if f.User != nil {
		last = f.User
	}
	if last == nil {
		return
	}
	u, _, _ := strings.Cut(last.Text, ":")
	if u == "root" || u == "0" {
		l.report(last.Range, diag.Warning, codeRootUser, "the image runs as root: switch to an unprivileged user at the end")
	}
}

// zimageContextChecks checks copy/add sources against the build context
// and the build.args setting against the declared args.
func zimageContextChecks(snap *snapshot, set Settings) []diag.Diagnostic {
	f := snap.zf
	var out []diag.Diagnostic
	if sc := newSourceChecker(snap.file.Name, set); sc != nil {
		check := func(steps []*zimage.Step) {
			for _, s := range steps {
				if s.Action != "copy" && s.Action != "add" || s.From != nil {
					continue
				}
				for _, v := range s.Sources {
					if d := sc.check(v.Text, v.Range, s.Action); d != nil {
						d.Source = "zimagefile"
						out = append(out, *d)
					}
				}
			}
		}
		check(f.Steps)
		for _, st := range f.Stages {
			check(st.Steps)
		}
	}
	declared := map[string]bool{}
	for _, r := range snap.outline.refs {
		if r.kind == refVar && r.def && r.what == "args" {
			declared[r.name] = true
		}
	}
	if f.Mode == zimage.ModeRuntime {
		return out // the template declares args the file cannot see
	}
	return append(out, undeclaredBuildArgs(snap.file.Name, set, declared)...)
}
