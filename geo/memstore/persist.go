package memstore

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"github.com/badiamap/badiamap/geo"
)

// Files of a data directory.
const (
	lockFile     = "LOCK"
	snapshotFile = "snapshot"
	logFile      = "log"
)

// snapshotMagic starts every snapshot file; the digit is the format version.
const snapshotMagic = "badiamap-memstore-snapshot-1\n"

// Snapshot frame types.
const (
	snapHeader  byte = 'H'
	snapRegions byte = 'G'
	snapSymbols byte = 'S'
	snapChunk   byte = 'C'
	snapEnd     byte = 'E'
)

// snapChunkSize is how many incidents one snapshot frame holds.
const snapChunkSize = 4096

// Recovery says what Open found at the end of the log.
type Recovery struct {
	Replayed       int   // log records applied on top of the snapshot
	TruncatedAt    int64 // offset the log was cut at; -1 when it was whole
	TruncatedBytes int64 // bytes of torn or corrupt records dropped
	Reason         string
	// Rejoined counts region records of the first log format replayed:
	// they hold no join, so every incident was joined again.
	Rejoined int
}

// DefaultDir is the data directory used when none is given:
// $XDG_DATA_HOME/badiamap, or ~/.local/share/badiamap.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "badiamap"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no data directory: set XDG_DATA_HOME or HOME, or pass --data-dir: %w", err)
	}
	return filepath.Join(home, ".local", "share", "badiamap"), nil
}

// Open opens the store in dir, creating the directory when missing. It
// refuses a directory another process holds open. A torn last log record is
// cut off (see Recovery).
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("memstore: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("memstore: creating data directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("memstore: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("memstore: data directory %s is in use: another badiamap is running on it (it holds %s); stop it or choose another --data-dir",
				dir, filepath.Join(dir, lockFile))
		}
		return nil, fmt.Errorf("memstore: locking data directory %s: %w", dir, err)
	}
	s := newState()
	s.dir, s.lock = dir, lock
	if err := s.load(); err != nil {
		lock.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) load() error {
	os.Remove(filepath.Join(s.dir, snapshotFile+".tmp")) // an unfinished compaction
	if err := s.readSnapshot(); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.dir, logFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("memstore: opening log: %w", err)
	}
	if err := s.replay(f); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Seek(s.logSize, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	s.log = f
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return err
	}
	if s.recovery.Rejoined > 0 {
		// Fold the costly records into a snapshot, which holds the join,
		// so the next open does not join every incident again. A failure
		// leaves the log as it was: the data is whole either way.
		s.compactLocked()
	}
	return nil
}

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

// replay applies the log's records newer than the snapshot and cuts the log
// at the first torn record.
func (s *Store) replay(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	br := bufio.NewReaderSize(f, 1<<20)
	var off int64
	s.recovery = Recovery{TruncatedAt: -1}
	texts := map[string]string{}
	var buf []byte
	for {
		payload, err := readFrame(br, size-off, buf)
		if err == io.EOF {
			break
		}
		if errors.Is(err, errTorn) {
			s.recovery.TruncatedAt, s.recovery.TruncatedBytes, s.recovery.Reason = off, size-off, err.Error()
			if err := f.Truncate(off); err != nil {
				return fmt.Errorf("memstore: cutting torn log record at %d: %w", off, err)
			}
			if err := f.Sync(); err != nil {
				return err
			}
			break
		}
		if err != nil {
			return fmt.Errorf("memstore: reading log: %w", err)
		}
		buf = payload
		applied, err := s.replayRecord(payload, texts)
		if err != nil {
			return fmt.Errorf("memstore: log record at offset %d in %s: %w", off, filepath.Join(s.dir, logFile), err)
		}
		if applied {
			s.recovery.Replayed++
		}
		off += frameHeader + int64(len(payload))
	}
	s.logSize = off
	return nil
}

