// Package storetest is the contract every geo.Store must pass: the same
// joins, the same ids for every filter, the same aggregates, the same paging
// and the same transactional behaviour, checked against an oracle computed
// from the fixtures alone (brute-force point-in-polygon, geo.IncidentFilter.Match,
// geo.Totals.Add), never by the store under test.
//
// Each check returns the differences it finds as sentences, so the suite
// itself can be tested: Differences on a deliberately broken store must
// report something.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
)

// Case is a store loaded with the fixtures and what it must answer.
type Case struct {
	Store   geo.Store
	Fx      *Fixtures
	Want    []geo.Incident // ids 1..n, joined by JoinRule
	Filters []NamedFilter
}

// Check is one part of the contract.
type Check struct {
	Name string
	// Run returns every difference between the store and the oracle. Checks
	// run in the order Checks lists them; some write, and restore what
	// they change when they pass.
	Run func(ctx context.Context, c *Case) []string
}

var (
	fixturesOnce sync.Once
	fixtures     *Fixtures
	fixturesErr  error
)

// LoadFixtures builds the shared fixtures once per test binary: the bundled
// boundaries and a slice of the UCDP events plus the hand-built edge cases.
func LoadFixtures() (*Fixtures, error) {
	fixturesOnce.Do(func() {
		regions, err := boundaries.All()
		if err != nil {
			fixturesErr = fmt.Errorf("loading the bundled boundaries: %w", err)
			return
		}
		fixtures, fixturesErr = NewFixtures(regions)
	})
	return fixtures, fixturesErr
}

// Run holds the store open returns (fresh and empty) to the contract.
func Run(t *testing.T, open func(t *testing.T) geo.Store) {
	t.Helper()
	fx, err := LoadFixtures()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, diffs := Load(ctx, open(t), fx)
	for _, d := range diffs {
		t.Errorf("load: %s", d)
	}
	if c == nil {
		t.FailNow()
	}
	for _, ch := range Checks() {
		t.Run(ch.Name, func(t *testing.T) {
			for _, d := range ch.Run(ctx, c) {
				t.Error(d)
			}
		})
	}
}

// Differences runs Load and every check on s and returns what each found,
// keyed by check name ("load" for loading); no key when a check found nothing.
func Differences(ctx context.Context, s geo.Store, fx *Fixtures) map[string][]string {
	out := map[string][]string{}
	c, diffs := Load(ctx, s, fx)
	if len(diffs) > 0 {
		out["load"] = diffs
	}
	if c == nil {
		return out
	}
	for _, ch := range Checks() {
		if d := ch.Run(ctx, c); len(d) > 0 {
			out[ch.Name] = d
		}
	}
	return out
}

// Load puts the fixtures in the empty store s: the regions, then each batch
// in its own import, checking what each step reports. It returns nil when
// the store cannot be loaded at all.
func Load(ctx context.Context, s geo.Store, fx *Fixtures) (*Case, []string) {
	var diffs []string
	bad := func(format string, a ...any) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	if n, err := s.CountIncidents(ctx, geo.IncidentFilter{}); err != nil || n != 0 {
		return nil, []string{fmt.Sprintf("a fresh store must be empty: %d incidents, error %v", n, err)}
	}
	n, err := s.ReplaceRegions(ctx, fx.Regions, nil)
	if err != nil {
		return nil, []string{fmt.Sprintf("ReplaceRegions: %v", err)}
	}
	if n != 0 {
		bad("ReplaceRegions on an empty store re-joined %d incidents, want 0", n)
	}
	want := Expected(fx, fx.Regions)
	next := 0
	for bi, batch := range fx.Batches {
		res, err := importBatch(ctx, s, batch)
		if err != nil {
			return nil, append(diffs, fmt.Sprintf("importing batch %d: %v", bi+1, err))
		}
		if res.Inserted != len(batch) || res.Updated != 0 {
			bad("batch %d: inserted %d, updated %d; want %d inserted, 0 updated", bi+1, res.Inserted, res.Updated, len(batch))
		}
		diffs = append(diffs, compareElsewhere(fmt.Sprintf("batch %d", bi+1), res.Elsewhere, want[next:next+len(batch)])...)
		next += len(batch)
	}
	return &Case{Store: s, Fx: fx, Want: want, Filters: Filters(fx, want)}, diffs
}

