package postgis

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo/incidentcql"
)

// placeholder finds the parameters of a compiled condition.
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// checkCompiled requires the SQL of a checked filter to bind exactly its
// own parameters, numbered after base, each at least once (PostgreSQL
// refuses a parameter it cannot type because nothing reads it), and to name
// no column outside the whitelist of sql/cql_properties.sql.
func checkCompiled(t *testing.T, filter string, base int) {
	f, err := incidentcql.Parse(filter, "cql2-text")
	if err != nil {
		return // the cql2 package's fuzzers cover what does not parse
	}
	sql, args, err := compileCondition(f, base)
	if err != nil {
		t.Fatalf("%q: %v", filter, err)
	}
	used := map[int]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(sql, -1) {
		n, _ := strconv.Atoi(m[1])
		if n <= base || n > base+len(args) {
			t.Fatalf("%q: $%d outside $%d-$%d in %s", filter, n, base+1, base+len(args), sql)
		}
		used[n] = true
	}
	if len(used) != len(args) {
		t.Fatalf("%q: %d parameters bound, %d read in %s", filter, len(args), len(used), sql)
	}
	// Every identifier is a column of the whitelist, a function or keyword
	// of the compiler: strip those and no letters may be left but theirs.
	rest := placeholder.ReplaceAllString(sql, "")
	cols := slices.Collect(maps.Values(cqlProperties))
	slices.SortFunc(cols, func(a, b string) int { return len(b) - len(a) }) // killed_isis before killed
	for _, col := range cols {
		rest = strings.ReplaceAll(rest, col, "")
	}
	for _, word := range regexp.MustCompile(`[A-Za-z_][A-Za-z_0-9]*`).FindAllString(rest, -1) {
		if !compilerWords[word] {
			t.Fatalf("%q: %q is neither a whitelisted column nor the compiler's word, in %s", filter, word, sql)
		}
	}
}

// compilerWords are the SQL words cql.go writes itself.
var compilerWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`AND OR NOT IN LIKE IS NULL TRUE FALSE CASE WHEN THEN ELSE END COLLATE C
		float8 bigint text date timestamptz timestamp bytea lower cql2_arith div ST_GeomFromWKB ST_MakeEnvelope
		ST_Intersects ST_Within ST_Contains ST_Equals ST_Crosses ST_Overlaps AT TIME ZONE UTC interval
		microsecond infinity`) {
		m[w] = true
	}
	return m
}()

// FuzzCompileCondition compiles every filter the checker accepts; the
// corpus starts from the cql2 package's fuzz corpus of cql2-text.
func FuzzCompileCondition(f *testing.F) {
	for _, s := range []string{
		"killed > 5 AND governorate = 'SY04'",
		"T_METBY(period, INTERVAL('2024-01-01', '2024-01-15'))",
		"T_INTERSECTS(period, TIMESTAMP('2017-06-15T12:00:00Z')) OR T_DURING(INTERVAL(date_start, date_end), INTERVAL('..', '2020-01-01'))",
		"S_TOUCHES(BBOX(38, 34, 39, 35), geometry) AND NOT S_WITHIN(geometry, POLYGON((38 34, 40 34, 38 36, 38 34)))",
		"CASEI(location_name) LIKE CASEI('%tadmur%') AND killed / (injured - 1) IS NULL",
		"deaths_best IN (2, 3, killed) AND (killed > 3) = TRUE",
	} {
		f.Add(s)
	}
	corpus := filepath.Join("..", "..", "cql2", "testdata", "fuzz", "FuzzParseText")
	entries, _ := os.ReadDir(corpus)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(corpus, e.Name()))
		if err != nil {
			continue
		}
		// "go test fuzz v1" then string("...").
		lines := strings.SplitN(string(b), "\n", 2)
		if len(lines) == 2 {
			if s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "string("), ")")); err == nil {
				f.Add(s)
			}
		}
	}
	f.Fuzz(func(t *testing.T, filter string) {
		checkCompiled(t, filter, filterParams+4)
	})
}
