package zimage

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0", 0, ""},
		{"30s", 30 * time.Second, ""},
		{"1m30s", 90 * time.Second, ""},
		{"1m 30s", 90 * time.Second, ""},
		{"1.5h", 90 * time.Minute, ""},
		{"2 hours", 2 * time.Hour, ""},
		{"1.5s", 1500 * time.Millisecond, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"3µs", 3 * time.Microsecond, ""},
		{"7ns", 7, ""},
		{"1w", 7 * 24 * time.Hour, ""},
		{"1M", 2630016 * time.Second, ""},
		{"1y", 31557600 * time.Second, ""},
		{"1 0s", 10 * time.Second, ""}, // humantime ignores spaces inside a number
		{"0.001s", time.Millisecond, ""},
		{"", 0, "value was empty"},
		{"   ", 0, "value was empty"},
		{"abc", 0, "expected number at 0"},
		{"1s x", 0, "expected number at 3"},
		{"30", 0, "time unit needed, for example 30sec or 30ms"},
		{"1.5", 0, "time unit needed, for example 1sec or 1ms"},
		{"1.s", 0, "invalid character at 1"},
		{"1s,2s", 0, "invalid character at 2"},
		{"-1s", 0, "expected number at 0"},
		{"5 parsecs", 0, `unknown time unit "parsecs", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)`},
		{"0.5ns", 0, errDurationOverflow.Error()},
		{"99999999999999999999s", 0, errDurationOverflow.Error()},
		{"1000y", 0, errDurationOverflow.Error()}, // beyond time.Duration
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("ParseDuration(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
