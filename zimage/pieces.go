package zimage

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/zlayer/zlayer/source"
)

// A large ZImagefile is mostly its stages mapping, and an editor re-parses
// it on every keystroke. parsePieces cuts that mapping between stages and
// parses the pieces at the same time, one per processor, then joins the
// trees. The cut is taken only where it cannot change the result: a piece
// that does not parse cleanly, or that holds anchors, aliases, tags, merge
// keys or complex keys, sends the whole file back to the ordinary parse.
// FuzzPieces checks that both parses build the same tree.

// minPieceSize is the least text worth parsing on its own: below it, the
// goroutines cost more than they save.
const minPieceSize = 8 << 10

// parsePieces parses text in up to n pieces of at least minSize bytes and
// reports whether it could.
func parsePieces(sf *source.File, text []byte, n, minSize int) (*parsedYAML, bool) {
	cuts := stageCuts(text, n, minSize)
	if len(cuts) == 0 {
		return nil, false
	}
	bounds := append(append([]int{0}, cuts...), len(text))
	roots := make([]*node, len(bounds)-1)
	ok := make([]bool, len(roots))
	var wg sync.WaitGroup
	for i := range roots {
		wg.Go(func() {
			roots[i], ok[i] = parsePiece(sf, text, bounds[i], bounds[i+1], i == 0)
		})
	}
	wg.Wait()
	for _, good := range ok {
		if !good {
			return nil, false
		}
	}
	root := roots[0]
	stages := root.pairs[len(root.pairs)-1]
	if stages.key.text != "stages" || stages.value.kind != kindMap || stages.value.flow {
		return nil, false
	}
	for _, r := range roots[1:] {
		stages.value.pairs = append(stages.value.pairs, r.pairs...)
		stages.value.rng.End = r.rng.End
	}
	root.rng.End = stages.value.rng.End
	markShadowed(stages.value)
	markShadowed(root)
	return &parsedYAML{root: root, blanked: map[int]bool{}, text: text, pieced: true}, true
}

// parsePiece parses text[start:end], which starts at the beginning of a
// line, into a mapping with positions in the whole file. It reports false
// for anything the joined tree could get wrong.
//
// go-yaml places the last token of its input differently when nothing
// follows it, so a piece that ends before the end of the file is parsed
// with the next line, the key that starts the next piece, after it; that
// entry is then dropped.
func parsePiece(sf *source.File, text []byte, start, end int, first bool) (*node, bool) {
	stop := end
	if end < len(text) {
		_, stop = lineAt(text, end)
	}
	f, err := safeParse(text[start:stop])
	if err != nil || len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return nil, false
	}
	if !first && f.Docs[0].Start != nil {
		return nil, false
	}
	b := &builder{sf: sf, text: text, anchors: map[string]*node{}, lineOffset: sf.PosAt(start).Line - 1}
	n := b.conv(f.Docs[0].Body)
	if len(b.errs) > 0 || b.special || n == nil || n.kind != kindMap || n.flow || len(n.pairs) == 0 {
		return nil, false
	}
	if stop > end && !dropNext(sf, text, n, end, first) {
		return nil, false
	}
	return n, true
}

// dropNext removes the entry of the next piece's first line, which starts
// at offset next, from the stages of piece n: n itself, or for the first
// piece the value of its last entry. It reports false when that entry is
// not there.
func dropNext(sf *source.File, text []byte, n *node, next int, first bool) bool {
	m := n
	if first {
		m = n.pairs[len(n.pairs)-1].value
	}
	if m.kind != kindMap || m.flow || len(m.pairs) < 2 {
		return false
	}
	key := m.pairs[len(m.pairs)-1].key
	if key.rng.Start != sf.PosAt(next+bytes.IndexFunc(text[next:], notSpace)) {
		return false
	}
	m.pairs = m.pairs[:len(m.pairs)-1]
	m.rng.End = m.pairs[len(m.pairs)-1].rangeOf().End
	if first {
		n.rng.End = m.rng.End
	}
	return true
}

func notSpace(r rune) bool { return r != ' ' }

