package memstore

import (
	"fmt"
	"math"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// noDay marks a zero time.Time in a day field.
const noDay = math.MinInt32

// sym is an index into the store's symbol table; 0 is "".
type sym = uint32

// symbols interns the strings that repeat across incidents (actors, admin
// names, event types, codes), so a million incidents hold each only once.
type symbols struct {
	list  []string
	index map[string]sym
}

func newSymbols() *symbols {
	return &symbols{list: []string{""}, index: map[string]sym{"": 0}}
}

func (s *symbols) intern(v string) sym {
	if id, ok := s.index[v]; ok {
		return id
	}
	id := sym(len(s.list))
	s.list = append(s.list, v)
	s.index[v] = id
	return id
}

// record is the compact in-memory form of a geo.Incident.
type record struct {
	ext                string
	lon, lat           float64
	dateStart, dateEnd int32 // days since 1970-01-01 UTC, noDay when zero
	datePrec, geoPrec  int32
	locName            sym
	srcAdm1, srcAdm2   sym
	srcGov             sym
	gov, region        sym // computed join
	eventType, subType sym
	perp, target       sym
	cas                [11]int32
	deaths             [3]int32
	hasDeaths          bool
	illustrative       bool
	removed            bool // taken out (RemoveIncidents): no read sees it, its id is never reused
	sources            []source
	notes              string
	created, updated   int64 // unix microseconds
	vers               versionInfo
}

// versionInfo is which version of its incident a record holds, and how it
// came to be. A record of the first format holds version 1, published by
// an import.
type versionInfo struct {
	status  geo.Status // "" is published
	version uint32
	action  geo.Action
	author  sym
	at      int64  // unix microseconds
	comment string //
	seq     uint64 // the order of published changes (Change.Seq); 0 for a draft
	// pending marks a draft of changes to a published (or retracted)
	// incident: it waits beside the record public reads see.
	pending bool
}

type source struct {
	name     sym
	url      string
	headline string
	date     int32 // days, noDay when zero
}

func toDay(t time.Time) int32 {
	if t.IsZero() {
		return noDay
	}
	u := t.Unix()
	d := u / 86400
	if u < 0 && u%86400 != 0 {
		d--
	}
	return int32(d)
}

func fromDay(d int32) time.Time {
	if d == noDay {
		return time.Time{}
	}
	return time.Unix(int64(d)*86400, 0).UTC()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// casArray and casStruct convert the counts of geo.CasualtyGroups, in its
// order, to and from a record's array.
func casArray(c geo.Casualties) [11]int32 {
	var a [11]int32
	for i, v := range c.Values() {
		a[i] = int32(v)
	}
	return a
}

func casStruct(a *[11]int32) geo.Casualties {
	var c geo.Casualties
	for i, g := range geo.CasualtyGroups {
		*g.Field(&c) = int(a[i])
	}
	return c
}

// checkFits rejects what the compact record cannot hold exactly.
func checkFits(inc *geo.Incident) error {
	c, want := casArray(inc.Casualties), inc.Casualties.Values()
	for i := range c {
		if int(c[i]) != want[i] {
			return fmt.Errorf("incident %s: casualty count %d is too large", inc.ExternalID, want[i])
		}
	}
	if d := inc.Deaths; d != nil && (d.Low > math.MaxInt32 || d.Best > math.MaxInt32 || d.High > math.MaxInt32) {
		return fmt.Errorf("incident %s: death estimate too large", inc.ExternalID)
	}
	for _, t := range []time.Time{inc.DateStart, inc.DateEnd} {
		if !t.IsZero() && (t.Year() < 1000 || t.Year() > 9999) {
			return fmt.Errorf("incident %s: date %s is out of range", inc.ExternalID, t.Format(geo.DateLayout))
		}
	}
	if int64(int32(inc.DatePrecision)) != int64(inc.DatePrecision) || int64(int32(inc.GeoPrecision)) != int64(inc.GeoPrecision) {
		return fmt.Errorf("incident %s: precision out of range", inc.ExternalID)
	}
	return nil
}

// newRecord builds the record of inc; the join fields are left for the caller.
func newRecord(syms *symbols, inc *geo.Incident) record {
	r := record{
		ext: inc.ExternalID, lon: inc.Location[0], lat: inc.Location[1],
		dateStart: toDay(inc.DateStart), dateEnd: toDay(inc.DateEnd),
		datePrec: int32(inc.DatePrecision), geoPrec: int32(inc.GeoPrecision),
		locName: syms.intern(inc.LocationName),
		srcAdm1: syms.intern(inc.SourceAdmin1), srcAdm2: syms.intern(inc.SourceAdmin2),
		srcGov:    syms.intern(inc.SourceGovernorate),
		eventType: syms.intern(inc.EventType), subType: syms.intern(inc.SubEventType),
		perp: syms.intern(inc.Perpetrator), target: syms.intern(inc.Target),
		cas: casArray(inc.Casualties), notes: inc.Notes, illustrative: inc.Illustrative,
	}
	if d := inc.Deaths; d != nil {
		r.hasDeaths = true
		r.deaths = [3]int32{int32(d.Low), int32(d.Best), int32(d.High)}
	}
	if len(inc.Sources) > 0 {
		r.sources = make([]source, len(inc.Sources))
		for i, s := range inc.Sources {
			r.sources[i] = source{name: syms.intern(s.Name), url: s.URL, headline: s.Headline, date: toDay(s.Date)}
		}
	}
	return r
}

// fill writes the incident of r (id id) into inc, reusing inc.Sources' array
// when reuse is true (for a scratch incident that never leaves the store).
func (r *record) fill(inc *geo.Incident, id int64, syms []string, reuse bool) {
	srcs := inc.Sources[:0]
	if !reuse {
		srcs = nil
	}
	*inc = geo.Incident{
		ID: id, ExternalID: r.ext,
		DateStart: fromDay(r.dateStart), DateEnd: fromDay(r.dateEnd), DatePrecision: int(r.datePrec),
		Location: orb.Point{r.lon, r.lat}, GeoPrecision: int(r.geoPrec), LocationName: syms[r.locName],
		SourceAdmin1: syms[r.srcAdm1], SourceAdmin2: syms[r.srcAdm2], SourceGovernorate: syms[r.srcGov],
		Governorate: syms[r.gov], Region: syms[r.region],
		EventType: syms[r.eventType], SubEventType: syms[r.subType],
		Perpetrator: syms[r.perp], Target: syms[r.target],
		JoinBasis: joinBasis(int(r.geoPrec), syms[r.srcGov], syms[r.gov]),
		Status:    r.status(), Version: int(max(r.vers.version, 1)),
		Casualties: casStruct(&r.cas), Notes: r.notes, Illustrative: r.illustrative,
		CreatedAt: fromMicros(r.created), UpdatedAt: fromMicros(r.updated),
	}
	if r.hasDeaths {
		inc.Deaths = &geo.DeathEstimate{Low: int(r.deaths[0]), Best: int(r.deaths[1]), High: int(r.deaths[2])}
	}
	for _, s := range r.sources {
		srcs = append(srcs, geo.Source{Name: syms[s.name], URL: s.url, Headline: s.headline, Date: fromDay(s.date)})
	}
	if len(srcs) > 0 || reuse {
		inc.Sources = srcs
	}
}

// sameIncident reports whether a (symbols from as) and b (symbols from bs)
// hold the same incident fields: everything an import writes, not the ids
// or the timestamps. An import leaves such a stored incident as it is.
func sameIncident(a *record, as []string, b *record, bs []string) bool {
	if a.lon != b.lon || a.lat != b.lat || a.dateStart != b.dateStart || a.dateEnd != b.dateEnd ||
		a.datePrec != b.datePrec || a.geoPrec != b.geoPrec || a.cas != b.cas ||
		a.hasDeaths != b.hasDeaths || a.deaths != b.deaths || a.notes != b.notes || a.illustrative != b.illustrative || a.removed != b.removed ||
		len(a.sources) != len(b.sources) {
		return false
	}
	for _, p := range [...][2]sym{{a.locName, b.locName}, {a.srcAdm1, b.srcAdm1}, {a.srcAdm2, b.srcAdm2},
		{a.srcGov, b.srcGov}, {a.gov, b.gov}, {a.region, b.region}, {a.eventType, b.eventType},
		{a.subType, b.subType}, {a.perp, b.perp}, {a.target, b.target}} {
		if as[p[0]] != bs[p[1]] {
			return false
		}
	}
	for i := range a.sources {
		x, y := &a.sources[i], &b.sources[i]
		if as[x.name] != bs[y.name] || x.url != y.url || x.headline != y.headline || x.date != y.date {
			return false
		}
	}
	return true
}

// joinBasis is why an incident joined governorate gov: the records keep the
// join, and the precision rule (geo.Incident.Join) says which basis gave it.
func joinBasis(precision int, srcGov, gov string) geo.JoinBasis {
	switch geo.LocatedAt(precision) {
	case geo.LocatedCountry:
		return geo.BasisNone
	case geo.LocatedGovernorate:
		if srcGov != "" && gov == srcGov {
			return geo.BasisSourceAdmin1
		}
	}
	return geo.BasisPoint
}

// status is the record's status, published when it holds none.
func (r *record) status() geo.Status {
	if r.vers.status == "" {
		return geo.StatusPublished
	}
	return r.vers.status
}

// version is the record as a geo.Version.
func (r *record) version(id int64, syms []string) geo.Version {
	v := geo.Version{Action: r.vers.action, Author: syms[r.vers.author], At: fromMicros(r.vers.at), Comment: r.vers.comment}
	r.fill(&v.Incident, id, syms, false)
	if v.Action == "" {
		v.Action = geo.ActionImport
	}
	if v.At.IsZero() {
		v.At = fromMicros(r.updated)
	}
	return v
}
