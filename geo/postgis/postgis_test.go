package postgis_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/migrations"
	"github.com/paulmach/orb"
)

// newStore is a migrated, empty store on a fresh database.
func newStore(t testing.TB) *postgis.Store {
	t.Helper()
	return openMigrated(t, pgtest.NewDatabase(t))
}

func openMigrated(t testing.TB, url string) *postgis.Store {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := migrations.Apply(ctx, db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	s, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func rect(minx, miny, maxx, maxy float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{minx, miny}, {maxx, miny}, {maxx, maxy}, {minx, maxy}, {minx, miny}}}}
}

// testRegions is a grid of four governorates over Syria's box, an overlapping
// fifth (to exercise "lowest code first") and two Badia regions.
func testRegions() []geo.Region {
	return []geo.Region{
		{Code: "SY01", Kind: geo.KindGovernorate, NameEN: "West-South", Geom: rect(35, 32, 39, 35)},
		{Code: "SY02", Kind: geo.KindGovernorate, NameEN: "East-South", Geom: rect(39, 32, 43, 35)},
		{Code: "SY03", Kind: geo.KindGovernorate, NameEN: "West-North", Geom: rect(35, 35, 39, 38), NameAR: "شمال غرب"},
		{Code: "SY04", Kind: geo.KindGovernorate, NameEN: "East-North", Geom: rect(39, 35, 43, 38)},
		{Code: "SY00", Kind: geo.KindGovernorate, NameEN: "Overlap", Geom: rect(38, 34, 40, 36)},
		{Code: "BADIA-SY02", Kind: geo.KindBadia, Parent: "SY02", Geom: rect(39, 32, 42, 35), AreaKM2: 1234.5,
			Source: "test", Attribution: "nobody"},
		{Code: "BADIA-SY04", Kind: geo.KindBadia, Parent: "SY04", Geom: rect(39, 35, 41, 36)},
	}
}

// joinInGo is the join rule computed independently of the store.
func joinInGo(regions []geo.Region, kind geo.RegionKind, p orb.Point) string {
	best := ""
	for _, r := range regions {
		if r.Kind != kind {
			continue
		}
		b := r.Geom.Bound()
		if b.Contains(p) && (best == "" || r.Code < best) {
			best = r.Code
		}
	}
	return best
}

// joinByRuleInGo is the join of inc by the precision rule over regions,
// computed independently of the store: the point's join of the precise
// classes, the source's governorate for a governorate-level location that
// names one held, nothing for a country-level one.
func joinByRuleInGo(regions []geo.Region, inc geo.Incident) (gov, region string, basis geo.JoinBasis) {
	gov, region, basis = joinInGo(regions, geo.KindGovernorate, inc.Location), joinInGo(regions, geo.KindBadia, inc.Location), "point"
	switch inc.GeoPrecision {
	case 1, 2:
	case 3:
		region = ""
	case 4, 5:
		region = ""
		for _, r := range regions {
			if r.Kind == geo.KindGovernorate && r.Code == inc.SourceGovernorate && r.Code != "" {
				gov, basis = r.Code, "source_admin1"
			}
		}
	default:
		gov, region, basis = "", "", "none"
	}
	return gov, region, basis
}

var (
	eventTypes   = []string{"Battles", "Explosions/Remote violence", "Violence against civilians", ""}
	subTypes     = []string{"Armed clash", "Air/drone strike", "Attack", "Shelling/artillery/missile attack"}
	perpetrators = []string{"Islamic State", "Government of Syria", "SDF", "Unknown 100%_ok\\"}
	places       = []string{"Palmyra", "As Sukhnah", "Tadmur district", "قرية الشولا", "T3 pumping station"}
	sourceNames  = []string{"SOHR", "Airwars", "sohr", "UCDP"}
)