// stageCuts finds where to cut the stages mapping of text into about n
// pieces of at least minSize bytes: the offsets of lines that start a
// stage. It returns none when the text is too small or not laid out simply
// enough: a top-level "stages:" line followed, up to the end of the file,
// by block-mapping entries at one indent.
func stageCuts(text []byte, n, minSize int) (cuts []int) {
	if n < 2 || len(text) < 2*minSize || bytes.IndexByte(text, '\r') >= 0 {
		// go-yaml's positions after a carriage return depend on what
		// precedes it, so a file with CRLF line ends is parsed whole.
		return nil
	}
	start := stagesStart(text)
	if start < 0 {
		return nil
	}
	indent, entries, end := stageEntries(text, start)
	if indent == 0 || len(entries) < 2 || end < len(text) {
		// A key after the stages would be the last piece's next line,
		// which a piece at the stages' indent cannot parse.
		return nil
	}
	size := max((end-start)/n, minSize)
	for next, i := start+size, 1; next+minSize/2 <= end; next += size {
		// Cut at the stage that starts nearest to next.
		for i+1 < len(entries) && entries[i+1]-next < next-entries[i] {
			i++
		}
		if i >= len(entries) || (len(cuts) > 0 && entries[i] <= cuts[len(cuts)-1]) {
			break
		}
		cuts = append(cuts, entries[i])
	}
	return cuts
}

// stagesStart returns the offset of the line after the first top-level
// "stages:" line with nothing but a comment after the colon, or -1.
func stagesStart(text []byte) int {
	for off := 0; off < len(text); {
		line, next := lineAt(text, off)
		if rest, ok := bytes.CutPrefix(line, []byte("stages:")); ok {
			rest = bytes.TrimLeft(rest, " ")
			if len(rest) == 0 || rest[0] == '#' {
				return next
			}
			return -1
		}
		off = next
	}
	return -1
}

// stageEntries scans the stages mapping from start. It returns the indent
// of its entries, the offsets of the lines that start them, and the offset
// of the first top-level line after it. indent is 0 when a line in the
// mapping could be anything but a plain or quoted key at that indent or a
// deeper line.
func stageEntries(text []byte, start int) (indent int, entries []int, end int) {
	for off := start; off < len(text); {
		line, next := lineAt(text, off)
		sp := 0
		for sp < len(line) && line[sp] == ' ' {
			sp++
		}
		switch {
		case sp == len(line) || line[sp] == '#':
			// blank or comment
		case line[sp] == '\t':
			return 0, nil, 0
		case sp == 0:
			return indent, entries, off
		case indent == 0 || sp == indent:
			if !keyLine(line[sp:]) {
				return 0, nil, 0
			}
			indent = sp
			entries = append(entries, off)
		case sp < indent:
			return 0, nil, 0
		}
		off = next
	}
	return indent, entries, len(text)
}

// keyLine reports whether line starts with a key that needs no look-ahead
// to be read as one: a plain name of letters, digits, '_', '.' and '-', or
// a quoted one without escapes, followed on the same line by a colon and a
// space, a comment or the end of the line.
func keyLine(line []byte) bool {
	i := 0
	switch c := line[0]; {
	case c == '"' || c == '\'':
		j := bytes.IndexByte(line[1:], c)
		if j < 0 || bytes.IndexByte(line[1:1+j], '\\') >= 0 {
			return false
		}
		i = j + 2
	default:
		for i < len(line) && isNameByte(line[i]) {
			i++
		}
		if i == 0 || line[0] == '-' || line[0] == '.' {
			return false
		}
	}
	if i >= len(line) || line[i] != ':' {
		return false
	}
	i++
	return i == len(line) || line[i] == ' '
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

// lineAt returns the line at off without its newline, and the offset of
// the next line.
func lineAt(text []byte, off int) ([]byte, int) {
	i := bytes.IndexByte(text[off:], '\n')
	if i < 0 {
		return text[off:], len(text)
	}
	return text[off : off+i], off + i + 1
}

// pieces is how many pieces parseTolerant cuts a large document into.
func pieces() int { return min(runtime.GOMAXPROCS(0), 8) }
