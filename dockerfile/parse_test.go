package dockerfile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// text returns the file text a range covers.
func text(f *File, r source.Range) string {
	return string(f.Source.Text[f.Source.Offset(r.Start):f.Source.Offset(r.End)])
}

// pos formats a range as "line:col-line:col" (byte columns).
func pos(r source.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Col, r.End.Line, r.End.Col)
}

// want describes one instruction: the text of its keyword, flags and
// arguments, and optionally the exact ranges of some of them.
type want struct {
	keyword string
	flags   []string
	args    []string
	ranges  map[string]string // "keyword", "range", "flagN", "argN", "valueN", "heredocN" → "l:c-l:c"
}

func checkInstruction(t *testing.T, f *File, in *Instruction, w want) {
	t.Helper()
	if got := text(f, in.KeywordRange); got != w.keyword {
		t.Errorf("keyword %q, want %q", got, w.keyword)
	}
	var flags, args []string
	for _, fl := range in.Flags {
		flags = append(flags, text(f, fl.Range))
	}
	for _, a := range in.Args {
		args = append(args, text(f, a.Range))
	}
	if fmt.Sprintf("%q", flags) != fmt.Sprintf("%q", w.flags) && !(len(flags) == 0 && len(w.flags) == 0) {
		t.Errorf("%s flags %q, want %q", w.keyword, flags, w.flags)
	}
	if fmt.Sprintf("%q", args) != fmt.Sprintf("%q", w.args) && !(len(args) == 0 && len(w.args) == 0) {
		t.Errorf("%s args %q, want %q", w.keyword, args, w.args)
	}
	for key, r := range w.ranges {
		var got source.Range
		var i int
		switch {
		case key == "keyword":
			got = in.KeywordRange
		case key == "range":
			got = in.Range
		case scan(key, "flag%d", &i) && i < len(in.Flags):
			got = in.Flags[i].Range
		case scan(key, "value%d", &i) && i < len(in.Flags):
			got = in.Flags[i].ValueRange
		case scan(key, "arg%d", &i) && i < len(in.Args):
			got = in.Args[i].Range
		case scan(key, "heredoc%d", &i) && i < len(in.Heredocs):
			got = in.Heredocs[i].Range
		default:
			t.Errorf("%s: no %s", w.keyword, key)
			continue
		}
		if pos(got) != r {
			t.Errorf("%s %s at %s, want %s", w.keyword, key, pos(got), r)
		}
	}
}

func scan(s, format string, i *int) bool {
	_, err := fmt.Sscanf(s, format, i)
	return err == nil
}

