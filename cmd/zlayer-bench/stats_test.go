package main

import (
	"testing"
	"time"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestMedianAndPercentile(t *testing.T) {
	tests := []struct {
		name          string
		in            []time.Duration
		med, p50, p99 time.Duration
	}{
		{"empty", nil, 0, 0, 0},
		{"one", ms(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"odd, unsorted", ms(9, 1, 5), 5 * time.Millisecond, 5 * time.Millisecond, 9 * time.Millisecond},
		{"even", ms(4, 1, 3, 2), 2500 * time.Microsecond, 2 * time.Millisecond, 4 * time.Millisecond},
		{"outlier", append(ms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), time.Second), time.Millisecond, time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.in); got != tt.med {
				t.Errorf("median = %v, want %v", got, tt.med)
			}
			if got := percentile(tt.in, 50); got != tt.p50 {
				t.Errorf("p50 = %v, want %v", got, tt.p50)
			}
			if got := percentile(tt.in, 99); got != tt.p99 {
				t.Errorf("p99 = %v, want %v", got, tt.p99)
			}
		})
	}
}

func TestMedianLeavesInputAlone(t *testing.T) {
	in := ms(3, 1, 2)
	median(in)
	percentile(in, 90)
	if in[0] != 3*time.Millisecond || in[1] != time.Millisecond {
		t.Errorf("input reordered: %v", in)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatDuration(850 * time.Microsecond), "850µs"},
		{formatDuration(12345 * time.Microsecond), "12.3ms"},
		{formatDuration(204 * time.Millisecond), "204ms"},
		{formatDuration(1240 * time.Millisecond), "1.24s"},
		{formatBytes(45 << 20), "45.0 MiB"},
		{formatBytes(115 << 20), "115 MiB"},
		{fmtRatio(12.26), "×12.3"},
		{fmtRatio(2), "×2"},
		{fmtRatio(1 / 0.6), "×1.67"},
		{fmtRatio(349.4), "×349"},
		{thousands(1000), "1,000"},
		{thousands(999), "999"},
		{thousands(1234567), "1,234,567"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
