package dockerfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/zlayer/zlayer/plan"
)

// Format renders a plan as a Dockerfile, for `zlayer convert --to
// dockerfile`. A Dockerfile plan keeps its values as written and renders
// them verbatim; the values of a ZImagefile plan are quoted where a
// Dockerfile needs it, their variable references left for the build to
// expand. What a Dockerfile cannot say (a nested build, a guessed working
// directory) is explained in a "# zlayer:" comment line.
func Format(p *plan.Plan) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("format Dockerfile: no plan")
	}
	w := &writer{p: p, raw: p.Kind == "dockerfile"}
	if w.raw && p.Escape == '`' {
		w.line("# escape=`")
	}
	if p.Kind != "" && p.Kind != "dockerfile" && p.File != "" {
		w.line("# Converted from %s by zlayer convert.", path.Base(p.File))
	}
	for _, a := range p.Args {
		w.line("%s", w.arg(a))
	}
	for i, st := range p.Stages {
		if i > 0 || len(p.Args) > 0 || w.buf.Len() > 0 {
			w.buf.WriteByte('\n')
		}
		if err := w.stage(st); err != nil {
			return nil, err
		}
	}
	return w.buf.Bytes(), nil
}

type writer struct {
	p   *plan.Plan
	raw bool // values are Dockerfile words already
	buf bytes.Buffer
}

func (w *writer) line(format string, args ...any) {
	fmt.Fprintf(&w.buf, format, args...)
	w.buf.WriteByte('\n')
}

func (w *writer) stage(st *plan.Stage) error {
	for _, n := range w.p.Nested {
		if n.Stage == st.Index {
			w.line("# zlayer: the base of this stage is built first from context %q%s; build and tag it before this Dockerfile.",
				n.Context, fileNote(n.File))
		}
	}
	from := "FROM "
	if st.Platform != "" {
		from += "--platform=" + w.word(st.Platform) + " "
	}
	from += w.word(st.Base)
	if st.Name != "" {
		from += " AS " + st.Name
	}
	w.line("%s", from)
	for _, ins := range st.Instructions {
		text, err := w.instruction(ins)
		if err != nil {
			return fmt.Errorf("format Dockerfile: stage %s: %w", st.DisplayName(), err)
		}
		w.line("%s", text)
	}
	return nil
}

func fileNote(file string) string {
	if file == "" {
		return ""
	}
	return fmt.Sprintf(" (file %q)", file)
}

func (w *writer) instruction(ins plan.Instruction) (string, error) {
	switch c := ins.(type) {
	case *plan.Arg:
		return w.arg(c), nil
	case *plan.Env:
		return "ENV " + w.pairs(c.Pairs), nil
	case *plan.Label:
		return "LABEL " + w.pairs(c.Pairs), nil
	case *plan.Workdir:
		return "WORKDIR " + w.word(c.Path), nil
	case *plan.User:
		return "USER " + w.word(c.User), nil
	case *plan.StopSignal:
		return "STOPSIGNAL " + w.word(c.Signal), nil
	case *plan.Expose:
		return "EXPOSE " + strings.Join(c.Ports, " "), nil
	case *plan.Volume:
		return "VOLUME " + w.list(c.Paths), nil
	case *plan.Shell:
		return "SHELL " + jsonArray(c.Shell), nil
	case *plan.Command:
		return c.Keyword() + " " + commandLine(c.Args, c.ShellForm), nil
	case *plan.OnBuild:
		return "ONBUILD " + c.Instruction, nil
	case *plan.Healthcheck:
		return healthcheck(c), nil
	case *plan.Run:
		return w.run(c), nil
	case *plan.Copy:
		return w.copy(c), nil
	}
	return "", fmt.Errorf("no Dockerfile form for %s instruction %T", ins.Keyword(), ins)
}

func (w *writer) arg(a *plan.Arg) string {
	if !a.HasDefault {
		return "ARG " + a.Name
	}
	return "ARG " + a.Name + "=" + w.word(a.Default)
}

// pairs renders ENV or LABEL pairs as key=value words. A Dockerfile value
// with unquoted white space (from the legacy "ENV key value" form or
// MAINTAINER) keeps the legacy form, the only one that can hold it.
func (w *writer) pairs(kvs []plan.KeyValue) string {
	if w.raw && len(kvs) == 1 && hasUnquotedSpace(kvs[0].Value) {
		return kvs[0].Key + " " + kvs[0].Value
	}
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = w.word(kv.Key) + "=" + w.word(kv.Value)
	}
	return strings.Join(parts, " ")
}