// replayRecord applies one log record unless the snapshot already holds it.
func (s *Store) replayRecord(payload []byte, texts map[string]string) (bool, error) {
	d := decoder{buf: payload, texts: texts}
	kind := d.byte()
	seq := int64(d.uvarint())
	if d.err != nil {
		return false, d.err
	}
	if seq <= s.version {
		return false, nil // folded into the snapshot before the log was emptied
	}
	if seq != s.version+1 {
		return false, fmt.Errorf("record %d follows version %d: a record is missing", seq, s.version)
	}
	switch kind {
	case recImport:
		local := newSymbols()
		table := d.symTable(local)
		n := d.uvarint()
		if n > uint64(len(d.buf)) {
			return false, errShort
		}
		ids := make([]uint32, n)
		recs := make([]record, n)
		for i := range recs {
			ids[i], recs[i] = d.record(table)
		}
		if d.err != nil {
			return false, d.err
		}
		if err := s.applyBatch(local.list, ids, recs); err != nil {
			return false, err
		}
	case recRegions:
		// The first format: the log holds the regions only, so every
		// incident is joined again (load compacts afterwards, so this
		// happens once).
		var regions []geo.Region
		if err := json.Unmarshal(d.buf, &regions); err != nil {
			return false, fmt.Errorf("decoding regions: %w", err)
		}
		if err := validateRegions(regions); err != nil {
			return false, err
		}
		sortRegions(regions)
		ix := newJoinIndex(regions)
		joins, _ := s.rejoin(ix)
		s.applyRegions(regions, ix, joins)
		s.recovery.Rejoined++
	case recRegionsJoined:
		regions, joins, err := d.regionsJoined()
		if err != nil {
			return false, err
		}
		if len(joins) != len(s.recs) {
			return false, fmt.Errorf("region record joins %d incidents, the store holds %d", len(joins), len(s.recs))
		}
		sortRegions(regions)
		s.applyRegions(regions, newJoinIndex(regions), joins)
	default:
		return false, fmt.Errorf("unknown record type %q", kind)
	}
	s.version = seq
	return true, nil
}

// appendLog writes one record and fsyncs it. A failure leaves the store
// refusing writes: after a failed fsync the file's content is unknown.
func (s *Store) appendLog(payload []byte) error {
	frame := appendFrame(make([]byte, 0, frameHeader+len(payload)), payload)
	if int64(len(frame)) > 1<<32 {
		return fmt.Errorf("memstore: batch of %d bytes is too large for one log record; import it in smaller batches", len(frame))
	}
	if _, err := s.log.Write(frame); err != nil {
		s.broken = fmt.Errorf("memstore: writing log in %s failed, store refuses writes until reopened: %w", s.dir, err)
		s.log.Truncate(s.logSize)
		return s.broken
	}
	if err := s.log.Sync(); err != nil {
		s.broken = fmt.Errorf("memstore: syncing log in %s failed, store refuses writes until reopened: %w", s.dir, err)
		return s.broken
	}
	s.logSize += int64(len(frame))
	return nil
}

func (s *Store) writable() error {
	if s.closed {
		return errClosed
	}
	return s.broken
}

// maybeCompact folds the log into a new snapshot once the log is larger than
// the snapshot (and more than a few MB), so open time stays bounded. A failed
// compaction leaves the log as it was, so it is not an error for the commit.
func (s *Store) maybeCompact() {
	if s.logSize > 8<<20 && s.logSize > s.snapSize {
		s.compactLocked()
	}
}

// Compact writes the whole state to a new snapshot and empties the log.
func (s *Store) Compact() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	return s.compactLocked()
}

// compactLocked runs with writeMu held: nothing changes the data meanwhile,
// and readers go on.
func (s *Store) compactLocked() error {
	tmp := filepath.Join(s.dir, snapshotFile+".tmp")
	size, err := s.writeSnapshot(tmp)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: writing snapshot: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, snapshotFile)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: installing snapshot: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	s.snapSize = size
	// The snapshot holds every logged record now; replay would skip them.
	if err := s.log.Truncate(0); err != nil {
		return err
	}
	if _, err := s.log.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s.logSize = 0
	return s.log.Sync()
}

func (s *Store) writeSnapshot(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var size int64
	frame := func(payload []byte) error {
		buf := appendFrame(nil, payload)
		size += int64(len(buf))
		_, err := w.Write(buf)
		return err
	}
	w.WriteString(snapshotMagic)
	size += int64(len(snapshotMagic))
	var e encoder
	e.byte(snapHeader)
	e.uvarint(uint64(s.version))
	e.uvarint(uint64(len(s.recs)))
	if err := frame(e.buf); err != nil {
		return 0, err
	}
	regions, err := json.Marshal(s.regions)
	if err != nil {
		return 0, err
	}
	if err := frame(append([]byte{snapRegions}, regions...)); err != nil {
		return 0, err
	}
	e = encoder{}
	e.byte(snapSymbols)
	e.symTable(s.syms.list)
	if err := frame(e.buf); err != nil {
		return 0, err
	}
	identity := func(v sym) uint64 { return uint64(v) }
	for start := 0; start < len(s.recs); start += snapChunkSize {
		end := min(start+snapChunkSize, len(s.recs))
		e.buf = e.buf[:0]
		e.byte(snapChunk)
		e.uvarint(uint64(end - start))
		for i := start; i < end; i++ {
			e.record(uint32(i+1), &s.recs[i], identity)
		}
		if err := frame(e.buf); err != nil {
			return 0, err
		}
	}
	e = encoder{}
	e.byte(snapEnd)
	e.uvarint(uint64(len(s.recs)))
	if err := frame(e.buf); err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return size, f.Close()
}