// genIncidents makes n varied, valid incidents from a seed.
func genIncidents(seed uint64, n int) []geo.Incident {
	rng := rand.New(rand.NewPCG(seed, 7))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	out := make([]geo.Incident, n)
	base := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		inc := &out[i]
		inc.ExternalID = fmt.Sprintf("test:%d", i+1)
		inc.DateStart = base.AddDate(0, 0, rng.IntN(1500))
		inc.DateEnd = inc.DateStart.AddDate(0, 0, rng.IntN(3))
		inc.DatePrecision = 1 + rng.IntN(5)
		// Some points exactly on grid lines, to hold edges to the rule.
		if rng.IntN(10) == 0 {
			inc.Location = orb.Point{float64(36 + rng.IntN(6)), 32.5 + float64(rng.IntN(5))}
		} else {
			inc.Location = orb.Point{35.3 + rng.Float64()*7.5, 32 + rng.Float64()*5.7}
		}
		inc.GeoPrecision = 1 + rng.IntN(6)
		inc.LocationName = pick(places)
		inc.SourceAdmin1 = "Homs Governorate"
		inc.SourceGovernorate = []string{"", "SY01", "SY02", "SY04"}[rng.IntN(4)]
		inc.EventType = pick(eventTypes)
		inc.SubEventType = pick(subTypes)
		inc.Perpetrator = pick(perpetrators)
		inc.Target = pick(perpetrators)
		c := &inc.Casualties
		c.Military = rng.IntN(4)
		c.Militia = rng.IntN(c.Military + 1)
		c.ISIS = rng.IntN(3)
		c.OtherArmed = rng.IntN(2)
		c.Civilians = rng.IntN(4)
		c.Children = rng.IntN(c.Civilians + 1)
		c.Women = rng.IntN(c.Civilians + 1)
		c.TruffleGatherers = rng.IntN(c.Civilians + 1)
		c.Unknown = rng.IntN(2)
		c.Injured = rng.IntN(5)
		c.Abducted = rng.IntN(2)
		if rng.IntN(2) == 0 {
			k := c.Killed()
			inc.Deaths = &geo.DeathEstimate{Low: k, Best: k + rng.IntN(2), High: k + 2}
		}
		if rng.IntN(4) > 0 {
			inc.Sources = []geo.Source{{Name: pick(sourceNames), URL: "https://example.org/" + inc.ExternalID,
				Headline: "clashes near " + inc.LocationName}}
			if rng.IntN(2) == 0 {
				inc.Sources[0].Date = inc.DateStart
				inc.Sources = append(inc.Sources, geo.Source{Name: pick(sourceNames)})
			}
		}
		if rng.IntN(3) == 0 {
			inc.Notes = "Reported by " + strings.ToUpper(pick(places)) + "; 50% certain_"
		}
	}
	return out
}

