package main

import (
	"fmt"
	"strconv"
	"strings"
)

// A recipe is one image build described once and rendered both as a
// ZImagefile and as the equivalent Dockerfile, so that every comparison
// between zlayer and a peer tool runs on the same build.
type recipe struct {
	Comment string
	Args    []kv
	Stages  []stage
}

// kv is one ordered name/value pair (args, env, labels).
type kv struct{ Name, Value string }

// stage is one stage of a recipe. The image keys after Steps apply to the
// stage's image, after its steps, as spec §9.4 orders them.
type stage struct {
	Name, Base, Workdir string
	Env                 []kv
	Steps               []step
	Labels              []kv
	Expose              []int
	User                string
	Healthcheck         string
	Cmd                 []string
}

// step is one step; exactly one of Run, RunExec, Copy, Env, Workdir and User
// is set.
type step struct {
	Run     string
	RunExec []string
	Cache   []cacheMount
	Copy    []string
	To      string
	From    string // a stage name; its sources are absolute paths
	Env     []kv
	Workdir string
	User    string
}

// cacheMount is a RUN cache mount.
type cacheMount struct{ Target, ID, Sharing string }

// ZImagefile renders the recipe as a multi-stage ZImagefile.
func (r *recipe) ZImagefile() string {
	var b strings.Builder
	comment(&b, r.Comment)
	b.WriteString("version: \"1\"\n")
	if len(r.Args) > 0 {
		b.WriteString("\nargs:\n")
		yamlMap(&b, "  ", r.Args)
	}
	b.WriteString("\nstages:\n")
	for i, s := range r.Stages {
		if i > 0 {
			b.WriteString("\n")
		}
		s.zimage(&b)
	}
	return b.String()
}

func (s *stage) zimage(b *strings.Builder) {
	fmt.Fprintf(b, "  %s:\n    base: %s\n", s.Name, quote(s.Base))
	if s.Workdir != "" {
		fmt.Fprintf(b, "    workdir: %s\n", quote(s.Workdir))
	}
	if len(s.Env) > 0 {
		b.WriteString("    env:\n")
		yamlMap(b, "      ", s.Env)
	}
	if len(s.Steps) > 0 {
		b.WriteString("    steps:\n")
	}
	for _, st := range s.Steps {
		st.zimage(b)
	}
	if len(s.Labels) > 0 {
		b.WriteString("    labels:\n")
		yamlMap(b, "      ", s.Labels)
	}
	if len(s.Expose) > 0 {
		ports := make([]string, len(s.Expose))
		for i, p := range s.Expose {
			ports[i] = strconv.Itoa(p)
		}
		fmt.Fprintf(b, "    expose: [%s]\n", strings.Join(ports, ", "))
	}
	if s.User != "" {
		fmt.Fprintf(b, "    user: %s\n", quote(s.User))
	}
	if s.Healthcheck != "" {
		fmt.Fprintf(b, "    healthcheck:\n      cmd: %s\n      interval: \"30s\"\n      retries: 3\n", quote(s.Healthcheck))
	}
	if len(s.Cmd) > 0 {
		fmt.Fprintf(b, "    cmd: %s\n", flow(s.Cmd))
	}
}

func (st *step) zimage(b *strings.Builder) {
	const in = "        "
	switch {
	case st.Run != "" || len(st.RunExec) > 0:
		if st.Run != "" {
			fmt.Fprintf(b, "      - run: %s\n", quote(st.Run))
		} else {
			fmt.Fprintf(b, "      - run: %s\n", flow(st.RunExec))
		}
		if len(st.Cache) > 0 {
			b.WriteString(in + "cache:\n")
		}
		for _, c := range st.Cache {
			fmt.Fprintf(b, in+"  - target: %s\n", c.Target)
			if c.ID != "" {
				fmt.Fprintf(b, in+"    id: %s\n", c.ID)
			}
			if c.Sharing != "" {
				fmt.Fprintf(b, in+"    sharing: %s\n", c.Sharing)
			}
		}
	case len(st.Copy) > 0:
		if len(st.Copy) == 1 {
			fmt.Fprintf(b, "      - copy: %s\n", quote(st.Copy[0]))
		} else {
			fmt.Fprintf(b, "      - copy: %s\n", flow(st.Copy))
		}
		if st.From != "" {
			fmt.Fprintf(b, in+"from: %s\n", st.From)
		}
		fmt.Fprintf(b, in+"to: %s\n", quote(st.To))
	case len(st.Env) > 0:
		b.WriteString("      - env:\n")
		yamlMap(b, in+"  ", st.Env)
	case st.Workdir != "":
		fmt.Fprintf(b, "      - workdir: %s\n", quote(st.Workdir))
	case st.User != "":
		fmt.Fprintf(b, "      - user: %s\n", quote(st.User))
	}
}

