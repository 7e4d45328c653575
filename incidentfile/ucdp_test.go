package incidentfile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// sharedData is where the project's real data sits beside the repo.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("real data %s is missing (tests read ../shared/data beside the repo): %v", rel, err)
	}
	return p
}

const ucdpFile = "incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv"

// readAll drains rd into incidents and row errors.
func readAll(t testing.TB, rd *Reader) ([]geo.Incident, []*RowError) {
	t.Helper()
	var incs []geo.Incident
	var bad []*RowError
	for {
		inc, rowErr, err := rd.Next()
		if err == io.EOF {
			return incs, bad
		}
		if err != nil {
			t.Fatalf("fatal error after %d rows: %v", len(incs)+len(bad), err)
		}
		if rowErr != nil {
			bad = append(bad, rowErr)
			continue
		}
		incs = append(incs, inc)
	}
}

// ucdpRecords reads the real file with encoding/csv, independently of the
// package: the header and every record.
func ucdpRecords(t testing.TB) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(sharedData(t, ucdpFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

func TestUCDPWholeFile(t *testing.T) {
	header, recs := ucdpRecords(t)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	f, err := os.Open(sharedData(t, ucdpFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := Open(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rd.Format() != FormatUCDP {
		t.Fatalf("format %s, want %s", rd.Format(), FormatUCDP)
	}
	incs, bad := readAll(t, rd)
	for i, b := range bad {
		if i < 10 {
			t.Errorf("rejected: %v", b)
		}
	}
	if len(incs) != len(recs) || len(bad) != 0 {
		t.Fatalf("read %d incidents and rejected %d; the file has %d records", len(incs), len(bad), len(recs))
	}
	// Every incident against its record, read independently.
	sums := map[string]int{}
	for i, inc := range incs {
		rec := recs[i]
		if inc.ExternalID != "ucdp:"+rec[col["id"]] {
			t.Fatalf("row %d: id %s, record %s", i, inc.ExternalID, rec[col["id"]])
		}
		if inc.Casualties.Killed() != atoi(t, rec[col["best"]]) || inc.Deaths == nil || inc.Deaths.Best != atoi(t, rec[col["best"]]) {
			t.Errorf("%s: killed %d, best %s", inc.ExternalID, inc.Casualties.Killed(), rec[col["best"]])
		}
		if len(inc.Sources) == 0 || inc.Sources[0].Name == "" || inc.Sources[0].Date.IsZero() {
			t.Errorf("%s: sources %+v from %q", inc.ExternalID, inc.Sources, rec[col["source_office"]])
		}
		offices := strings.Split(rec[col["source_office"]], ";")
		if len(inc.Sources) != len(offices) {
			t.Errorf("%s: %d sources from %d offices (headlines %q)", inc.ExternalID, len(inc.Sources), len(offices), rec[col["source_headline"]])
		}
		for _, s := range inc.Sources {
			if strings.Contains(s.Headline, "&#") || s.Headline == "" && rec[col["source_headline"]] != "" {
				t.Errorf("%s: headline %q", inc.ExternalID, s.Headline)
			}
		}
		if adm := rec[col["adm_1"]]; adm != "" && inc.SourceGovernorate == "" {
			t.Errorf("%s: adm_1 %q maps to no p-code", inc.ExternalID, adm)
		}
		low, best, high := atoi(t, rec[col["low"]]), atoi(t, rec[col["best"]]), atoi(t, rec[col["high"]])
		if d := inc.Deaths; d.Low != min(low, best) || d.High != max(high, best) {
			t.Errorf("%s: deaths %+v from low %d best %d high %d", inc.ExternalID, *d, low, best, high)
		}
		if widened := low > best || high < best; widened {
			sums["widened"]++
			if !strings.Contains(inc.Notes, fmt.Sprintf("UCDP gives low %d, best %d, high %d", low, best, high)) {
				t.Errorf("%s: widened range not noted: %q", inc.ExternalID, inc.Notes)
			}
		}
		sums["deaths_a"] += atoi(t, rec[col["deaths_a"]])
		sums["deaths_b"] += atoi(t, rec[col["deaths_b"]])
		for _, side := range []struct{ name, deaths string }{{rec[col["side_a"]], rec[col["deaths_a"]]}, {rec[col["side_b"]], rec[col["deaths_b"]]}} {
			switch side.name {
			case "Government of Syria":
				sums["gov"] += atoi(t, side.deaths)
			case "IS":
				sums["is"] += atoi(t, side.deaths)
			case "Civilians":
				sums["civside"] += atoi(t, side.deaths)
			default:
				sums["other"] += atoi(t, side.deaths)
			}
		}
		sums["civ"] += atoi(t, rec[col["deaths_civilians"]])
		sums["unknown"] += atoi(t, rec[col["deaths_unknown"]])
	}
	var tot geo.Totals
	for i := range incs {
		tot.Add(&incs[i])
	}
	c := tot.Casualties
	if c.Military != sums["gov"] || c.ISIS != sums["is"] || c.OtherArmed != sums["other"] ||
		c.Civilians != sums["civ"]+sums["civside"] || c.Unknown != sums["unknown"] {
		t.Errorf("casualties %+v; by the sides in the records %v", c, sums)
	}
	t.Logf("%d death ranges widened to include best", sums["widened"])
	t.Logf("%d incidents: military %d, ISIS %d, other armed %d, civilians %d, unknown %d, killed %d",
		len(incs), c.Military, c.ISIS, c.OtherArmed, c.Civilians, c.Unknown, tot.Killed)
}

// TestUCDPAdmin1MapsToWhereItsEventsFall checks every adm_1 spelling in the
// UCDP file maps to the governorate most of its events fall in, by
// point-in-polygon on the OCHA boundaries.
func TestUCDPAdmin1MapsToWhereItsEventsFall(t *testing.T) {
	govs := ochaGovernorates(t)
	header, recs := ucdpRecords(t)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	votes := map[string]map[string]int{} // adm_1 -> p-code -> events
	cache := map[orb.Point]string{}      // many events share a town's point
	for _, rec := range recs {
		adm := rec[col["adm_1"]]
		if adm == "" {
			continue
		}
		p := orb.Point{atof(t, rec[col["longitude"]]), atof(t, rec[col["latitude"]])}
		if votes[adm] == nil {
			votes[adm] = map[string]int{}
		}
		// The governorate containing the point, or the nearest one for
		// points just off the coast or the border.
		where, seen := cache[p]
		for code, mp := range govs {
			if seen {
				break
			}
			if mp.Bound().Contains(p) && planar.MultiPolygonContains(mp, p) {
				where = code
				break
			}
		}
		if where == "" && !seen {
			nearest := -1.0
			for code, mp := range govs {
				if d := planar.DistanceFrom(mp, p); nearest < 0 || d < nearest {
					where, nearest = code, d
				}
			}
		}
		cache[p] = where
		votes[adm][where]++
	}
	if len(votes) < 14 {
		t.Fatalf("only %d adm_1 values in the file", len(votes))
	}
	for adm, v := range votes {
		best, n := "", 0
		for code, k := range v {
			if k > n {
				best, n = code, k
			}
		}
		if got := Admin1PCode(adm); got != best {
			t.Errorf("Admin1PCode(%q) = %q; most of its events (%d) fall in %s", adm, got, n, best)
		}
	}
}

func ochaGovernorates(t testing.TB) map[string]orb.MultiPolygon {
	t.Helper()
	raw, err := os.ReadFile(sharedData(t, "boundaries/syr_adm1_ocha_codab_v02.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	out := map[string]orb.MultiPolygon{}
	for _, f := range fc.Features {
		code, _ := f.Properties["ADM1_PCODE"].(string)
		var rings [][][][2]float64
		if f.Geometry.Type == "Polygon" {
			var poly [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &poly); err != nil {
				t.Fatal(err)
			}
			rings = [][][][2]float64{poly}
		} else if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
			t.Fatal(err)
		}
		var mp orb.MultiPolygon
		for _, poly := range rings {
			var p orb.Polygon
			for _, ring := range poly {
				r := make(orb.Ring, len(ring))
				for i, c := range ring {
					r[i] = orb.Point(c)
				}
				p = append(p, r)
			}
			mp = append(mp, p)
		}
		out[code] = mp
		// Every name OCHA gives the governorate must map back to it.
		for _, key := range []string{"ADM1_EN", "ADM1_AR"} {
			if name, _ := f.Properties[key].(string); Admin1PCode(name) != code {
				t.Errorf("Admin1PCode(%q) = %q, OCHA says %s", name, Admin1PCode(name), code)
			}
		}
	}
	return out
}

func BenchmarkReadUCDP(b *testing.B) {
	data, err := os.ReadFile(sharedData(b, ucdpFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	rows := 0
	for b.Loop() {
		rd, err := Open(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, rowErr, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || rowErr != nil {
				b.Fatal(err, rowErr)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
