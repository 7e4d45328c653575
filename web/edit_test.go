package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// editStores runs fn on each store, loaded with the demo incidents and the
// seed report: what the route table's examples name.
func editStores(t *testing.T, fn func(t *testing.T, store geo.Store)) {
	incs, err := demo.Incidents()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := demo.Report()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"memstore", "postgis"} {
		t.Run(kind, func(t *testing.T) {
			var store geo.Store
			if kind == "memstore" {
				store = memStore(t, incs)
			} else {
				store = pgStore(t, incs)
			}
			if _, err := store.(geo.ReportStore).UpsertReports(context.Background(), []geo.Report{seed}); err != nil {
				t.Fatal(err)
			}
			fn(t, store)
		})
	}
}

// draftMarker is in the notes of every draft the tests make.
const draftMarker = "DRAFT-NEVER-PUBLIC"

// publicReads are the URLs every reader may fetch: each GET route of the
// API description with its examples, and reads aimed at p, where the
// drafts are.
func publicReads(t *testing.T, base string, p orb.Point, day string, ids ...int64) []string {
	doc := readOpenAPI(t, base)
	skip := map[string]bool{"/metrics": true, "/healthz": true, "/readyz": true}
	var urls []string
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || skip[path] {
			continue
		}
		u, q := path, url.Values{}
		for _, p := range op.Parameters {
			if p.In == "path" {
				u = strings.Replace(u, "{"+p.Name+"}", url.PathEscape(p.Example), 1)
			} else if p.Required {
				q.Set(p.Name, p.Example)
			}
		}
		urls = append(urls, base+u+"?"+q.Encode())
	}
	near := fmt.Sprintf("%g,%g,%g,%g", p.Lon()-0.5, p.Lat()-0.5, p.Lon()+0.5, p.Lat()+0.5)
	for _, q := range []string{"q=" + draftMarker, "bbox=" + near, "from=" + day, "governorate=SY04"} {
		for _, path := range []string{"/api/incidents", "/api/incidents.geojson", "/api/incidents.csv", "/api/incidents.kml",
			"/ogc/collections/incidents/items", "/api/regions", "/api/stats", "/api/changes", "/api/changes.atom"} {
			urls = append(urls, base+path+"?"+q)
		}
	}
	for _, z := range []maptile.Zoom{4, 8, 12} {
		tl := maptile.At(p, z)
		urls = append(urls, fmt.Sprintf("%s/tiles/incidents/%d/%d/%d", base, z, tl.X, tl.Y),
			fmt.Sprintf("%s/tiles/regions/%d/%d/%d", base, z, tl.X, tl.Y),
			fmt.Sprintf("%s/tiles/risk/%d/%d/%d?date=%s", base, z, tl.X, tl.Y, day))
	}
	urls = append(urls, fmt.Sprintf("%s/api/risk/zones?date=%s", base, day),
		fmt.Sprintf("%s/api/risk/check?lon=%g&lat=%g&date=%s", base, p.Lon(), p.Lat(), day))
	for _, id := range ids {
		for _, path := range []string{"/api/incidents/%d", "/api/incidents/%d/history", "/api/incidents/%d/versions/1",
			"/api/incidents/%d/versions/2", "/ogc/collections/incidents/items/%d"} {
			urls = append(urls, base+fmt.Sprintf(path, id))
		}
	}
	return urls
}

// answerTime is when an answer was made, which differs between two reads.
var answerTime = regexp.MustCompile(`"(timeStamp|generated)":"[^"]*"`)

// readAll fetches every URL: its status and body.
func readAll(t *testing.T, urls []string) map[string]string {
	out := map[string]string{}
	for _, u := range urls {
		resp, body := get(t, u)
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s: %d %s", u, resp.StatusCode, clipBody(body))
		}
		out[u] = strconv.Itoa(resp.StatusCode) + " " + answerTime.ReplaceAllString(string(body), "")
	}
	return out
}