func TestRanges(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []want
	}{{
		name: "escape backtick and continuations",
		src:  "# escape=`\nFROM scratch\nCOPY --chown=a:b `\n     src `\n     dst\n",
		want: []want{
			{keyword: "FROM", args: []string{"scratch"}},
			{keyword: "COPY", flags: []string{"--chown=a:b"}, args: []string{"src", "dst"}, ranges: map[string]string{
				"flag0": "3:5-3:16", "value0": "3:13-3:16", "arg0": "4:5-4:8", "arg1": "5:5-5:8", "range": "3:0-5:8"}},
		},
	}, {
		name: "backtick escapes a backslash path",
		src:  "# escape=`\nFROM x\nWORKDIR C:\\app\\src\n",
		want: []want{
			{keyword: "FROM", args: []string{"x"}},
			{keyword: "WORKDIR", args: []string{`C:\app\src`}, ranges: map[string]string{"arg0": "3:8-3:18"}},
		},
	}, {
		name: "comment and empty line inside a continuation",
		src:  "FROM x\nRUN --mount=type=cache,target=/c \\\n  # note\n\n    make \\\n    all\n",
		want: []want{
			{keyword: "FROM", args: []string{"x"}},
			{keyword: "RUN", flags: []string{"--mount=type=cache,target=/c"}, args: []string{"make \\\n    all"},
				ranges: map[string]string{"arg0": "5:4-6:7", "range": "2:0-6:7"}},
		},
	}, {
		name: "heredocs",
		src:  "FROM x\nRUN <<EOF bash\necho hi\nEOF\nCOPY <<-EOT /etc/motd\n\thello\n\tEOT\nRUN true\n",
		want: []want{
			{keyword: "FROM", args: []string{"x"}},
			{keyword: "RUN", args: []string{"<<EOF bash"}, ranges: map[string]string{
				"heredoc0": "3:0-4:3", "range": "2:0-4:3"}},
			{keyword: "COPY", args: []string{"<<-EOT", "/etc/motd"}, ranges: map[string]string{
				"heredoc0": "6:0-7:4", "range": "5:0-7:4"}},
			{keyword: "RUN", args: []string{"true"}, ranges: map[string]string{"range": "8:0-8:8"}},
		},
	}, {
		name: "JSON form with tabs and non-ASCII",
		src:  "FROM x\nCMD\t[\"é\",\t\"b c\"]\nENTRYPOINT [ \"/bin/sh\", \"-c\" ]\n",
		want: []want{
			{keyword: "FROM", args: []string{"x"}},
			{keyword: "CMD", args: []string{`"é"`, `"b c"`}, ranges: map[string]string{"arg0": "2:5-2:9", "arg1": "2:11-2:16"}},
			{keyword: "ENTRYPOINT", args: []string{`"/bin/sh"`, `"-c"`}},
		},
	}, {
		name: "tabs between flags and arguments",
		src:  "FROM\tx\tAS\tb\nRUN\t--network=none\t--mount=type=tmpfs,target=/t\tmake\n",
		want: []want{
			{keyword: "FROM", args: []string{"x", "AS", "b"}, ranges: map[string]string{"arg2": "1:10-1:11"}},
			{keyword: "RUN", flags: []string{"--network=none", "--mount=type=tmpfs,target=/t"}, args: []string{"make"},
				ranges: map[string]string{"flag1": "2:19-2:47", "arg0": "2:48-2:52"}},
		},
	}, {
		name: "non-ASCII words",
		src:  "FROM x\nLABEL desc=\"héllo wörld\" x=1\nENV grüße=ja\n",
		want: []want{
			{keyword: "FROM", args: []string{"x"}},
			{keyword: "LABEL", args: []string{`desc="héllo wörld"`, "x=1"}, ranges: map[string]string{"arg1": "2:27-2:30"}},
			{keyword: "ENV", args: []string{"grüße=ja"}, ranges: map[string]string{"arg0": "3:4-3:14"}},
		},
	}, {
		name: "CRLF line endings and a byte-order mark",
		src:  "\ufeffFROM x\r\nRUN a \\\r\n  b\r\n",
		want: []want{
			{keyword: "FROM", args: []string{"x"}, ranges: map[string]string{"keyword": "1:3-1:7"}},
			{keyword: "RUN", args: []string{"a \\\r\n  b"}, ranges: map[string]string{"range": "2:0-3:3"}},
		},
	}, {
		name: "legacy ENV, ONBUILD, HEALTHCHECK and lower case",
		src:  "from x\nenv key some value\nONBUILD RUN --network=none echo\nHEALTHCHECK --interval=5s CMD curl -f x\n",
		want: []want{
			{keyword: "from", args: []string{"x"}},
			{keyword: "env", args: []string{"key", "some value"}},
			{keyword: "ONBUILD", args: []string{"RUN --network=none echo"}},
			{keyword: "HEALTHCHECK", flags: []string{"--interval=5s"}, args: []string{"CMD", "curl -f x"}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse("Dockerfile", []byte(tt.src))
			for _, d := range f.Diagnostics {
				if d.Severity == diag.Error {
					t.Errorf("unexpected error %s %s: %s", pos(d.Range), d.Code, d.Message)
				}
			}
			if len(f.Instructions) != len(tt.want) {
				t.Fatalf("%d instructions, want %d", len(f.Instructions), len(tt.want))
			}
			for i, w := range tt.want {
				checkInstruction(t, f, f.Instructions[i], w)
				if f.Instructions[i].Command == nil {
					t.Errorf("%s: BuildKit did not parse it", w.keyword)
				}
			}
		})
	}
}

func TestOnbuildTrigger(t *testing.T) {
	f := Parse("Dockerfile", []byte("FROM x\nONBUILD RUN --network=none echo\nONBUILD COPY --bogus a b\n"))
	trig := f.Instructions[1].Trigger
	if trig == nil || text(f, trig.KeywordRange) != "RUN" || text(f, trig.Flags[0].Range) != "--network=none" {
		t.Fatalf("trigger = %+v", trig)
	}
	if _, ok := trig.Command.(*instructions.RunCommand); !ok {
		t.Errorf("trigger command %T, want *instructions.RunCommand", trig.Command)
	}
	got := codes(f)
	if got != "3:13 warning DF007" {
		t.Errorf("diagnostics %s, want the bad trigger flag as DF007", got)
	}
}

// codes lists the diagnostics as "line:col severity code".
func codes(f *File) string {
	var out []string
	for _, d := range f.Diagnostics {
		out = append(out, fmt.Sprintf("%d:%d %s %s", d.Range.Start.Line, d.Range.Start.Col, d.Severity, d.Code))
	}
	return strings.Join(out, "; ")
}

