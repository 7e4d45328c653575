package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/labstack/echo/v5"
)

// writeJSON encodes v as JSON of the given media type, without escaping
// HTML characters (the payload is data, not markup).
func writeJSON(c *echo.Context, status int, contentType string, v any) error {
	h := c.Response().Header()
	if !strings.Contains(contentType, "charset") {
		contentType += "; charset=utf-8"
	}
	h.Set(echo.HeaderContentType, contentType)
	c.Response().WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// baseURL is the base of absolute links: the public URL when one is set;
// else the scheme and host the client used, from X-Forwarded-Proto and
// X-Forwarded-Host only when the server is told to trust them (a client
// could otherwise put any host into the links it is sent, and into caches).
func (s *Server) baseURL(c *echo.Context) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	r := c.Request()
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.cfg.TrustForwarded {
		if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); plainHost(h) {
			host = h
		}
	}
	return scheme + "://" + host
}

// firstValue is the first of a comma-separated header's values (the one the
// first proxy set).
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// plainHost reports whether h is a host[:port] and nothing more.
func plainHost(h string) bool {
	if h == "" || strings.ContainsAny(h, "/\\?#@ \t") {
		return false
	}
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h
}

// checkPublicURL reports what is wrong with a public URL: it must be an
// absolute http or https URL with no query or fragment.
func checkPublicURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("public URL %q: want an absolute http(s) URL such as https://maps.example.org, with no query", v)
	}
	return nil
}

// selfURL is the request's own absolute URL.
func (s *Server) selfURL(c *echo.Context) string {
	return s.baseURL(c) + c.Request().URL.RequestURI()
}

// withQuery builds an absolute link to path with q, parameters in key order.
func (s *Server) withQuery(c *echo.Context, path string, q url.Values) string {
	u := s.baseURL(c) + path
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// downloadName is a file name that says what was filtered, e.g.
// badiamap-incidents_SY04_2024-01-01_2024-04-21.csv.
func downloadName(prefix string, f geo.IncidentFilter, ext string) string {
	var parts []string
	add := func(s string) {
		s = strings.Trim(unsafeFileChars.ReplaceAllString(s, "-"), "-")
		if s != "" {
			parts = append(parts, s)
		}
	}
	sorted := func(vs []string) []string {
		out := append([]string{}, vs...)
		sort.Strings(out)
		return out
	}
	for _, g := range sorted(f.Governorates) {
		add(g)
	}
	for _, r := range sorted(f.Regions) {
		add(r)
	}
	for _, t := range sorted(f.EventTypes) {
		add(t)
	}
	for _, t := range sorted(f.SubEventTypes) {
		add(t)
	}
	for _, v := range f.Victims {
		add(string(v))
	}
	if len(f.Perpetrators) > 0 {
		add("perpetrator-" + strings.Join(sorted(f.Perpetrators), "-"))
	}
	if f.MinKilled > 0 {
		add("min-killed-" + strconv.Itoa(f.MinKilled))
	}
	if f.BBox != nil {
		add("bbox")
	}
	if f.Text != "" {
		add("q-" + f.Text)
	}
	if len(f.Sources) > 0 {
		add("source-" + strings.Join(sorted(f.Sources), "-"))
	}
	switch {
	case !f.From.IsZero() && !f.To.IsZero():
		add(f.From.Format(geo.DateLayout))
		add(f.To.Format(geo.DateLayout))
	case !f.From.IsZero():
		add("from-" + f.From.Format(geo.DateLayout))
	case !f.To.IsZero():
		add("to-" + f.To.Format(geo.DateLayout))
	}
	name := prefix
	if len(parts) > 0 {
		name += "_" + strings.Join(parts, "_")
	}
	if len(name) > 150 {
		name = strings.TrimRight(name[:150], "-_")
	}
	return name + "." + ext
}
