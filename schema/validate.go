package schema

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/agext/levenshtein"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Error is one problem the schema finds in a document.
type Error struct {
	// Pointer locates the offending value: map keys and list indexes from
	// the root, unescaped (["stages", "app", "steps", "0"]).
	Pointer []string
	// Property is the key the error is about inside the mapping at Pointer:
	// the unknown key, the missing key, the invalid variable name, or the
	// last of several keys that exclude each other. It is empty when the
	// error is about the value at Pointer itself.
	Property string
	// Keyword is the JSON Schema keyword that failed, such as "type",
	// "required", "additionalProperties", "enum", "pattern", "oneOf" or
	// "anyOf".
	Keyword string
	// Message says what is wrong in plain words, e.g. `unknown key "frm";
	// did you mean "from"?` or `expected a string, got a list`.
	Message string
}

// Path returns the error's location as a JSON pointer string
// ("/stages/app/steps/0"), including Property when it is set.
func (e Error) Path() string {
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for _, seg := range e.Pointer {
		b.WriteString("/" + esc.Replace(seg))
	}
	if e.Property != "" {
		b.WriteString("/" + esc.Replace(e.Property))
	}
	return b.String()
}

// at returns the error's location with Property as the last segment.
func (e Error) at() []string {
	if e.Property == "" {
		return e.Pointer
	}
	return append(slices.Clip(e.Pointer), e.Property)
}

// String formats the error as "pointer: message".
func (e Error) String() string {
	p := e.Path()
	if p == "" {
		p = "/"
	}
	return p + ": " + e.Message
}

// Validate checks a decoded ZImagefile against the schema and returns one
// Error per problem, sorted by location; nil means the document is valid.
// doc is the YAML document as yaml.NodeToValue decodes it (map[string]any,
// []any, string, bool, nil and Go numbers); an empty or null document
// (nil) is checked as an empty mapping, as the specification says.
func (s *Schema) Validate(doc any) []Error {
	if doc == nil {
		doc = map[string]any{}
	}
	v := normalize(doc)
	if s.valid(v) {
		return nil // nothing to describe
	}
	err := s.compiled.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Error{{Message: err.Error()}}
	}
	w := &walker{s: s, doc: v}
	w.collect(ve, "")
	return w.result()
}

// valid reports whether v is valid, asking the "not" schema. A document
// with many stages is checked as two documents, each with half of the
// stages, at the same time. That is exact because the schema constrains
// stages only one by one (additionalProperties), by their presence
// (required) and by minProperties 1, which each half meets; TestSplitSound
// holds the schema to that.
func (s *Schema) valid(v any) bool {
	a, b, ok := splitStages(v)
	if !ok {
		return s.invalid.Validate(v) != nil
	}
	var validA bool
	var wg sync.WaitGroup
	wg.Go(func() { validA = s.invalid.Validate(a) != nil })
	validB := s.invalid.Validate(b) != nil
	wg.Wait()
	return validA && validB
}

// minSplitStages is the fewest stages for which valid checks a document in
// two halves.
const minSplitStages = 4

// splitStages returns two copies of the document v, each with half of its
// stages, when there are enough stages and processors to gain from it.
func splitStages(v any) (a, b map[string]any, ok bool) {
	doc, _ := v.(map[string]any)
	stages, _ := doc["stages"].(map[string]any)
	if len(stages) < minSplitStages || runtime.GOMAXPROCS(0) < 2 {
		return nil, nil, false
	}
	half := [2]map[string]any{make(map[string]any, len(stages)/2+1), make(map[string]any, len(stages)/2+1)}
	i := 0
	for name, st := range stages {
		half[i%2][name] = st
		i++
	}
	a, b = maps.Clone(doc), maps.Clone(doc)
	a["stages"], b["stages"] = half[0], half[1]
	return a, b, true
}

// normalize turns a decoded document into the value kinds the validator
// understands: map keys become strings, slices become []any and unknown
// scalar kinds become their text. A document that needs none of that is
// used as it is.
func normalize(v any) any {
	if isNormal(v) {
		return v
	}
	switch v := v.(type) {
	case nil, string, bool, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = normalize(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = normalize(e)
		}
		return a
	case []string:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = e
		}
		return a
	default:
		return fmt.Sprint(v)
	}
}

