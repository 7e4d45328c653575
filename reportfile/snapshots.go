package reportfile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Publisher is the publisher of every snapshot: the figures are SOHR's even
// when another outlet quotes them (that outlet is in the title and URL).
const Publisher = "SOHR"

// Where a snapshot's claims come from.
const (
	WhereHeadline = "headline"
	WhereRegional = "regional line"
)

// snapshot is one object of the snapshots JSON.
type snapshot struct {
	URL                     *string          `json:"url"`
	Language                string           `json:"language"`
	SourceKind              string           `json:"source_kind"`
	Source                  *string          `json:"source"`
	PublishedOn             *string          `json:"published_on"`
	DateHint                *string          `json:"date_hint"`
	PeriodStart             string           `json:"period_start"`
	HeadlineTotalKilled     *int             `json:"headline_total_killed"`
	HeadlineScope           *string          `json:"headline_scope"`
	ISISKilled              *int             `json:"isis_killed"`
	RegimeKilled            *int             `json:"regime_killed"`
	RegimeIranBackedKilled  *int             `json:"regime_iran_backed_killed"`
	Operations              *int             `json:"operations"`
	CiviliansKilled         *int             `json:"civilians_killed"`
	CivilianNotes           *string          `json:"civilian_notes"`
	Regions                 []snapshotRegion `json:"regions"`
	ExcerptTruncatedRegions bool             `json:"excerpt_truncated_regions"`
	EventSummary            *string          `json:"event_summary"`
	EventPlace              *string          `json:"event_place"`
	EventGovernorate        *string          `json:"event_governorate"`
	Inconsistencies         []string         `json:"inconsistencies"`
	Notes                   *string          `json:"notes"`
}

type snapshotRegion struct {
	Region          string  `json:"region"`
	Operations      *int    `json:"operations"`
	Fatalities      *int    `json:"fatalities"`
	Combatants      *int    `json:"combatants"`
	IranBacked      *int    `json:"iran_backed"`
	ISIS            *int    `json:"isis"`
	Civilians       *int    `json:"civilians"`
	TrufflePickers  *int    `json:"truffle_pickers"`
	Children        *int    `json:"children"`
	Women           *int    `json:"women"`
	OtherCombatants *int    `json:"other_combatants"`
	LineTruncated   bool    `json:"line_truncated"`
	Notes           *string `json:"notes"`
}

// Snapshot is one entry of a snapshots file as read: the report and the
// file's own notes on it.
type Snapshot struct {
	Report geo.Report
	// Inconsistencies are the file's own list of the entry's arithmetic
	// gaps, as written (free text).
	Inconsistencies []string
	SourceKind      string
}

// ReadSnapshots reads a snapshots JSON array into reports.
func ReadSnapshots(r io.Reader) ([]geo.Report, error) {
	snaps, err := ReadSnapshotEntries(r)
	if err != nil {
		return nil, err
	}
	out := make([]geo.Report, len(snaps))
	for i := range snaps {
		out[i] = snaps[i].Report
	}
	return out, nil
}

