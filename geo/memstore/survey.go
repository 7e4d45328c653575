package memstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	"github.com/badiamap/badiamap/geo"
)

// FileCheck is what one file of a data directory holds.
type FileCheck struct {
	Path      string
	Missing   bool
	Bytes     int64
	Records   int // records that verify: frames of the snapshot and the log, reports of reports.json
	Damaged   int // damaged stretches
	Incidents int // incident records among them (the log holds every version written)
}

// TornTail is an unfinished last write a crash left at the end of the log:
// Open drops it (it was never acknowledged) and logs it.
type TornTail struct {
	File   string
	Offset int64
	Bytes  int64
	Reason string
}

// LostSpan is a damaged stretch of a file and what it held.
type LostSpan struct {
	*DamageError
	Bytes int64 // from Offset to the next record that verifies (or the end of the file)
	// Commits is how many log commits the stretch held that the snapshot
	// does not, from the gap in commit numbers; -1 when the damage runs to
	// the end of the log (one or more).
	Commits int
	// What the damaged bytes held, read without their checksum: external
	// ids of incidents the new store lacks (Lost), holds at the version of
	// an earlier record (Older: this update is lost) or holds from a later
	// record (Recovered).
	Lost, Older []string
	Recovered   int

	ids []string // read from the damaged bytes
	pos int      // order among everything read
	// prevSeq is the commit number before a log span, nextSeq after it
	// (-1 unknown).
	prevSeq, nextSeq int64
}

// survey reads every file of a data directory record by record, past any
// damage, keeping (with keep) every incident that verifies at its latest
// version; Check and Salvage are built on it. It never writes.
type survey struct {
	dir  string
	keep bool

	files  []FileCheck
	damage []*DamageError
	spans  []*LostSpan
	torn   *TornTail

	snapVersion int64 // -1 when the snapshot header is unknown
	snapCount   int   // incidents the snapshot header announces
	maxSeq      int64
	regions     []geo.Region
	regionsSet  bool
	syms        *symbols
	incidents   map[uint32]*kept // by original id
	maxID       uint32
	pos         int // counts records read, in order
	reports     reportsRead
	held        bool
	leftovers   []string
	accounts    accountsRead
	audit       []geo.AuditEntry // the audit entries that verify, kept for salvage
	auditTorn   *TornTail
}

// kept is the latest verified version of one incident.
type kept struct {
	rec record
	pos int
}

func newSurvey(dir string, keep bool) *survey {
	return &survey{dir: dir, keep: keep, snapVersion: -1, syms: newSymbols(), incidents: map[uint32]*kept{}}
}

func (sv *survey) run() error {
	if err := sv.snapshot(); err != nil {
		return err
	}
	if err := sv.log(); err != nil {
		return err
	}
	rd, err := readReports(sv.dir)
	if err != nil {
		return err
	}
	sv.reports = rd
	fc := FileCheck{Path: filepath.Join(sv.dir, reportsFile), Missing: !rd.exists, Bytes: rd.size, Records: len(rd.reports), Damaged: len(rd.damage)}
	sv.files = append(sv.files, fc)
	sv.damage = append(sv.damage, rd.damage...)
	if err := sv.surveyAccounts(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(sv.dir, heldFile)); err == nil {
		sv.held = true
	}
	for _, name := range []string{snapshotFile + ".tmp", reportsFile + ".tmp", accountsFile + ".tmp"} {
		if _, err := os.Stat(filepath.Join(sv.dir, name)); err == nil {
			sv.leftovers = append(sv.leftovers, filepath.Join(sv.dir, name))
		}
	}
	for _, sp := range sv.spans {
		sv.settle(sp)
	}
	return nil
}

// keepRecord takes an incident that verified; a later version replaces an
// earlier one.
func (sv *survey) keepRecord(id uint32, r record) {
	sv.maxID = max(sv.maxID, id)
	if sv.keep && !r.vers.pending { // a pending draft is not the incident's version
		sv.incidents[id] = &kept{rec: r, pos: sv.pos}
	}
}

func (sv *survey) setRegions(regions []geo.Region) {
	sv.regions, sv.regionsSet = regions, true
}

// lose records a damaged stretch; what held the damaged bytes is read by
// read, without trusting it.
func (sv *survey) lose(f *os.File, fc *FileCheck, sp *badSpan, read func(payload []byte) []string) {
	d := sp.damage()
	fc.Damaged++
	sv.damage = append(sv.damage, d)
	ls := &LostSpan{DamageError: d, Bytes: sp.Bytes(), pos: sv.pos, prevSeq: -1, nextSeq: -1}
	sv.pos++
	// The damaged payload, by its own length, bounded by the next frame
	// and a size no single record of this store reaches.
	const maxRead = 256 << 20
	if n := sp.payloadEnd - sp.Offset - frameHeader; n > 0 && n <= maxRead && read != nil {
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, sp.Offset+frameHeader); err == nil {
			ls.ids = read(buf)
		}
	}
	sv.spans = append(sv.spans, ls)
}

