package schema

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// oneOfSchema compiles the schema with the step's anyOf turned back into
// the oneOf it stands for.
func oneOfSchema(t testing.TB) *Schema {
	t.Helper()
	text := JSON()
	if n := bytes.Count(text, []byte(`"anyOf"`)); n != 1 {
		t.Fatalf("the schema has %d anyOf keywords, want the step's only", n)
	}
	s, err := compile(bytes.Replace(text, []byte(`"anyOf"`), []byte(`"oneOf"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stepDocs returns documents with one step holding every combination of
// actions (each absent, null or set) and of the modifiers to, from and
// cache.
func stepDocs() []string {
	actions := []struct{ key, value string }{
		{"run", "x"}, {"copy", "a"}, {"add", "a"}, {"env", "{A: b}"}, {"workdir", "/w"}, {"user", "u"},
	}
	states := []func(key, value string) string{
		func(string, string) string { return "" },
		func(key, _ string) string { return key + ": ~, " },
		func(key, value string) string { return key + ": " + value + ", " },
	}
	var docs []string
	n := 1
	for range actions {
		n *= len(states)
	}
	for c := range n {
		var b strings.Builder
		for _, a := range actions {
			b.WriteString(states[c%len(states)](a.key, a.value))
			c /= len(states)
		}
		for _, to := range []string{"", "to: ~, ", "to: /t, "} {
			for _, from := range []string{"", "from: s, "} {
				for _, cache := range []string{"", "cache: [{target: /c}], "} {
					docs = append(docs, fmt.Sprintf("base: x\nsteps: [{%s%s%s%s}]", b.String(), to, from, cache))
				}
			}
		}
	}
	return docs
}

// TestStepAnyOfIsOneOf checks what the schema's $comment promises: the
// branches of a step exclude each other, so the step's anyOf accepts and
// reports exactly what a oneOf of the same branches would.
func TestStepAnyOfIsOneOf(t *testing.T) {
	any, one := load(t), oneOfSchema(t)
	docs := stepDocs()
	if testing.Short() {
		docs = docs[:len(docs)/8]
	}
	for _, src := range docs {
		doc := decode(t, src)
		got, want := messages(any.Validate(doc)), messages(one.Validate(doc))
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n anyOf: %q\n oneOf: %q", src, got, want)
		}
	}
}
