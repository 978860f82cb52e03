package zimage

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/source"
)

// variables checks variable names (ZI216), the syntax of references in
// every variable-expanded value (ZI213, ZI214) and undeclared names in
// base and platform values (ZI215), per spec §9.7.
func (d *decoder) variables() {
	f := d.f
	global := map[string]bool{}
	for _, a := range automaticArgs {
		global[a] = true
	}
	if f.Args != nil {
		for _, p := range f.Args.Pairs {
			global[p.Key] = true
		}
	}
	d.varNames("", "args", f.Args)
	d.scopedValues("", f.Base, f.Platform, f.Args, &f.Image, global)
	for _, st := range f.Stages {
		loc := fmt.Sprintf("stage '%s': ", st.Name)
		d.varNames(loc, "args", st.Args)
		d.scopedValues(loc, st.Base, st.Platform, st.Args, &st.Image, global)
	}
	d.allSteps(func(st *Step, _ int, _ []string) { d.stepVariables(st) })
}

// scopedValues checks the expanded values of the top level or of a stage.
func (d *decoder) scopedValues(loc string, base, platform *Value, args *Map, img *Image, global map[string]bool) {
	d.globalValue(loc, "base", base, global)
	d.globalValue(loc, "platform", platform, global)
	if args != nil {
		for _, p := range args.Pairs {
			d.expanded(loc, "args", p.Value, p.Range)
		}
	}
	d.varNames(loc, "env", img.Env)
	d.mapValues(loc, "env", img.Env, false)
	d.mapValues(loc, "labels", img.Labels, true)
	d.value(loc, "workdir", img.Workdir)
	d.value(loc, "user", img.User)
	d.value(loc, "stopsignal", img.StopSignal)
	if img.Volumes != nil {
		for _, v := range img.Volumes.Items {
			d.expanded(loc, "volumes", v.Text, v.Range)
		}
	}
}

func (d *decoder) stepVariables(st *Step) {
	loc := st.loc
	d.varNames(loc, "env", st.Env)
	d.mapValues(loc, "env", st.Env, false)
	if st.Action == "copy" || st.Action == "add" {
		for _, s := range st.Sources {
			d.expanded(loc, st.Action, s.Text, s.Range)
		}
	}
	for _, v := range []struct {
		field string
		v     *Value
	}{{"to", st.To}, {"owner", st.Owner}, {"chmod", st.Chmod}, {"workdir", st.Workdir}, {"user", st.User}} {
		d.value(loc, v.field, v.v)
	}
	for _, c := range st.Cache {
		d.value(loc, "target", c.Target)
		d.value(loc, "id", c.ID)
	}
}

// varNames reports env and args names that are empty or contain "=" or
// whitespace (ZI216).
func (d *decoder) varNames(loc, field string, m *Map) {
	if m == nil {
		return
	}
	for _, p := range m.Pairs {
		if p.Key == "" || strings.ContainsAny(p.Key, "= \t\n\r\v\f") {
			d.errorAt(p.KeyRange, "ZI216", fmt.Sprintf("%sinvalid variable name '%s' in '%s'", loc, p.Key, field))
		}
	}
}

func (d *decoder) mapValues(loc, field string, m *Map, keys bool) {
	if m == nil {
		return
	}
	for _, p := range m.Pairs {
		if keys {
			d.expanded(loc, field, p.Key, p.KeyRange)
		}
		d.expanded(loc, field, p.Value, p.Range)
	}
}

func (d *decoder) value(loc, field string, v *Value) {
	if v != nil {
		d.expanded(loc, field, v.Text, v.Range)
	}
}

// expanded checks the reference syntax of one expanded value and returns
// its references.
func (d *decoder) expanded(loc, field, text string, r source.Range) []plan.Reference {
	refs, err := plan.ZImageReferences(text)
	if err == nil {
		return refs
	}
	var unsupported *plan.UnsupportedError
	switch {
	case errors.As(err, &unsupported):
		d.errorAt(r, "ZI214", fmt.Sprintf("%sunsupported variable substitution '%s' in '%s'", loc, unsupported.Reference, field))
	default:
		d.errorAt(r, "ZI213", fmt.Sprintf("%sunterminated variable reference in '%s': '%s'", loc, field, text))
	}
	return nil
}

// globalValue checks a base or platform value, whose scope is the global
// one: names that are not declared there expand to nothing (ZI215).
func (d *decoder) globalValue(loc, field string, v *Value, global map[string]bool) {
	if v == nil {
		return
	}
	var warned []string
	for _, r := range d.expanded(loc, field, v.Text, v.Range) {
		if global[r.Name] || r.Op == "-" || r.Op == ":-" || slices.Contains(warned, r.Name) {
			continue
		}
		warned = append(warned, r.Name)
		d.warnAt(v.Range, "ZI215", fmt.Sprintf("%svariable '%s' is not declared in top-level 'args' and expands to an empty string", loc, r.Name))
	}
}

// automaticArgs are the platform arguments every build defines (spec §9.7).
var automaticArgs = []string{"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
	"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"}
