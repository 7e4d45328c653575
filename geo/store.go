package geo

import (
	"context"
	"sort"
	"time"
)

// Store holds regions and incidents. geo/postgis and geo/memstore implement
// it; geo/storetest holds them to the same answers.
type Store interface {
	// ReplaceRegions replaces every region of the kinds present in regions
	// and re-joins every incident to the new polygons, in one transaction.
	// It returns how many incidents changed governorate or Badia region.
	// With a, it appends RegionsAudit of a with the write.
	ReplaceRegions(ctx context.Context, regions []Region, a *AuditEntry) (rejoined int, err error)
	// Regions returns the regions of the given kinds (every kind when none),
	// ordered by code.
	Regions(ctx context.Context, kinds ...RegionKind) ([]Region, error)

	// BeginImport starts an all-or-nothing batch of upserts by author (the
	// file, for badiamap import): each incident it adds or changes gets a
	// new version, published. With a, the commit appends ImportAudit of a
	// with the batch; a batch that does not commit leaves no entry.
	BeginImport(ctx context.Context, author string, a *AuditEntry) (ImportTx, error)
	// RemoveIncidents takes out every incident f matches, in one
	// transaction, and says how many: no read sees them any more and their
	// ids are not given again (the demo's removal; an edit's retraction
	// keeps what it retracts). With a, it appends RemovalAudit of a with
	// the write, even when nothing matched.
	RemoveIncidents(ctx context.Context, f IncidentFilter, a *AuditEntry) (int, error)

	// Incident returns one published incident by its stable id, or
	// ErrNotFound (a draft or a retracted incident is not there for public
	// reads; EditStore.Head reads it).
	Incident(ctx context.Context, id int64) (Incident, error)
	// ScanIncidents calls fn for each incident that f matches, in ascending
	// id order, starting after page.After and stopping after page.Limit
	// incidents (no limit when 0). It streams: memory does not grow with the
	// number of incidents. An error from fn stops the scan and is returned.
	ScanIncidents(ctx context.Context, f IncidentFilter, page Page, fn func(*Incident) error) error
	// CountIncidents is how many incidents f matches.
	CountIncidents(ctx context.Context, f IncidentFilter) (int, error)
	// Stats aggregates the incidents f matches by group, ordered by key
	// and location class (GroupKey). Groups with no incident are left out;
	// the groups add up to every incident f matches.
	Stats(ctx context.Context, f IncidentFilter, by GroupBy) ([]GroupTotals, error)

	// DataVersion changes whenever any write or import commits, so caches
	// keyed on it are emptied the moment the data changes. Under a
	// snapshot (SnapshotStore) it is the snapshot's version.
	DataVersion(ctx context.Context) (int64, error)
	// Ping reports whether the store can answer now.
	Ping(ctx context.Context) error
	Close() error
}

// ImportTx is a batch of incident upserts that applies whole or not at all.
// Upserts match on ExternalID: an existing incident keeps its ID and gets the
// new fields; a new one gets the next ID.
type ImportTx interface {
	// Add queues one valid incident. The store computes Governorate and
	// Region; whatever the caller put there is ignored.
	Add(inc *Incident) error
	// Commit applies every queued incident at once.
	Commit() (ImportResult, error)
	// Rollback discards the batch; after Commit it does nothing.
	Rollback() error
}

// ImportResult says what a committed import did.
type ImportResult struct {
	Inserted int
	Updated  int // the external id existed and some field differed: its fields were replaced
	// Unchanged counts rows whose external id existed with every field the
	// same: nothing was written for them (updated_at stays).
	Unchanged int
	// Elsewhere lists incidents whose computed governorate differs from the
	// one their source names (both known).
	Elsewhere []Relocation
}

// Relocation is an incident that landed in another governorate than its
// source says.
type Relocation struct {
	ExternalID        string
	SourceGovernorate string
	Governorate       string
}

// Page is one window of a keyset-paged scan.
type Page struct {
	After int64 // the id the previous page ended at: only ids greater (lower for the audit log's newest first)
	Limit int   // at most this many; 0 for all
}

// GroupBy names how Stats groups incidents.
type GroupBy string

// By region and by governorate, every incident is counted once, under its
// region's code ("" for none) and its location class (Located): a line of
// points per region, and lines of what is located too coarsely to join it.
const (
	ByRegion      GroupBy = "region"      // Badia region code, "" outside the Badia or too coarse to say
	ByGovernorate GroupBy = "governorate" // p-code, "" when joined to none
	ByMonth       GroupBy = "month"       // DateStart as 2024-01
	ByWeek        GroupBy = "week"        // ISO week of DateStart as 2024-W03
	ByEventType   GroupBy = "event_type"
)

// GroupBys lists every grouping Stats accepts.
var GroupBys = []GroupBy{ByRegion, ByGovernorate, ByMonth, ByWeek, ByEventType}

// GroupTotals is what the incidents of one group add up to.
type GroupTotals struct {
	Key string
	// Located splits the groups of ByRegion and ByGovernorate by location
	// class; "" for the other groupings.
	Located Located
	Totals
}

// SortGroups orders groups as Stats returns them: by key, then location
// class, both in byte order.
func SortGroups(groups []GroupTotals) {
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].Key != groups[j].Key {
			return groups[i].Key < groups[j].Key
		}
		return groups[i].Located < groups[j].Located
	})
}

// Totals aggregates a set of incidents.
type Totals struct {
	Operations int // number of incidents
	Killed     int // Casualties.Killed() summed
	Casualties Casualties
	FirstDate  time.Time // earliest DateStart
	LastDate   time.Time // latest DateStart
}

// Add counts inc into t.
func (t *Totals) Add(inc *Incident) {
	t.Operations++
	t.Killed += inc.Casualties.Killed()
	t.Casualties = t.Casualties.Add(inc.Casualties)
	if t.FirstDate.IsZero() || inc.DateStart.Before(t.FirstDate) {
		t.FirstDate = inc.DateStart
	}
	if inc.DateStart.After(t.LastDate) {
		t.LastDate = inc.DateStart
	}
}

// GroupKey is the key and location class of inc under by; false for an
// unknown grouping. Groups are ordered by key, then class.
func GroupKey(inc *Incident, by GroupBy) (string, Located, bool) {
	switch by {
	case ByRegion:
		return inc.Region, inc.Located(), true
	case ByGovernorate:
		return inc.Governorate, inc.Located(), true
	case ByMonth:
		return inc.DateStart.Format("2006-01"), "", true
	case ByWeek:
		y, w := inc.DateStart.ISOWeek()
		return isoWeek(y, w), "", true
	case ByEventType:
		return inc.EventType, "", true
	}
	return "", "", false
}

// AddTotals counts u into t.
func (t *Totals) AddTotals(u Totals) {
	t.Operations += u.Operations
	t.Killed += u.Killed
	t.Casualties = t.Casualties.Add(u.Casualties)
	if !u.FirstDate.IsZero() && (t.FirstDate.IsZero() || u.FirstDate.Before(t.FirstDate)) {
		t.FirstDate = u.FirstDate
	}
	if u.LastDate.After(t.LastDate) {
		t.LastDate = u.LastDate
	}
}
