package memstore

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// snapVersions holds superseded versions and pending drafts: each a
	// record with its incident's id.
	snapVersions byte = 'V'
	snapEnd      byte = 'E'
)

// snapChunkSize is how many incidents one snapshot frame holds.
const snapChunkSize = 4096

// Recovery says what Open found at the end of the log.
type Recovery struct {
	Replayed int // log records applied on top of the snapshot
	// A torn tail: an unfinished last write that a crash left in the log,
	// dropped on open. TruncatedAt is where the log was cut (-1 when it
	// was whole), TruncatedBytes how many bytes were dropped and Reason
	// what marked them torn.
	TruncatedAt    int64
	TruncatedBytes int64
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

// Options are the choices of OpenWith.
type Options struct {
	// Logger hears what the store does on its own: a torn log tail dropped
	// on open, a compaction that failed, reports rewritten with checksums.
	// Nil is slog.Default().
	Logger *slog.Logger
}

// Open is OpenWith with the default options.
func Open(dir string) (*Store, error) { return OpenWith(dir, Options{}) }

// OpenWith opens the store in dir, creating the directory when missing. It
// refuses a directory another process holds open, and a damaged file with a
// *DamageError, leaving the file as it is. A torn last log record is cut
// off and logged (see Recovery).
func OpenWith(dir string, o Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("memstore: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("memstore: creating data directory: %w", err)
	}
	lock, err := lockDir(dir, true)
	if err != nil {
		return nil, err
	}
	s := newState()
	s.dir, s.lock, s.logger = dir, lock, o.Logger
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if err := s.load(); err != nil {
		s.closeFiles()
		lock.Close()
		return nil, err
	}
	// Tiles read the pyramid; the log of changes starts here.
	s.rebuildPyramid()
	s.dataVersion = s.version
	s.changes.floor = s.dataVersion
	return s, nil
}

// lockDir takes the data directory's lock, creating the lock file when
// create is set; without it a directory with no lock file is not locked
// (nil, nil).
func lockDir(dir string, create bool) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	flags := os.O_RDWR | os.O_CREATE
	if !create {
		flags = os.O_RDONLY
	}
	lock, err := os.OpenFile(path, flags, 0o644)
	if !create && errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("memstore: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("memstore: data directory %s is in use: another badiamap is running on it (it holds %s); stop it or choose another --data-dir",
				dir, path)
		}
		return nil, fmt.Errorf("memstore: locking data directory %s: %w", dir, err)
	}
	return lock, nil
}

// load reads the data directory into s, and only once every file has
// verified writes what recovery needs: it cuts a torn tail, removes the
// temporary files of an unfinished write, and so on. A read-only load
// (Check's) writes nothing.
func (s *Store) load() error {
	s.recovery = Recovery{TruncatedAt: -1}
	if err := s.readSnapshot(); err != nil {
		return err
	}
	flags := os.O_RDWR | os.O_CREATE | os.O_APPEND
	if s.readOnly {
		flags = os.O_RDONLY
	}
	f, err := os.OpenFile(filepath.Join(s.dir, logFile), flags, 0o644)
	switch {
	case s.readOnly && errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("memstore: opening log: %w", err)
	default:
		s.log = f
		if err := s.replay(f); err != nil {
			return err
		}
	}
	reports, legacy, err := loadReports(s.dir)
	if err != nil {
		return err
	}
	s.reportState = reports
	if err := s.loadAccounts(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.dir, heldFile)); err == nil {
		s.held = true
	}
	if s.readOnly {
		return nil
	}
	// Unfinished compactions and report writes: the files they would have
	// replaced are whole.
	os.Remove(filepath.Join(s.dir, snapshotFile+".tmp"))
	os.Remove(filepath.Join(s.dir, reportsFile+".tmp"))
	os.Remove(filepath.Join(s.dir, accountsFile+".tmp"))
	if r := s.recovery; r.TruncatedAt >= 0 {
		if err := s.log.Truncate(r.TruncatedAt); err != nil {
			return fmt.Errorf("memstore: cutting the torn tail of %s at byte %d: %w", filepath.Join(s.dir, logFile), r.TruncatedAt, err)
		}
		if err := s.log.Sync(); err != nil {
			return err
		}
		s.logger.Warn("memstore: dropped a torn tail of the log, an unfinished write a crash left",
			"file", filepath.Join(s.dir, logFile), "offset", r.TruncatedAt, "bytes", r.TruncatedBytes, "reason", r.Reason)
	}
	if err := s.recoverAudit(); err != nil {
		return err
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	if !s.held && s.recs.len() > 0 {
		// A store written before the marker existed.
		if err := s.markHeld(); err != nil {
			return err
		}
	}
	if err := s.rejoinByRuleOnce(); err != nil {
		return err
	}
	if legacy {
		if err := s.reportState.save(s.dir, s.reportState.reports, s.reportState.nextID); err != nil {
			return err
		}
		s.logger.Info("memstore: rewrote reports with checksums", "file", filepath.Join(s.dir, reportsFile), "reports", len(s.reportState.reports))
	}
	if s.recovery.Rejoined > 0 {
		// Fold the costly records into a snapshot, which holds the join,
		// so the next open does not join every incident again. A failure
		// leaves the log as it was: the data is whole either way.
		if err := s.compactLocked(); err != nil {
			s.logger.Warn("memstore: compaction failed; the log keeps every commit", "dir", s.dir, "error", err.Error())
		}
	}
	return nil
}