func importAll(t testing.TB, s geo.Store, incs []geo.Incident) geo.ImportResult {
	t.Helper()
	tx, err := s.BeginImport(context.Background(), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range incs {
		if err := tx.Add(&incs[i]); err != nil {
			tx.Rollback()
			t.Fatalf("add %s: %v", incs[i].ExternalID, err)
		}
	}
	res, err := tx.Commit()
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return res
}

func scanAll(t testing.TB, s geo.Store, f geo.IncidentFilter) []geo.Incident {
	t.Helper()
	var out []geo.Incident
	if err := s.ScanIncidents(context.Background(), f, geo.Page{}, func(inc *geo.Incident) error {
		out = append(out, *inc)
		return nil
	}); err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

func TestImportStoresEveryFieldAndJoins(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	regions := testRegions()
	if n, err := s.ReplaceRegions(ctx, regions, nil); err != nil || n != 0 {
		t.Fatalf("ReplaceRegions on no incidents = %d, %v", n, err)
	}
	v0, err := s.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	incs := genIncidents(1, 500)
	res := importAll(t, s, incs)
	if res.Inserted != len(incs) || res.Updated != 0 {
		t.Fatalf("first import: %+v, want %d inserted", res, len(incs))
	}
	if v1, _ := s.DataVersion(ctx); v1 <= v0 {
		t.Errorf("data version %d did not move past %d on import", v1, v0)
	}
	got := scanAll(t, s, geo.IncidentFilter{})
	if len(got) != len(incs) {
		t.Fatalf("scanned %d incidents, imported %d", len(got), len(incs))
	}
	wantElsewhere := 0
	for i, g := range got {
		want := incs[i]
		if g.ID != int64(i+1) {
			t.Fatalf("incident %s has id %d, want %d (ids follow the import order from 1)", g.ExternalID, g.ID, i+1)
		}
		want.ID = g.ID
		want.Governorate, want.Region, want.JoinBasis = joinByRuleInGo(regions, want)
		if want.SourceGovernorate != "" && want.Governorate != "" && want.SourceGovernorate != want.Governorate {
			wantElsewhere++
		}
		if g.CreatedAt.IsZero() || g.UpdatedAt.IsZero() {
			t.Fatalf("incident %s has no timestamps", g.ExternalID)
		}
		want.CreatedAt, want.UpdatedAt = g.CreatedAt, g.UpdatedAt
		if g.Status != geo.StatusPublished || g.Version != 1 {
			t.Fatalf("incident %s is %s version %d; an import publishes version 1", g.ExternalID, g.Status, g.Version)
		}
		want.Status, want.Version = g.Status, g.Version
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("incident read back differs:\n got %+v\nwant %+v", g, want)
		}
		one, err := s.Incident(ctx, g.ID)
		if err != nil || !reflect.DeepEqual(one, g) {
			t.Fatalf("Incident(%d) = %+v, %v; scan gave %+v", g.ID, one, err, g)
		}
	}
	if len(res.Elsewhere) != wantElsewhere {
		t.Errorf("Elsewhere lists %d incidents, the join in Go finds %d", len(res.Elsewhere), wantElsewhere)
	}
	if _, err := s.Incident(ctx, 1_000_000); err == nil || !strings.Contains(err.Error(), geo.ErrNotFound.Error()) {
		t.Errorf("Incident of an unknown id: %v, want ErrNotFound", err)
	}

	// Re-import: the changed row updates, the others are left alone, every
	// row keeps its id; one new row is next.
	incs[3].Notes = "changed"
	more := append(slices.Clone(incs), genIncidents(2, 1)...)
	more[len(more)-1].ExternalID = "test:new"
	res = importAll(t, s, more)
	if res.Inserted != 1 || res.Updated != 1 || res.Unchanged != len(incs)-1 {
		t.Fatalf("second import: inserted %d updated %d unchanged %d, want 1, 1 and %d", res.Inserted, res.Updated, res.Unchanged, len(incs)-1)
	}
	again := scanAll(t, s, geo.IncidentFilter{})
	if again[3].Notes != "changed" || again[3].ID != 4 || again[len(again)-1].ID != int64(len(incs)+1) {
		t.Errorf("after upsert: incident 4 notes %q id %d, new incident id %d (want %d)",
			again[3].Notes, again[3].ID, again[len(again)-1].ID, len(incs)+1)
	}

	// Regions read back as given.
	back, err := s.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(regions) {
		t.Fatalf("%d regions read back, %d stored", len(back), len(regions))
	}
	for _, r := range back {
		i := slices.IndexFunc(regions, func(x geo.Region) bool { return x.Code == r.Code })
		if !reflect.DeepEqual(r, regions[i]) {
			t.Errorf("region read back differs:\n got %+v\nwant %+v", r, regions[i])
		}
	}
	badia, err := s.Regions(ctx, geo.KindBadia)
	if err != nil || len(badia) != 2 || badia[0].Code != "BADIA-SY02" {
		t.Errorf("Regions(badia) = %d regions, %v", len(badia), err)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.ReplaceRegions(ctx, testRegions(), nil); err != nil {
		t.Fatal(err)
	}
	incs := genIncidents(3, 20)
	tx, err := s.BeginImport(ctx, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range incs[:10] {
		if err := tx.Add(&incs[i]); err != nil {
			t.Fatal(err)
		}
	}
	bad := incs[10]
	bad.Location = orb.Point{math.NaN(), 34}
	if err := tx.Add(&bad); err == nil {
		t.Error("Add accepted a NaN longitude")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountIncidents(ctx, geo.IncidentFilter{}); n != 0 {
		t.Fatalf("%d incidents after a rolled back import", n)
	}
	// An empty batch commits and changes nothing.
	if res := importAll(t, s, nil); res.Inserted != 0 || res.Updated != 0 || len(res.Elsewhere) != 0 {
		t.Errorf("an empty import reports %+v", res)
	}
	// An external id twice in one batch fails the batch and names the id.
	dup := append(slices.Clone(incs[:3]), incs[0])
	tx, err = s.BeginImport(ctx, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range dup {
		if err = tx.Add(&dup[i]); err != nil {
			break
		}
	}
	if err == nil {
		_, err = tx.Commit()
	}
	tx.Rollback()
	if err == nil || !strings.Contains(err.Error(), "twice") || !strings.Contains(err.Error(), incs[0].ExternalID) {
		t.Errorf("a batch with a repeated id: %v, want an error naming %s", err, incs[0].ExternalID)
	}
	if n, _ := s.CountIncidents(ctx, geo.IncidentFilter{}); n != 0 {
		t.Fatalf("%d incidents after a failed import", n)
	}
}

// TestFiltersAgreeWithMatch holds every filter field to geo.IncidentFilter.Match.
func TestFiltersAgreeWithMatch(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.ReplaceRegions(ctx, testRegions(), nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, genIncidents(4, 2000))
	all := scanAll(t, s, geo.IncidentFilter{})
	day := func(s string) time.Time { d, _ := time.Parse(geo.DateLayout, s); return d }
	filters := []geo.IncidentFilter{
		{},
		{Governorates: []string{"SY00", "SY04"}},
		{Governorates: []string{""}},
		{Regions: []string{"BADIA-SY02"}},
		{Regions: []string{""}, Governorates: []string{"SY02"}},
		{From: day("2017-03-01"), To: day("2017-03-31")},
		{From: day("2017-03-01").Add(time.Hour)},
		{To: time.Date(2016, 6, 1, 23, 0, 0, 0, time.FixedZone("x", 5*3600))},
		{EventTypes: []string{"Battles", ""}},
		{EventTypes: []string{"battles"}},
		{SubEventTypes: []string{"Attack"}, EventTypes: []string{"Violence against civilians"}},
		{Perpetrators: []string{"islamic"}},
		{Perpetrators: []string{"100%_"}},
		{Perpetrators: []string{"_ok\\"}},
		{Perpetrators: []string{"%"}},
		{Victims: []geo.VictimGroup{geo.VictimGroup("children")}},
		{Victims: []geo.VictimGroup{geo.VictimGroup("militia"), geo.VictimGroup("truffle_gatherers"), geo.VictimGroup("women")}},
		{Victims: []geo.VictimGroup{geo.VictimGroup("isis"), geo.VictimGroup("military"), geo.VictimGroup("civilians")}},
		{Victims: []geo.VictimGroup{"nobody"}},
		{MinKilled: 6},
		{BBox: &orb.Bound{Min: orb.Point{36, 33.5}, Max: orb.Point{38, 35.5}}},
		{BBox: &orb.Bound{Min: orb.Point{37, 33.5}, Max: orb.Point{37, 36.5}}}, // a line: edge points only
		{Text: "SUKHNAH"},
		{Text: "50%"},
		{Text: "الشولا"},
		{Sources: []string{"sohr"}},
		{Sources: []string{"Airwars", "ucdp"}},
		{Governorates: []string{"SY01"}, Victims: []geo.VictimGroup{geo.VictimGroup("civilians")}, MinKilled: 2,
			From: day("2016-06-01"), Text: "a"},
	}
	for i, f := range filters {
		var want []int64
		var totals = map[geo.GroupBy]map[string]*geo.Totals{} // by key and location class
		for _, by := range geo.GroupBys {
			totals[by] = map[string]*geo.Totals{}
		}
		for j := range all {
			if f.Match(&all[j]) {
				want = append(want, all[j].ID)
				for _, by := range geo.GroupBys {
					if key, located, ok := geo.GroupKey(&all[j], by); ok {
						k := key + "|" + string(located)
						if totals[by][k] == nil {
							totals[by][k] = &geo.Totals{}
						}
						totals[by][k].Add(&all[j])
					}
				}
			}
		}
		var got []int64
		for _, inc := range scanAll(t, s, f) {
			got = append(got, inc.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("filter %d %+v: store selects %d incidents, Match %d", i, f, len(got), len(want))
			continue
		}
		if n, err := s.CountIncidents(ctx, f); err != nil || n != len(want) {
			t.Errorf("filter %d: CountIncidents = %d, %v; want %d", i, n, err, len(want))
		}
		for _, by := range geo.GroupBys {
			stats, err := s.Stats(ctx, f, by)
			if err != nil {
				t.Fatalf("stats by %s: %v", by, err)
			}
			if len(stats) != len(totals[by]) {
				t.Errorf("filter %d by %s: %d groups, want %d", i, by, len(stats), len(totals[by]))
				continue
			}
			for k, g := range stats {
				if k > 0 && (stats[k-1].Key > g.Key || stats[k-1].Key == g.Key && stats[k-1].Located >= g.Located) {
					t.Errorf("stats by %s not ordered by key and class: %q %s then %q %s", by, stats[k-1].Key, stats[k-1].Located, g.Key, g.Located)
				}
				if w := totals[by][g.Key+"|"+string(g.Located)]; w == nil || !reflect.DeepEqual(*w, g.Totals) {
					t.Errorf("filter %d by %s key %q: got %+v want %+v", i, by, g.Key, g.Totals, w)
				}
			}
		}
		if len(want) > 3 { // keyset paging visits every incident once
			var paged []int64
			after := int64(0)
			for {
				n := 0
				err := s.ScanIncidents(ctx, f, geo.Page{After: after, Limit: 3}, func(inc *geo.Incident) error {
					paged = append(paged, inc.ID)
					after = inc.ID
					n++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if n < 3 {
					break
				}
			}
			if !slices.Equal(paged, want) {
				t.Errorf("filter %d: paging by 3 visits %d incidents, want %d", i, len(paged), len(want))
			}
		}
	}
	if _, err := s.Stats(ctx, geo.IncidentFilter{}, "year; DROP TABLE incidents"); err == nil {
		t.Error("Stats accepted an unknown grouping")
	}
}

func TestReplaceRegionsRejoins(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	regions := testRegions()
	if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, genIncidents(5, 300))
	before := scanAll(t, s, geo.IncidentFilter{})
	// Move the north/south border of the eastern half up by one degree and
	// drop the overlap region.
	moved := []geo.Region{
		{Code: "SY01", Kind: geo.KindGovernorate, Geom: rect(35, 32, 39, 35)},
		{Code: "SY02", Kind: geo.KindGovernorate, Geom: rect(39, 32, 43, 36)},
		{Code: "SY03", Kind: geo.KindGovernorate, Geom: rect(35, 35, 39, 38)},
		{Code: "SY04", Kind: geo.KindGovernorate, Geom: rect(39, 36, 43, 38)},
	}
	v0, _ := s.DataVersion(ctx)
	n, err := s.ReplaceRegions(ctx, moved, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v1, _ := s.DataVersion(ctx); v1 <= v0 {
		t.Error("ReplaceRegions did not bump the data version")
	}
	kept := append(slices.Clone(moved), regions[5:]...) // badia regions were not replaced
	changed := 0
	for _, inc := range before {
		g, r, _ := joinByRuleInGo(kept, inc)
		if g != inc.Governorate || r != inc.Region {
			changed++
		}
	}
	if n != changed || n == 0 {
		t.Errorf("ReplaceRegions re-joined %d incidents, the join in Go changes %d", n, changed)
	}
	for _, inc := range scanAll(t, s, geo.IncidentFilter{}) {
		if g, _, _ := joinByRuleInGo(kept, inc); g != inc.Governorate {
			t.Fatalf("%s at %v joined to %q after the reload, want %q", inc.ExternalID, inc.Location, inc.Governorate, g)
		}
	}
	if got, _ := s.Regions(ctx, geo.KindGovernorate); len(got) != 4 {
		t.Errorf("%d governorates after replacing with 4", len(got))
	}
	if _, err := s.ReplaceRegions(ctx, []geo.Region{{Code: "X", Kind: "planet", Geom: rect(0, 0, 1, 1)}}, nil); err == nil {
		t.Error("ReplaceRegions accepted an unknown kind")
	}
}

func TestUnavailableAndRecovery(t *testing.T) {
	ctx := context.Background()
	c := pgtest.StartCluster(t)
	s := openMigrated(t, c.URL)
	if _, err := s.ReplaceRegions(ctx, testRegions(), nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, genIncidents(6, 50))

	c.Stop()
	for _, call := range []struct {
		name string
		fn   func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"CountIncidents", func() error { _, err := s.CountIncidents(ctx, geo.IncidentFilter{}); return err }},
		{"ScanIncidents", func() error {
			return s.ScanIncidents(ctx, geo.IncidentFilter{}, geo.Page{}, func(*geo.Incident) error { return nil })
		}},
		{"Regions", func() error { _, err := s.Regions(ctx); return err }},
		{"BeginImport", func() error { _, err := s.BeginImport(ctx, "test", nil); return err }},
	} {
		err := call.fn()
		if err == nil {
			t.Fatalf("%s succeeded with the database stopped", call.name)
		}
		if !postgis.IsUnavailable(err) {
			t.Errorf("%s with the database stopped: IsUnavailable(%v) = false", call.name, err)
		}
	}
	if _, err := postgis.Open(ctx, c.URL); !postgis.IsUnavailable(err) {
		t.Errorf("Open with the database stopped: IsUnavailable(%v) = false", err)
	}

	c.Start()
	n, err := s.CountIncidents(ctx, geo.IncidentFilter{})
	if err != nil {
		t.Fatalf("after restart the store still fails: %v", err)
	}
	if n != 50 {
		t.Errorf("after restart: %d incidents, want 50", n)
	}

	if postgis.IsUnavailable(nil) || postgis.IsUnavailable(geo.ErrNotFound) {
		t.Error("IsUnavailable is true for errors that are not about the database being down")
	}
	if _, err := s.Stats(ctx, geo.IncidentFilter{}, "nonsense"); postgis.IsUnavailable(err) {
		t.Error("a bad grouping counts as the database being unavailable")
	}
	_, err = s.DB().ExecContext(ctx, "SELECT 1/0")
	if err == nil || postgis.IsUnavailable(err) {
		t.Errorf("a failing query: %v, IsUnavailable must be false", err)
	}
}

// TestBulkWriteRebuildsIndexes takes the drop-and-rebuild path of large
// imports and re-joins and checks the indexes come back exactly and the
// answers do not change.
func TestBulkWriteRebuildsIndexes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	indexes := func() []string {
		rows, err := s.DB().QueryContext(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'incidents' ORDER BY indexname`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var defs []string
		for rows.Next() {
			var d string
			rows.Scan(&d)
			defs = append(defs, d)
		}
		return defs
	}
	before := indexes()
	if len(before) < 6 {
		t.Fatalf("only %d indexes on incidents before the import", len(before))
	}
	defer postgis.SetBulkMinRows(10)()
	regions := testRegions()
	if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	incs := genIncidents(8, 400)
	if res := importAll(t, s, incs); res.Inserted != len(incs) {
		t.Fatalf("bulk import inserted %d of %d", res.Inserted, len(incs))
	}
	if after := indexes(); !slices.Equal(after, before) {
		t.Errorf("indexes after a bulk import:\n%v\nwant\n%v", after, before)
	}
	for _, inc := range scanAll(t, s, geo.IncidentFilter{}) {
		if g, _, _ := joinByRuleInGo(regions, inc); g != inc.Governorate {
			t.Fatalf("%s joined to %q, want %q", inc.ExternalID, inc.Governorate, g)
		}
	}
	// Moving every governorate away re-joins most incidents: the bulk path.
	far := []geo.Region{{Code: "SY09", Kind: geo.KindGovernorate, Geom: rect(0, 0, 1, 1)}}
	n, err := s.ReplaceRegions(ctx, far, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.CountIncidents(ctx, geo.IncidentFilter{Governorates: []string{"SY00", "SY01", "SY02", "SY03", "SY04"}})
	if want != 0 || n == 0 {
		t.Errorf("after moving the governorates away: re-joined %d, %d still in the old ones", n, want)
	}
	if after := indexes(); !slices.Equal(after, before) {
		t.Errorf("indexes after a bulk re-join:\n%v\nwant\n%v", after, before)
	}
	bb := &orb.Bound{Min: orb.Point{36, 33}, Max: orb.Point{38, 35}}
	got, _ := s.CountIncidents(ctx, geo.IncidentFilter{BBox: bb})
	wantBox := 0
	for i := range incs {
		if bb.Contains(incs[i].Location) {
			wantBox++
		}
	}
	if got != wantBox {
		t.Errorf("bbox count after the rebuild %d, want %d", got, wantBox)
	}
}

// TestBulkUpsertMatchesRowByRow imports the same sequence, a first batch and
// then a mix of existing (some changed) and new incidents, once through the
// bulk path and once through the row-by-row path: the results, ids and
// stored incidents must be the same.
func TestBulkUpsertMatchesRowByRow(t *testing.T) {
	ctx := context.Background()
	regions := testRegions()
	first := genIncidents(11, 100)
	second := genIncidents(12, 300)
	for i := range second {
		second[i].ExternalID = fmt.Sprintf("new:%d", i)
	}
	mixed := append([]geo.Incident{}, second...)
	for i := range first {
		inc := first[i]
		if i%2 == 0 {
			inc.Notes += " (corrected)"
			inc.Casualties.Injured++
		}
		mixed = append(mixed, inc)
	}
	run := func(bulkMin int64) ([]geo.ImportResult, []geo.Incident) {
		defer postgis.SetBulkMinRows(bulkMin)()
		s := newStore(t)
		if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
			t.Fatal(err)
		}
		r1 := importAll(t, s, first)
		r2 := importAll(t, s, mixed)
		return []geo.ImportResult{r1, r2}, scanAll(t, s, geo.IncidentFilter{})
	}
	bulkRes, bulkIncs := run(10)
	rowRes, rowIncs := run(1 << 40)
	for i := range bulkRes {
		b, r := bulkRes[i], rowRes[i]
		if b.Inserted != r.Inserted || b.Updated != r.Updated || b.Unchanged != r.Unchanged || len(b.Elsewhere) != len(r.Elsewhere) {
			t.Errorf("batch %d: bulk inserted %d, updated %d, unchanged %d, %d elsewhere; row by row %d, %d, %d, %d",
				i+1, b.Inserted, b.Updated, b.Unchanged, len(b.Elsewhere), r.Inserted, r.Updated, r.Unchanged, len(r.Elsewhere))
		}
	}
	if bulkRes[1].Inserted != len(second) {
		t.Errorf("second batch inserted %d, want the %d new incidents", bulkRes[1].Inserted, len(second))
	}
	if len(bulkIncs) != len(rowIncs) {
		t.Fatalf("bulk path stored %d incidents, row by row %d", len(bulkIncs), len(rowIncs))
	}
	for i := range bulkIncs {
		b, r := bulkIncs[i], rowIncs[i]
		b.CreatedAt, b.UpdatedAt, r.CreatedAt, r.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(b, r) {
			t.Fatalf("incident %d differs:\nbulk        %+v\nrow by row  %+v", i, b, r)
		}
	}
}