func importBatch(ctx context.Context, s geo.Store, batch []geo.Incident) (geo.ImportResult, error) {
	tx, err := s.BeginImport(ctx, "test", nil)
	if err != nil {
		return geo.ImportResult{}, err
	}
	for i := range batch {
		inc := batch[i] // the store may not keep the caller's struct
		if err := tx.Add(&inc); err != nil {
			tx.Rollback()
			return geo.ImportResult{}, err
		}
	}
	return tx.Commit()
}

// compareElsewhere checks ImportResult.Elsewhere against the oracle: every
// incident whose computed governorate differs from its source's, both known.
func compareElsewhere(what string, got []geo.Relocation, want []geo.Incident) []string {
	exp := map[string]geo.Relocation{}
	for _, inc := range want {
		if inc.Governorate != "" && inc.SourceGovernorate != "" && inc.Governorate != inc.SourceGovernorate {
			exp[inc.ExternalID] = geo.Relocation{ExternalID: inc.ExternalID, SourceGovernorate: inc.SourceGovernorate, Governorate: inc.Governorate}
		}
	}
	var diffs []string
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.ExternalID] {
			diffs = append(diffs, fmt.Sprintf("%s: %s listed twice in Elsewhere", what, r.ExternalID))
		}
		seen[r.ExternalID] = true
		if e, ok := exp[r.ExternalID]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: Elsewhere lists %s (%s -> %s), the oracle does not", what, r.ExternalID, r.SourceGovernorate, r.Governorate))
		} else if e != r {
			diffs = append(diffs, fmt.Sprintf("%s: Elsewhere has %+v, want %+v", what, r, e))
		}
	}
	for id, e := range exp {
		if !seen[id] {
			diffs = append(diffs, fmt.Sprintf("%s: Elsewhere misses %s (%s -> %s)", what, id, e.SourceGovernorate, e.Governorate))
		}
	}
	return diffs
}

// Checks lists the contract in the order Run applies it.
func Checks() []Check {
	return []Check{
		{"regions", checkRegions},
		{"incidents", checkIncidents},
		{"not-found", checkNotFound},
		{"filters", checkFilters},
		{"cql", checkCQL},
		{"stats", checkStats},
		{"paging", checkPaging},
		{"tiles", checkTiles},
		{"tile-sums", checkTileSums},
		{"version-reads", checkVersionReads},
		{"replace-regions", checkReplaceRegions},
		{"upsert", checkUpsert},
		{"rollback", checkRollback},
		{"failed-batch", checkFailedBatch},
		{"remove", checkRemove},
		{"edits", checkEdits},
		{"tile-writes", checkTileWrites},
		{"write-audit", checkWriteAudit},
	}
}

// scanAll returns every incident f matches, by a single scan.
func scanAll(ctx context.Context, s geo.Store, f geo.IncidentFilter, page geo.Page) ([]geo.Incident, error) {
	var out []geo.Incident
	err := s.ScanIncidents(ctx, f, page, func(inc *geo.Incident) error {
		out = append(out, *inc)
		return nil
	})
	return out, err
}

func ids(incs []geo.Incident) []int64 {
	out := make([]int64, len(incs))
	for i := range incs {
		out[i] = incs[i].ID
	}
	return out
}

// diffIDs describes how got differs from want, naming a few ids.
func diffIDs(got, want []int64) string {
	if len(got) == len(want) {
		same := true
		for i := range got {
			same = same && got[i] == want[i]
		}
		if same {
			return ""
		}
	}
	inWant := map[int64]bool{}
	for _, id := range want {
		inWant[id] = true
	}
	inGot := map[int64]bool{}
	var extra, missing []int64
	for _, id := range got {
		if !inWant[id] && len(extra) < 5 {
			extra = append(extra, id)
		}
		inGot[id] = true
	}
	for _, id := range want {
		if !inGot[id] && len(missing) < 5 {
			missing = append(missing, id)
		}
	}
	order := ""
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			order = fmt.Sprintf("; not ascending at position %d (%d after %d)", i, got[i], got[i-1])
			break
		}
	}
	return fmt.Sprintf("got %d ids, want %d (extra e.g. %v, missing e.g. %v%s)", len(got), len(want), extra, missing, order)
}

func isNotFound(err error) bool { return errors.Is(err, geo.ErrNotFound) }
