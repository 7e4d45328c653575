package web

import (
	"context"
	"net/http"
	"sync"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/places"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// placeSearch is the search index of the bundled places and the store's
// governorates and Badia regions, built again when the data version moves.
type placeSearch struct {
	mu      sync.Mutex
	version int64
	index   *places.Index
}

// placeIndex is the search index of the current data: held while the data
// version has not moved past it, else built under the request's snapshot
// and kept under that snapshot's version.
func (s *Server) placeIndex(ctx context.Context) (*places.Index, error) {
	v, err := s.dataVersion(ctx)
	if err != nil {
		return nil, s.storeError(err)
	}
	ps := &s.places
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.index != nil && ps.version >= v {
		return ps.index, nil
	}
	if v, err = s.store.DataVersion(ctx); err != nil {
		return nil, s.storeError(err)
	}
	if ps.index != nil && ps.version >= v {
		return ps.index, nil
	}
	regions, err := s.store.Regions(ctx, geo.KindGovernorate, geo.KindBadia)
	if err != nil {
		return nil, s.storeError(err)
	}
	items := places.PlaceItems()
	for _, r := range regions {
		b := r.Geom.Bound()
		// Regions rank above every place of the same name quality.
		items = append(items, places.Item{ID: r.Code, Kind: string(r.Kind), NameEN: r.NameEN, NameAR: r.NameAR,
			AltNames: []string{r.Code}, Point: b.Center(), Bound: b, Importance: 1 << 20})
	}
	ps.index, ps.version = places.NewIndex(items), v
	return ps.index, nil
}

// listPlaces answers the bundled places as GeoJSON, or with q the places,
// governorates and Badia regions whose names match, best first.
func (s *Server) listPlaces(c *echo.Context) error {
	text, limit, err := request.PlaceSearch(c.QueryParams())
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	if text == "" {
		all := places.All()
		for i := range all {
			fc.Append(all[i].Feature())
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		return writeJSON(c, http.StatusOK, MIMEGeoJSON, map[string]any{"type": "FeatureCollection",
			"features": fc.Features, "attribution": places.Attribution})
	}
	ix, err := s.placeIndex(c.Request().Context())
	if err != nil {
		return err
	}
	for _, m := range ix.Search(text, limit) {
		f := geojson.NewFeature(m.Item.Point)
		f.ID = m.Item.ID
		f.Properties = geojson.Properties{"kind": m.Item.Kind, "name_en": m.Item.NameEN, "name_ar": m.Item.NameAR,
			"matched_name": m.Name, "match": m.Quality.String()}
		if m.Item.Bound != (orb.Bound{}) {
			b := m.Item.Bound
			f.BBox = geojson.BBox{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		}
		fc.Append(f)
	}
	return writeJSON(c, http.StatusOK, MIMEGeoJSON, map[string]any{"type": "FeatureCollection", "features": fc.Features,
		"query": text, "attribution": places.Attribution})
}
