package web

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// maxSourceNames bounds the distinct source names one answer counts: a
// name past it is left out and the answer says so (truncated).
const maxSourceNames = 2000

// sourceCount is one source name and how many incidents cite it.
type sourceCount struct {
	Name       string `json:"name"`
	Operations int    `json:"operations"`
}

// listSources answers the names of the sources the filtered incidents cite,
// each with how many incidents cite it, most cited first: the values the
// source filter takes. Names that differ only in case are one source, as
// the filter matches them (spelled as the first incident, by id, spells it).
func (s *Server) listSources(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	byKey := map[string]*sourceCount{}
	matched, truncated := 0, false
	err = s.store.ScanIncidents(c.Request().Context(), f, geo.Page{}, func(inc *geo.Incident) error {
		matched++
		for i, src := range inc.Sources {
			name := strings.TrimSpace(src.Name)
			key := strings.ToLower(name)
			if key == "" || citedBefore(inc.Sources[:i], key) {
				continue
			}
			sc := byKey[key]
			if sc == nil {
				if len(byKey) >= maxSourceNames {
					truncated = true
					continue
				}
				sc = &sourceCount{Name: request.Clip(name, 200)}
				byKey[key] = sc
			}
			sc.Operations++
		}
		return nil
	})
	if err != nil {
		return s.storeError(err)
	}
	out := make([]sourceCount, 0, len(byKey))
	for _, sc := range byKey {
		out = append(out, *sc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operations != out[j].Operations {
			return out[i].Operations > out[j].Operations
		}
		return out[i].Name < out[j].Name
	})
	c.Response().Header().Set("Cache-Control", "no-cache")
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"filter":        request.FilterJSON(f),
		"sources":       out,
		"numberMatched": matched,
		"truncated":     truncated,
		"generated":     time.Now().UTC().Format(time.RFC3339),
	})
}

// citedBefore says whether one of srcs is named key (lower case): an
// incident citing a source twice counts once.
func citedBefore(srcs []geo.Source, key string) bool {
	for _, s := range srcs {
		if strings.ToLower(strings.TrimSpace(s.Name)) == key {
			return true
		}
	}
	return false
}