// TestDraftsNeverInPublicReads: a new draft and a pending edit of a
// published incident change no byte of any public read (incidents, the
// downloads, OGC items, tiles, stats, regions, risk, history, the changes
// feeds); published, they show; a retracted incident is gone from them.
func TestDraftsNeverInPublicReads(t *testing.T) {
	editStores(t, func(t *testing.T, store geo.Store) {
		ctx := context.Background()
		es := store.(geo.EditStore)
		ts := serve(t, store, web.Config{})
		published, err := store.Incident(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		// The draft is where and when the published incident is, so that
		// every read aimed there would count it.
		fresh := published
		fresh.ID, fresh.ExternalID, fresh.Notes = 0, "", draftMarker
		fresh.Casualties = geo.Casualties{Civilians: 7}
		p, day := fresh.Location, fresh.DateStart.Format(time.DateOnly)

		// Reads of the incident to come (its id is the next) and of the
		// published one, before any draft exists.
		next := int64(0)
		if n, err := store.CountIncidents(ctx, geo.IncidentFilter{}); err == nil {
			next = int64(n) + 1
		}
		urls := publicReads(t, ts.URL, p, day, 1, next)
		before := readAll(t, urls)

		v, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionCreate, Incident: fresh, Author: "amal"})
		if err != nil {
			t.Fatal(err)
		}
		if v.Incident.ID != next {
			t.Fatalf("the draft has id %d; the reads were aimed at %d", v.Incident.ID, next)
		}
		edited := published
		edited.Notes, edited.Casualties = draftMarker, geo.Casualties{Civilians: 9}
		if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionEdit, ID: 1, IfVersion: published.Version, Incident: edited, Author: "amal"}); err != nil {
			t.Fatal(err)
		}
		after := readAll(t, urls)
		changed := 0
		for _, u := range urls {
			if before[u] != after[u] {
				changed++
				i := firstDifference(before[u], after[u])
				t.Errorf("GET %s changed with drafts only, at byte %d:\n before ...%s\n after  ...%s", u, i, excerpt(before[u], i), excerpt(after[u], i))
			}
		}
		t.Logf("%d public reads unchanged by two drafts", len(urls)-changed)
		for _, u := range []string{"/api/incidents/%d", "/api/incidents/%d/history", "/api/incidents/%d/versions/1", "/ogc/collections/incidents/items/%d"} {
			if resp, body := get(t, ts.URL+fmt.Sprintf(u, next)); resp.StatusCode != http.StatusNotFound {
				t.Errorf("anonymous GET %s of a draft: %d, want 404 as if it did not exist: %s", fmt.Sprintf(u, next), resp.StatusCode, clipBody(body))
			}
		}
		for _, u := range []string{"/api/incidents?status=draft", "/api/incidents?status=all", "/api/incidents/1?status=all"} {
			if resp, body := get(t, ts.URL+u); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous GET %s: %d, want 401: %s", u, resp.StatusCode, clipBody(body))
			}
		}

		// Published by a second person, the new incident is in the reads
		// and in both feeds, with a point in the Atom one.
		if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionPublish, ID: next, IfVersion: 1, Author: "badr"}); err != nil {
			t.Fatal(err)
		}
		resp, body := get(t, ts.URL+"/api/incidents?q="+draftMarker)
		mustOK(t, resp, body)
		if ids := decodeFC(t, body).Features; len(ids) != 1 || numericID(t, ids[0].ID) != next {
			t.Errorf("after publication /api/incidents?text= lists %d features, want the published draft %d", len(ids), next)
		}
		resp, body = get(t, ts.URL+"/api/changes?q="+draftMarker)
		mustOK(t, resp, body)
		var changes struct {
			Features []struct {
				ID     int64 `json:"id"`
				Change struct {
					Action  string `json:"action"`
					Version int    `json:"version"`
					Seq     int64  `json:"seq"`
				} `json:"change"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(body, &changes); err != nil {
			t.Fatal(err)
		}
		if len(changes.Features) != 1 || changes.Features[0].Change.Action != "publish" || changes.Features[0].Change.Version != 2 {
			t.Errorf("/api/changes after publication: %s", clipBody(body))
		}
		if strings.Contains(string(body), "amal") || strings.Contains(string(body), "badr") {
			t.Errorf("the public changes feed names the desk's staff: %s", clipBody(body))
		}
		resp, body = get(t, ts.URL+"/api/changes.atom?governorate="+published.Governorate)
		mustOK(t, resp, body)
		point := fmt.Sprintf("<georss:point>%.5f %.5f</georss:point>", p.Lat(), p.Lon())
		entry := fmt.Sprintf("/api/incidents/%d/versions/2</id>", next)
		if !strings.Contains(string(body), entry) || !strings.Contains(string(body), point) {
			t.Errorf("the Atom feed lacks the published incident (%s, %s):\n%s", entry, point, clipBody(body))
		}

		// Retracted, incident 1 is gone from public reads and the feed says so.
		head, err := es.Head(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionRetract, ID: 1, IfVersion: head.Incident.Version, Author: "badr", Comment: "a duplicate"}); err != nil {
			t.Fatal(err)
		}
		if resp, body := get(t, ts.URL+"/api/incidents/1"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET a retracted incident: %d, want 404: %s", resp.StatusCode, clipBody(body))
		}
		resp, body = get(t, ts.URL+"/api/incidents/1/history")
		mustOK(t, resp, body)
		var hist struct {
			Versions []struct {
				Number  int    `json:"number"`
				Action  string `json:"action"`
				Comment string `json:"comment"`
				Author  string `json:"author"`
			} `json:"versions"`
		}
		if err := json.Unmarshal(body, &hist); err != nil {
			t.Fatal(err)
		}
		last := hist.Versions[len(hist.Versions)-1]
		if last.Action != "retract" || last.Comment != "a duplicate" || strings.Contains(string(body), draftMarker) {
			t.Errorf("the public history of a retracted incident: %s", clipBody(body))
		}
		for _, v := range hist.Versions {
			if v.Author != "" {
				t.Errorf("the public history names author %q", v.Author)
			}
		}
		resp, body = get(t, ts.URL+"/api/changes.atom")
		mustOK(t, resp, body)
		if !strings.Contains(string(body), `<category term="retract">`) || !strings.Contains(string(body), "a duplicate") {
			t.Errorf("the Atom feed does not carry the retraction: %s", body[:min(len(body), 4000)])
		}
	})
}

func firstDifference(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func excerpt(s string, i int) string { return s[max(0, i-150):min(len(s), i+150)] }