// settle sorts the ids a damaged stretch held by what the survey kept.
func (sv *survey) settle(ls *LostSpan) {
	if ls.prevSeq >= 0 || ls.nextSeq >= 0 {
		switch {
		case ls.nextSeq < 0:
			ls.Commits = -1
		default:
			from := max(ls.prevSeq, sv.snapVersion) // commits up to the snapshot's are in it
			ls.Commits = int(max(ls.nextSeq-1-from, 0))
		}
	}
	if !sv.keep {
		return
	}
	byExt := map[string]*kept{}
	for _, k := range sv.incidents {
		byExt[k.rec.ext] = k
	}
	for _, ext := range ls.ids {
		k, ok := byExt[ext]
		switch {
		case !ok:
			ls.Lost = append(ls.Lost, ext)
		case k.pos > ls.pos:
			ls.Recovered++
		default:
			ls.Older = append(ls.Older, ext)
		}
	}
}

// open opens one of the directory's framed files; a missing file is noted
// and gives no reader.
func (sv *survey) open(name string, start int64, kind frameKind) (*frameReader, error) {
	path := filepath.Join(sv.dir, name)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		sv.files = append(sv.files, FileCheck{Path: path, Missing: true})
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("memstore: opening %s: %w", path, err)
	}
	r, err := newFrameReader(f, path, start, kind)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func (sv *survey) snapshot() error {
	r, err := sv.open(snapshotFile, int64(len(snapshotMagic)), snapshotFrames)
	if r == nil {
		return err
	}
	f, path := r.f, r.path
	defer f.Close()
	fc := FileCheck{Path: path, Bytes: r.size}
	defer func() { sv.files = append(sv.files, fc) }()
	magic := make([]byte, len(snapshotMagic))
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != snapshotMagic {
		fc.Damaged++
		sv.damage = append(sv.damage, &DamageError{File: path, Reason: fmt.Sprintf("it does not start with %q", snapshotMagic[:len(snapshotMagic)-1])})
	}
	var table []sym
	tableLost := false
	ended := false
	readIDs := func(payload []byte) []string {
		if len(payload) == 0 || payload[0] != snapChunk || table == nil {
			return nil
		}
		d := decoder{buf: payload[1:]}
		n := d.uvarint()
		return readExts(&d, n, table)
	}
	for {
		payload, off, err := r.next()
		if err == io.EOF {
			break
		}
		var sp *badSpan
		if errors.As(err, &sp) {
			if sp.Torn {
				sp.Reason += " (a snapshot is written whole before it replaces the last: it is never torn)"
			}
			sv.lose(f, &fc, sp, readIDs)
			tableLost = tableLost || table == nil
			continue
		}
		if err != nil {
			return err
		}
		bad := func(format string, a ...any) {
			fc.Damaged++
			sv.damage = append(sv.damage, &DamageError{File: path, Offset: off, Record: r.frames, Type: snapshotFrameName(payload), Reason: fmt.Sprintf(format, a...)})
		}
		fc.Records++
		sv.pos++
		if ended {
			bad("a record follows the end record")
			continue
		}
		d := decoder{buf: payload}
		switch d.byte() {
		case snapHeader:
			sv.snapVersion = int64(d.uvarint())
			sv.snapCount = int(d.uvarint())
			sv.maxSeq = max(sv.maxSeq, sv.snapVersion)
			sv.maxID = max(sv.maxID, uint32(sv.snapCount))
		case snapRegions:
			var regions []geo.Region
			if err := json.Unmarshal(d.buf, &regions); err != nil {
				bad("regions: %v", err)
			} else if err := validateRegions(regions); err != nil {
				bad("regions: %v", err)
			} else {
				sv.setRegions(regions)
			}
		case snapSymbols:
			table = d.symTable(sv.syms)
		case snapChunk:
			n := d.uvarint()
			if table == nil {
				if tableLost {
					fc.Damaged++ // counted once per chunk: its incidents cannot be read
					sv.damage = append(sv.damage, &DamageError{File: path, Offset: off, Record: r.frames, Type: "incident chunk",
						Reason: fmt.Sprintf("its %d incidents cannot be read: the symbol table they refer to is damaged", n)})
					continue
				}
				bad("an incident chunk comes before the symbol table")
				continue
			}
			for i := uint64(0); i < n && d.err == nil; i++ {
				id, rec := d.record(table)
				if d.err == nil {
					fc.Incidents++
					sv.keepRecord(id, rec)
				}
			}
		case snapVersions:
			// Superseded versions and pending drafts: a salvage keeps each
			// incident's current version only.
			n := d.uvarint()
			for i := uint64(0); i < n && d.err == nil; i++ {
				d.record(table)
			}
		case snapEnd:
			ended = true
			if n := int(d.uvarint()); fc.Damaged == 0 && (n != fc.Incidents || n != sv.snapCount) {
				bad("the snapshot holds %d incidents, its end record says %d", fc.Incidents, n)
			}
		default:
			bad("unknown record type %q", payload[0])
		}
		if d.err != nil {
			bad("%v", d.err)
		}
	}
	if !ended && fc.Damaged == 0 {
		fc.Damaged++
		sv.damage = append(sv.damage, &DamageError{File: path, Offset: r.size, Record: r.frames + 1, Reason: "the snapshot ends before its end record"})
	}
	return nil
}

