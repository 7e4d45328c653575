package geo

import (
	"time"

	"github.com/paulmach/orb"
)

// Incident is one attack or clash, as reported by a source, joined to the
// governorate and Badia region its point falls in.
type Incident struct {
	ID         int64  // stable id assigned by the store on first insert, kept by upserts
	ExternalID string // the source's own id with its scheme: ucdp:214797, acled:SYR1234, sohr-demo:17

	DateStart     time.Time // a calendar day (UTC midnight)
	DateEnd       time.Time // equal to DateStart for a one-day event
	DatePrecision int       // UCDP date_prec scale, see DatePrecision* constants

	Location     orb.Point // lon, lat (WGS84)
	GeoPrecision int       // UCDP where_prec scale, see GeoPrecision* constants
	LocationName string

	// The source's own administrative names, kept verbatim: sources and
	// polygons disagree (Al-Tanf is Homs for UCDP, Rural Damascus for OCHA).
	SourceAdmin1 string
	SourceAdmin2 string
	// SourceGovernorate is the p-code SourceAdmin1 names ("" when it names none).
	SourceGovernorate string

	// Computed on every write and after every boundary reload, by the
	// precision rule (Join): from the point, or the source's admin1 for a
	// governorate-level location, or nothing for a country-level one.
	Governorate string    // p-code, "" when joined to none
	Region      string    // BADIA-SYxx, "" outside the Badia or located too coarsely to say
	JoinBasis   JoinBasis // why Governorate is what it is

	EventType    string // ACLED event type, e.g. "Battles"
	SubEventType string // ACLED sub-event type, e.g. "Armed clash"
	Perpetrator  string // actor that attacked (side A)
	Target       string // actor attacked (side B)

	Casualties Casualties
	// Deaths keeps a source's low/best/high estimate (UCDP); nil when the
	// source gives a single figure.
	Deaths *DeathEstimate

	Sources []Source
	Notes   string
	// Illustrative marks an incident whose place and date were made up to
	// illustrate published figures (the demo data set), never real data.
	Illustrative bool

	// Status and Version are the store's: who may see the incident, and
	// which of its versions (from 1) these fields are.
	Status  Status
	Version int

	CreatedAt time.Time
	UpdatedAt time.Time
}

// EventTypes are the event types of ACLED's taxonomy, to which the importers
// map every source (UCDP's types of violence become Battles and Violence
// against civilians); EventType holds one of them.
var EventTypes = []string{"Battles", "Explosions/Remote violence", "Violence against civilians",
	"Protests", "Riots", "Strategic developments"}

// Date precision on UCDP's date_prec scale. ACLED's time_precision maps
// 1 -> DateExact, 2 -> DateWeek, 3 -> DateMonth.
const (
	DateExact  = 1 // the exact day
	DateDays   = 2 // within 2-6 days
	DateWeek   = 3 // within a week
	DateMonth  = 4 // within a month
	DateLonger = 5 // longer than a month
)

// Geographic precision on UCDP's where_prec scale. ACLED's geo_precision maps
// 1 -> GeoExact, 2 -> GeoNear, 3 -> GeoAdmin2.
const (
	GeoExact   = 1 // the exact place
	GeoNear    = 2 // within about 25 km
	GeoAdmin2  = 3 // second-order administrative division
	GeoAdmin1  = 4 // first-order administrative division (governorate)
	GeoLinear  = 5 // a stretch of road, river or region not an admin unit
	GeoCountry = 6 // the country
	GeoAbroad  = 7 // international waters or airspace
)

// DeathEstimate is a source's range of deaths for one event.
type DeathEstimate struct {
	Low, Best, High int
}

// Casualties are the people killed, injured and abducted in one incident, by
// group. Militia is a subset of Military; Children, Women and
// TruffleGatherers are subsets of Civilians.
type Casualties struct {
	Military         int // state forces and allied militia killed
	Militia          int // of which allied (Iran-backed) militia
	ISIS             int // ISIS members killed
	OtherArmed       int // other armed groups killed
	Civilians        int // civilians killed
	Children         int // of which children
	Women            int // of which women
	TruffleGatherers int // of which truffle gatherers
	Unknown          int // killed, group not known
	Injured          int
	Abducted         int
}

// Killed is everyone killed: the groups that partition the dead.
func (c Casualties) Killed() int {
	return c.Military + c.ISIS + c.OtherArmed + c.Civilians + c.Unknown
}

// Add returns the sum of c and d, group by group.
func (c Casualties) Add(d Casualties) Casualties {
	return Casualties{
		Military: c.Military + d.Military, Militia: c.Militia + d.Militia,
		ISIS: c.ISIS + d.ISIS, OtherArmed: c.OtherArmed + d.OtherArmed,
		Civilians: c.Civilians + d.Civilians, Children: c.Children + d.Children,
		Women: c.Women + d.Women, TruffleGatherers: c.TruffleGatherers + d.TruffleGatherers,
		Unknown: c.Unknown + d.Unknown, Injured: c.Injured + d.Injured, Abducted: c.Abducted + d.Abducted,
	}
}

// Source is one report an incident rests on.
type Source struct {
	Name     string    // SOHR, Airwars, ...
	URL      string    // "" when not known
	Date     time.Time // zero when not known
	Headline string
}
