package zimage

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zlayer/zlayer/plan"
)

// Format renders a stage plan (for example one converted from a Dockerfile)
// as a ZImagefile in multi-stage form, for `zlayer convert`. It fails with
// an error naming the instruction and its line when the plan uses
// something a ZImagefile cannot express: bind, secret, ssh and tmpfs
// mounts, RUN network or security options, SHELL, ONBUILD, heredocs,
// COPY --link/--parents/--exclude/--checksum, or HEALTHCHECK NONE.
func Format(p *plan.Plan) ([]byte, error) {
	if p.Kind == "dockerfile" {
		var err error
		if p, err = unquoteDockerfile(p); err != nil {
			return nil, err
		}
	}
	w := &writer{}
	var errs []error
	if len(p.Args) > 0 {
		w.line(0, "args:")
		for i, a := range p.Args {
			if err := varName(a.Name); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: ARG: %w", p.File, a.Range.Start.Line, err))
			}
			if slices.ContainsFunc(p.Args[:i], func(o *plan.Arg) bool { return o.Name == a.Name }) {
				errs = append(errs, fmt.Errorf("%s:%d: ARG: argument %s is declared twice before the first stage", p.File, a.Range.Start.Line, a.Name))
			}
			w.line(1, key(a.Name)+": "+scalar(a.Default))
		}
	}
	nested := map[int]*plan.Nested{}
	for _, n := range p.Nested {
		nested[n.Stage] = n
	}
	w.line(0, "stages:")
	for _, st := range p.Stages {
		if err := w.stage(p, st, nested[st.Index]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(p.Stages) == 0 {
		errs = append(errs, fmt.Errorf("%s: the plan has no stages", p.File))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return []byte(w.b.String()), nil
}

type writer struct{ b strings.Builder }

func (w *writer) line(indent int, s string) {
	w.b.WriteString(strings.Repeat("  ", indent))
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

// stageConfig collects the instructions a ZImagefile writes as stage keys
// after the steps.
type stageConfig struct {
	globals     []*plan.Arg   // the plan's global args
	earlier     []*plan.Stage // the stages before this one
	args        []*plan.Arg
	labels      []plan.KeyValue
	expose      []string
	volumes     []string
	healthcheck *plan.Healthcheck
	stopsignal  *plan.StopSignal
	entrypoint  *plan.Command
	cmd         *plan.Command
	steps       []string
}

func (w *writer) stage(p *plan.Plan, st *plan.Stage, n *plan.Nested) error {
	sc := &stageConfig{globals: p.Args, earlier: p.Stages[:min(st.Index, len(p.Stages))]}
	errs := orderErrors(p.File, st)
	if st.Platform != "" && !strings.Contains(st.Platform, "$") && !rePlatform.MatchString(st.Platform) {
		errs = append(errs, fmt.Errorf("%s:%d: FROM: platform %q is not <os>[/<arch>[/<variant>]]", p.File, st.Range.Start.Line, st.Platform))
	}
	for _, in := range st.Instructions {
		if err := sc.add(in); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", p.File, in.Source().Start.Line, in.Keyword(), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	w.line(1, key(st.DisplayName())+":")
	switch {
	case n != nil:
		w.line(2, "build:")
		w.line(3, "context: "+scalar(n.Context))
		if n.File != "" {
			w.line(3, "file: "+scalar(n.File))
		}
		writeMap(w, 3, "args", n.Args)
	default:
		w.line(2, "base: "+scalar(sc.stageRef(st.Base)))
	}
	if st.Platform != "" {
		w.line(2, "platform: "+scalar(st.Platform))
	}
	if st.OS != "" {
		w.line(2, "os: "+scalar(st.OS))
	}
	if len(sc.args) > 0 {
		w.line(2, "args:")
		for _, a := range sc.args {
			w.line(3, key(a.Name)+": "+scalar(a.Default))
		}
	}
	if len(sc.steps) > 0 {
		w.line(2, "steps:")
		for _, s := range sc.steps {
			w.b.WriteString(s)
		}
	}
	sc.write(w)
	return nil
}

func (sc *stageConfig) write(w *writer) {
	writeMap(w, 2, "labels", sc.labels)
	if len(sc.expose) > 0 {
		w.line(2, "expose: ["+strings.Join(sc.expose, ", ")+"]")
	}
	if len(sc.volumes) > 0 {
		w.line(2, "volumes: "+list(sc.volumes))
	}
	if h := sc.healthcheck; h != nil {
		w.line(2, "healthcheck:")
		if h.Test[0] == "CMD-SHELL" {
			w.line(3, "cmd: "+scalar(strings.Join(h.Test[1:], " ")))
		} else {
			w.line(3, "cmd: "+list(h.Test[1:]))
		}
		for _, d := range []struct {
			name string
			v    time.Duration
		}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"start_period", h.StartPeriod}} {
			if d.v > 0 {
				w.line(3, d.name+": "+d.v.String())
			}
		}
		if h.Retries > 0 {
			w.line(3, "retries: "+strconv.Itoa(h.Retries))
		}
	}
	if sc.stopsignal != nil {
		w.line(2, "stopsignal: "+scalar(sc.stopsignal.Signal))
	}
	for _, c := range []*plan.Command{sc.entrypoint, sc.cmd} {
		if c == nil {
			continue
		}
		name := "cmd"
		if c.Entrypoint {
			name = "entrypoint"
		}
		if c.ShellForm {
			w.line(2, name+": "+scalar(strings.Join(c.Args, " ")))
		} else {
			w.line(2, name+": "+list(c.Args))
		}
	}
}

func writeMap(w *writer, indent int, name string, kvs []plan.KeyValue) {
	if len(kvs) == 0 {
		return
	}
	w.line(indent, name+":")
	for _, kv := range kvs {
		w.line(indent+1, key(kv.Key)+": "+scalar(kv.Value))
	}
}

var rePort = regexp.MustCompile(`^[0-9]+(/[A-Za-z]+)?$`)

// add sorts one instruction into a step or a stage key.
func (sc *stageConfig) add(in plan.Instruction) error {
	switch in := in.(type) {
	case *plan.Arg:
		if err := varName(in.Name); err != nil {
			return err
		}
		if in.HasDefault && in.Default == "" && sc.hasGlobal(in.Name) {
			return fmt.Errorf("a ZImagefile stage arg with an empty value takes the global value of %s; it cannot set it to empty", in.Name)
		}
		for _, a := range sc.args {
			if a.Name == in.Name {
				return fmt.Errorf("argument %s is declared twice in the stage", in.Name)
			}
		}
		sc.args = append(sc.args, in)
	case *plan.Env:
		for _, kv := range in.Pairs {
			if err := varName(kv.Key); err != nil {
				return err
			}
		}
		sc.step("env:\n" + mapLines(2, mergePairs(nil, in.Pairs)))
	case *plan.Workdir:
		sc.step("workdir: " + scalar(in.Path) + "\n")
	case *plan.User:
		sc.step("user: " + scalar(in.User) + "\n")
	case *plan.Label:
		sc.labels = mergePairs(sc.labels, in.Pairs)
	case *plan.Expose:
		for _, port := range in.Ports {
			if !rePort.MatchString(port) {
				return fmt.Errorf("port %q cannot be written in a ZImagefile (expose takes no variables or ranges)", port)
			}
			num, proto, _ := strings.Cut(port, "/")
			proto = strings.ToLower(proto)
			if proto != "" && proto != "tcp" && proto != "udp" && proto != "sctp" {
				return fmt.Errorf("port %q has a protocol other than tcp, udp or sctp", port)
			}
			n, err := strconv.Atoi(num)
			if err != nil || n > 65535 {
				return fmt.Errorf("port %q is not a port number from 0 to 65535", port)
			}
			num = strconv.Itoa(n)
			if proto == "" || proto == "tcp" {
				sc.expose = append(sc.expose, num)
			} else {
				sc.expose = append(sc.expose, scalar(num+"/"+proto))
			}
		}
	case *plan.Volume:
		sc.volumes = append(sc.volumes, in.Paths...)
	case *plan.Healthcheck:
		return sc.setHealthcheck(in)
	case *plan.StopSignal:
		sc.stopsignal = in
	case *plan.Command:
		if in.Entrypoint {
			sc.entrypoint = in
		} else {
			sc.cmd = in
		}
	case *plan.Run:
		return sc.run(in)
	case *plan.Copy:
		return sc.copy(in)
	case *plan.Shell:
		return errors.New("a ZImagefile has no SHELL; write the shell into run commands instead")
	case *plan.OnBuild:
		return errors.New("a ZImagefile has no ONBUILD triggers")
	default:
		return fmt.Errorf("cannot be written in a ZImagefile")
	}
	return nil
}

// hasGlobal reports whether name is a global arg or an automatic platform
// arg, whose value an ARG without a default takes.
func (sc *stageConfig) hasGlobal(name string) bool {
	switch name {
	case "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT":
		return true
	}
	return slices.ContainsFunc(sc.globals, func(a *plan.Arg) bool { return a.Name == name })
}

// stageRef spells a reference to an earlier stage as the stage is named:
// Dockerfile stage names are case-insensitive, ZImagefile names are not.
func (sc *stageConfig) stageRef(ref string) string {
	for i := len(sc.earlier) - 1; i >= 0; i-- {
		if n := sc.earlier[i].Name; n != "" && strings.EqualFold(n, ref) {
			return n
		}
	}
	return ref
}

// mergePairs sets the pairs of kvs in dst as a later ENV or LABEL would:
// a key already there gets the new value in its place, so that a
// ZImagefile map never repeats a key.
func mergePairs(dst, kvs []plan.KeyValue) []plan.KeyValue {
	for _, kv := range kvs {
		i := slices.IndexFunc(dst, func(o plan.KeyValue) bool { return o.Key == kv.Key })
		if i < 0 {
			dst = append(dst, kv)
		} else {
			dst[i].Value = kv.Value
		}
	}
	return dst
}

// varName refuses a variable name a ZImagefile rejects (ZI216).
func varName(name string) error {
	if name == "" || strings.ContainsAny(name, "= \t\n\r\v\f") {
		return fmt.Errorf("variable name %q cannot be written in a ZImagefile", name)
	}
	return nil
}

func (sc *stageConfig) setHealthcheck(h *plan.Healthcheck) error {
	switch {
	case len(h.Test) == 0 || h.Test[0] == "NONE":
		return errors.New("a ZImagefile cannot disable an inherited health check (HEALTHCHECK NONE)")
	case h.StartInterval != 0:
		return errors.New("a ZImagefile health check has no start interval")
	case h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL":
		return fmt.Errorf("unknown health check test %q", h.Test[0])
	}
	sc.healthcheck = h
	return nil
}

// step appends one step; body is its YAML mapping at indentation 0,
// first key first.
func (sc *stageConfig) step(body string) {
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	var b strings.Builder
	for i, l := range lines {
		if i == 0 {
			b.WriteString("      - " + l + "\n")
		} else {
			b.WriteString("        " + l + "\n")
		}
	}
	sc.steps = append(sc.steps, b.String())
}

func (sc *stageConfig) run(r *plan.Run) error {
	switch {
	case len(r.Heredocs) > 0:
		return errors.New("a ZImagefile has no heredocs; put the script into the run command")
	case len(r.Args) == 0 || r.ShellForm && strings.Join(r.Args, "") == "":
		return errors.New("a ZImagefile run step must have a command")
	case r.Network != "" && r.Network != "default":
		return fmt.Errorf("a ZImagefile cannot set the network of a run step (--network=%s)", r.Network)
	case r.Security != "" && r.Security != "sandbox":
		return fmt.Errorf("a ZImagefile cannot set the security mode of a run step (--security=%s)", r.Security)
	}
	var b strings.Builder
	if r.ShellForm && len(r.Args) == 1 {
		b.WriteString("run: " + scalar(r.Args[0]) + "\n")
	} else {
		b.WriteString("run: " + list(r.Args) + "\n")
	}
	if len(r.Mounts) > 0 {
		b.WriteString("cache:\n")
	}
	for _, m := range r.Mounts {
		if err := cacheLines(&b, m); err != nil {
			return err
		}
	}
	if len(r.Env) > 0 {
		b.WriteString("env:\n" + mapLines(2, r.Env))
	}
	sc.step(b.String())
	return nil
}

func cacheLines(b *strings.Builder, m plan.Mount) error {
	switch {
	case m.Type != "cache":
		return fmt.Errorf("a ZImagefile can only mount caches, not --mount=type=%s", m.Type)
	case m.From != "" || m.Source != "" || m.Mode != "" || m.UID != "" || m.GID != "":
		return errors.New("a ZImagefile cache mount has only target, id, sharing and readonly")
	}
	b.WriteString("  - target: " + scalar(m.Target) + "\n")
	if m.ID != "" && m.ID != m.Target {
		b.WriteString("    id: " + scalar(m.ID) + "\n")
	}
	if m.Sharing != "" && m.Sharing != "shared" {
		b.WriteString("    sharing: " + scalar(m.Sharing) + "\n")
	}
	if m.ReadOnly {
		b.WriteString("    readonly: true\n")
	}
	return nil
}

func (sc *stageConfig) copy(c *plan.Copy) error {
	switch {
	case len(c.Heredocs) > 0:
		return errors.New("a ZImagefile has no heredocs")
	case c.Link, c.Parents, len(c.Excludes) > 0, c.Checksum != "", c.KeepGitDir:
		return errors.New("a ZImagefile copy has no --link, --parents, --exclude, --checksum or --keep-git-dir")
	case slices.Contains(c.Sources, ""):
		return errors.New("a source that is empty once its quotes are removed cannot be written in a ZImagefile (ZI209)")
	}
	action := "copy"
	if c.Add {
		action = "add"
	}
	sources := c.Sources
	if c.From != "" && !c.FromStageWorkdir {
		// Dockerfile COPY --from resolves relative sources against "/";
		// a ZImagefile against the stage's working directory.
		sources = make([]string, len(c.Sources))
		for i, s := range c.Sources {
			if !strings.HasPrefix(s, "/") && !isURL(s) {
				s = "/" + s
			}
			sources[i] = s
		}
	}
	var b strings.Builder
	if len(sources) == 1 {
		b.WriteString(action + ": " + scalar(sources[0]) + "\n")
	} else {
		b.WriteString(action + ": " + list(sources) + "\n")
	}
	b.WriteString("to: " + scalar(c.Dest) + "\n")
	for _, m := range []struct{ k, v string }{{"from", sc.stageRef(c.From)}, {"owner", c.Chown}, {"chmod", c.Chmod}} {
		if m.v != "" {
			b.WriteString(m.k + ": " + scalar(m.v) + "\n")
		}
	}
	sc.step(b.String())
	return nil
}

func mapLines(indent int, kvs []plan.KeyValue) string {
	var b strings.Builder
	for _, kv := range kvs {
		b.WriteString(strings.Repeat(" ", indent) + key(kv.Key) + ": " + scalar(kv.Value) + "\n")
	}
	return b.String()
}

var (
	rePlainKey   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	rePlainValue = regexp.MustCompile(`^[A-Za-z0-9_./$][A-Za-z0-9_./:@+=,${}-]*$`)
)

// key writes a mapping key, quoted unless it is a plain word.
func key(s string) string {
	if rePlainKey.MatchString(s) && resolvePlain(s) == typeString {
		return s
	}
	return strconv.Quote(s)
}

// scalar writes a string value, quoted unless YAML reads it back as the
// same string.
func scalar(s string) string {
	// A plain scalar ending in ':' would read as a mapping key, and one
	// starting with a digit may read as a number (0b1, 0o7, 1:30) to
	// go-yaml unless a '/' rules that out.
	if rePlainValue.MatchString(s) && resolvePlain(s) == typeString && !strings.Contains(s, "${") &&
		!strings.HasSuffix(s, ":") && (s[0] < '0' || s[0] > '9' || strings.Contains(s, "/")) {
		return s
	}
	return strconv.Quote(s)
}

func list(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
