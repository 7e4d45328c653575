package web

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/attribution"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// The changes feeds list published changes only: a publication, an import
// or a retraction. Authors are left out: the desk's staff are not named in
// public.
const (
	defaultChangesLimit = 100
	// atomEntries is how many of the newest changes the Atom feed carries,
	// as many as a feed reader polls at once.
	atomEntries = 100
	mimeAtom    = "application/atom+xml"
)

// feedFilter is the request's filter over the incidents a feed follows:
// the published ones and the retracted ones, whose retraction it reports.
func (s *Server) feedFilter(c *echo.Context) (geo.IncidentFilter, error) {
	f, err := s.filter(c)
	f.Statuses = []geo.Status{geo.StatusPublished, geo.StatusRetracted}
	return f, err
}

// changeJSON is what a feed says of a change besides the incident's fields.
func changeJSON(ch geo.Change) map[string]any {
	m := map[string]any{"seq": ch.Seq, "action": ch.Version.Action, "version": ch.Version.Incident.Version,
		"status": ch.Version.Incident.Status, "at": ch.Version.At.UTC().Format(time.RFC3339)}
	if ch.Version.Comment != "" {
		m["comment"] = ch.Version.Comment
	}
	return m
}

// listChanges answers GET /api/changes: the published changes of the
// incidents the filter matches, oldest first, as a FeatureCollection of
// the incidents as each change left them, a page at a time from a cursor.
func (s *Server) listChanges(c *echo.Context) error {
	es, err := s.editStore()
	if err != nil {
		return err
	}
	f, err := s.feedFilter(c)
	if err != nil {
		return err
	}
	page, err := request.ParsePage(c.QueryParams(), defaultChangesLimit)
	if err != nil {
		return err
	}
	after, err := page.AfterID()
	if err != nil {
		return err
	}
	release, err := s.admit(c.Request().Context()) // a large page is a download (pageClass)
	if err != nil {
		return err
	}
	defer release()
	changes, err := es.Changes(c.Request().Context(), f, after, page.Limit+1, false)
	if err != nil {
		return s.storeError(err)
	}
	more := len(changes) > page.Limit
	if more {
		changes = changes[:page.Limit]
	}
	setStreamHeaders(c, MIMEGeoJSON)
	gw := incidentfile.NewGeoJSONWriter(c.Response(), s.metadata(f))
	for _, ch := range changes {
		if err := gw.WriteWith(&ch.Version.Incident, map[string]any{"change": changeJSON(ch)}); err != nil {
			return err
		}
	}
	links := []link{{s.selfURL(c), "self", MIMEGeoJSON, "This page"}}
	trailing := map[string]any{"numberReturned": len(changes), "next": nil}
	// The last page links on too: a poller follows next for what comes later.
	last := after
	if len(changes) > 0 {
		last = changes[len(changes)-1].Seq
	}
	nq := request.FilterQuery(f)
	nq.Set(request.Limit.Name, strconv.Itoa(page.Limit))
	nq.Set(request.Cursor.Name, request.IDCursor(last))
	next := s.withQuery(c, "/api/changes", nq)
	links = append(links, link{next, "next", MIMEGeoJSON, "The changes after these"})
	if more {
		trailing["next"] = next
	}
	trailing["links"] = links
	return gw.CloseWithMembers(trailing)
}