// readSnapshot loads the snapshot when there is one. A snapshot is written
// whole before it is renamed into place, so any damage is reported, not cut.
func (s *Store) readSnapshot() error {
	path := filepath.Join(s.dir, snapshotFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("memstore: opening snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("memstore: snapshot %s is damaged (%s); restore the data directory from a backup or re-import", path, fmt.Sprintf(format, a...))
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != snapshotMagic {
		return bad("it does not start with %q", snapshotMagic[:len(snapshotMagic)-1])
	}
	left := st.Size() - int64(len(snapshotMagic))
	var table []sym
	want := -1
	texts := map[string]string{}
	var buf []byte
	for {
		payload, err := readFrame(br, left, buf)
		if err == io.EOF {
			return bad("it ends before its end record")
		}
		if err != nil {
			return bad("%v", err)
		}
		buf = payload // every frame is decoded into copies before the next
		left -= frameHeader + int64(len(payload))
		d := decoder{buf: payload, texts: texts}
		switch d.byte() {
		case snapHeader:
			s.version = int64(d.uvarint())
			want = int(d.uvarint())
			s.recs = make([]record, 0, want)
		case snapRegions:
			var regions []geo.Region
			if err := json.Unmarshal(d.buf, &regions); err != nil {
				return bad("regions: %v", err)
			}
			if err := validateRegions(regions); err != nil {
				return bad("regions: %v", err)
			}
			sortRegions(regions)
			s.regions, s.join = regions, newJoinIndex(regions)
		case snapSymbols:
			table = d.symTable(s.syms)
		case snapChunk:
			n := d.uvarint()
			for i := uint64(0); i < n && d.err == nil; i++ {
				id, r := d.record(table)
				if int(id) != len(s.recs)+1 {
					return bad("incident id %d out of order", id)
				}
				s.recs = append(s.recs, r)
			}
		case snapEnd:
			if n := int(d.uvarint()); n != len(s.recs) || n != want {
				return bad("it holds %d incidents, its end record says %d", len(s.recs), n)
			}
			s.snapSize = st.Size()
			s.indexAll()
			return nil
		default:
			return bad("unknown frame type")
		}
		if d.err != nil {
			return bad("%v", d.err)
		}
	}
}

// indexAll builds the external-id map, the point R-tree and the id lists for
// the loaded records, side by side. Points go into the R-tree in Morton
// order, which keeps each insert near the last and makes the load several
// times quicker than id order.
func (s *Store) indexAll() {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.byExt = make(map[string]uint32, len(s.recs))
		for i := range s.recs {
			s.byExt[s.recs[i].ext] = uint32(i + 1)
		}
	}()
	go func() {
		defer wg.Done()
		s.rebuildLists()
	}()
	keys := make([]mortonID, len(s.recs))
	for i := range s.recs {
		p := point32(&s.recs[i])
		keys[i] = mortonID{key: morton(p), id: uint32(i + 1), p: p}
	}
	slices.SortFunc(keys, func(a, b mortonID) int { return cmp.Compare(a.key, b.key) })
	for _, k := range keys {
		s.points.Insert(k.p, k.p, k.id)
	}
	wg.Wait()
}

// mortonID carries its point, so the inserts in Morton order do not jump
// about the records.
type mortonID struct {
	key uint64
	id  uint32
	p   [2]float32
}

// morton interleaves the bits of a point's coordinates, scaled to 32 bits
// over the whole globe, into a Z-order key.
func morton(p [2]float32) uint64 {
	x := uint64((float64(p[0]) + 180) / 360 * (1<<32 - 1))
	y := uint64((float64(p[1]) + 90) / 180 * (1<<32 - 1))
	return spread(x) | spread(y)<<1
}

func spread(v uint64) uint64 {
	v &= 0xffffffff
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("memstore: syncing data directory %s: %w", dir, err)
	}
	return nil
}

// Recovery says what the last Open replayed and cut from the log.
func (s *Store) Recovery() Recovery {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.recovery
}

// Close releases the data directory. Every commit is on disk already.
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.log.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	return err
}
