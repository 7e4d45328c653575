package memstore

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// DamageError is a store file whose bytes fail their checksum, or do not
// decode, where no crash could have left them so (see the package doc,
// Durability). The store refuses to open and leaves the file as it is.
type DamageError struct {
	File   string // path of the damaged file
	Offset int64  // byte offset in File of the damaged record
	Record int    // 1-based number of the damaged record in File (a frame; in reports.json a report); 0 when the damage is before the first
	Type   string // what the record holds, read from the damaged bytes (so unverified); "" when unreadable
	Reason string
}

func (e *DamageError) Error() string {
	what := fmt.Sprintf("record %d", e.Record)
	if e.Record == 0 {
		what = "before the first record"
	}
	if e.Type != "" {
		what += " (" + e.Type + ", unverified)"
	}
	return fmt.Sprintf("memstore: %s is damaged at byte %d, %s: %s", e.File, e.Offset, what, e.Reason)
}

// sectorSize is the smallest unit a disk writes: a crash that loses a write
// leaves whole sectors of zeros where the file had grown.
const sectorSize = 512

// errTorn is a frame that is cut short or fails its checksum.
var errTorn = errors.New("torn or corrupt record")

// readFrame reads one frame of at most limit bytes; io.EOF means a clean
// end. The payload is read into buf when it is large enough: a reader that
// is done with one payload before it reads the next passes the last one back.
func readFrame(r io.Reader, limit int64, buf []byte) ([]byte, error) {
	var h [frameHeader]byte
	n, err := io.ReadFull(r, h[:])
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		if n > 0 && errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: header cut short", errTorn)
		}
		return nil, err
	}
	size := int64(binary.LittleEndian.Uint32(h[:4]))
	if size == 0 {
		return nil, fmt.Errorf("%w: empty frame", errTorn) // every record has a type byte
	}
	if size > limit-frameHeader {
		return nil, fmt.Errorf("%w: length %d runs past the end of the file", errTorn, size)
	}
	payload := buf[:0]
	if int64(cap(buf)) < size {
		payload = make([]byte, size)
	}
	payload = payload[:size]
	if _, err := io.ReadFull(r, payload); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
			return nil, fmt.Errorf("%w: cut short", errTorn)
		}
		return nil, err
	}
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errTorn)
	}
	return payload, nil
}

// frameKind is what a file's frames hold: it names their records and
// tells a plausible frame start when resynchronising after damage.
type frameKind struct {
	name  func(payload []byte) string // the record's type, from its first bytes
	sniff func(head []byte) bool      // whether a payload starting with head can be one of these records
}

// frameReader reads the frames of one file in order. Where the frames stop
// verifying it examines the bytes (badSpan) and goes on at the next frame
// that verifies.
type frameReader struct {
	f      *os.File
	path   string
	kind   frameKind
	size   int64
	off    int64 // offset of the next frame
	frames int   // frames passed, damaged ones included
	br     *bufio.Reader
	buf    []byte
}

func newFrameReader(f *os.File, path string, start int64, kind frameKind) (*frameReader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	r := &frameReader{f: f, path: path, kind: kind, size: st.Size()}
	return r, r.seek(start)
}

func (r *frameReader) seek(off int64) error {
	if _, err := r.f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	r.off = off
	if r.br == nil {
		r.br = bufio.NewReaderSize(r.f, 1<<20)
	} else {
		r.br.Reset(r.f)
	}
	return nil
}

// next returns the next frame that verifies and its offset. It returns
// io.EOF at the end of the file, and a *badSpan when the bytes at the
// current offset are no verified frame; the reader then stands at the
// span's end.
func (r *frameReader) next() ([]byte, int64, error) {
	off := r.off
	payload, err := readFrame(r.br, r.size-off, r.buf)
	if err == io.EOF {
		return nil, off, io.EOF
	}
	if errors.Is(err, errTorn) {
		sp, err := r.examine(off)
		if err != nil {
			return nil, off, err
		}
		r.frames++
		if err := r.seek(sp.Next); err != nil {
			return nil, off, err
		}
		return nil, off, sp
	}
	if err != nil {
		return nil, off, fmt.Errorf("memstore: reading %s: %w", r.path, err)
	}
	r.buf = payload
	r.frames++
	r.off += frameHeader + int64(len(payload))
	return payload, off, nil
}

// badSpan is a stretch of a file that holds no verified frame.
type badSpan struct {
	Offset int64 // where the frames stop verifying
	Next   int64 // the next frame that verifies, or the file size when none does
	Record int   // number of the frame at Offset
	Type   string
	Reason string
	// Torn says the span is an unfinished last write, not damage: nothing
	// verifies after it and it carries a crash's mark (see crashMark).
	Torn bool
	// GaveUp says the search for a next frame hit its budget: the bytes
	// after Offset were not all examined.
	GaveUp bool
	// payloadEnd is where the frame at Offset would end by its length
	// (clipped to Next), for reading what the damaged bytes held.
	payloadEnd int64
	path       string
	size       int64 // of the file
}