// isNormal reports whether v holds only the value kinds the validator
// understands, so that normalize need not copy it.
func isNormal(v any) bool {
	switch v := v.(type) {
	case nil, string, bool, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case map[string]any:
		for _, e := range v {
			if !isNormal(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range v {
			if !isNormal(e) {
				return false
			}
		}
		return true
	}
	return false
}

// walker turns the validator's tree of causes into Errors.
type walker struct {
	s   *Schema
	doc any
	out []Error
}

// collect walks ve's causes down to the leaves. action is the action of
// the step whose branch is being reported, for "{action}" in
// messages.
func (w *walker) collect(ve *jsonschema.ValidationError, action string) {
	switch k := ve.ErrorKind.(type) {
	case *kind.OneOf:
		w.choice(ve, "oneOf", k.Subschemas)
		return
	case *kind.AnyOf:
		w.choice(ve, "anyOf", nil)
		return
	case *kind.PropertyNames:
		w.leaf(ve, action)
		return
	}
	if len(ve.Causes) == 0 {
		w.leaf(ve, action)
		return
	}
	for _, c := range ve.Causes {
		w.collect(c, action)
	}
}

// choice reports a failed choice between the branches of a oneOf or
// anyOf (kw) such as the mode keys of a file, base or build in a stage, or
// the action of a step. The branch that applies is the one whose first
// required key is set (see guard); only its errors are reported, so users
// never see the complaints of the alternatives. matched lists the branches
// the validator found valid when a oneOf failed because several were.
func (w *walker) choice(ve *jsonschema.ValidationError, kw string, matched []int) {
	obj, ok := instanceAt(w.doc, ve.InstanceLocation).(map[string]any)
	if !ok {
		return // not a mapping: the "type" error says so
	}
	branches := w.s.root.atURL(ve.SchemaURL).get(kw)
	if len(branches.list()) == 0 || discriminator(branches.items[0]) == "" {
		msg := "does not match exactly one of the allowed forms"
		if kw == "anyOf" {
			msg = "does not match any of the allowed forms"
		}
		w.add(ve, "", kw, msg)
		return
	}
	var keys, found []string
	var selected []int
	for i, b := range branches.items {
		key := discriminator(b)
		keys = append(keys, key)
		if guard(b, obj) {
			selected = append(selected, i)
			found = append(found, key)
		}
	}
	if len(selected) < 2 && matched != nil {
		found = nil
		for _, i := range matched {
			found = append(found, keys[i])
		}
	}
	switch {
	case len(found) > 1:
		msg := fmt.Sprintf("expected exactly one of %s, found %s", quoteList(keys, "or"), quoteList(found, "and"))
		w.add(ve, found[len(found)-1], kw, msg)
	case len(selected) == 0:
		w.add(ve, "", kw, fmt.Sprintf("expected exactly one of %s, found none", quoteList(keys, "or")))
	default:
		prefix := ve.SchemaURL + "/" + kw + "/" + strconv.Itoa(selected[0])
		for _, c := range ve.Causes {
			if c.SchemaURL == prefix || strings.HasPrefix(c.SchemaURL, prefix+"/") {
				w.collect(c, keys[selected[0]])
			}
		}
	}
}

// discriminator returns the key that selects a oneOf or anyOf branch: the
// first key the branch requires.
func discriminator(branch *node) string {
	req := branch.get("required").strings()
	if len(req) == 0 {
		return ""
	}
	return req[0]
}

// guard reports whether a oneOf or anyOf branch applies to obj: its
// discriminator is set, and the keys of its `not: {required}`, if any, are
// not all set.
func guard(branch *node, obj map[string]any) bool {
	key := discriminator(branch)
	if key == "" || !isSet(branch, obj, key) {
		return false
	}
	not := branch.get("not")
	excl := not.get("required").strings()
	if len(excl) == 0 {
		return true
	}
	for _, k := range excl {
		if !isSet(not, obj, k) {
			return true
		}
	}
	return false
}

// isSet reports whether key is present in obj, as schema sch sees it: a
// null value counts only when sch does not require the key to be
// "present" (non-null), so that `base: ~` is absent but `stages: ~` is an
// empty map of stages.
func isSet(sch *node, obj map[string]any, key string) bool {
	v, ok := obj[key]
	if !ok {
		return false
	}
	return v != nil || sch.get("properties").get(key).get("$ref").str() != "#/$defs/present"
}

// leaf reports one failed keyword.
func (w *walker) leaf(ve *jsonschema.ValidationError, action string) {
	kw := keyword(ve.ErrorKind)
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed := w.s.root.atURL(ve.SchemaURL).get("properties")
		for _, p := range k.Properties {
			msg := w.custom(ve, kw, p, p, action)
			if msg == "" {
				msg = unknownKey(p, allowed)
			}
			w.add(ve, p, kw, msg)
		}
	case *kind.Required:
		for _, p := range k.Missing {
			msg := w.custom(ve, kw, p, p, action)
			if msg == "" {
				msg = fmt.Sprintf("missing required key %q", p)
			}
			w.add(ve, p, kw, msg)
		}
	case *kind.PropertyNames:
		// The validator's location for propertyNames errors is unreliable
		// (it aliases a buffer that later siblings overwrite), so the
		// schema uses patternProperties instead; report without a pointer.
		w.add(ve, k.Property, kw, fmt.Sprintf("invalid key %q", k.Property))
	default:
		val := instanceAt(w.doc, ve.InstanceLocation)
		key := ""
		if n := len(ve.InstanceLocation); n > 0 {
			key = ve.InstanceLocation[n-1]
		}
		msg := w.custom(ve, kw, key, val, action)
		if msg == "" {
			msg = defaultMessage(ve.ErrorKind, val)
		}
		w.add(ve, "", kw, msg)
	}
}

// custom returns the schema's own message for a failed keyword (its
// "x-zlayer-message"), with the placeholders filled in, or "".
func (w *walker) custom(ve *jsonschema.ValidationError, kw, key string, val any, action string) string {
	em := w.s.root.atURL(ve.SchemaURL).get("x-zlayer-message")
	text := em.str()
	if em != nil && em.isObject {
		text = em.get(kw).str()
	}
	if text == "" {
		return ""
	}
	return strings.NewReplacer(
		"{key}", key,
		"{value}", display(val),
		"{got}", typeName(val),
		"{action}", action,
	).Replace(text)
}

func (w *walker) add(ve *jsonschema.ValidationError, prop, kw, msg string) {
	w.out = append(w.out, Error{
		Pointer:  slices.Clone(ve.InstanceLocation),
		Property: prop,
		Keyword:  kw,
		Message:  msg,
	})
}

// result sorts the errors by location and drops duplicates.
func (w *walker) result() []Error {
	slices.SortStableFunc(w.out, func(a, b Error) int {
		return cmp.Or(
			slices.Compare(a.at(), b.at()),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.CompactFunc(w.out, func(a, b Error) bool {
		return slices.Equal(a.Pointer, b.Pointer) && a.Property == b.Property && a.Message == b.Message
	})
}

// keyword names the keyword an error kind reports on.
func keyword(k jsonschema.ErrorKind) string {
	switch k.(type) {
	case *kind.InvalidJsonValue:
		return "type"
	case *kind.Not:
		return "not"
	case *kind.FalseSchema:
		return "false"
	}
	if p := k.KeywordPath(); len(p) > 0 {
		return p[0]
	}
	return ""
}

// unknownKey words an additionalProperties failure, suggesting the nearest
// allowed key when one is close.
func unknownKey(key string, allowed *node) string {
	best, bestDist := "", 3
	if allowed != nil {
		for _, m := range allowed.members {
			if d := levenshtein.Distance(key, m.key, nil); d < bestDist && d < len([]rune(key)) {
				best, bestDist = m.key, d
			}
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key %q; did you mean %q?", key, best)
	}
	return fmt.Sprintf("unknown key %q", key)
}

// defaultMessage words a failed keyword that has no x-zlayer-message in the
// schema.
func defaultMessage(k jsonschema.ErrorKind, val any) string {
	switch k := k.(type) {
	case *kind.Type:
		var want []string
		for _, t := range k.Want {
			if t != "null" {
				want = append(want, article(t))
			}
		}
		return fmt.Sprintf("expected %s, got %s", strings.Join(want, " or "), typeName(val))
	case *kind.Enum:
		var want []string
		for _, v := range k.Want {
			if v != nil {
				want = append(want, display(v))
			}
		}
		return fmt.Sprintf("invalid value %s, expected one of %s", display(val), strings.Join(want, ", "))
	case *kind.Const:
		return fmt.Sprintf("invalid value %s, expected %s", display(val), display(k.Want))
	case *kind.Minimum:
		return fmt.Sprintf("invalid value %s, expected at least %s", display(val), k.Want.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("invalid value %s, expected at most %s", display(val), k.Want.RatString())
	case *kind.MinLength, *kind.MinItems, *kind.MinProperties:
		return "must not be empty"
	case *kind.Pattern:
		return fmt.Sprintf("invalid value %s", display(val))
	case *kind.InvalidJsonValue:
		return fmt.Sprintf("invalid value %s: not a finite number", display(val))
	case *kind.Not, *kind.FalseSchema:
		return "not allowed here"
	default:
		return k.LocalizedString(message.NewPrinter(language.English))
	}
}

// article names a JSON type the way messages say it: "a string", "a list".
func article(jsonType string) string {
	switch jsonType {
	case "array":
		return "a list"
	case "object":
		return "a mapping"
	case "integer":
		return "an integer"
	default:
		return "a " + jsonType
	}
}

// typeName names the type of a decoded value for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return "a number"
	}
}

// display shows a decoded value in a message: strings quoted, collections
// by kind.
func display(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// quoteList joins quoted names: `"a", "b" or "c"`.
func quoteList(names []string, conj string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " " + conj + " " + q[len(q)-1]
}

// instanceAt returns the value at ptr in doc, or nil.
func instanceAt(doc any, ptr []string) any {
	cur := doc
	for _, seg := range ptr {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}
