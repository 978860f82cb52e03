package zimage

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"
	"unicode"
	"unicode/utf8"
)

// errDurationOverflow is humantime's message for values it cannot represent.
var errDurationOverflow = errors.New("number is too large or cannot be represented without a lack of precision (values below 1ns are not supported)")

// ParseDuration parses a healthcheck duration in the humantime language that
// ZLayer uses (spec §7.2): "0", or spans such as "30s", "1m 30s", "1.5h".
// Errors carry humantime's exact detail text, with byte offsets into s.
func ParseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	p := &durParser{s: s}
	secs, nanos, err := p.parse()
	if err != nil {
		return 0, err
	}
	if secs > uint64(math.MaxInt64/int64(time.Second))-1 {
		return 0, errDurationOverflow
	}
	return time.Duration(secs)*time.Second + time.Duration(nanos), nil
}

// durParser walks a duration string rune by rune; i is the byte offset of
// the next rune.
type durParser struct {
	s     string
	i     int
	secs  uint64
	nanos uint64
}

func (p *durParser) next() (rune, bool) {
	if p.i >= len(p.s) {
		return 0, false
	}
	r, size := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += size
	return r, true
}

func isUnitRune(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) || r == 'µ' }

// firstDigit skips whitespace and returns the first digit of a span; ok is
// false at the end of the input.
func (p *durParser) firstDigit() (n uint64, ok bool, err error) {
	start := p.i
	for {
		r, more := p.next()
		switch {
		case !more:
			return 0, false, nil
		case r >= '0' && r <= '9':
			return uint64(r - '0'), true, nil
		case unicode.IsSpace(r):
		default:
			return 0, false, fmt.Errorf("expected number at %d", start)
		}
	}
}

type fraction struct{ num, den uint64 }

func (p *durParser) parse() (uint64, uint64, error) {
	n, ok, err := p.firstDigit()
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, errors.New("value was empty")
	}
	for {
		var frac *fraction
		off := p.i
	number:
		for {
			r, more := p.next()
			if !more {
				break
			}
			switch {
			case r >= '0' && r <= '9':
				if n, err = mulAdd(n, 10, uint64(r-'0')); err != nil {
					return 0, 0, err
				}
			case unicode.IsSpace(r):
			case isUnitRune(r):
				break number
			case r == '.':
				f, err := p.fraction(&off)
				if err != nil {
					return 0, 0, err
				}
				frac = &f
				break number
			default:
				return 0, 0, fmt.Errorf("invalid character at %d", off)
			}
			off = p.i
		}
		start, end := off, p.i
		nextSpan := false
	unit:
		for {
			r, more := p.next()
			if !more {
				break
			}
			switch {
			case r >= '0' && r <= '9':
				if err := p.add(n, frac, start, end); err != nil {
					return 0, 0, err
				}
				n, nextSpan = uint64(r-'0'), true
				break unit
			case unicode.IsSpace(r):
				break unit
			case isUnitRune(r):
			default:
				return 0, 0, fmt.Errorf("invalid character at %d", end)
			}
			end = p.i
		}
		if nextSpan {
			continue
		}
		if err := p.add(n, frac, start, end); err != nil {
			return 0, 0, err
		}
		if n, ok, err = p.firstDigit(); err != nil {
			return 0, 0, err
		} else if !ok {
			return p.secs, p.nanos, nil
		}
	}
}

// fraction reads the digits after a decimal point; off tracks the offset of
// the last character read, for error positions.
func (p *durParser) fraction(off *int) (fraction, error) {
	f := fraction{den: 1}
	zeros := true
digits:
	for {
		r, more := p.next()
		if !more {
			break
		}
		switch {
		case r >= '0' && r <= '9':
			var err error
			if f.den, err = mulAdd(f.den, 10, 0); err != nil {
				return f, err
			}
			if r != '0' {
				zeros = false
			}
			if !zeros {
				if f.num, err = mulAdd(f.num, 10, uint64(r-'0')); err != nil {
					return f, err
				}
			}
		case unicode.IsSpace(r):
		case isUnitRune(r):
			break digits
		default:
			return f, fmt.Errorf("invalid character at %d", *off)
		}
		*off = p.i
	}
	if f.den == 1 {
		return f, fmt.Errorf("invalid character at %d", *off)
	}
	return f, nil
}