// Dockerfile renders the recipe as the equivalent Dockerfile.
func (r *recipe) Dockerfile() string {
	var b strings.Builder
	comment(&b, r.Comment)
	for _, a := range r.Args {
		fmt.Fprintf(&b, "ARG %s=%s\n", a.Name, dquote(a.Value))
	}
	for i, s := range r.Stages {
		if i > 0 || len(r.Args) > 0 {
			b.WriteString("\n")
		}
		s.dockerfile(&b)
	}
	return b.String()
}

func (s *stage) dockerfile(b *strings.Builder) {
	fmt.Fprintf(b, "FROM %s AS %s\n", s.Base, s.Name)
	if len(s.Env) > 0 {
		fmt.Fprintf(b, "ENV %s\n", pairs(s.Env))
	}
	if s.Workdir != "" {
		fmt.Fprintf(b, "WORKDIR %s\n", s.Workdir)
	}
	for _, st := range s.Steps {
		st.dockerfile(b)
	}
	if len(s.Labels) > 0 {
		fmt.Fprintf(b, "LABEL %s\n", pairs(s.Labels))
	}
	for _, p := range s.Expose {
		fmt.Fprintf(b, "EXPOSE %d\n", p)
	}
	if s.User != "" {
		fmt.Fprintf(b, "USER %s\n", s.User)
	}
	if s.Healthcheck != "" {
		fmt.Fprintf(b, "HEALTHCHECK --interval=30s --retries=3 CMD %s\n", s.Healthcheck)
	}
	if len(s.Cmd) > 0 {
		fmt.Fprintf(b, "CMD %s\n", flow(s.Cmd))
	}
}

func (st *step) dockerfile(b *strings.Builder) {
	switch {
	case st.Run != "" || len(st.RunExec) > 0:
		b.WriteString("RUN ")
		for _, c := range st.Cache {
			fmt.Fprintf(b, "--mount=type=cache,target=%s", c.Target)
			if c.ID != "" {
				fmt.Fprintf(b, ",id=%s", c.ID)
			}
			if c.Sharing != "" {
				fmt.Fprintf(b, ",sharing=%s", c.Sharing)
			}
			b.WriteString(" ")
		}
		if st.Run != "" {
			b.WriteString(st.Run + "\n")
		} else {
			b.WriteString(flow(st.RunExec) + "\n")
		}
	case len(st.Copy) > 0:
		b.WriteString("COPY ")
		if st.From != "" {
			fmt.Fprintf(b, "--from=%s ", st.From)
		}
		fmt.Fprintf(b, "%s %s\n", strings.Join(st.Copy, " "), st.To)
	case len(st.Env) > 0:
		fmt.Fprintf(b, "ENV %s\n", pairs(st.Env))
	case st.Workdir != "":
		fmt.Fprintf(b, "WORKDIR %s\n", st.Workdir)
	case st.User != "":
		fmt.Fprintf(b, "USER %s\n", st.User)
	}
}

// Steps counts the recipe's steps over all stages.
func (r *recipe) Steps() int {
	n := 0
	for _, s := range r.Stages {
		n += len(s.Steps)
	}
	return n
}

func comment(b *strings.Builder, text string) {
	for _, line := range strings.Split(text, "\n") {
		if line != "" {
			b.WriteString("# " + line + "\n")
		}
	}
	if text != "" {
		b.WriteString("\n")
	}
}

func yamlMap(b *strings.Builder, indent string, m []kv) {
	for _, p := range m {
		fmt.Fprintf(b, "%s%s: %s\n", indent, p.Name, quote(p.Value))
	}
}

// quote renders s as a double-quoted YAML scalar (JSON string syntax is
// valid YAML).
func quote(s string) string { return strconv.Quote(s) }

// dquote renders s as a Dockerfile double-quoted value.
func dquote(s string) string { return strconv.Quote(s) }

// flow renders a list as a JSON array: a YAML flow sequence and a
// Dockerfile exec form alike.
func flow(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func pairs(m []kv) string {
	out := make([]string, len(m))
	for i, p := range m {
		out[i] = p.Name + "=" + dquote(p.Value)
	}
	return strings.Join(out, " ")
}
