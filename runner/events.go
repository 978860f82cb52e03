package runner

import (
	"encoding/json"
	"time"
)

// Event is one thing that happened during a build. A build reports its
// progress as a stream of events through Options.Events; `--progress json`
// writes each as one JSON object with a "type" field, and the tty and
// plain renderers and the language server read the same values.
//
// The concrete types are BuildStarted, StageStarted, StepStarted, Output,
// StepDone, StageDone, Warning, BuildDone and BuildFailed.
type Event interface {
	// Type is the event's "type" in JSON, e.g. "step_started".
	Type() string
}

// Stages and steps are numbered as build output labels them: Stage is the
// stage index in the plan, Step counts from 1, the FROM being step 1 and
// the stage's first instruction step 2.

// BuildStarted opens a build: how many stages and steps will run.
type BuildStarted struct {
	Stages int `json:"stages"`
	Steps  int `json:"steps"`
}

// StageStarted reports that a stage's base is being prepared.
type StageStarted struct {
	Stage int    `json:"stage"`
	Name  string `json:"name"`
	Base  string `json:"base"`
	// Steps is the stage's step count, FROM included (not in JSON).
	Steps int `json:"-"`
}

// StepStarted reports that a step begins. Instruction is the instruction
// as build output shows it, e.g. "RUN make".
type StepStarted struct {
	Stage       int    `json:"stage"`
	Step        int    `json:"step"`
	Instruction string `json:"instruction"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	// Name is the stage's display name (not in JSON).
	Name string `json:"-"`
	// Steps is the stage's step count (not in JSON).
	Steps int `json:"-"`
}

// Output is one line a step printed.
type Output struct {
	Stage  int    `json:"stage"`
	Step   int    `json:"step"`
	Stream string `json:"stream"`
	Line   string `json:"line"`
	// Name is the stage's display name (not in JSON).
	Name string `json:"-"`
}

// StepDone reports that a step finished; Cached is true when its result
// came from the layer cache.
type StepDone struct {
	Stage      int   `json:"stage"`
	Step       int   `json:"step"`
	Cached     bool  `json:"cached"`
	DurationMS int64 `json:"duration_ms"`
}

// StageDone reports that a stage is committed; Image is its image ID.
type StageDone struct {
	Stage int    `json:"stage"`
	Image string `json:"image"`
}

// Warning is something the user should know that does not stop the build,
// such as an unused --build-arg (ZI306) or a health check the OCI format
// drops (ZI308).
type Warning struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// BuildDone closes a successful build.
type BuildDone struct {
	ImageID    string   `json:"image_id"`
	Tags       []string `json:"tags"`
	Size       int64    `json:"size"`
	Layers     int      `json:"layers"`
	DurationMS int64    `json:"duration_ms"`
}

// BuildFailed closes a failed build. Stage, Step, File and Line locate the
// failing step when there is one (Stage is -1 otherwise).
type BuildFailed struct {
	Error string `json:"error"`
	Stage int    `json:"stage"`
	Step  int    `json:"step"`
	File  string `json:"file"`
	Line  int    `json:"line"`
}

func (BuildStarted) Type() string { return "build_started" }
func (StageStarted) Type() string { return "stage_started" }
func (StepStarted) Type() string  { return "step_started" }
func (Output) Type() string       { return "output" }
func (StepDone) Type() string     { return "step_done" }
func (StageDone) Type() string    { return "stage_done" }
func (Warning) Type() string      { return "warning" }
func (BuildDone) Type() string    { return "build_done" }
func (BuildFailed) Type() string  { return "build_failed" }

// MarshalEvent encodes e as the JSON object `--progress json` prints: the
// event's fields plus "type", on one line without a trailing newline.
func MarshalEvent(e Event) ([]byte, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	typ, _ := json.Marshal(e.Type())
	out := append([]byte(`{"type":`), typ...)
	if len(body) > 2 {
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
