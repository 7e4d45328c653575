package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb"
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
	eachStore(t, incs, func(t *testing.T, store geo.Store) {
		if _, err := store.(geo.ReportStore).UpsertReports(context.Background(), []geo.Report{seed}, nil); err != nil {
			t.Fatal(err)
		}
		fn(t, store)
	})
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
	for _, path := range draftTiles(p, day) {
		urls = append(urls, base+path)
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

// pointTileZooms are the zooms whose incident tiles draw points, not
// clusters (from geo.DefaultClusterBelowZoom on).
var pointTileZooms = []int{8, 10, 12}

// draftTiles are the tiles holding p: incident clusters (z4, z6), points
// with the default properties and with every one (the notes carry
// draftMarker), every layer in one, and the risk cells of day.
func draftTiles(p orb.Point, day string) []string {
	var paths []string
	for _, z := range append([]int{4, 6}, pointTileZooms...) {
		c := tileOf(z, p.Lon(), p.Lat())
		paths = append(paths, c.path("incidents"), c.path("incidents")+"?properties=all", c.path("all"),
			fmt.Sprintf("/tiles/risk/%d/%d/%d.mvt?date=%s", c.z, c.x, c.y, day))
	}
	return paths
}

// answerTime is when an answer was made, which differs between two reads.
var answerTime = regexp.MustCompile(`"(timeStamp|generated)":"[^"]*"`)

// exportTime is when a GeoPackage was written (its metadata says so);
// masked with the same length, the rest of the file must not change.
var exportTime = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z`)

// readAll fetches every URL: its status and body.
func readAll(t *testing.T, urls []string) map[string]string {
	out := map[string]string{}
	for _, u := range urls {
		resp, body := get(t, u)
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s: %d %s", u, resp.StatusCode, clipBody(body))
		}
		text := answerTime.ReplaceAllString(string(body), "")
		if strings.Contains(u, ".gpkg") {
			text = exportTime.ReplaceAllStringFunc(text, func(m string) string { return strings.Repeat("T", len(m)) })
		}
		out[u] = strconv.Itoa(resp.StatusCode) + " " + text
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
		checkDraftTiles(t, ts.URL, p, day, before)

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
		checkDraftTiles(t, ts.URL, p, day, after)
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

// checkDraftTiles: every tile aimed at the drafts answers 200 or 204, so
// the comparison is of tiles, not of two identical errors; the point tiles
// draw the published incident 1, where the drafts are.
func checkDraftTiles(t *testing.T, base string, p orb.Point, day string, reads map[string]string) {
	t.Helper()
	for _, path := range draftTiles(p, day) {
		status, body, _ := strings.Cut(reads[base+path], " ")
		if status != "200" && status != "204" {
			t.Errorf("GET %s: %s %s, want a tile (200 or 204)", path, status, clipBody([]byte(body)))
		}
	}
	for _, z := range pointTileZooms {
		path := tileOf(z, p.Lon(), p.Lat()).path("incidents")
		found := false
		if l := fetchTile(t, base, path)[geo.MVTIncidents]; l != nil {
			for _, f := range l.Features {
				found = found || f.ID == float64(1)
			}
		}
		if !found {
			t.Errorf("GET %s does not draw incident 1, where the drafts are", path)
		}
	}
}

func firstDifference(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func excerpt(s string, i int) string { return s[max(0, i-150):min(len(s), i+150)] }

// editClient makes API requests as one user, by token.
type editClient struct {
	t     *testing.T
	base  string
	token string
}

// do sends a request with a JSON body (nil for none) and headers in pairs.
func (c editClient) do(method, path string, body any, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				c.t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestConcurrentEditsOneLands: 20 PATCHes sent at once with the same ETag
// give exactly one 2xx and 19 412s, and the history holds the one.
func TestConcurrentEditsOneLands(t *testing.T) {
	editStores(t, func(t *testing.T, store geo.Store) {
		ts := serve(t, store, web.Config{})
		ed := editClient{t, ts.URL, userToken(t, store, "edna", geo.RoleEditor)}
		resp, _ := ed.do(http.MethodGet, "/api/incidents/3", nil)
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("GET of an incident has no ETag")
		}
		const n = 20
		statuses := make(chan int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				patch := fmt.Sprintf(`{"properties":{"notes":"edit %d of %d"}}`, i, n)
				resp, _ := ed.do(http.MethodPatch, "/api/incidents/3", []byte(patch), "If-Match", etag)
				statuses <- resp.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for st := range statuses {
			count[st]++
		}
		if count[http.StatusOK] != 1 || count[http.StatusPreconditionFailed] != n-1 {
			t.Errorf("20 PATCHes with one ETag: %v; want one 200 and 19 412", count)
		}
		hist, err := store.(geo.EditStore).History(context.Background(), 3)
		if err != nil || len(hist) != 2 {
			t.Errorf("history after the race: %d versions (%v), want the import and one edit", len(hist), err)
		}
	})
}

// TestEditingOverHTTP walks the desk's workflow through the API: a new
// incident checked as an import checks a row, a draft a reviewer other
// than its author publishes, If-Match on every change, the history with
// its diffs, a revert and a retraction with its reason.
func TestEditingOverHTTP(t *testing.T) {
	editStores(t, func(t *testing.T, store geo.Store) {
		ts := serve(t, store, web.Config{})
		ed := editClient{t, ts.URL, userToken(t, store, "edna", geo.RoleEditor)}
		rev := editClient{t, ts.URL, userToken(t, store, "rami", geo.RoleReviewer)}

		// Every field at fault is named at once.
		bad := `{"type":"Feature","geometry":{"type":"Point","coordinates":[38.3,99]},"properties":{"date_start":"2024-13-40","civilians":-2}}`
		resp, body := ed.do(http.MethodPost, "/api/incidents", []byte(bad))
		var prob struct {
			Errors []struct{ Field, Reason string } `json:"errors"`
		}
		json.Unmarshal(body, &prob)
		fields := map[string]bool{}
		for _, e := range prob.Errors {
			fields[e.Field] = true
		}
		if resp.StatusCode != http.StatusBadRequest || !fields["date"] || !fields["civilians"] || !fields["coordinates"] {
			t.Errorf("an invalid incident: %d, fields %v; want 400 naming date, civilians and coordinates: %s", resp.StatusCode, fields, clipBody(body))
		}
		if n, _ := store.CountIncidents(context.Background(), geo.IncidentFilter{Statuses: []geo.Status{geo.StatusDraft}}); n != 0 {
			t.Errorf("a refused incident left %d drafts", n)
		}

		fresh := `{"type":"Feature","geometry":{"type":"Point","coordinates":[38.27,34.56]},"properties":{"date_start":"2024-04-20","date_precision":1,"geo_precision":2,` +
			`"location_name":"near Palmyra","event_type":"Battles","civilians":2,"notes":"first report"},"comment":"from the morning report"}`
		resp, body = ed.do(http.MethodPost, "/api/incidents", []byte(fresh))
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `"v1"` || resp.Header.Get("Location") == "" {
			t.Fatalf("create: %d, ETag %q, Location %q: %s", resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Location"), clipBody(body))
		}
		var created struct {
			ID         int64 `json:"id"`
			Properties struct {
				Governorate, Region, ExternalID string
			} `json:"properties"`
		}
		json.Unmarshal(body, &created)
		path := fmt.Sprintf("/api/incidents/%d", created.ID)
		resp, body = ed.do(http.MethodGet, path+"?status=all", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"governorate":"SY04"`) || !strings.Contains(string(body), `"region":"BADIA-SY04"`) {
			t.Errorf("the draft is not joined on the spot: %d %s", resp.StatusCode, clipBody(body))
		}

		// The editors' list of drafts has it, and the list of all heads.
		for _, q := range []string{"?status=draft", "?status=all&limit=1000"} {
			resp, body := ed.do(http.MethodGet, "/api/incidents"+q, nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf(`"id":%d,`, created.ID)) {
				t.Errorf("GET /api/incidents%s as an editor: %d, the new draft %d not listed: %s", q, resp.StatusCode, created.ID, clipBody(body))
			}
		}

		// Changes need If-Match: 428 without, 412 when stale.
		if resp, _ := ed.do(http.MethodPatch, path, []byte(`{"properties":{"civilians":3}}`)); resp.StatusCode != http.StatusPreconditionRequired {
			t.Errorf("PATCH without If-Match: %d, want 428", resp.StatusCode)
		}
		resp, body = ed.do(http.MethodPatch, path, []byte(`{"properties":{"civilians":3,"notes":"three, not two"}}`), "If-Match", `"v1"`)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"v2"` {
			t.Errorf("PATCH of a new draft: %d, ETag %q: %s", resp.StatusCode, resp.Header.Get("ETag"), clipBody(body))
		}
		if resp, _ := ed.do(http.MethodPatch, path, []byte(`{"properties":{"civilians":4}}`), "If-Match", `"v7"`); resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("PATCH with a stale ETag: %d, want 412", resp.StatusCode)
		}

		// Review: not by its author, not by an editor; a reviewer publishes.
		publish := []byte(`{"status":"published"}`)
		if resp, _ := ed.do(http.MethodPatch, path, publish, "If-Match", `"v2"`); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an editor publishing: %d, want 403", resp.StatusCode)
		}
		self := editClient{t, ts.URL, userToken(t, store, "samir", geo.RoleReviewer)}
		resp, body = self.do(http.MethodPost, "/api/incidents", []byte(fresh))
		var own struct{ ID int64 }
		json.Unmarshal(body, &own)
		if resp, _ := self.do(http.MethodPatch, fmt.Sprintf("/api/incidents/%d", own.ID), publish, "If-Match", `"v1"`); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a reviewer publishing their own draft: %d, want 403", resp.StatusCode)
		}
		resp, body = rev.do(http.MethodPatch, path, publish, "If-Match", `"v2"`)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"v3"` {
			t.Fatalf("publish: %d, ETag %q: %s", resp.StatusCode, resp.Header.Get("ETag"), clipBody(body))
		}
		if resp, body := get(t, ts.URL+path); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "three, not two") {
			t.Errorf("the published incident in public: %d %s", resp.StatusCode, clipBody(body))
		}

		// An edit of a published incident is a draft; the public sees the
		// published version until it is published.
		resp, _ = ed.do(http.MethodPatch, path, []byte(`{"properties":{"location_name":"near T3"},"comment":"place"}`), "If-Match", `"v3"`)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"v4"` {
			t.Errorf("an edit of a published incident: %d, ETag %q; want 200, v4", resp.StatusCode, resp.Header.Get("ETag"))
		}
		if _, body := get(t, ts.URL+path); !strings.Contains(string(body), "near Palmyra") {
			t.Errorf("the public sees a pending draft: %s", clipBody(body))
		}
		// In the drafts list it names the version the public sees (the
		// reviewer's diff is against it); a new draft names none.
		_, body = ed.do(http.MethodGet, "/api/incidents?status=draft&limit=1000", nil)
		var list struct {
			Features []struct {
				ID      int64
				Version struct{ Number, Published int }
			}
		}
		json.Unmarshal(body, &list)
		for _, f := range list.Features {
			if want := map[int64]int{created.ID: 3}[f.ID]; f.Version.Published != want {
				t.Errorf("draft %d (version %d) names published version %d, want %d", f.ID, f.Version.Number, f.Version.Published, want)
			}
		}

		// The history: every version, the fields each changed.
		resp, body = ed.do(http.MethodGet, path+"/history", nil)
		var hist struct {
			Versions []struct {
				Number  int
				Action  string
				Author  string
				Changes []struct {
					Field         string
					Before, After any
				}
			}
		}
		json.Unmarshal(body, &hist)
		if len(hist.Versions) != 4 || hist.Versions[3].Action != "edit" || hist.Versions[3].Author != "edna" ||
			len(hist.Versions[3].Changes) != 1 || hist.Versions[3].Changes[0].Field != "location_name" ||
			hist.Versions[3].Changes[0].Before != "near Palmyra" || hist.Versions[3].Changes[0].After != "near T3" {
			t.Errorf("history: %s", clipBody(body))
		}

		// Revert drafts version 3's fields again; retract needs a reason and a reviewer.
		resp, body = ed.do(http.MethodPost, path+"/revert", map[string]any{"version": 3, "comment": "the place was right"}, "If-Match", `"v4"`)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "near Palmyra") || resp.Header.Get("ETag") != `"v5"` {
			t.Errorf("revert: %d, ETag %q: %s", resp.StatusCode, resp.Header.Get("ETag"), clipBody(body))
		}
		if resp, _ := ed.do(http.MethodDelete, path+"?reason=duplicate", nil, "If-Match", `"v5"`); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an editor retracting: %d, want 403", resp.StatusCode)
		}
		if resp, _ := rev.do(http.MethodDelete, path, nil, "If-Match", `"v5"`); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a retraction without a reason: %d, want 400", resp.StatusCode)
		}
		if resp, body := rev.do(http.MethodDelete, path+"?reason=duplicate+of+another+report", nil, "If-Match", `"v5"`); resp.StatusCode != http.StatusOK {
			t.Errorf("retract: %d %s", resp.StatusCode, clipBody(body))
		}
		if resp, _ := get(t, ts.URL+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a retracted incident in public: %d, want 404", resp.StatusCode)
		}
	})
}