func (sv *survey) log() error {
	r, err := sv.open(logFile, 0, logFrames)
	if r == nil {
		return err
	}
	f, path := r.f, r.path
	defer f.Close()
	fc := FileCheck{Path: path, Bytes: r.size}
	defer func() { sv.files = append(sv.files, fc) }()
	prevSeq := max(sv.snapVersion, 0)
	var open []*LostSpan // spans waiting for the commit number after them
	readIDs := func(payload []byte) []string {
		if len(payload) == 0 || payload[0] != recImport {
			return nil
		}
		d := decoder{buf: payload[1:]}
		d.uvarint()
		table := d.symTable(newSymbols())
		n := d.uvarint()
		if d.err != nil {
			return nil
		}
		return readExts(&d, n, table)
	}
	for {
		payload, off, err := r.next()
		if err == io.EOF {
			break
		}
		var sp *badSpan
		if errors.As(err, &sp) {
			if sp.Torn {
				sv.torn = &TornTail{File: path, Offset: sp.Offset, Bytes: sp.Bytes(), Reason: sp.Reason}
				continue
			}
			sv.lose(f, &fc, sp, readIDs)
			ls := sv.spans[len(sv.spans)-1]
			ls.prevSeq = prevSeq
			open = append(open, ls)
			continue
		}
		if err != nil {
			return err
		}
		fc.Records++
		sv.pos++
		bad := func(err error) {
			fc.Damaged++
			sv.damage = append(sv.damage, &DamageError{File: path, Offset: off, Record: r.frames, Type: logRecordName(payload), Reason: err.Error()})
		}
		d := decoder{buf: payload}
		kind := d.byte()
		seq := int64(d.uvarint())
		if d.err != nil {
			bad(d.err)
			continue
		}
		for _, ls := range open {
			ls.nextSeq = seq
		}
		open = open[:0]
		prevSeq = seq
		sv.maxSeq = max(sv.maxSeq, seq)
		// A folded record is one the snapshot holds too, maybe changed
		// since: it only fills in what a damaged snapshot lost.
		folded := sv.snapVersion >= 0 && seq <= sv.snapVersion
		switch kind {
		case recImport:
			table := d.symTable(sv.syms)
			n := d.uvarint()
			if d.err == nil && n > uint64(len(d.buf)) {
				d.fail(errShort)
			}
			for i := uint64(0); i < n && d.err == nil; i++ {
				id, rec := d.record(table)
				if d.err == nil {
					fc.Incidents++
					if !folded || (sv.keep && sv.incidents[id] == nil) {
						sv.keepRecord(id, rec)
					}
				}
			}
		case recRegions:
			var regions []geo.Region
			if err := json.Unmarshal(d.buf, &regions); err != nil {
				bad(fmt.Errorf("decoding regions: %w", err))
			} else if err := validateRegions(regions); err != nil {
				bad(err)
			} else if !folded || !sv.regionsSet {
				sv.setRegions(regions)
			}
		case recRegionsJoined:
			regions, _, err := d.regionsJoined()
			if err != nil {
				bad(err)
			} else if !folded || !sv.regionsSet {
				sv.setRegions(regions)
			}
		default:
			bad(fmt.Errorf("unknown record type %q", kind))
			continue
		}
		if d.err != nil {
			bad(d.err)
		}
	}
	return nil
}

// readExts reads the external ids of up to n records from d, stopping at
// the first that does not decode: the bytes are damaged, so what reads is
// only a lead.
func readExts(d *decoder, n uint64, table []sym) []string {
	var out []string
	for i := uint64(0); i < n && d.err == nil; i++ {
		_, r := d.record(table)
		if d.err == nil && r.ext != "" && utf8.ValidString(r.ext) {
			out = append(out, r.ext)
		}
	}
	return slices.Compact(out)
}
