package runner

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
)

// metadata turns an expanded instruction that only changes the image
// configuration (or the scope), already applied to the stage's state, into
// buildah config flags.
func (s *stageRun) metadata(x plan.Instruction) (p pendingStep) {
	switch x := x.(type) {
	case *plan.Arg:
	case *plan.Env:
		for _, kv := range x.Pairs {
			p.flags = append(p.flags, "--env", kv.Key+"="+kv.Value)
		}
	case *plan.Label:
		for _, kv := range x.Pairs {
			p.flags = append(p.flags, "--label", kv.Key+"="+kv.Value)
		}
	case *plan.Expose:
		for _, port := range x.Ports {
			if !strings.Contains(port, "/") {
				port += "/tcp"
			}
			p.flags = append(p.flags, "--port", strings.ToLower(port))
		}
	case *plan.User:
		p.flags = append(p.flags, "--user", x.User)
	case *plan.Workdir:
		p.flags = append(p.flags, "--workingdir", s.workdir)
		p.mkdir, p.owner = s.workdir, s.user
	case *plan.Volume:
		for _, v := range x.Paths {
			p.flags = append(p.flags, "--volume", v)
		}
	case *plan.StopSignal:
		p.flags = append(p.flags, "--stop-signal", x.Signal)
	case *plan.Command:
		p.flags = s.command(x)
	case *plan.Healthcheck:
		p.flags = s.healthcheck(x)
	case *plan.OnBuild:
		s.dockerOnly(x, "ONBUILD")
		p.flags = append(p.flags, "--onbuild", x.Instruction)
	case *plan.Shell:
		p.flags = append(p.flags, "--shell", QuoteWords(x.Shell))
	}
	return p
}

// command sets CMD or ENTRYPOINT. An ENTRYPOINT clears the command the
// base image had unless the stage set its own CMD first (Dockerfile rule).
func (s *stageRun) command(c *plan.Command) []string {
	args := c.Args
	if c.ShellForm {
		args = append(append([]string{}, s.shell...), strings.Join(c.Args, " "))
	}
	if args == nil {
		args = []string{}
	}
	js, _ := json.Marshal(args)
	if !c.Entrypoint {
		s.cmdSet = true
		return []string{"--cmd", string(js)}
	}
	flags := []string{"--entrypoint", string(js)}
	if !s.cmdSet {
		flags = append(flags, "--cmd", "[]")
	}
	return flags
}

// healthcheck sets the health check; unset durations stay unset (buildah
// would otherwise fill in 30s).
func (s *stageRun) healthcheck(h *plan.Healthcheck) []string {
	if len(h.Test) == 0 || h.Test[0] == "NONE" {
		s.healthcheckAt, s.inheritedHealthcheck = nil, false
		return []string{"--healthcheck", "NONE"}
	}
	s.healthcheckAt = h
	s.dockerOnly(h, "HEALTHCHECK")
	if h.StartInterval != 0 {
		s.b.warn(diag.Diagnostic{File: s.b.opts.Plan.File, Range: h.Range, Severity: diag.Warning, Source: "zlayer",
			Message: "HEALTHCHECK --start-interval is not supported by buildah 1.28 and is ignored"})
	}
	return []string{
		"--healthcheck", QuoteWords(h.Test),
		"--healthcheck-interval", duration(h.Interval),
		"--healthcheck-timeout", duration(h.Timeout),
		"--healthcheck-start-period", duration(h.StartPeriod),
		"--healthcheck-retries", strconv.Itoa(h.Retries),
	}
}

// dockerOnly warns once per stage that an instruction only survives in the
// docker image format. The health check warning (ZI308) is given when the
// final image is committed.
func (s *stageRun) dockerOnly(ins plan.Instruction, what string) {
	if s.b.opts.Format == "docker" || what == "HEALTHCHECK" {
		return
	}
	s.b.warn(diag.Diagnostic{File: s.b.opts.Plan.File, Range: ins.Source(), Severity: diag.Warning, Source: "zlayer",
		Message: what + " is not part of the OCI image format and is dropped; build with --format docker to keep it"})
}

// duration formats d for buildah, which parses Go durations.
func duration(d time.Duration) string {
	return d.String()
}

// QuoteWords joins words into one line that a POSIX shell (and buildah's
// shell-words parsing of --healthcheck and --shell) splits back into the
// same words; `zlayer plan` prints commands with it.
func QuoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
