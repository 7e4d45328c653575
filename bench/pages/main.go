// Command pages measures pages of OGC API Features items and of
// /api/incidents from a running badiamap serve, and with -featureserv the
// equivalent requests to a pg_featureserv on the same table (started by
// bench/featureserv): each request of the list is sent n times at each
// concurrency, every body is read and decoded, its features counted against
// numberReturned, and the requests per second, p50 and p99 are printed as a
// markdown table (see bench/README.md, "Pages at a million").
//
//	go run ./bench/pages -base http://127.0.0.1:8080 -n 200 -c 1,4
//	go run ./bench/pages -base http://127.0.0.1:8080 -featureserv http://127.0.0.1:9000
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// requests are the pages measured: a QGIS pan (a bbox page of 1,000), and
// filtered pages of 1,000 in CQL2 and in badiamap's own grammar. path is
// badiamap's request (next: the 10th page, by following next links from the
// row before); fs is pg_featureserv 1.3's equivalent, "" where it has none.
// pg_featureserv pages by offset and without an ORDER BY unless asked
// (sortby); its CQL is a pre-standard dialect: INTERSECTS, not
// S_INTERSECTS; no temporal functions (a period's intersection is two date
// comparisons); no cql2-json (the same predicate goes as text); column names,
// not badiamap's queryables (geom, killed_civilians).
var requests = []struct {
	name, path string
	next       bool
	fs         string
}{
	{name: "bbox page", path: "/ogc/collections/incidents/items?bbox=37,33,41,36&limit=1000",
		fs: fsItems + "?bbox=37,33,41,36&limit=1000"},
	{name: "bbox page, 10th page", next: true,
		fs: fsItems + "?bbox=37,33,41,36&limit=1000&offset=9000"},
	{name: "bbox page, 10th page, sortby=id", // what id order costs pg_featureserv
		fs: fsItems + "?bbox=37,33,41,36&limit=1000&offset=9000&sortby=id"},
	{name: "own grammar", path: "/ogc/collections/incidents/items?governorate=SY04&min_killed=6&limit=1000",
		fs: fsItems + "?governorate=SY04&filter=" + qe("killed > 5") + "&limit=1000"}, // its property=value filter
	{name: "CQL2 text", path: "/ogc/collections/incidents/items?filter=" + qe("killed > 5 AND governorate = 'SY04'") + "&limit=1000",
		fs: fsItems + "?filter=" + qe("killed > 5 AND governorate = 'SY04'") + "&limit=1000"},
	{name: "CQL2 spatial and temporal", path: "/ogc/collections/incidents/items?filter=" +
		qe("S_INTERSECTS(geometry, POLYGON((38 34, 40 34, 38 36, 38 34))) AND T_INTERSECTS(period, INTERVAL('2020-01-01','2021-12-31'))") + "&limit=1000",
		// Its grammar takes one AND per term: the second pair is parenthesised.
		fs: fsItems + "?filter=" + qe("INTERSECTS(geom, POLYGON((38 34, 40 34, 38 36, 38 34))) AND (date_start <= 2021-12-31 AND date_end >= 2020-01-01)") + "&limit=1000"},
	{name: "CQL2 JSON", path: "/ogc/collections/incidents/items?filter-lang=cql2-json&filter=" +
		qe(`{"op":"and","args":[{"op":"in","args":[{"property":"event_type"},["Battles"]]},{"op":">=","args":[{"property":"civilians"},1]}]}`) + "&limit=1000",
		fs: fsItems + "?filter=" + qe("event_type IN ('Battles') AND killed_civilians >= 1") + "&limit=1000"},
	// No index serves a substring of a name, and a rare one fills no page:
	// the walk tests every row.
	{name: "rare perpetrator substring", path: "/ogc/collections/incidents/items?perpetrator=Furqan&limit=1000",
		fs: fsItems + "?filter=" + qe("perpetrator ILIKE '%Furqan%'") + "&limit=1000"},
	{name: "/api/incidents bbox", path: "/api/incidents?bbox=37,33,41,36&limit=1000"},
}

// fsItems is the incidents table's items in pg_featureserv.
const fsItems = "/collections/public.incidents/items.json"