func (sp *badSpan) Error() string { return sp.damage().Error() }

// Bytes is the length of the span.
func (sp *badSpan) Bytes() int64 { return sp.Next - sp.Offset }

func (sp *badSpan) damage() *DamageError {
	reason := sp.Reason
	switch {
	case sp.GaveUp:
		reason += "; no intact record was found after it within the search budget"
	case sp.Next == sp.size:
		reason += "; no intact record follows it"
	default:
		reason += fmt.Sprintf("; the next intact record starts at byte %d (%d bytes on)", sp.Next, sp.Next-sp.Offset)
	}
	return &DamageError{File: sp.path, Offset: sp.Offset, Record: sp.Record, Type: sp.Type, Reason: reason}
}

// examine says what the bytes at off, where a frame fails, are: how far the
// damage runs (to the next frame that verifies) and whether it is a torn
// tail. A tail is torn when no frame verifies after it and it carries the
// mark a crash leaves:
//
//   - the file ends inside the frame's header, or its length runs past the
//     end of the file (the file was cut inside the last write);
//   - the header is all zeros, or the frame holds an aligned sector of
//     zeros (the file grew but the sector's write never reached the disk).
//
// A flipped byte makes none of these, so a complete frame that fails its
// checksum without a zero sector is damage, even the last one.
func (r *frameReader) examine(off int64) (*badSpan, error) {
	sp := &badSpan{Offset: off, Record: r.frames + 1, path: r.path, size: r.size}
	left := r.size - off
	var h [frameHeader]byte
	if left < frameHeader {
		sp.Reason = fmt.Sprintf("the file ends %d bytes into a record header", left)
		sp.Next, sp.Torn, sp.payloadEnd = r.size, true, r.size
		return sp, nil
	}
	if _, err := r.f.ReadAt(h[:], off); err != nil {
		return nil, fmt.Errorf("memstore: reading %s: %w", r.path, err)
	}
	length := int64(binary.LittleEndian.Uint32(h[:4]))
	sum := binary.LittleEndian.Uint32(h[4:])
	crash := false
	switch {
	case length == 0 && sum == 0:
		sp.Reason = "the record header is all zeros"
		crash = true
	case length == 0:
		sp.Reason = "the record header gives a length of 0"
	case length > left-frameHeader:
		sp.Reason = fmt.Sprintf("the record's length %d runs past the end of the file (%d bytes left)", length, left-frameHeader)
		crash = true
	default:
		got, zeros, err := r.checksum(off+frameHeader, length)
		if err != nil {
			return nil, err
		}
		if got == sum {
			// The frame verifies: the caller found it does not decode.
			return nil, fmt.Errorf("memstore: %s: record at byte %d verifies: not a damaged frame", r.path, off)
		}
		sp.Reason = "checksum mismatch"
		if zeros {
			sp.Reason += " in a record holding a sector of zeros"
			crash = true
		}
	}
	sp.payloadEnd = min(off+frameHeader+length, r.size)
	if length > 0 && left > frameHeader {
		head := make([]byte, min(length, left-frameHeader, 32))
		if _, err := r.f.ReadAt(head, off+frameHeader); err == nil {
			sp.Type = r.kind.name(head)
		}
	}
	next, gaveUp, err := r.resync(off + 1)
	if err != nil {
		return nil, err
	}
	sp.Next, sp.GaveUp = next, gaveUp
	sp.payloadEnd = min(sp.payloadEnd, next)
	sp.Torn = crash && next == r.size && !gaveUp
	return sp, nil
}

// checksum is the CRC-32C of the n bytes at off, and whether they hold an
// aligned sector of zeros.
func (r *frameReader) checksum(off, n int64) (uint32, bool, error) {
	var sum uint32
	zeros := false
	buf := make([]byte, 1<<16)
	var zero [sectorSize]byte
	for done := int64(0); done < n; {
		// Chunks end on sector boundaries, so every aligned sector is whole
		// in one chunk.
		at := off + done
		end := min(at+int64(len(buf)), off+n)
		if end < off+n {
			end -= end % sectorSize
		}
		if end <= at {
			end = min(at+sectorSize, off+n)
		}
		b := buf[:end-at]
		if _, err := r.f.ReadAt(b, at); err != nil {
			return 0, false, fmt.Errorf("memstore: reading %s: %w", r.path, err)
		}
		sum = crc32.Update(sum, castagnoli, b)
		for s := (at + sectorSize - 1) / sectorSize * sectorSize; s+sectorSize <= end && !zeros; s += sectorSize {
			zeros = bytes.Equal(b[s-at:s-at+sectorSize], zero[:])
		}
		done = end - off
	}
	return sum, zeros, nil
}

