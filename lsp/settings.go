package lsp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/zlayer/zlayer/diag"
)

// Settings are the server's configuration, section "zlayer", taken from
// initializationOptions and from workspace/configuration.
type Settings struct {
	Buildah BuildahSettings `json:"buildah"`
	Build   BuildSettings   `json:"build"`
	Lint    LintSettings    `json:"lint"`
}

// BuildahSettings say how builds started from the editor run buildah.
type BuildahSettings struct {
	Path          string `json:"path"`
	StorageDriver string `json:"storageDriver"`
	Root          string `json:"root"`
	Runroot       string `json:"runroot"`
}

// BuildSettings are defaults for builds started from the editor.
type BuildSettings struct {
	Tags []string          `json:"tags"`
	Args map[string]string `json:"args"`
	// Context is the build context directory; "" means the build file's
	// own directory. A relative path is relative to that directory.
	Context string `json:"context"`
}

// LintSettings tune diagnostics.
type LintSettings struct {
	// Rules maps a rule code to "off", "info", "warning" or "error".
	Rules map[string]string `json:"rules"`
}

// parseSettings decodes a settings object. It accepts the section itself
// ({"buildah": …}), an object wrapping it ({"zlayer": {…}}) and dotted keys
// ({"buildah.path": …}, as some clients send them). null or an empty input
// gives the zero Settings.
func parseSettings(raw []byte) (Settings, error) {
	var s Settings
	if len(raw) == 0 || string(raw) == "null" {
		return s, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return s, fmt.Errorf("zlayer settings: expected an object: %w", err)
	}
	if inner, ok := m["zlayer"].(map[string]any); ok {
		m = inner
	}
	b, err := json.Marshal(expandDotted(m))
	if err != nil {
		return s, fmt.Errorf("zlayer settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("zlayer settings: %w", err)
	}
	return s, nil
}

// expandDotted turns {"a.b": 1} into {"a": {"b": 1}}, recursively. The
// lint.rules map keeps its keys as they are (rule codes contain no dots).
func expandDotted(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok && k != "rules" {
			v = expandDotted(sub)
		}
		parts := strings.Split(k, ".")
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		last := parts[len(parts)-1]
		if sub, ok := v.(map[string]any); ok {
			if prev, ok := cur[last].(map[string]any); ok {
				for kk, vv := range sub {
					prev[kk] = vv
				}
				continue
			}
		}
		cur[last] = v
	}
	return out
}

// severity applies lint.rules to a diagnostic's default severity. It
// reports false when the rule is turned off.
func (s LintSettings) severity(code string, def diag.Severity) (diag.Severity, bool) {
	v, ok := s.Rules[code]
	if !ok {
		return def, !defaultOff[code]
	}
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "off", "none", "ignore":
		return 0, false
	case "information":
		return diag.Info, true
	}
	if sev, ok := diag.ParseSeverity(v); ok {
		return sev, true
	}
	return def, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
