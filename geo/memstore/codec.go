package memstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/badiamap/badiamap/geo"
	"hash/crc32"
	"math"
)

// The binary form of records, shared by the log and the snapshot. Numbers
// are varints, strings are a length and bytes, and the repeating strings are
// indexes into a table that precedes the records.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is the length and CRC-32C of the payload that follows.
const frameHeader = 8

// appendFrame appends payload framed by its length and checksum.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(payload, castagnoli))
	return append(dst, payload...)
}

type encoder struct {
	buf []byte
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) varint(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) byte(b byte)      { e.buf = append(e.buf, b) }
func (e *encoder) float(f float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
}
func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// record writes r with id, its symbols mapped by symOut.
func (e *encoder) record(id uint32, r *record, symOut func(sym) uint64) {
	e.uvarint(uint64(id))
	e.str(r.ext)
	e.float(r.lon)
	e.float(r.lat)
	e.varint(int64(r.dateStart))
	e.varint(int64(r.dateEnd))
	e.varint(int64(r.datePrec))
	e.varint(int64(r.geoPrec))
	for _, s := range [...]sym{r.locName, r.srcAdm1, r.srcAdm2, r.srcGov, r.gov, r.region, r.eventType, r.subType, r.perp, r.target} {
		e.uvarint(symOut(s))
	}
	for _, c := range r.cas {
		e.varint(int64(c))
	}
	var flags byte // recordDeaths, recordIllustrative
	if r.hasDeaths {
		flags |= recordDeaths
	}
	if r.illustrative {
		flags |= recordIllustrative
	}
	if r.removed {
		flags |= recordRemoved
	}
	versioned := r.vers != (versionInfo{})
	if versioned {
		flags |= recordVersioned
	}
	e.byte(flags)
	if r.hasDeaths {
		for _, d := range r.deaths {
			e.varint(int64(d))
		}
	}
	e.uvarint(uint64(len(r.sources)))
	for i := range r.sources {
		s := &r.sources[i]
		e.uvarint(symOut(s.name))
		e.str(s.url)
		e.str(s.headline)
		e.varint(int64(s.date))
	}
	e.str(r.notes)
	e.varint(r.created)
	e.varint(r.updated)
	if versioned {
		v := &r.vers
		e.str(string(v.status))
		e.uvarint(uint64(v.version))
		e.str(string(v.action))
		e.uvarint(symOut(v.author))
		e.varint(v.at)
		e.str(v.comment)
		e.uvarint(v.seq)
		if v.pending {
			e.byte(1)
		} else {
			e.byte(0)
		}
	}
}

var errShort = errors.New("record ends early")

// The flags byte of a record (a record of the first format holds 0 or 1).
const (
	recordDeaths       = 1 << 0 // a death estimate follows
	recordIllustrative = 1 << 1 // geo.Incident.Illustrative
	recordRemoved      = 1 << 2 // taken out by RemoveIncidents
	recordVersioned    = 1 << 3 // a versionInfo follows the timestamps
)

type decoder struct {
	buf []byte
	err error
	// texts, when set, makes equal texts (headlines, URLs, notes) share one
	// string: generated and re-imported data repeat them a lot.
	texts map[string]string
}

// maxTexts bounds a texts map, so data whose texts never repeat costs a
// bounded map, not one entry per incident.
const maxTexts = 1 << 18

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.buf = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) int32() int32 {
	v := d.varint()
	if v != int64(int32(v)) {
		d.fail(errors.New("number out of range"))
	}
	return int32(v)
}

func (d *decoder) byte() byte {
	if len(d.buf) < 1 {
		d.fail(errShort)
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) float() float64 {
	if len(d.buf) < 8 {
		d.fail(errShort)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf))
	d.buf = d.buf[8:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail(errShort)
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

// text reads a string like str, sharing it through d.texts.
func (d *decoder) text() string {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail(errShort)
		return ""
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	if n == 0 {
		return ""
	}
	if d.texts == nil {
		return string(b)
	}
	if v, ok := d.texts[string(b)]; ok {
		return v
	}
	v := string(b)
	if len(d.texts) < maxTexts {
		d.texts[v] = v
	}
	return v
}

// sym reads a table index and maps it to the store's symbol.
func (d *decoder) sym(table []sym) sym {
	i := d.uvarint()
	if i >= uint64(len(table)) {
		d.fail(errors.New("symbol index out of range"))
		return 0
	}
	return table[i]
}

// record reads one record written by encoder.record.
func (d *decoder) record(table []sym) (uint32, record) {
	var r record
	id := d.uvarint()
	if id == 0 || id > math.MaxUint32 {
		d.fail(errors.New("incident id out of range"))
	}
	r.ext = d.str()
	r.lon = d.float()
	r.lat = d.float()
	r.dateStart = d.int32()
	r.dateEnd = d.int32()
	r.datePrec = d.int32()
	r.geoPrec = d.int32()
	for _, p := range [...]*sym{&r.locName, &r.srcAdm1, &r.srcAdm2, &r.srcGov, &r.gov, &r.region, &r.eventType, &r.subType, &r.perp, &r.target} {
		*p = d.sym(table)
	}
	for i := range r.cas {
		r.cas[i] = d.int32()
	}
	flags := d.byte()
	if flags&^(recordDeaths|recordIllustrative|recordRemoved|recordVersioned) != 0 {
		d.fail(fmt.Errorf("unknown record flags %#x", flags))
	}
	r.hasDeaths, r.illustrative, r.removed = flags&recordDeaths != 0, flags&recordIllustrative != 0, flags&recordRemoved != 0
	if r.hasDeaths {
		for i := range r.deaths {
			r.deaths[i] = d.int32()
		}
	}
	if n := d.uvarint(); n > 0 {
		if n > uint64(len(d.buf)) {
			d.fail(errShort)
			return 0, r
		}
		r.sources = make([]source, n)
		for i := range r.sources {
			s := &r.sources[i]
			s.name = d.sym(table)
			s.url = d.text()
			s.headline = d.text()
			s.date = d.int32()
		}
	}
	r.notes = d.text()
	r.created = d.varint()
	r.updated = d.varint()
	if flags&recordVersioned != 0 {
		v := &r.vers
		v.status = geo.Status(d.str())
		v.version = uint32(d.uvarint())
		v.action = geo.Action(d.str())
		v.author = d.sym(table)
		v.at = d.varint()
		v.comment = d.text()
		v.seq = d.uvarint()
		v.pending = d.byte() == 1
	}
	return uint32(id), r
}

// symTable writes the strings of a table.
func (e *encoder) symTable(list []string) {
	e.uvarint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

// symTable reads a table and interns its strings into syms, returning the
// store's symbol for each index.
func (d *decoder) symTable(syms *symbols) []sym {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail(errShort)
		return nil
	}
	table := make([]sym, n)
	for i := range table {
		table[i] = syms.intern(d.str())
	}
	return table
}

// localSyms numbers the symbols one batch uses, so a log record carries its
// own strings and replays into any symbol table.
type localSyms struct {
	global []string
	index  map[sym]uint64
	list   []string
}

func newLocalSyms(global []string) *localSyms {
	return &localSyms{global: global, index: map[sym]uint64{0: 0}, list: []string{""}}
}

func (l *localSyms) out(s sym) uint64 {
	if i, ok := l.index[s]; ok {
		return i
	}
	i := uint64(len(l.list))
	l.list = append(l.list, l.global[s])
	l.index[s] = i
	return i
}