// ReadSnapshotEntries reads a snapshots JSON array, keeping each entry's
// own inconsistencies beside its report. Every problem of every entry is
// returned (as Errors), and then no report.
func ReadSnapshotEntries(r io.Reader) ([]Snapshot, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("snapshots file: not a JSON array of objects: %w", err)
	}
	var errs Errors
	var out []Snapshot
	ids := map[string]int{}
	for i, msg := range raw {
		var s snapshot
		d := json.NewDecoder(strings.NewReader(string(msg)))
		d.DisallowUnknownFields()
		if err := d.Decode(&s); err != nil {
			errs = append(errs, fmt.Errorf("entry %d: %w", i+1, err))
			continue
		}
		rep, problems := s.report()
		for _, p := range problems {
			errs = append(errs, fmt.Errorf("entry %d: %s", i+1, p))
		}
		if len(problems) > 0 {
			continue
		}
		if j, dup := ids[rep.ExternalID]; dup {
			errs = append(errs, fmt.Errorf("entry %d: same url, language and headline as entry %d (id %s)", i+1, j, rep.ExternalID))
			continue
		}
		ids[rep.ExternalID] = i + 1
		out = append(out, Snapshot{Report: rep, Inconsistencies: s.Inconsistencies, SourceKind: s.SourceKind})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// externalID is stable across imports of the same entry: the period's
// year, the headline, the language and a hash of the url.
func (s *snapshot) externalID() string {
	key := str(s.URL)
	if key == "" {
		key = s.SourceKind + ":" + str(s.Source)
	}
	h := sha256.Sum256([]byte(key))
	head := "na"
	if s.HeadlineTotalKilled != nil {
		head = fmt.Sprint(*s.HeadlineTotalKilled)
	}
	year, _, _ := strings.Cut(s.PeriodStart, "-")
	return fmt.Sprintf("sohr-snapshot:%s-%s-%s-%s", year, head, s.Language, hex.EncodeToString(h[:4]))
}

func (s *snapshot) report() (geo.Report, []string) {
	var problems []string
	r := geo.Report{
		ExternalID:        s.externalID(),
		Publisher:         Publisher,
		URL:               str(s.URL),
		Language:          s.Language,
		RegionsIncomplete: s.ExcerptTruncatedRegions,
	}
	var err error
	if r.PeriodStart, err = time.Parse(geo.DateLayout, s.PeriodStart); err != nil {
		problems = append(problems, fmt.Sprintf("period_start %q is not a date like 2023-01-01", s.PeriodStart))
	}
	if p := str(s.PublishedOn); p != "" {
		if r.PublishedOn, err = time.Parse(geo.DateLayout, p); err != nil {
			problems = append(problems, fmt.Sprintf("published_on %q is not a date like 2023-12-20", p))
		}
	} else if d, ok := DateFromHint(str(s.DateHint)); ok {
		r.PublishedOn, r.PublishedEstimated = d, true
	}
	r.PeriodEnd = r.PublishedOn
	r.Title = s.title()
	var notes []string
	for _, n := range []struct{ k, v string }{{"headline scope", str(s.HeadlineScope)}, {"date hint", str(s.DateHint)},
		{"civilians", str(s.CivilianNotes)}, {"event", str(s.EventSummary)}, {"place", str(s.EventPlace)}, {"notes", str(s.Notes)}} {
		if n.v != "" {
			notes = append(notes, n.k+": "+n.v)
		}
	}
	r.Notes = strings.Join(notes, "\n")
	add := func(scope string, m geo.Metric, v *int, where string) {
		if v != nil {
			r.Claims = append(r.Claims, geo.Claim{Scope: scope, Metric: m, Value: *v, Where: where})
		}
	}
	total := geo.ReportScopeTotal
	add(total, geo.MetricOperations, s.Operations, WhereHeadline)
	add(total, geo.MetricKilled, s.HeadlineTotalKilled, WhereHeadline)
	add(total, geo.MetricMilitary, s.RegimeKilled, WhereHeadline)
	add(total, geo.MetricMilitia, s.RegimeIranBackedKilled, WhereHeadline)
	add(total, geo.MetricISIS, s.ISISKilled, WhereHeadline)
	add(total, geo.MetricCivilians, s.CiviliansKilled, WhereHeadline)
	seen := map[string]bool{}
	for _, reg := range s.Regions {
		code, ok := RegionCode(reg.Region)
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown region %q (want one of %s)", reg.Region, strings.Join(RegionNames(), ", ")))
			continue
		}
		if seen[code] {
			problems = append(problems, fmt.Sprintf("region %q listed twice", reg.Region))
			continue
		}
		seen[code] = true
		where := WhereRegional + ": " + reg.Region
		if reg.LineTruncated {
			where += " (line cut short)"
			r.RegionsIncomplete = true
		}
		add(code, geo.MetricOperations, reg.Operations, where)
		add(code, geo.MetricKilled, reg.Fatalities, where)
		add(code, geo.MetricMilitary, reg.Combatants, where)
		add(code, geo.MetricMilitia, reg.IranBacked, where)
		add(code, geo.MetricISIS, reg.ISIS, where)
		add(code, geo.MetricOtherArmed, reg.OtherCombatants, where)
		add(code, geo.MetricCivilians, reg.Civilians, where)
		add(code, geo.MetricTruffleGatherers, reg.TrufflePickers, where)
		add(code, geo.MetricChildren, reg.Children, where)
		add(code, geo.MetricWomen, reg.Women, where)
	}
	for _, c := range r.Claims {
		if c.Value < 0 {
			problems = append(problems, fmt.Sprintf("%s %s: negative figure %d", c.Scope, c.Metric, c.Value))
		}
	}
	if s.Language == "" {
		problems = append(problems, "language is missing")
	}
	return r, problems
}

func (s *snapshot) title() string {
	t := Publisher + " Badia running total since " + s.PeriodStart
	if s.HeadlineTotalKilled != nil {
		t += fmt.Sprintf(": %d killed", *s.HeadlineTotalKilled)
	}
	switch {
	case s.SourceKind == "seed":
		t += " (the seed report)"
	case s.SourceKind == "secondary_outlet_quoting_sohr":
		if u, err := url.Parse(str(s.URL)); err == nil && u.Host != "" {
			t += " (quoted by " + strings.TrimPrefix(u.Host, "www.") + ")"
		}
	}
	return t
}

// RegionNames are the region names a snapshot file may use.
func RegionNames() []string {
	var out []string
	for k := range regionCodes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	isoDate   = regexp.MustCompile(`\b(\d{4})[-/](\d{2})[-/](\d{2})\b`)
	textDate  = regexp.MustCompile(`\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})\b`)
	monthAbbr = map[string]time.Month{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}
)

// DateFromHint estimates a day from a snapshot's date_hint: the day it
// names (2023/04/17, 2023-11-21, 16 April 2023), or the middle of the
// earliest and latest when it names several ("between ... 21 Nov 2023 and
// ... 20 Dec 2023"). false when it names no day.
func DateFromHint(hint string) (time.Time, bool) {
	var days []time.Time
	for _, m := range isoDate.FindAllStringSubmatch(hint, -1) {
		if d, err := time.Parse(geo.DateLayout, m[1]+"-"+m[2]+"-"+m[3]); err == nil {
			days = append(days, d)
		}
	}
	for _, m := range textDate.FindAllStringSubmatch(hint, -1) {
		var day, year int
		fmt.Sscan(m[1], &day)
		fmt.Sscan(m[3], &year)
		d := time.Date(year, monthAbbr[m[2]], day, 0, 0, 0, 0, time.UTC)
		if d.Day() == day {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return time.Time{}, false
	}
	lo, hi := days[0], days[0]
	for _, d := range days {
		if d.Before(lo) {
			lo = d
		}
		if d.After(hi) {
			hi = d
		}
	}
	mid := lo.AddDate(0, 0, int(hi.Sub(lo).Hours()/24)/2)
	return mid, true
}