// word renders one value. Dockerfile plans hold words as written; other
// values are double-quoted when they are empty or hold white space,
// quotes, backslashes or a leading "#". References ($NAME, ${NAME}) stay
// live inside the quotes, and "\$" stays a literal dollar.
func (w *writer) word(s string) string {
	if w.raw || !needsQuotes(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && s[i+1] == '$':
			b.WriteString(`\$`)
			i++
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hasUnquotedSpace reports white space outside quotes in a Dockerfile word.
func hasUnquotedSpace(s string) bool {
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case r == quote:
			quote = 0
		case quote == 0 && (r == ' ' || r == '\t'):
			return true
		}
	}
	return false
}

func needsQuotes(s string) bool {
	return s == "" || strings.HasPrefix(s, "#") || strings.ContainsAny(s, " \t\n\r\v\f\"'\\`")
}

// list renders paths as words, or as a JSON array when a path would need
// quoting.
func (w *writer) list(items []string) string {
	if w.needsJSON(items) {
		return jsonArray(items)
	}
	return strings.Join(items, " ")
}

// needsJSON reports whether a list of paths must be written as a JSON
// array: it holds white space, or (for a ZImagefile plan) anything a bare
// word cannot hold.
func (w *writer) needsJSON(items []string) bool {
	for _, s := range items {
		if s == "" || strings.ContainsAny(s, " \t") || !w.raw && needsQuotes(s) {
			return true
		}
	}
	return false
}

func jsonArray(items []string) string {
	if items == nil {
		items = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(items) // a []string always encodes
	return strings.ReplaceAll(strings.TrimSpace(b.String()), `","`, `", "`)
}

// commandLine renders a shell-form script or an exec-form array.
func commandLine(args []string, shellForm bool) string {
	if shellForm {
		return strings.Join(args, " ")
	}
	return jsonArray(args)
}

func healthcheck(h *plan.Healthcheck) string {
	if len(h.Test) == 0 || strings.EqualFold(h.Test[0], "NONE") {
		return "HEALTHCHECK NONE"
	}
	var b strings.Builder
	b.WriteString("HEALTHCHECK")
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"start-period", h.StartPeriod}, {"start-interval", h.StartInterval}} {
		if d.v > 0 {
			fmt.Fprintf(&b, " --%s=%s", d.name, d.v)
		}
	}
	if h.Retries > 0 {
		fmt.Fprintf(&b, " --retries=%d", h.Retries)
	}
	b.WriteString(" CMD ")
	b.WriteString(commandLine(h.Test[1:], h.Test[0] == "CMD-SHELL"))
	return b.String()
}

func (w *writer) run(r *plan.Run) string {
	var b strings.Builder
	b.WriteString("RUN")
	for _, m := range r.Mounts {
		b.WriteString(" " + w.flag("mount", mountValue(m)))
	}
	if r.Network != "" {
		b.WriteString(" " + w.flag("network", r.Network))
	}
	if r.Security != "" {
		b.WriteString(" " + w.flag("security", r.Security))
	}
	b.WriteByte(' ')
	b.WriteString(w.runCommand(r))
	writeHeredocs(&b, r.Heredocs)
	return b.String()
}

// runCommand renders the command of a RUN. A ZImagefile step's transient
// environment becomes an export before a shell script, or an env(1)
// prefix of an exec-form command.
func (w *writer) runCommand(r *plan.Run) string {
	if len(r.Env) == 0 {
		return commandLine(r.Args, r.ShellForm)
	}
	if !r.ShellForm {
		args := []string{"env"}
		for _, kv := range r.Env {
			args = append(args, kv.Key+"="+kv.Value)
		}
		return jsonArray(append(args, r.Args...))
	}
	var b strings.Builder
	b.WriteString("export")
	for _, kv := range r.Env {
		b.WriteString(" " + kv.Key + "=" + shellQuote(kv.Value))
	}
	b.WriteString("; ")
	b.WriteString(strings.Join(r.Args, " "))
	return b.String()
}

// shellQuote double-quotes a value for sh, leaving $ references live.
func shellQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}

// flag renders --name=value, quoted when the value holds white space.
func (w *writer) flag(name, value string) string {
	if strings.ContainsAny(value, " \t") {
		return strconv.Quote("--" + name + "=" + value)
	}
	return "--" + name + "=" + value
}

// mountValue renders a mount as BuildKit's CSV option list.
func mountValue(m plan.Mount) string {
	var fields []string
	add := func(k, v string) {
		if v != "" {
			fields = append(fields, csvField(k+"="+v))
		}
	}
	add("type", m.Type)
	add("target", m.Target)
	add("source", m.Source)
	add("from", m.From)
	add("id", m.ID)
	add("sharing", m.Sharing)
	add("mode", m.Mode)
	add("uid", m.UID)
	add("gid", m.GID)
	add("size", m.Size)
	add("env", m.Env)
	if m.ReadOnly {
		fields = append(fields, "readonly")
	}
	if m.ReadWrite {
		fields = append(fields, "rw")
	}
	if m.Required {
		fields = append(fields, "required")
	}
	return strings.Join(fields, ",")
}