func mulAdd(a, m, c uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, m)
	if hi != 0 {
		return 0, errDurationOverflow
	}
	sum, carry := bits.Add64(lo, c, 0)
	if carry != 0 {
		return 0, errDurationOverflow
	}
	return sum, nil
}

// unitSeconds and unitNanos give the size of each unit name.
var durationUnits = map[string]struct{ secs, nanos uint64 }{
	"nanos": {0, 1}, "nsec": {0, 1}, "ns": {0, 1},
	"usec": {0, 1e3}, "us": {0, 1e3}, "µs": {0, 1e3},
	"millis": {0, 1e6}, "msec": {0, 1e6}, "ms": {0, 1e6},
	"seconds": {1, 0}, "second": {1, 0}, "secs": {1, 0}, "sec": {1, 0}, "s": {1, 0},
	"minutes": {60, 0}, "minute": {60, 0}, "min": {60, 0}, "mins": {60, 0}, "m": {60, 0},
	"hours": {3600, 0}, "hour": {3600, 0}, "hr": {3600, 0}, "hrs": {3600, 0}, "h": {3600, 0},
	"days": {86400, 0}, "day": {86400, 0}, "d": {86400, 0},
	"weeks": {604800, 0}, "week": {604800, 0}, "wk": {604800, 0}, "wks": {604800, 0}, "w": {604800, 0},
	"months": {2630016, 0}, "month": {2630016, 0}, "M": {2630016, 0},
	"years": {31557600, 0}, "year": {31557600, 0}, "yr": {31557600, 0}, "yrs": {31557600, 0}, "y": {31557600, 0},
}

// add adds n units (plus a fraction of one) to the running total.
func (p *durParser) add(n uint64, frac *fraction, start, end int) error {
	name := p.s[start:end]
	u, ok := durationUnits[name]
	if !ok {
		if name == "" {
			return fmt.Errorf("time unit needed, for example %dsec or %dms", n, n)
		}
		return fmt.Errorf("unknown time unit %q, supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)", name)
	}
	var s, ns uint64
	var err error
	if u.secs > 0 {
		s, err = mulAdd(n, u.secs, 0)
	} else {
		ns, err = mulAdd(n, u.nanos, 0)
	}
	if err != nil {
		return err
	}
	if err := p.accumulate(s, ns); err != nil {
		return err
	}
	if frac == nil {
		return nil
	}
	return p.addFraction(*frac, u.secs, u.nanos)
}

// addFraction adds num/den units; the result must be a whole number of
// nanoseconds (or of seconds, for units of an hour and more), as humantime
// requires.
func (p *durParser) addFraction(f fraction, secs, nanos uint64) error {
	exact := func(a, b uint64) (uint64, error) {
		if a%b != 0 {
			return 0, errDurationOverflow
		}
		return a / b, nil
	}
	var s, ns uint64
	var err error
	switch {
	case nanos == 1:
		return errDurationOverflow
	case nanos > 0:
		if ns, err = mulAdd(f.num, nanos, 0); err == nil {
			ns, err = exact(ns, f.den)
		}
	case secs < 3600:
		if ns, err = mulAdd(f.num, secs*1e9, 0); err == nil {
			ns, err = exact(ns, f.den)
		}
	default:
		if s, err = mulAdd(f.num, secs, 0); err == nil {
			s, err = exact(s, f.den)
		}
	}
	if err != nil {
		return err
	}
	return p.accumulate(s, ns)
}

func (p *durParser) accumulate(s, ns uint64) error {
	total, carry := bits.Add64(p.nanos, ns, 0)
	if carry != 0 {
		return errDurationOverflow
	}
	s, carry = bits.Add64(s, total/1e9, 0)
	if carry != 0 {
		return errDurationOverflow
	}
	p.nanos = total % 1e9
	p.secs, carry = bits.Add64(p.secs, s, 0)
	if carry != 0 {
		return errDurationOverflow
	}
	return nil
}