func qe(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

type page struct {
	Features []struct {
		ID json.RawMessage `json:"id"`
	} `json:"features"`
	NumberReturned *int `json:"numberReturned"`
	NumberMatched  *int `json:"numberMatched"`
	Links          []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
	bytes int // the body's size
}

func fetch(client *http.Client, u string) (page, time.Duration, error) {
	start := time.Now()
	resp, err := client.Get(u)
	if err != nil {
		return page{}, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return page{}, took, err
	}
	if resp.StatusCode != http.StatusOK {
		return page{}, took, fmt.Errorf("%s: %s: %.300s", u, resp.Status, body)
	}
	p := page{bytes: len(body)}
	if err := json.Unmarshal(body, &p); err != nil {
		return page{}, took, fmt.Errorf("%s: %w", u, err)
	}
	if p.NumberReturned == nil || *p.NumberReturned != len(p.Features) {
		return page{}, took, fmt.Errorf("%s: %d features, numberReturned %v", u, len(p.Features), p.NumberReturned)
	}
	return p, took, nil
}

func (p page) next() string {
	for _, l := range p.Links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

// ids are the page's feature ids: both servers key an incident by the
// table's bigint id (a JSON number, or a string holding one).
func (p page) ids() ([]int64, error) {
	ids := make([]int64, len(p.Features))
	for i, f := range p.Features {
		var id int64
		if err := json.Unmarshal(f.ID, &id); err != nil {
			var s string
			if json.Unmarshal(f.ID, &s) != nil {
				return nil, fmt.Errorf("feature %d: id %s is not an incident id", i, f.ID)
			}
			if id, err = strconv.ParseInt(s, 10, 64); err != nil {
				return nil, fmt.Errorf("feature %d: id %q is not an incident id", i, s)
			}
		}
		ids[i] = id
	}
	return ids, nil
}

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "badiamap serve")
	fs := flag.String("featureserv", "", "a pg_featureserv on the same table (bench/featureserv): also measure its equivalent of each request")
	n := flag.Int("n", 200, "requests per row")
	conc := flag.String("c", "1,4", "concurrencies")
	only := flag.String("only", "", "run only the rows whose name contains one of these (comma-separated)")
	flag.Parse()
	servers := []struct{ name, base string }{{"badiamap", *base}}
	if *fs != "" {
		servers = append(servers, struct{ name, base string }{"pg_featureserv", *fs})
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	fmt.Println("| request | server | concurrency | requests | requests/s | p50 | p99 | features/page | KB/page | numberMatched | id order | distinct pages |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for i, r := range requests {
		if *only != "" && !slices.ContainsFunc(strings.Split(*only, ","), func(o string) bool { return strings.Contains(r.name, o) }) {
			continue
		}
		ours := -1 // badiamap's features per page, to hold pg_featureserv's to
		for _, s := range servers {
			path := r.path
			if s.name == "pg_featureserv" {
				path = r.fs
			} else if r.next {
				path = tenthPage(client, *base, requests[i-1].path)
			}
			if path == "" {
				continue
			}
			for _, cs := range strings.Split(*conc, ",") {
				c, _ := strconv.Atoi(cs)
				res, err := load(client, s.base+path, *n, c)
				if err != nil {
					fail(r.name, s.name, err)
				}
				got := len(res.page.Features)
				if ours < 0 && s.name == "badiamap" {
					ours = got
				} else if ours >= 0 && got != ours {
					fail(r.name, s.name, fmt.Errorf("%d features per page where badiamap gave %d: the requests are not equivalent", got, ours))
				}
				matched := "omitted"
				if res.page.NumberMatched != nil {
					matched = strconv.Itoa(*res.page.NumberMatched)
				}
				order := "ascending"
				if !res.ascending {
					order = "unordered"
				}
				fmt.Printf("| %s | %s | %d | %d | %.2f | %s | %s | %d | %d | %s | %s | %d |\n", r.name, s.name, c, len(res.lat),
					float64(len(res.lat))/res.wall.Seconds(), ms(pct(res.lat, 50)), ms(pct(res.lat, 99)), got, res.page.bytes/1000, matched, order, len(res.distinct))
			}
		}
	}
}

func fail(request, server string, err error) {
	fmt.Fprintf(os.Stderr, "%s, %s: %v\n", request, server, err)
	os.Exit(1)
}

// tenthPage is the path of the 10th page of path on badiamap, by its next
// links (its cursor is a keyset: no offset to write).
func tenthPage(client *http.Client, base, path string) string {
	u := base + path
	for k := 0; k < 9 && u != ""; k++ {
		p, _, err := fetch(client, u)
		if err != nil {
			fail("10th page", "badiamap", err)
		}
		u = p.next()
	}
	if u == "" {
		fail("10th page", "badiamap", fmt.Errorf("%s has fewer than 10 pages", path))
	}
	return strings.TrimPrefix(u, base)
}

// result is a row's measure: the latencies, one page, the wall time,
// whether every page held its ids in ascending order, and the distinct
// pages (by their ids) the n answers to one request were.
type result struct {
	lat       []time.Duration
	page      page
	wall      time.Duration
	ascending bool
	distinct  map[uint64]bool
}

// load sends u n times from c clients.
func load(client *http.Client, u string, n, c int) (result, error) {
	var (
		mu   sync.Mutex
		res  = result{ascending: true, distinct: map[uint64]bool{}}
		ferr error
		wg   sync.WaitGroup
	)
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				p, d, err := fetch(client, u)
				var ids []int64
				if err == nil {
					ids, err = p.ids()
				}
				h := fnv.New64a()
				for _, id := range ids {
					h.Write(binary.LittleEndian.AppendUint64(nil, uint64(id)))
				}
				mu.Lock()
				if err != nil && ferr == nil {
					ferr = err
				}
				res.lat = append(res.lat, d)
				res.page = p
				res.ascending = res.ascending && slices.IsSorted(ids)
				res.distinct[h.Sum64()] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	return res, ferr
}

func pct(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000)
}