func TestAllErrorsAtOnce(t *testing.T) {
	src := strings.Join([]string{
		"ENV early=1",                           // 1: before FROM
		"FROM alpine AS Base",                   // 2: StageNameCasing
		"COPY --user=me a b",                    // 3: unknown flag
		"BOGUS thing",                           // 4: unknown instruction
		`CMD ["a", 1]`,                          // 5: parser error: non-string JSON
		"WORKDIR",                               // 6: missing argument
		"RUN --mount=type=cahce,target=/x make", // 7: bad mount type
		"MAINTAINER me",                         // 8: deprecated
		"EXPOSE 80",                             // 9: fine
		"RUN <<EOF",                             // 10: unterminated heredoc
		"echo",
	}, "\n")
	f := Parse("Dockerfile", []byte(src))
	want := "1:0 error DF004; 2:15 warning StageNameCasing; 3:5 error DF003; 4:0 error DF002; " +
		"5:0 error DF001; 6:0 error DF003; 7:12 error DF006; 8:0 warning MaintainerDeprecated; 10:0 error DF001"
	if got := codes(f); got != want {
		t.Errorf("diagnostics:\n got %s\nwant %s", got, want)
	}
	for _, d := range f.Diagnostics {
		if d.File != "Dockerfile" || d.Source != Source || d.Message == "" {
			t.Errorf("incomplete diagnostic %+v", d)
		}
		if strings.HasPrefix(d.Code, "DF") == (d.URL != "") {
			t.Errorf("%s: URL %q (rules have one, DF codes none)", d.Code, d.URL)
		}
	}
	// The good instructions after the broken ones still parsed.
	if in := f.Instructions[8]; in.Command == nil || in.Keyword != "EXPOSE" {
		t.Errorf("EXPOSE after errors: %+v", in)
	}
}

func TestTolerantOnBrokenFile(t *testing.T) {
	src := "FROM golang:1.22 AS build\nRUN go build\nFROM alpine AS final\nCOPY --from=build /x /x\nRUN <<EOF\nunterminated"
	f := Parse("Dockerfile", []byte(src))
	if len(f.Stages) != 2 || f.Stages[0].Name != "build" || f.Stages[1].Name != "final" {
		t.Fatalf("stages %+v", f.Stages)
	}
	st := f.Stages[1]
	if text(f, st.NameRange) != "final" || text(f, st.BaseRange) != "alpine" || len(st.Instructions) != 2 {
		t.Errorf("stage final: name %q base %q, %d instructions", text(f, st.NameRange), text(f, st.BaseRange), len(st.Instructions))
	}
	last := f.Instructions[len(f.Instructions)-1]
	if last.Node != nil || last.Command != nil || len(last.Heredocs) != 1 || last.Heredocs[0].Terminated {
		t.Errorf("unterminated heredoc instruction: node=%v command=%v heredocs=%+v", last.Node != nil, last.Command, last.Heredocs)
	}
	if f.AST == nil || f.Instructions[3].Command == nil {
		t.Error("the instructions before the broken one lost their BuildKit parse")
	}
	if got := codes(f); got != "5:0 error DF001" {
		t.Errorf("diagnostics %s", got)
	}
	if _, errs := f.Plan(); len(errs) != 1 {
		t.Errorf("Plan errors %v, want the syntax error", errs)
	}
}

func TestEmptyAndDirectiveErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"", "1:0 error DF005"},
		{"# just a comment\n", "1:0 error DF005"},
		{"# escape=`\n# escape=\\\nFROM x\n", "2:0 error DF001"},
		{"# escape=x\nFROM x\n", "1:0 error DF001"},
		{"# check=skip=StageNameCasing\nFROM x AS Y\n", ""},
		{"# check=error=true\nFROM x AS Y\n", "2:10 error StageNameCasing"},
		{"# check=bogus\nFROM x\n", "1:0 error DF008"},
		{"FROM x\nRUN a \\\n\n  b\n", "2:0 warning NoEmptyContinuation"},
		{"# check=skip=NoEmptyContinuation\nFROM x\nRUN a \\\n\n  b\n", ""},
		{"# check=error=true\nFROM x\nRUN a \\\n\n  b\n", "3:0 error NoEmptyContinuation"},
	}
	for _, tt := range tests {
		f := Parse("Dockerfile", []byte(tt.src))
		if got := codes(f); got != tt.want {
			t.Errorf("Parse(%q) diagnostics %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestMounts(t *testing.T) {
	tests := []struct {
		value string
		err   string
	}{
		{"type=cache,target=/c,id=x,sharing=locked,mode=0755,uid=1000,gid=1000,from=base,source=/s,ro", ""},
		{"type=bind,from=build,source=/out,target=/in,rw", ""},
		{"type=tmpfs,target=/t,size=64m", ""},
		{"type=secret,id=tok,target=/run/secrets/tok,required,mode=0400,uid=1,gid=2", ""},
		{"type=secret,id=tok,env=TOKEN,required=true", ""},
		{"type=ssh,id=default,required", ""},
		{"type=cache,target=$DIR,sharing=$SHARING,mode=$MODE", ""},
		{"target=/x", ""},
		{"type=cahce,target=/x", "unsupported mount type"},
		{"type=cache,sharing=sometimes,target=/x", "unsupported sharing"},
		{"type=cache,target=/x,mode=999", "invalid value 999 for mode"},
		{"type=bind,target=/x,mode=0755", "mode not allowed"},
		{"type=bind,target=/x,size=1m", "unexpected key \"size\""},
		{"type=cache,target=/x,required", "unexpected key \"required\""},
		{"type=secret,from=x,id=a", "should not have a from"},
		{"type=secret", "one of id, source or target"},
		{"type=bind,target=/x,sharing=shared", "invalid cache sharing"},
		{"type=cache,target=/x,colour=red", "unexpected key \"colour\""},
		{"type=cache,target", "must be a key=value pair"},
		{"type=tmpfs,target=/t,size=lots", "invalid value for size"},
	}
	for _, tt := range tests {
		_, err := parseMount(tt.value)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("parseMount(%q) = %v", tt.value, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseMount(%q) = %v, want %q", tt.value, err, tt.err)
		}
	}
}

func TestIsDockerfileName(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile": true, "Containerfile": true, "Dockerfile.prod": true, "web.dockerfile": true,
		"Dockerfile.": false, ".dockerfile": false, "dockerfile": false, "Dockerfile-dev": false,
		"ZImagefile": false, "Containerfile.prod": false, "x.Dockerfile": false,
	} {
		if got := IsDockerfileName(name); got != want {
			t.Errorf("IsDockerfileName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestParseLongFile covers a file long enough for the instruction parser
// to run on two halves at once: every problem of both halves is reported,
// at its line, and every good instruction gets its command.
func TestParseLongFile(t *testing.T) {
	var b strings.Builder
	var wantLines []int
	line := 1
	add := func(s string) {
		b.WriteString(s + "\n")
		line++
	}
	for stage := range 4 {
		add(fmt.Sprintf("FROM alpine:3.20 as s%d", stage)) // FromAsCasing
		for i := range 40 {
			if i%10 == 3 {
				wantLines = append(wantLines, line)
				add("COPY --bogus=1 a /b") // DF003
				continue
			}
			add(fmt.Sprintf("RUN echo %d-%d", stage, i))
		}
	}
	f := Parse("Dockerfile", []byte(b.String()))
	if n := len(f.Instructions); n < 2*parallelCommands {
		t.Fatalf("%d instructions: the test needs at least %d", n, 2*parallelCommands)
	}
	var got []int
	casing := 0
	for _, d := range f.Diagnostics {
		switch d.Code {
		case CodeInvalidInstruction:
			got = append(got, d.Range.Start.Line)
		case "FromAsCasing":
			casing++
		default:
			t.Errorf("unexpected %s at line %d: %s", d.Code, d.Range.Start.Line, d.Message)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(wantLines) {
		t.Errorf("%s at lines %v, want %v", CodeInvalidInstruction, got, wantLines)
	}
	if casing != 4 {
		t.Errorf("%d FromAsCasing warnings, want one per stage (4)", casing)
	}
	for _, in := range f.Instructions {
		if _, bad := in.Flag("bogus"); in.Command == nil && !bad {
			t.Errorf("line %d: %s has no command", in.Range.Start.Line, in.Keyword)
		}
	}
}

// TestReparse checks that a reparse after an edit gives exactly what a
// fresh parse gives, and that it takes over the commands of the
// instructions the edit left alone.
func TestReparse(t *testing.T) {
	const before = `# check=skip=JSONArgsRecommended
FROM alpine:3.20 AS build
MAINTAINER someone
RUN --mount=type=cache,target=/c echo one \
    two
COPY --chmod=755 a /a
RUN <<END
echo heredoc
END
ENV A=1
CMD echo done
`
	tests := []struct {
		name       string
		from, to   string
		wantReused int // instructions whose command is taken over
	}{
		{"a word of one RUN", "echo done", "echo over", 6},
		{"a flag becomes invalid", "--chmod=755", "--chmod=7x5", 6},
		{"the heredoc body", "echo heredoc", "echo changed", 6},
		{"a line inserted shifts what follows", "ENV A=1\n", "ENV A=1\nENV B=2\n", 6},
		{"the check directive", "skip=JSONArgsRecommended", "skip=MaintainerDeprecated", 0},
		{"a comment above an instruction", "ENV A=1\n", "# about A\nENV A=1\n", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := strings.Replace(before, tt.from, tt.to, 1)
			if after == before {
				t.Fatalf("the edit %q -> %q changes nothing", tt.from, tt.to)
			}
			prev := Parse("Dockerfile", []byte(before))
			got := Reparse("Dockerfile", []byte(after), prev)
			want := Parse("Dockerfile", []byte(after))
			if !reflect.DeepEqual(got.Diagnostics, want.Diagnostics) {
				t.Errorf("diagnostics after reparse:\n%v\nafter a fresh parse:\n%v", got.Diagnostics, want.Diagnostics)
			}
			if len(got.Instructions) != len(want.Instructions) {
				t.Fatalf("%d instructions after reparse, %d after a fresh parse", len(got.Instructions), len(want.Instructions))
			}
			reused := 0
			for i, in := range got.Instructions {
				if !reflect.DeepEqual(in.Command, want.Instructions[i].Command) {
					t.Errorf("instruction %d (%s): command %#v after reparse, %#v after a fresh parse", i, in.Keyword, in.Command, want.Instructions[i].Command)
				}
				for _, old := range prev.Instructions {
					if in.Command != nil && old.Command == in.Command {
						reused++
					}
				}
			}
			if reused != tt.wantReused {
				t.Errorf("%d commands taken over, want %d", reused, tt.wantReused)
			}
		})
	}
}

// TestSplitParse checks that BuildKit's parse of a large file in two
// halves gives the nodes and warnings of a parse of the whole file, and
// that files it cannot cut safely are parsed whole.
func TestSplitParse(t *testing.T) {
	var b strings.Builder
	b.WriteString("# syntax=docker/dockerfile:1\nARG V=1\n")
	for stage := range 16 {
		fmt.Fprintf(&b, "\nFROM alpine:3.20 AS s%d\n", stage)
		for i := range 30 {
			switch i % 6 {
			case 0:
				fmt.Fprintf(&b, "# step %d\nRUN echo %d \\\n    && echo more \\\n\n    && true\n", i, i) // an empty continuation line warns
			case 1:
				fmt.Fprintf(&b, "COPY --chmod=644 src/f-%d.txt /app/\n", i)
			case 2:
				fmt.Fprintf(&b, "ENV K%d=\"v %d\" \\\n  L%d=w\n", i, i, i)
			case 3:
				fmt.Fprintf(&b, "RUN [\"sh\", \"-c\", \"echo %d\"]\n", i)
			default:
				fmt.Fprintf(&b, "WORKDIR /w/%d\n", i)
			}
		}
	}
	long := b.String()
	tests := []struct {
		name  string
		text  string
		split bool
	}{
		{"a long file", long, true},
		{"a heredoc", long + "RUN <<EOT\necho\nEOT\n", false},
		{"an escape directive", "# escape=`\n" + strings.ReplaceAll(long, "\\\n", "`\n"), false},
		{"a short file", "FROM a\nRUN b\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.text)
			if tt.split && len(src) < splitSize {
				t.Fatalf("%d bytes: too short to be cut", len(src))
			}
			got, want := parseBuildkit(src), runBuildkit(src)
			if got.split != tt.split {
				t.Fatalf("parsed in two halves: %v, want %v", got.split, tt.split)
			}
			if len(got.errs) > 0 || len(want.errs) > 0 {
				t.Fatalf("errors: %v and %v", got.errs, want.errs)
			}
			if !reflect.DeepEqual(got.warnings, want.warnings) {
				t.Errorf("warnings %v, want %v", got.warnings, want.warnings)
			}
			if !reflect.DeepEqual(got.ast.Children, want.ast.Children) || got.ast.StartLine != want.ast.StartLine || got.ast.EndLine != want.ast.EndLine {
				t.Errorf("the halves' nodes differ from the whole file's")
			}
			f := Parse("Dockerfile", src)
			if !f.hasNodes() {
				t.Errorf("Parse left instructions without their BuildKit node")
			}
		})
	}
}

// hasNodes reports whether every instruction has its BuildKit node.
func (f *File) hasNodes() bool {
	for _, in := range f.Instructions {
		if in.Node == nil {
			return false
		}
	}
	return true
}
