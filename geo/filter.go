package geo

import (
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// VictimGroup names a casualty group a filter can ask for (CasualtyGroups
// marks them Victim).
type VictimGroup string

// VictimGroups lists every group a filter accepts, in CasualtyGroups order.
var VictimGroups = func() []VictimGroup {
	var out []VictimGroup
	for _, g := range CasualtyGroups {
		if g.Victim {
			out = append(out, VictimGroup(g.Name))
		}
	}
	return out
}()

// Count is how many of group g c holds (0 for a name that is no group).
func (c Casualties) Count(g VictimGroup) int {
	if cg, ok := CasualtyGroupNamed(string(g)); ok {
		return cg.Of(c)
	}
	return 0
}

// IncidentFilter selects incidents. Every endpoint and every format parses its
// query into one of these, so a map view, its download and its tiles agree.
// A zero field does not restrict. Lists are alternatives (OR); fields combine
// with AND.
type IncidentFilter struct {
	Governorates  []string      // p-codes, matched against the computed Governorate
	Regions       []string      // BADIA-SYxx, matched against the computed Region
	From, To      time.Time     // DateStart within [From, To], whole days, inclusive
	EventTypes    []string      // exact, case-sensitive ACLED event types
	SubEventTypes []string      // exact, case-sensitive ACLED sub-event types
	Perpetrators  []string      // case-insensitive substring of Perpetrator
	Victims       []VictimGroup // at least one of these groups has a victim
	MinKilled     int           // Casualties.Killed() >= MinKilled
	BBox          *orb.Bound    // Location inside, edges included
	Text          string        // case-insensitive substring of LocationName or Notes
	Sources       []string      // case-insensitive exact name of any Source
	MaxPrecision  int           // GeoPrecision <= MaxPrecision: the coarsest location kept (0: all)
	Illustrative  *bool         // Illustrative equals it (nil: both)
	// Statuses are the statuses kept; nil keeps published incidents only,
	// as every public read must.
	Statuses []Status
	// Where is a condition in a query language (the CQL2 filter of OGC
	// API - Features - Part 3), applied with the fields above (nil: none).
	Where Condition
}

// Condition is a filter condition written in a query language. The
// implementation that binds CQL2 to incidents lives outside geo (package
// geo/incidentcql); a store that compiles filters to its own language
// recognises it there, and Match applies it as the reference.
type Condition interface {
	// MatchIncident reports whether the condition is true for inc (false
	// where it is false or unknown, as a SQL WHERE clause keeps rows).
	MatchIncident(inc *Incident) bool
	// String is the condition in its canonical text, the same for the same
	// condition: next links, cache keys and echoed filters carry it.
	String() string
}

// Keeps reports whether f keeps incidents of status st ("" is published).
func (f *IncidentFilter) Keeps(st Status) bool {
	if st == "" {
		st = StatusPublished
	}
	if f.Statuses == nil {
		return st == StatusPublished
	}
	return slices.Contains(f.Statuses, st)
}

// Match reports whether inc passes f. It is the reference semantics: every
// Store must select exactly the incidents Match selects.
func (f *IncidentFilter) Match(inc *Incident) bool {
	if !f.Keeps(inc.Status) {
		return false
	}
	if len(f.Governorates) > 0 && !slices.Contains(f.Governorates, inc.Governorate) {
		return false
	}
	if len(f.Regions) > 0 && !slices.Contains(f.Regions, inc.Region) {
		return false
	}
	if !f.From.IsZero() && inc.DateStart.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && inc.DateStart.After(f.To) {
		return false
	}
	if len(f.EventTypes) > 0 && !slices.Contains(f.EventTypes, inc.EventType) {
		return false
	}
	if len(f.SubEventTypes) > 0 && !slices.Contains(f.SubEventTypes, inc.SubEventType) {
		return false
	}
	if len(f.Perpetrators) > 0 {
		ok := false
		for _, p := range f.Perpetrators {
			if containsFold(inc.Perpetrator, p) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.Victims) > 0 {
		ok := false
		for _, g := range f.Victims {
			if inc.Casualties.Count(g) > 0 {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if f.MinKilled > 0 && inc.Casualties.Killed() < f.MinKilled {
		return false
	}
	if f.BBox != nil && !f.BBox.Contains(inc.Location) {
		return false
	}
	if f.Text != "" && !containsFold(inc.LocationName, f.Text) && !containsFold(inc.Notes, f.Text) {
		return false
	}
	if f.MaxPrecision > 0 && inc.GeoPrecision > f.MaxPrecision {
		return false
	}
	if f.Illustrative != nil && inc.Illustrative != *f.Illustrative {
		return false
	}
	if f.Where != nil && !f.Where.MatchIncident(inc) {
		return false
	}
	if len(f.Sources) > 0 {
		ok := false
		for _, s := range inc.Sources {
			for _, want := range f.Sources {
				if equalFold(s.Name, want) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
