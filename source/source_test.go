package source

import "testing"

func TestColumns(t *testing.T) {
	// Line 2 holds a 2-byte rune (é, 1 UTF-16 unit) and a 4-byte rune
	// (😀, 2 UTF-16 units) before "x".
	f := NewFile("f", []byte("a: 1\r\nk: é😀x\n"))
	tests := []struct {
		pos           Pos
		rune1, utf16c int
	}{
		{Pos{1, 0}, 1, 0},
		{Pos{2, 3}, 4, 3},  // é
		{Pos{2, 5}, 5, 4},  // 😀
		{Pos{2, 9}, 6, 6},  // x
		{Pos{2, 10}, 7, 7}, // end of line
	}
	for _, tt := range tests {
		if got := f.RuneCol(tt.pos); got != tt.rune1 {
			t.Errorf("RuneCol(%v) = %d, want %d", tt.pos, got, tt.rune1)
		}
		if got := f.UTF16Col(tt.pos); got != tt.utf16c {
			t.Errorf("UTF16Col(%v) = %d, want %d", tt.pos, got, tt.utf16c)
		}
		if got := f.PosFromUTF16(tt.pos.Line-1, tt.utf16c); got != tt.pos {
			t.Errorf("PosFromUTF16(%d, %d) = %v, want %v", tt.pos.Line-1, tt.utf16c, got, tt.pos)
		}
		if got := f.PosFromRuneCol(tt.pos.Line, tt.rune1); got != tt.pos {
			t.Errorf("PosFromRuneCol(%d, %d) = %v, want %v", tt.pos.Line, tt.rune1, got, tt.pos)
		}
	}
	if got := f.LineText(1); got != "a: 1" {
		t.Errorf("LineText(1) = %q, want CR stripped", got)
	}
}

func TestOffsets(t *testing.T) {
	f := NewFile("f", []byte("ab\ncd\n"))
	for off := 0; off <= 6; off++ {
		if got := f.Offset(f.PosAt(off)); got != off {
			t.Errorf("Offset(PosAt(%d)) = %d", off, got)
		}
	}
	if f.LineCount() != 3 || f.LineText(3) != "" || f.LineText(9) != "" {
		t.Errorf("LineCount = %d", f.LineCount())
	}
	if got := f.PosFromUTF16(0, 99); got != (Pos{1, 2}) {
		t.Errorf("PosFromUTF16 past end = %v, want clamped to {1 2}", got)
	}
	if got := f.PosFromUTF8(1, 99); got != (Pos{2, 2}) {
		t.Errorf("PosFromUTF8 past end = %v, want clamped to {2 2}", got)
	}
}

func TestRange(t *testing.T) {
	r := Range{Pos{1, 2}, Pos{2, 1}}
	for _, tt := range []struct {
		p    Pos
		want bool
	}{{Pos{1, 1}, false}, {Pos{1, 2}, true}, {Pos{1, 40}, true}, {Pos{2, 1}, true}, {Pos{2, 2}, false}} {
		if got := r.Contains(tt.p); got != tt.want {
			t.Errorf("Contains(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestLineLen(t *testing.T) {
	f := NewFile("f", []byte("ab\r\ncde\n\nx"))
	for n, want := range map[int]int{0: 0, 1: 2, 2: 3, 3: 0, 4: 1, 5: 0} {
		if got := f.LineLen(n); got != want || got != len(f.LineText(n)) {
			t.Errorf("LineLen(%d) = %d, want %d (LineText %q)", n, got, want, f.LineText(n))
		}
	}
}
