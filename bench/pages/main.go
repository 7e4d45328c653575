// Command pages measures pages of OGC API Features items and of
// /api/incidents from a running badiamap serve: each request of the list is
// sent n times at each concurrency, every body is read and decoded, its
// features counted against numberReturned, and the requests per second, p50
// and p99 are printed as a markdown table (see bench/README.md, "Pages").
//
//	go run ./bench/pages -base http://127.0.0.1:8080 -n 200 -c 1,4
package main

import (
	"encoding/json"
	"flag"
	"fmt"
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
// filtered pages of 1,000 in CQL2 and in badiamap's own grammar.
var requests = []struct{ name, path string }{
	{"bbox page", "/ogc/collections/incidents/items?bbox=37,33,41,36&limit=1000"},
	{"bbox page, 10th page", ""}, // filled in from the first page's next links
	{"own grammar", "/ogc/collections/incidents/items?governorate=SY04&min_killed=6&limit=1000"},
	{"CQL2 text", "/ogc/collections/incidents/items?filter=" + qe("killed > 5 AND governorate = 'SY04'") + "&limit=1000"},
	{"CQL2 spatial and temporal", "/ogc/collections/incidents/items?filter=" +
		qe("S_INTERSECTS(geometry, POLYGON((38 34, 40 34, 38 36, 38 34))) AND T_INTERSECTS(period, INTERVAL('2020-01-01','2021-12-31'))") + "&limit=1000"},
	{"CQL2 JSON", "/ogc/collections/incidents/items?filter-lang=cql2-json&filter=" +
		qe(`{"op":"and","args":[{"op":"in","args":[{"property":"event_type"},["Battles"]]},{"op":">=","args":[{"property":"civilians"},1]}]}`) + "&limit=1000"},
	{"/api/incidents bbox", "/api/incidents?bbox=37,33,41,36&limit=1000"},
}

func qe(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

type page struct {
	Features       []json.RawMessage `json:"features"`
	NumberReturned *int              `json:"numberReturned"`
	NumberMatched  *int              `json:"numberMatched"`
	Links          []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
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
	var p page
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

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "the server")
	n := flag.Int("n", 200, "requests per row")
	conc := flag.String("c", "1,4", "concurrencies")
	only := flag.String("only", "", "run only the rows whose name contains one of these (comma-separated)")
	flag.Parse()
	client := &http.Client{Timeout: 10 * time.Minute}
	fmt.Println("| request | concurrency | requests | requests/s | p50 | p99 | features/page | numberMatched |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for i, r := range requests {
		if r.path == "" { // the 10th page of the row before
			u := *base + requests[i-1].path
			for k := 0; k < 9 && u != ""; k++ {
				p, _, err := fetch(client, u)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				u = p.next()
			}
			r.path = strings.TrimPrefix(u, *base)
		}
		if *only != "" && !slices.ContainsFunc(strings.Split(*only, ","), func(o string) bool { return strings.Contains(r.name, o) }) {
			continue
		}
		for _, cs := range strings.Split(*conc, ",") {
			c, _ := strconv.Atoi(cs)
			lat, p, wall, err := load(client, *base+r.path, *n, c)
			if err != nil {
				fmt.Fprintln(os.Stderr, r.name+":", err)
				os.Exit(1)
			}
			matched := "omitted"
			if p.NumberMatched != nil {
				matched = strconv.Itoa(*p.NumberMatched)
			}
			fmt.Printf("| %s | %d | %d | %.2f | %s | %s | %d | %s |\n", r.name, c, len(lat),
				float64(len(lat))/wall.Seconds(), ms(pct(lat, 50)), ms(pct(lat, 99)), len(p.Features), matched)
		}
	}
}

// load sends u n times from c clients and returns the latencies, one page
// and the wall time.
func load(client *http.Client, u string, n, c int) ([]time.Duration, page, time.Duration, error) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		first page
		ferr  error
		wg    sync.WaitGroup
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
				mu.Lock()
				if err != nil && ferr == nil {
					ferr = err
				}
				lat = append(lat, d)
				first = p
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, first, time.Since(start), ferr
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
