package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/dockerfile/runtimes"
)

// findings runs Check and lists one rule's findings as "line:col" (1-based
// line, 0-based byte column).
func findings(src, code string, cfg Config) string {
	f := dockerfile.Parse("Dockerfile", []byte(src))
	var out []string
	for _, d := range Check(f, cfg) {
		if d.Code == code {
			out = append(out, fmt.Sprintf("%d:%d", d.Range.Start.Line, d.Range.Start.Col))
		}
	}
	return strings.Join(out, " ")
}

func TestRules(t *testing.T) {
	tests := []struct {
		code, src, want string
	}{
		// BuildKit checks.
		{"ConsistentInstructionCasing", "FROM a\nRUN x\nrun y\nCOPY a b\n", "3:0"},
		{"ConsistentInstructionCasing", "from a\nrun x\nRUN y\ncopy a b\n", "3:0"},
		{"ConsistentInstructionCasing", "FROM a\nRUN x\n", ""},
		{"DuplicateStageName", "FROM a AS x\nFROM b AS x\n", "2:10"},
		{"ReservedStageName", "FROM a AS scratch\nFROM b AS context\nFROM c AS ok\n", "1:10 2:10"},
		{"LegacyKeyValueFormat", "FROM a\nENV A b\nENV B=c\nLABEL x y z\n", "2:4 4:6"},
		{"SecretsUsedInArgOrEnv", "ARG GITHUB_TOKEN\nFROM a\nENV DB_PASSWORD=x PUBLIC_KEY=y\nARG api_key VERSION_FILE\n", "1:4 3:4 4:4"},
		{"WorkdirRelativePath", "FROM a\nWORKDIR app\nWORKDIR /srv\nWORKDIR sub\n", "2:8"},
		{"WorkdirRelativePath", "FROM a AS base\nWORKDIR /app\nFROM base\nWORKDIR sub\n", ""},
		{"JSONArgsRecommended", "FROM a\nCMD run me\nENTRYPOINT [\"x\"]\nENTRYPOINT go\n", "2:4 4:11"},
		{"JSONArgsRecommended", "FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nCMD run me\n", ""},
		{"ExposeProtoCasing", "FROM a\nEXPOSE 80/TCP 53/udp $P/UDP\n", "2:7"},
		{"ExposeInvalidFormat", "FROM a\nEXPOSE 127.0.0.1:80:80 8080:80 443\n", "2:7 2:23"},
		{"MultipleInstructionsDisallowed", "FROM a\nCMD [\"a\"]\nHEALTHCHECK NONE\nCMD [\"b\"]\nFROM b\nCMD [\"c\"]\n", "2:0"},
		{"UndefinedArgInFrom", "ARG VERSION=1\nFROM alpine:${VERSIN}\nFROM --platform=$BUILDPLATFORM alpine:$VERSION\nFROM x:${TAG:-1}\n", "2:12"},
		{"InvalidDefaultArgInFrom", "ARG IMAGE\nARG V=1\nARG T\nFROM $IMAGE\nFROM alpine:$V\nFROM alpine:${T:-3}\n", "4:5"},
		{"FromPlatformFlagConstDisallowed", "FROM --platform=linux/amd64 a\nFROM --platform=linux/arm64 b AS build-arm64\nFROM --platform=$BUILDPLATFORM c\n", "1:16"},
		{"RedundantTargetPlatform", "FROM --platform=$TARGETPLATFORM a\nFROM --platform=${TARGETPLATFORM} b\n", "1:16 2:16"},
		// UndefinedVar: stage scope, global ARGs need re-declaring,
		// fallbacks and heredoc bodies are fine, ENV expands with the
		// scope before it, base images may define names.
		{"UndefinedVar", "ARG V=1\nFROM scratch\nENV A=$V\n", "3:6"},
		{"UndefinedVar", "ARG V=1\nFROM scratch\nARG V\nENV A=$V B=${C:-x} D=${E+y}\n", ""},
		{"UndefinedVar", "FROM scratch\nENV A=1 B=$A\nENV C=$A\n", "2:10"},
		{"UndefinedVar", "FROM scratch\nARG A=1 B=$A\nWORKDIR /$B/$NOPE\n", "3:12"},
		{"UndefinedVar", "FROM scratch\nCOPY <<EOF /x\n$NOT_CHECKED\nEOF\nRUN echo $SHELL_VAR\n", ""},
		{"UndefinedVar", "FROM alpine\nENV P=$PATH:/x\nWORKDIR $HOME\n", ""},
		{"UndefinedVar", "ARG G\nFROM alpine\nENV MY_DIR=/x\nWORKDIR $MY_DIRR\nUSER $G\n", "4:8 5:5"},
		{"UndefinedVar", "FROM scratch AS base\nENV ROOT=/r\nFROM base\nWORKDIR $ROOT\nCOPY --chown=$U a $ROOT/\n", "5:13"},
		{"UndefinedVar", "FROM scratch\nRUN --mount=type=cache,target=$CACHE make\nLABEL x='$literal'\n", "2:30"},
		{"UndefinedVar", "# escape=`\nFROM scratch\nENV A=`$B\n", ""},
		// hadolint rules.
		{"DL3002", "FROM a\nUSER root\nFROM b\nUSER app\nUSER 0:0\n", "5:5"},
		{"DL3002", "FROM a\nUSER root\nFROM b\nUSER app\n", ""},
		{"DL3003", "FROM a\nRUN cd /tmp && make\nRUN echo cd\n", "2:4"},
		{"DL3004", "FROM a\nRUN apt-get update && sudo make install\n", "2:22"},
		{"DL3006", "FROM alpine AS base\nFROM base\nFROM scratch\nFROM $X\nFROM debian@sha256:0123456789abcdef0123456789abcdef\nFROM r.io:5000/img\n", "1:5 6:5"},
		{"DL3007", "FROM alpine:latest\nFROM alpine:3.20\n", "1:5"},
		{"DL3008", "FROM a\nRUN apt-get install -y curl=7.0 wget\nRUN apt-get install -y ./x.deb\n", "2:32"},
		{"DL3009", "FROM a\nRUN apt-get update && apt-get install -y x\nRUN apt-get install -y y && rm -rf /var/lib/apt/lists/*\n", "2:4"},
		{"DL3009", "FROM a\nRUN --mount=type=cache,target=/var/lib/apt apt-get install -y x\n", ""},
		{"DL3013", "FROM a\nRUN pip install flask==3.0 requests && pip install -r requirements.txt .\n", "2:27"},
		{"DL3015", "FROM a\nRUN apt-get install -y x\nRUN apt-get install -y --no-install-recommends y\n", "2:4"},
		{"DL3016", "FROM a\nRUN npm install express@4 lodash && npm ci && npm install\n", "2:26"},
		{"DL3018", "FROM a\nRUN apk add --no-cache curl=8.0 git\n", "2:32"},
		{"DL3019", "FROM a\nRUN apk add git\nRUN apk add --no-cache git\nRUN --mount=type=cache,target=/var/cache/apk apk add git\n", "2:4"},
		{"DL3020", "FROM a\nADD src /src\nADD https://x/y.tgz /\nADD app.tar.gz /\nADD <<EOF /f\nx\nEOF\n", "2:0"},
		{"DL3022", "FROM a AS builder\nFROM b\nCOPY --from=buidler /x /x\nCOPY --from=5 /x /x\nCOPY --from=nginx /x /x\nCOPY --from=later /x /x\nFROM c AS later\n", "3:12 4:12 6:12"},
		{"DL3023", "FROM a AS me\nCOPY --from=me /x /y\nCOPY --from=0 /x /y\n", "2:12 3:12"},
		{"DL3042", "FROM a\nRUN pip install --no-cache-dir x\nRUN pip install y\nRUN --mount=type=cache,target=/root/.cache/pip pip install z\n", "3:4"},
		{"DL3045", "FROM a\nCOPY x y\nWORKDIR /app\nCOPY x y\nFROM b\nCOPY x /abs\n", "2:7"},
		{"DL3059", "FROM a\nRUN a\nRUN b\nENV X=1\nRUN c\nRUN --mount=type=cache,target=/c d\n", "3:0"},
		{"DL4006", "FROM a\nRUN curl x | sh\nRUN a || b\nRUN set -o pipefail && curl x | sh\nRUN echo 'a|b'\n", "2:4"},
		{"DL4006", "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl x | sh\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := findings(tt.src, tt.code, Config{}); got != tt.want {
				t.Errorf("%s on\n%s\n got %q, want %q", tt.code, tt.src, got, tt.want)
			}
		})
	}
}