func csvField(s string) string {
	if !strings.ContainsAny(s, `,"`) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func writeHeredocs(b *strings.Builder, docs []plan.Heredoc) {
	for _, h := range docs {
		b.WriteByte('\n')
		b.WriteString(h.Content)
		if h.Content != "" && !strings.HasSuffix(h.Content, "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(h.Name)
	}
}

func (w *writer) copy(c *plan.Copy) string {
	var b strings.Builder
	sources, note := w.copySources(c)
	if note != "" {
		b.WriteString("# zlayer: " + note + "\n")
	}
	b.WriteString(c.Keyword())
	flags := []struct{ name, value string }{
		{"from", c.From}, {"chown", c.Chown}, {"chmod", c.Chmod}, {"checksum", c.Checksum},
	}
	for _, f := range flags {
		if f.value != "" {
			b.WriteString(" " + w.flag(f.name, w.word(f.value)))
		}
	}
	for _, e := range c.Excludes {
		b.WriteString(" " + w.flag("exclude", w.word(e)))
	}
	for _, f := range []struct {
		name string
		on   bool
	}{{"link", c.Link}, {"parents", c.Parents}, {"keep-git-dir", c.KeepGitDir}} {
		if f.on {
			b.WriteString(" --" + f.name)
		}
	}
	b.WriteByte(' ')
	b.WriteString(w.copyArgs(sources, c))
	writeHeredocs(&b, c.Heredocs)
	return b.String()
}

// copyArgs renders the sources (heredocs first) and the destination, as a
// JSON array when a ZImagefile value would need quoting.
func (w *writer) copyArgs(sources []string, c *plan.Copy) string {
	all := append(append([]string{}, sources...), c.Dest)
	if len(c.Heredocs) == 0 && w.needsJSON(all) {
		return jsonArray(all)
	}
	var parts []string
	for _, h := range c.Heredocs {
		marker := "<<"
		if h.Chomp {
			marker += "-"
		}
		if !h.Expand {
			parts = append(parts, marker+`"`+h.Name+`"`)
		} else {
			parts = append(parts, marker+h.Name)
		}
	}
	return strings.Join(append(parts, all...), " ")
}

// copySources resolves the relative sources of a copy from a stage whose
// working directory applies (FromStageWorkdir) and explains a guess.
func (w *writer) copySources(c *plan.Copy) ([]string, string) {
	if !c.FromStageWorkdir || c.From == "" {
		return c.Sources, ""
	}
	st := w.findStage(c.From)
	if st == nil {
		return c.Sources, ""
	}
	dir, exact := w.stageWorkdir(st, 0)
	out := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		out[i] = s
		if !strings.HasPrefix(s, "/") && !isRemote(s) {
			out[i] = joinSource(dir, s)
		}
	}
	if exact {
		return out, ""
	}
	return out, fmt.Sprintf("relative sources from stage %q are resolved against %s, a best guess: "+
		"the stage's working directory comes from its base image or holds a variable", c.From, dir)
}

func isRemote(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}

func joinSource(dir, src string) string {
	j := path.Join(dir, src)
	if strings.HasSuffix(src, "/") && !strings.HasSuffix(j, "/") {
		j += "/"
	}
	return j
}

// findStage finds a stage by name (case-insensitively) or index.
func (w *writer) findStage(ref string) *plan.Stage {
	for _, st := range w.p.Stages {
		if st.Name != "" && strings.EqualFold(st.Name, ref) {
			return st
		}
	}
	if i, err := strconv.Atoi(ref); err == nil && i >= 0 && i < len(w.p.Stages) {
		return w.p.Stages[i]
	}
	return nil
}

// stageWorkdir returns a stage's last working directory in the plan,
// following stage bases, and whether it is certain: it is not when the
// directory comes from a base image or holds a variable reference.
func (w *writer) stageWorkdir(st *plan.Stage, depth int) (string, bool) {
	dir, exact, set := "/", false, false
	if base := w.findStage(st.Base); base != nil && base.Index < st.Index && depth < len(w.p.Stages) {
		dir, exact = w.stageWorkdir(base, depth+1)
		set = true
	}
	for _, ins := range st.Instructions {
		wd, ok := ins.(*plan.Workdir)
		if !ok {
			continue
		}
		if strings.HasPrefix(wd.Path, "/") {
			dir, exact = path.Clean(wd.Path), true
		} else {
			dir = path.Join(dir, wd.Path)
		}
		set = true
		if strings.Contains(wd.Path, "$") {
			exact = false
		}
	}
	return dir, exact && set
}
