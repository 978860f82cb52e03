// Package plan defines the stage plan: the one form that both the ZImagefile
// and the Dockerfile front ends produce and that the runner, the language
// server and `zlayer plan` consume. A plan is an ordered list of stages, each
// with a base and an ordered list of instructions, and every instruction
// knows the source range it came from. Values are kept as written; variable
// expansion happens when a build resolves the plan (see Resolve).
package plan

import (
	"strconv"
	"time"

	"github.com/zlayer/zlayer/source"
)

// Plan is a parsed build file, ready to resolve and run.
type Plan struct {
	// File is the path of the build file the plan came from.
	File string
	// Kind is "zimagefile" or "dockerfile".
	Kind string
	// Escape is a Dockerfile's escape character; zero means backslash.
	Escape rune
	// Args are the global build arguments (ARG before the first FROM, or the
	// top-level args of a ZImagefile), in source order.
	Args   []*Arg
	Stages []*Stage
	// Nested lists the build: directives that must be built before this plan
	// runs (ZImagefile only).
	Nested []*Nested
}

// Stage is one FROM section of a Dockerfile or one stage of a ZImagefile.
type Stage struct {
	Index int
	// Name is the stage name ("" for an unnamed stage).
	Name string
	// Base is the base as written: an image reference, a stage name or
	// index, or "scratch". It may contain global build-argument references.
	Base string
	// Platform is the stage's platform as written ("" for the default).
	Platform string
	// OS is the target OS of a ZImagefile stage ("" means linux).
	OS string
	// Range covers the whole stage; BaseRange covers the base value.
	Range     source.Range
	BaseRange source.Range
	// NameRange covers the stage name (the AS name or the stage key).
	NameRange    source.Range
	Instructions []Instruction
}

// DisplayName is the stage's name, or "stage-N" for an unnamed stage, as
// build output labels it.
func (s *Stage) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	return "stage-" + strconv.Itoa(s.Index)
}

// Nested is a build: directive: an image built from another context before
// the outer build, then used as a base.
type Nested struct {
	// Owner is the stage name, or "toplevel".
	Owner   string
	Context string // as written; relative to the outer context
	File    string // as written; relative to Context; "" for discovery
	Args    []KeyValue
	Range   source.Range
	// Stage is the index of the stage whose base it provides.
	Stage int
}

// KeyValue is one ordered pair of an ENV, LABEL or transient-env map.
type KeyValue struct {
	Key, Value string
}

// Instruction is one step of a stage.
type Instruction interface {
	// Keyword is the Dockerfile instruction name, e.g. "RUN".
	Keyword() string
	// Source is the range of the instruction in its build file.
	Source() source.Range
}

// At records where an instruction came from; every instruction embeds it.
type At struct {
	Range source.Range
}

// Source implements Instruction.
func (a At) Source() source.Range { return a.Range }

// Arg declares a build argument.
type Arg struct {
	At
	Name       string
	Default    string
	HasDefault bool
}

// Env sets environment variables in the image.
type Env struct {
	At
	Pairs []KeyValue
}

// Label sets image labels.
type Label struct {
	At
	Pairs []KeyValue
}

// Workdir sets (and creates) the working directory.
type Workdir struct {
	At
	Path string
}

// User sets the user for later RUN steps and the image.
type User struct {
	At
	User string
}

// Expose declares ports, each "port[/proto]" as written.
type Expose struct {
	At
	Ports []string
}

// Volume declares volume mount points.
type Volume struct {
	At
	Paths []string
}

// StopSignal sets the image's stop signal.
type StopSignal struct {
	At
	Signal string
}

// Shell sets the shell used by later shell-form instructions.
type Shell struct {
	At
	Shell []string
}

// Command is CMD or ENTRYPOINT.
type Command struct {
	At
	Entrypoint bool
	// Args is the exec form; with ShellForm it holds one script run by
	// the stage's shell.
	Args      []string
	ShellForm bool
}

// Heredoc is an inline file of a Dockerfile RUN, COPY or ADD.
type Heredoc struct {
	Name    string
	Content string
	Expand  bool
	Chomp   bool
}

// Mount is one --mount of a RUN step (or a cache entry of a ZImagefile run
// step).
type Mount struct {
	Type     string // cache, bind, tmpfs, secret, ssh
	Target   string
	Source   string
	From     string
	ID       string
	Sharing  string // shared, locked, private
	ReadOnly bool
	// ReadWrite is set for a bind mount with rw.
	ReadWrite bool
	Mode      string
	UID, GID  string
	Size      string
	Required  bool
	Env       string // secret exposed as an environment variable
}

// Run runs a command in the stage's container.
type Run struct {
	At
	// Args is the exec form; with ShellForm it holds one script.
	Args      []string
	ShellForm bool
	Mounts    []Mount
	Network   string
	Security  string
	// Env is the transient environment of a ZImagefile run step.
	Env      []KeyValue
	Heredocs []Heredoc
}

// Copy is COPY or ADD.
type Copy struct {
	At
	Add     bool
	Sources []string
	Dest    string
	// From is a stage name or index, or an image, as written.
	From string
	// FromStageWorkdir makes relative sources taken from a stage resolve
	// against that stage's final working directory (ZImagefile rule);
	// otherwise they resolve against "/".
	FromStageWorkdir bool
	Chown, Chmod     string
	Link             bool
	Parents          bool
	Excludes         []string
	Checksum         string
	KeepGitDir       bool
	Heredocs         []Heredoc
}

// Healthcheck configures the image's health check.
type Healthcheck struct {
	At
	// Test is ["NONE"], ["CMD", args...] or ["CMD-SHELL", script].
	Test          []string
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
}

// OnBuild records a trigger instruction for images built on this one.
type OnBuild struct {
	At
	Instruction string
}

// Keyword implementations.
func (*Arg) Keyword() string         { return "ARG" }
func (*Env) Keyword() string         { return "ENV" }
func (*Label) Keyword() string       { return "LABEL" }
func (*Workdir) Keyword() string     { return "WORKDIR" }
func (*User) Keyword() string        { return "USER" }
func (*Expose) Keyword() string      { return "EXPOSE" }
func (*Volume) Keyword() string      { return "VOLUME" }
func (*StopSignal) Keyword() string  { return "STOPSIGNAL" }
func (*Shell) Keyword() string       { return "SHELL" }
func (*Run) Keyword() string         { return "RUN" }
func (*Healthcheck) Keyword() string { return "HEALTHCHECK" }
func (*OnBuild) Keyword() string     { return "ONBUILD" }

// Keyword is CMD or ENTRYPOINT.
func (c *Command) Keyword() string {
	if c.Entrypoint {
		return "ENTRYPOINT"
	}
	return "CMD"
}

// Keyword is COPY or ADD.
func (c *Copy) Keyword() string {
	if c.Add {
		return "ADD"
	}
	return "COPY"
}
