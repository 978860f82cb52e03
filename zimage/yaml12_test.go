package zimage

import "testing"

// TestSchemaReadsYAML12 checks that the schema cross-check types scalars as
// the rules do (YAML 1.2 core, spec §1.2): go-yaml alone reads `0b0` as a
// number and `yes` as a boolean, which would make the schema reject a
// valid file.
func TestSchemaReadsYAML12(t *testing.T) {
	for _, src := range []string{
		"base: alpine:3\nsteps:\n  - run: 0b0\n",
		"base: alpine:3\nsteps:\n  - run: yes\n",
		"base: alpine:3\ncmd: [0b101, on]\n",
	} {
		if f := Parse("ZImagefile", []byte(src)); len(f.Diagnostics) > 0 {
			t.Errorf("%q: %v", src, f.Diagnostics)
		}
	}
}