// The Atom document (RFC 4287) with GeoRSS Simple points.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	GeoRSS  string      `xml:"xmlns:georss,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Rights  string      `xml:"rights,omitempty"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    string       `xml:"title"`
	Updated  string       `xml:"updated"`
	Links    []atomLink   `xml:"link"`
	Category atomCategory `xml:"category"`
	Summary  string       `xml:"summary"`
	Point    string       `xml:"georss:point,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// changesAtom answers GET /api/changes.atom: the newest published changes
// of the incidents the filter matches, newest first, as an Atom feed a
// feed reader subscribes to.
func (s *Server) changesAtom(c *echo.Context) error {
	es, err := s.editStore()
	if err != nil {
		return err
	}
	f, err := s.feedFilter(c)
	if err != nil {
		return err
	}
	changes, err := es.Changes(c.Request().Context(), f, 0, atomEntries, true)
	if err != nil {
		return s.storeError(err)
	}
	base := s.baseURL(c)
	self := s.selfURL(c)
	names := map[string]string{}
	for _, r := range s.regions.get(c.Request().Context()) {
		names[r.Code] = r.NameEN
	}
	feed := atomFeed{
		GeoRSS:  "http://www.georss.org/georss",
		ID:      self, // the filter is the feed: one id per query
		Title:   "Badia incidents: published changes" + filterTitle(f, names),
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Author:  atomPerson{Name: "badiamap"},
		Rights:  attribution.Attributions(s.cfg.Credits),
		Links: []atomLink{{Href: self, Rel: "self", Type: mimeAtom},
			{Href: s.withQuery(c, "/api/changes", request.FilterQuery(f)), Rel: "alternate", Type: MIMEGeoJSON}},
	}
	if len(changes) > 0 {
		feed.Updated = changes[0].Version.At.UTC().Format(time.RFC3339)
	}
	for _, ch := range changes {
		inc := ch.Version.Incident
		id := strconv.FormatInt(inc.ID, 10)
		version := base + "/api/incidents/" + id + "/versions/" + strconv.Itoa(inc.Version)
		e := atomEntry{
			ID:       version, // each change is its own entry: the version it made
			Title:    changeTitle(ch, names),
			Updated:  ch.Version.At.UTC().Format(time.RFC3339),
			Links:    []atomLink{{Href: version, Rel: "alternate", Type: MIMEGeoJSON}},
			Category: atomCategory{Term: string(ch.Version.Action)},
			Summary:  changeSummary(ch),
		}
		if inc.Status == geo.StatusPublished {
			e.Links = append(e.Links, atomLink{Href: base + "/#incident=" + id, Rel: "related", Type: "text/html"})
		}
		if inc.Located().Drawn() {
			e.Point = fmt.Sprintf("%.5f %.5f", inc.Location.Lat(), inc.Location.Lon()) // GeoRSS: latitude first
		}
		feed.Entries = append(feed.Entries, e)
	}
	out, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, mimeAtom+"; charset=utf-8", append([]byte(xml.Header), out...))
}

// changeTitle is a change in a line: what happened, where and when.
func changeTitle(ch geo.Change, names map[string]string) string {
	inc := ch.Version.Incident
	verb := map[geo.Action]string{geo.ActionRetract: "Retracted", geo.ActionImport: "Imported"}[ch.Version.Action]
	if verb == "" {
		verb = "Published"
	}
	place := inc.LocationName
	if g := names[inc.Governorate]; g != "" {
		if place != "" {
			place += ", "
		}
		place += g
	}
	if place == "" {
		place = "Syria"
	}
	return fmt.Sprintf("%s: %s, %s (%d killed)", verb, place, inc.DateStart.Format(time.DateOnly), inc.Casualties.Killed())
}

// changeSummary says who attacked whom and, for a retraction, why.
func changeSummary(ch geo.Change) string {
	inc := ch.Version.Incident
	s := inc.EventType
	if inc.Perpetrator != "" || inc.Target != "" {
		s += ": " + inc.Perpetrator + " against " + inc.Target
	}
	if ch.Version.Action == geo.ActionRetract {
		s = "Retracted: " + ch.Version.Comment + ". " + s
	} else if ch.Version.Comment != "" {
		s += ". " + ch.Version.Comment
	}
	return s
}

// filterTitle names a filter's governorates and regions for a feed title.
func filterTitle(f geo.IncidentFilter, names map[string]string) string {
	var parts []string
	for _, code := range append(append([]string{}, f.Governorates...), f.Regions...) {
		if n := names[code]; n != "" {
			parts = append(parts, n)
		} else {
			parts = append(parts, code)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " in " + strings.Join(parts, ", ")
}