// heldFile marks a data directory that has held incidents; it is written
// before the first incident is logged and never removed.
const heldFile = "HELD"

// markHeld writes heldFile durably.
func (s *Store) markHeld() error {
	path := filepath.Join(s.dir, heldFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("memstore: writing %s: %w", path, err)
	}
	_, err = f.WriteString("This data directory has held incidents: badiamap never loads its demo data set into it.\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		return fmt.Errorf("memstore: writing %s: %w", path, err)
	}
	s.mu.Lock()
	s.held = true
	s.mu.Unlock()
	return nil
}

// HasHeldData says whether the data directory has ever held an incident,
// even when it holds none now: the demo data set is for new stores only.
func (s *Store) HasHeldData() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.held || s.recs.len() > 0
}

// replay applies the log's records newer than the snapshot and notes a torn
// tail in s.recovery (load cuts it); damage anywhere is a *DamageError.
func (s *Store) replay(f *os.File) error {
	path := filepath.Join(s.dir, logFile)
	r, err := newFrameReader(f, path, 0, logFrames)
	if err != nil {
		return err
	}
	texts := map[string]string{}
	for {
		payload, off, err := r.next()
		if err == io.EOF {
			s.logSize = off
			return nil
		}
		var sp *badSpan
		if errors.As(err, &sp) {
			if !sp.Torn {
				return sp.damage()
			}
			s.recovery.TruncatedAt, s.recovery.TruncatedBytes, s.recovery.Reason = sp.Offset, sp.Bytes(), sp.Reason
			s.logSize = sp.Offset
			return nil
		}
		if err != nil {
			return err
		}
		applied, err := s.replayRecord(payload, texts)
		if err != nil {
			return &DamageError{File: path, Offset: off, Record: r.frames, Type: logRecordName(payload), Reason: err.Error()}
		}
		if applied {
			s.recovery.Replayed++
		}
	}
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
		if err := s.applyBatch(local.list, ids, recs, nil); err != nil {
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
		if len(joins) != s.recs.len() {
			return false, fmt.Errorf("region record joins %d incidents, the store holds %d", len(joins), s.recs.len())
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

// compactAfter is the log size below which commits never compact.
const compactAfter = 8 << 20

// maybeCompact folds the log into a new snapshot once the log is larger than
// the snapshot (and more than a few MB), so open time stays bounded. A failed
// compaction (a full disk) leaves the store as it was and is logged, not an
// error for the commit; the next attempt waits for the log to grow by
// compactAfter again.
func (s *Store) maybeCompact() {
	if s.logSize <= compactAfter || s.logSize <= s.snapSize || s.logSize < s.compactRetryAt {
		return
	}
	if err := s.compactLocked(); err != nil {
		s.compactRetryAt = s.logSize + compactAfter
		s.logger.Warn("memstore: compaction failed; the log keeps every commit and grows until a compaction succeeds",
			"dir", s.dir, "log_bytes", s.logSize, "error", err.Error())
		return
	}
	s.compactRetryAt = 0
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

// createSnapshotTemp creates the file a compaction writes the new snapshot
// to; tests point it at a full device.
var createSnapshotTemp = func(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
}

// compactLocked runs with writeMu held: nothing changes the data meanwhile,
// and readers go on. Whatever step fails, the files hold every commit: until
// the rename the old snapshot and the whole log do; after it the new
// snapshot does, and replay skips the log records it holds.
func (s *Store) compactLocked() error {
	tmp := filepath.Join(s.dir, snapshotFile+".tmp")
	size, err := s.writeSnapshot(tmp)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: writing a new snapshot: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, snapshotFile)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: installing the new snapshot: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	s.snapSize = size
	// The snapshot holds every logged record now; replay would skip them.
	if err := s.log.Truncate(0); err != nil {
		return fmt.Errorf("memstore: emptying the log after a compaction (its records are in the snapshot): %w", err)
	}
	s.logSize = 0
	if err := s.log.Sync(); err != nil {
		s.broken = fmt.Errorf("memstore: syncing the emptied log in %s failed, store refuses writes until reopened: %w", s.dir, err)
		return s.broken
	}
	return nil
}

func (s *Store) writeSnapshot(path string) (int64, error) {
	f, err := createSnapshotTemp(path)
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
	e.uvarint(uint64(s.recs.len()))
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
	for start := 0; start < s.recs.len(); start += snapChunkSize {
		end := min(start+snapChunkSize, s.recs.len())
		e.buf = e.buf[:0]
		e.byte(snapChunk)
		e.uvarint(uint64(end - start))
		for i := start; i < end; i++ {
			e.record(uint32(i+1), s.recs.at(uint32(i+1)), identity)
		}
		if err := frame(e.buf); err != nil {
			return 0, err
		}
	}
	// The versions beside the records: the history of each incident, then
	// the pending drafts, a chunk at a time.
	var kept []uint32
	var versions []*record
	for id, list := range s.history {
		for i := range list {
			kept, versions = append(kept, id), append(versions, &list[i])
		}
	}
	for id, d := range s.edits {
		d := d
		kept, versions = append(kept, id), append(versions, &d)
	}
	for start := 0; start < len(versions); start += snapChunkSize {
		end := min(start+snapChunkSize, len(versions))
		e.buf = e.buf[:0]
		e.byte(snapVersions)
		e.uvarint(uint64(end - start))
		for i := start; i < end; i++ {
			e.record(kept[i], versions[i], identity)
		}
		if err := frame(e.buf); err != nil {
			return 0, err
		}
	}
	e = encoder{}
	e.byte(snapEnd)
	e.uvarint(uint64(s.recs.len()))
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
// whole and fsynced before it is renamed into place, so a crash never tears
// it: any defect is damage (a *DamageError).
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
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != snapshotMagic {
		return &DamageError{File: path, Reason: fmt.Sprintf("it does not start with %q", snapshotMagic[:len(snapshotMagic)-1])}
	}
	r, err := newFrameReader(f, path, int64(len(snapshotMagic)), snapshotFrames)
	if err != nil {
		return err
	}
	var table []sym
	want := -1
	texts := map[string]string{}
	for {
		payload, off, err := r.next()
		bad := func(format string, a ...any) error {
			d := &DamageError{File: path, Offset: off, Record: r.frames, Reason: fmt.Sprintf(format, a...)}
			if len(payload) > 0 {
				d.Type = snapshotFrameName(payload)
			}
			return d
		}
		var sp *badSpan
		if errors.As(err, &sp) {
			d := sp.damage()
			if sp.Torn {
				d.Reason += " (a snapshot is written whole before it replaces the last: it is never torn)"
			}
			return d
		}
		if err == io.EOF {
			return bad("the snapshot ends before its end record")
		}
		if err != nil {
			return err
		}
		d := decoder{buf: payload, texts: texts}
		switch d.byte() {
		case snapHeader:
			s.version = int64(d.uvarint())
			want = int(d.uvarint())
			s.recs = recordTable{}
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
				id, rec := d.record(table)
				if int(id) != s.recs.len()+1 {
					return bad("incident id %d out of order", id)
				}
				s.recs.add(rec)
			}
		case snapVersions:
			n := d.uvarint()
			for i := uint64(0); i < n && d.err == nil; i++ {
				id, rec := d.record(table)
				switch {
				case d.err != nil:
				case id == 0 || int(id) > s.recs.len():
					return bad("a version of incident %d, which the snapshot does not hold", id)
				case rec.vers.pending:
					s.edits[id] = rec
				default:
					s.history[id] = append(s.history[id], rec)
				}
			}
		case snapEnd:
			if n := int(d.uvarint()); n != s.recs.len() || n != want {
				return bad("the snapshot holds %d incidents, its end record says %d", s.recs.len(), n)
			}
			if r.off != r.size {
				return &DamageError{File: path, Offset: r.off, Record: r.frames + 1, Reason: fmt.Sprintf("%d bytes follow the end record", r.size-r.off)}
			}
			s.snapSize = r.size
			s.indexAll()
			return nil
		default:
			return bad("unknown frame type %q", payload[0])
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
		s.byExt = make(map[string]uint32, s.recs.len())
		for i, r := range s.recs.all() {
			if !r.removed { // a removed id's external id may be in use again
				s.byExt[r.ext] = uint32(i + 1)
			}
		}
	}()
	go func() {
		defer wg.Done()
		s.rebuildLists()
	}()
	keys := make([]mortonID, s.recs.len())
	for i, r := range s.recs.all() {
		p := point32(r)
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
	return geo.MortonKey(int(x), int(y))
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
	if f := s.accounts.audit.f; f != nil {
		if aerr := f.Close(); err == nil {
			err = aerr
		}
	}
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	return err
}
