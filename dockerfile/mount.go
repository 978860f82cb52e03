package dockerfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/go-units"

	"github.com/zlayer/zlayer/plan"
)

// BuildKit parses --mount values only when it expands them during a build.
// parseMount reads them as written, with BuildKit's rules, and checks the
// values that hold no variable reference.

var mountTypes = []string{"bind", "cache", "tmpfs", "secret", "ssh"}

var mountKeys = []string{
	"type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro",
	"readwrite", "rw", "id", "sharing", "required", "size", "mode", "uid", "gid", "env",
}

// parseMount parses one --mount value into a plan mount, values as written.
func parseMount(val string) (plan.Mount, error) {
	r := csv.NewReader(strings.NewReader(val))
	fields, err := r.Read()
	if err != nil && !errors.Is(err, io.EOF) {
		return plan.Mount{}, fmt.Errorf("malformed value %q: %w", val, err)
	}
	m := plan.Mount{Type: "bind"}
	for _, field := range fields {
		if err := setMountField(&m, field); err != nil {
			return m, err
		}
	}
	return m, checkMount(m)
}

// literal reports whether a value holds no variable reference, so it can
// be checked before the build expands it.
func literal(v string) bool { return !strings.Contains(v, "$") }

func setMountField(m *plan.Mount, field string) error {
	key, value, hasValue := strings.Cut(field, "=")
	key = strings.ToLower(key)
	if !hasValue {
		switch key {
		case "readonly", "ro":
			m.ReadOnly, m.ReadWrite = true, false
		case "readwrite", "rw":
			m.ReadOnly, m.ReadWrite = false, true
		case "required":
			m.Required = true
			return onlyFor(m, key, "secret", "ssh")
		default:
			return fmt.Errorf("invalid field %q: must be a key=value pair", field)
		}
		return nil
	}
	switch key {
	case "type":
		m.Type = strings.ToLower(value)
		if literal(value) && !slices.Contains(mountTypes, m.Type) {
			return fmt.Errorf("unsupported mount type %q, expected one of %s", value, strings.Join(mountTypes, ", "))
		}
	case "from":
		m.From = value
	case "source", "src":
		m.Source = value
	case "target", "dst", "destination":
		m.Target = value
	case "readonly", "ro", "readwrite", "rw":
		return setMountBool(m, key, value)
	case "required":
		b, err := mountBool(key, value)
		m.Required = b
		if err != nil {
			return err
		}
		return onlyFor(m, key, "secret", "ssh")
	case "size":
		m.Size = value
		if literal(value) {
			if _, err := units.RAMInBytes(value); err != nil {
				return fmt.Errorf("invalid value for size: %s", value)
			}
		}
		return onlyFor(m, key, "tmpfs")
	case "id":
		m.ID = value
	case "sharing":
		m.Sharing = strings.ToLower(value)
		if literal(value) && !slices.Contains([]string{"shared", "private", "locked"}, m.Sharing) {
			return fmt.Errorf("unsupported sharing value %q, expected shared, private or locked", value)
		}
	case "mode":
		m.Mode = value
		return checkNumber(key, value, 8)
	case "uid":
		m.UID = value
		return checkNumber(key, value, 10)
	case "gid":
		m.GID = value
		return checkNumber(key, value, 10)
	case "env":
		m.Env = value
	default:
		return fmt.Errorf("unexpected key %q in %q, expected one of %s", key, field, strings.Join(mountKeys, ", "))
	}
	return nil
}

func setMountBool(m *plan.Mount, key, value string) error {
	b, err := mountBool(key, value)
	if err != nil {
		return err
	}
	if key == "readwrite" || key == "rw" {
		b = !b
	}
	m.ReadOnly, m.ReadWrite = b, !b
	return nil
}

// mountBool parses a boolean option; a variable reference counts as true
// here and is checked when the build expands it.
func mountBool(key, value string) (bool, error) {
	if !literal(value) {
		return true, nil
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		return false, fmt.Errorf("invalid value for %s: %s", key, value)
	}
	return b, nil
}

func checkNumber(key, value string, base int) error {
	if !literal(value) {
		return nil
	}
	if _, err := strconv.ParseUint(value, base, 32); err != nil {
		return fmt.Errorf("invalid value %s for %s", value, key)
	}
	return nil
}

func onlyFor(m *plan.Mount, key string, types ...string) error {
	if !literal(m.Type) || slices.Contains(types, m.Type) {
		return nil
	}
	return fmt.Errorf("unexpected key %q for mount type %q", key, m.Type)
}

// checkMount applies BuildKit's rules that involve several fields.
func checkMount(m plan.Mount) error {
	if !literal(m.Type) {
		return nil
	}
	fileInfo := m.Type == "secret" || m.Type == "ssh" || m.Type == "cache"
	if !fileInfo {
		for _, f := range []struct{ name, value string }{{"mode", m.Mode}, {"uid", m.UID}, {"gid", m.GID}} {
			if f.value != "" {
				return fmt.Errorf("%s not allowed for %q type mounts", f.name, m.Type)
			}
		}
	}
	if m.Type == "secret" {
		switch {
		case m.From != "":
			return errors.New("secret mount should not have a from")
		case m.Sharing != "":
			return errors.New("secret mount should not define sharing")
		case m.Source == "" && m.Target == "" && m.ID == "":
			return errors.New("invalid secret mount: one of id, source or target is required")
		case m.Source != "" && m.ID != "":
			return errors.New("secret mount: both source and id can't be set")
		}
	}
	if m.Sharing != "" && m.Type != "cache" {
		return fmt.Errorf("invalid cache sharing set for %s mount", m.Type)
	}
	return nil
}