func TestRuleMetadata(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.Code] || r.URL == "" || r.check == nil {
			t.Errorf("rule %+v: duplicate or incomplete", r)
		}
		seen[r.Code] = true
		if r.BuildKit && !strings.HasPrefix(r.URL, "https://docs.docker.com/go/dockerfile/rule/") {
			t.Errorf("%s: URL %s", r.Code, r.URL)
		}
	}
	f := dockerfile.Parse("Dockerfile", []byte("FROM a\nCMD run\n"))
	ds := Check(f, Config{})
	if len(ds) != 2 {
		t.Fatalf("diagnostics %v, want DL3006 and JSONArgsRecommended", ds)
	}
	for _, d := range ds {
		if d.URL == "" || d.Source != dockerfile.Source || d.File != "Dockerfile" || d.Message == "" {
			t.Errorf("incomplete diagnostic %+v", d)
		}
	}
}

func TestSuppression(t *testing.T) {
	tests := []struct{ name, src, code, want string }{
		{"hadolint ignore", "FROM a\n# hadolint ignore=DL3003,DL3004\nRUN cd x && sudo y\nRUN cd z\n", "DL3003", "4:4"},
		{"zlayer-ignore", "FROM scratch\n# zlayer-ignore: UndefinedVar\n# another comment\nENV A=$B\nENV C=$D\n", "UndefinedVar", "5:6"},
		{"comment block broken by a blank line", "FROM scratch\n# zlayer-ignore: UndefinedVar\n\nENV A=$B\n", "UndefinedVar", "4:6"},
		{"hadolint global", "# hadolint global ignore=DL3006\nFROM a\nFROM b\n", "DL3006", ""},
		{"check skip", "# check=skip=JSONArgsRecommended,UndefinedVar\nFROM scratch\nCMD x\nENV A=$B\n", "JSONArgsRecommended", ""},
		{"check skip all keeps hadolint", "# check=skip=all\nFROM a\nCMD x\n", "DL3006", "2:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findings(tt.src, tt.code, Config{}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	f := dockerfile.Parse("Dockerfile", []byte("FROM a\n# zlayer-ignore: MaintainerDeprecated\nMAINTAINER me\n"))
	if len(f.Diagnostics) != 1 || len(Filter(f, f.Diagnostics)) != 0 {
		t.Errorf("Filter did not silence the parser's MaintainerDeprecated: %v", Filter(f, f.Diagnostics))
	}
}

func TestConfig(t *testing.T) {
	src := "# check=error=true\nFROM a\nCMD x\nRUN apt-get install -y curl\n"
	f := dockerfile.Parse("Dockerfile", []byte(src))
	sev := func(ds []diag.Diagnostic, code string) string {
		for _, d := range ds {
			if d.Code == code {
				return d.Severity.String()
			}
		}
		return "off"
	}
	ds := Check(f, Config{})
	if sev(ds, "JSONArgsRecommended") != "error" || sev(ds, "DL3008") != "info" || sev(ds, "DL3006") != "warning" {
		t.Errorf("default severities: %v", ds)
	}
	ds = Check(f, Config{Rules: map[string]string{"DL3006": "off", "DL3008": "error", "JSONArgsRecommended": "OFF"}})
	if sev(ds, "JSONArgsRecommended") != "off" || sev(ds, "DL3008") != "error" || sev(ds, "DL3006") != "off" {
		t.Errorf("configured severities: %v", ds)
	}
}

// TestTemplatesFollowBuildKitChecks: the runtime templates pass every
// BuildKit check (they are what users build on).
func TestTemplatesFollowBuildKitChecks(t *testing.T) {
	buildkit := map[string]bool{}
	for _, r := range Rules() {
		buildkit[r.Code] = r.BuildKit
	}
	for _, tmpl := range runtimes.All() {
		f := dockerfile.Parse(tmpl.Name, tmpl.Dockerfile)
		for _, d := range Check(f, Config{}) {
			if buildkit[d.Code] {
				t.Errorf("%s: %d:%d %s %s", tmpl.Name, d.Range.Start.Line, d.Range.Start.Col, d.Code, d.Message)
			}
		}
	}
}

// TestNoPanicOnCorpus runs every rule on the shared corpus and broken
// inputs.
func TestNoPanicOnCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/corpus/buildkit-parser/testfiles/*/Dockerfile")
	if len(files) == 0 {
		t.Fatal("corpus not found")
	}
	inputs := []string{"", "FROM", "COPY --from= a b\n", "FROM a AS\nRUN <<EOF\n", "FROM --platform= x\nWORKDIR\nUSER\n", "ONBUILD RUN cd x\n"}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(src))
	}
	for _, src := range inputs {
		Check(dockerfile.Parse("Dockerfile", []byte(src)), Config{})
	}
}