// resyncBudget is how many bytes one search for the next intact frame may
// checksum before it gives up: a few times the bytes left, so the search
// ends even in data that looks like frame headers everywhere.
func resyncBudget(left int64) int64 { return 8*left + 64<<20 }

// resync finds the first offset at or after from where a frame verifies. It
// looks only where the header's length fits in the file and the payload's
// first bytes pass the file's sniff, and checksums at most budget bytes;
// it returns the file size when no frame verifies (gaveUp when the budget
// ran out first).
func (r *frameReader) resync(from int64) (int64, bool, error) {
	const window = 1 << 20
	const headLen = 32
	budget := resyncBudget(r.size - from)
	buf := make([]byte, window+frameHeader+headLen)
	for start := from; start+frameHeader < r.size; start += window {
		n, err := r.f.ReadAt(buf[:min(int64(len(buf)), r.size-start)], start)
		if err != nil && err != io.EOF {
			return 0, false, fmt.Errorf("memstore: reading %s: %w", r.path, err)
		}
		b := buf[:n]
		for i := 0; i < window && i+frameHeader < len(b); i++ {
			at := start + int64(i)
			length := int64(binary.LittleEndian.Uint32(b[i:]))
			if length == 0 || length > r.size-at-frameHeader {
				continue
			}
			head := b[i+frameHeader : min(len(b), i+frameHeader+int(min(length, headLen)))]
			if !r.kind.sniff(head) {
				continue
			}
			if budget -= length; budget < 0 {
				return r.size, true, nil
			}
			var sum uint32
			if end := i + frameHeader + int(length); end <= len(b) {
				sum = crc32.Checksum(b[i+frameHeader:end], castagnoli)
			} else if sum, _, err = r.checksum(at+frameHeader, length); err != nil {
				return 0, false, err
			}
			if sum == binary.LittleEndian.Uint32(b[i+4:]) {
				return at, false, nil
			}
		}
	}
	return r.size, false, nil
}

// Sniffs of the first payload bytes: a record type, then what that type
// starts with. Each test a random byte passes rarely keeps the search for
// the next intact frame from checksumming much.

// sniffUvarint reads a uvarint from b, reporting whether b held one whole.
func sniffUvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, n == 0 // n == 0: b ends inside it, which may still be fine
	}
	return v, b[n:], true
}

// sniffSymbols: a symbol table of at least one string, the first "".
func sniffSymbols(b []byte) bool {
	n, rest, ok := sniffUvarint(b)
	if !ok || (rest != nil && n == 0) {
		return false
	}
	return len(rest) == 0 || rest[0] == 0
}

func sniffLog(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	seq, rest, ok := sniffUvarint(head[1:])
	if !ok || (rest != nil && seq == 0) {
		return false
	}
	switch head[0] {
	case recImport:
		return rest == nil || sniffSymbols(rest)
	case recRegions:
		return len(rest) == 0 || rest[0] == '['
	case recRegionsJoined:
		_, rest, ok = sniffUvarint(rest)
		return ok && (len(rest) == 0 || rest[0] == '[')
	}
	return false
}

func sniffSnapshot(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	switch head[0] {
	case snapHeader, snapEnd:
		_, _, ok := sniffUvarint(head[1:])
		return ok
	case snapRegions:
		return len(head) == 1 || head[1] == '['
	case snapSymbols:
		return sniffSymbols(head[1:])
	case snapChunk, snapVersions:
		n, rest, ok := sniffUvarint(head[1:])
		if !ok || (rest != nil && (n == 0 || n > snapChunkSize)) {
			return false
		}
		id, _, ok := sniffUvarint(rest)
		return ok && (rest == nil || id > 0)
	}
	return false
}

var (
	logFrames      = frameKind{name: logRecordName, sniff: sniffLog}
	snapshotFrames = frameKind{name: snapshotFrameName, sniff: sniffSnapshot}
)

func logRecordName(p []byte) string {
	name := map[byte]string{recImport: "import batch", recRegions: "region replacement", recRegionsJoined: "region replacement"}[p[0]]
	if name == "" {
		return ""
	}
	if seq, _, ok := sniffUvarint(p[1:]); ok && seq > 0 {
		name += fmt.Sprintf(", commit %d", seq)
	}
	return name
}

func snapshotFrameName(p []byte) string {
	return map[byte]string{snapHeader: "snapshot header", snapRegions: "regions", snapSymbols: "symbol table",
		snapChunk: "incident chunk", snapVersions: "versions", snapEnd: "snapshot end"}[p[0]]
}
