package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/labstack/echo/v5"
)

// MIMEVectorTile is the media type of a Mapbox Vector Tile.
const MIMEVectorTile = "application/vnd.mapbox-vector-tile"

// TileConfig configures the vector tile endpoints.
type TileConfig struct {
	// CacheBytes bounds the in-memory tile cache (gzipped tiles); 0 or less
	// turns it off, and tiles are then built and sent uncompressed each time.
	CacheBytes int64
	// CacheControl is sent with every tile and TileJSON; "" means
	// DefaultTileCacheControl.
	CacheControl string
	// ClusterBelowZoom and MaxFeatures go into every geo.TileRequest (0: the
	// geo defaults).
	ClusterBelowZoom int
	MaxFeatures      int
	// MaxZoom is the maxzoom TileJSON announces; 0 means 16.
	MaxZoom int
}

// DefaultTileCacheControl lets browsers keep a tile a minute, then
// revalidate it with its ETag.
const DefaultTileCacheControl = "public, max-age=60"

// tileServer holds the tile routes' configuration and cache.
type tileServer struct {
	s     *Server
	store geo.TileStore
	cfg   TileConfig
	cache *tileCache
}

// EnableTiles registers GET /tiles/{layer}/{z}/{x}/{y}.mvt and
// GET /tiles/{layer}.json on s. The store must implement geo.TileStore.
func (s *Server) EnableTiles(cfg TileConfig) error {
	ts, ok := s.store.(geo.TileStore)
	if !ok {
		return fmt.Errorf("the %T store cannot build vector tiles (no Tile method)", s.store)
	}
	if cfg.CacheControl == "" {
		cfg.CacheControl = DefaultTileCacheControl
	}
	if cfg.MaxZoom <= 0 {
		cfg.MaxZoom = 16
	}
	t := &tileServer{s: s, store: ts, cfg: cfg, cache: newTileCache(cfg.CacheBytes)}
	s.echo.GET("/tiles/:layer/:z/:x/:y", t.serveTile)
	s.echo.GET("/tiles/:file", t.serveTileJSON)
	return nil
}

// tileProblem turns a request the tile grid refuses into a 400 naming it.
func tileProblem(err error) error {
	var te *geo.TileError
	if errors.As(err, &te) {
		p := badRequest(te.Error())
		p.Title = "Invalid tile"
		p.Parameter = te.Field
		return p
	}
	return err
}

func parseTileCoord(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &geo.TileError{Field: name, Reason: fmt.Sprintf("%q is not a whole number", clip(v, 40))}
	}
	return n, nil
}

func (t *tileServer) serveTile(c *echo.Context) error {
	layer, err := geo.ParseTileLayer(c.Param("layer"))
	if err != nil {
		return tileProblem(err)
	}
	yText, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		return notFound("Tiles are at /tiles/{layer}/{z}/{x}/{y}.mvt.")
	}
	req := geo.TileRequest{Layer: layer, ClusterBelowZoom: t.cfg.ClusterBelowZoom, MaxFeatures: t.cfg.MaxFeatures}
	for _, p := range []struct {
		name string
		text string
		v    *int
	}{{"z", c.Param("z"), &req.Z}, {"x", c.Param("x"), &req.X}, {"y", yText, &req.Y}} {
		if *p.v, err = parseTileCoord(p.name, p.text); err != nil {
			return tileProblem(err)
		}
	}
	if req.Properties, err = geo.ParseTileProperties(c.QueryParam(ParamProperties)); err != nil {
		return tileProblem(err)
	}
	if err := req.Validate(); err != nil {
		return tileProblem(err)
	}
	if req.Filter, err = t.s.filter(c, ParamProperties); err != nil {
		return err
	}
	ctx := c.Request().Context()
	version, err := t.s.store.DataVersion(ctx)
	if err != nil {
		return t.s.storeError(err)
	}
	key := tileKey(req)
	e, hit := t.cache.get(version, key)
	if !hit {
		raw, err := t.store.Tile(ctx, req)
		if err != nil {
			return t.s.storeError(tileProblem(err))
		}
		if e, err = newTileEntry(raw, t.cache.maxBytes > 0); err != nil {
			return err
		}
		t.cache.put(version, key, e)
	}
	return t.send(c, e)
}

// ParamProperties names the properties of a tile's incident features
// (geo.ParseTileProperties): empty for the default list, "all", or names.
const ParamProperties = "properties"

// tileKey names a tile, its normalised filter (FilterQuery sorts lists and
// Encode sorts parameters) and its property list (in IncidentFields order),
// so equivalent queries share an entry.
func tileKey(req geo.TileRequest) string {
	return fmt.Sprintf("%s/%d/%d/%d?%s#%s", req.Layer, req.Z, req.X, req.Y, FilterQuery(req.Filter).Encode(),
		strings.Join(req.IncidentProperties(), ","))
}

// newTileEntry hashes a built tile and, when it is to be cached, gzips it.
func newTileEntry(raw []byte, compress bool) (*tileEntry, error) {
	sum := sha256.Sum256(raw)
	e := &tileEntry{etag: hex.EncodeToString(sum[:16]), size: len(raw)}
	if len(raw) == 0 {
		return e, nil
	}
	if !compress {
		e.raw = raw
		return e, nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip a tile: %w", err)
	}
	e.gz = buf.Bytes()
	return e, nil
}

// send answers with e: 304 when the client holds it, 204 when it is empty,
// the gzipped bytes as they are when the client takes gzip.
func (t *tileServer) send(c *echo.Context, e *tileEntry) error {
	h := c.Response().Header()
	gz := e.gz != nil && acceptsGzip(c.Request())
	etag := `"` + e.etag + `"`
	if gz {
		etag = `"` + e.etag + `.gz"` // a strong tag per content coding
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", t.cfg.CacheControl)
	h.Add("Vary", "Accept-Encoding")
	if etagMatches(c.Request().Header.Get("If-None-Match"), e.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if e.size == 0 {
		return c.NoContent(http.StatusNoContent)
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, MIMEVectorTile, e.gz)
	}
	body := e.raw
	if body == nil {
		zr, err := gzip.NewReader(bytes.NewReader(e.gz))
		if err != nil {
			return fmt.Errorf("gunzip a cached tile: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("gunzip a cached tile: %w", err)
		}
	}
	return c.Blob(http.StatusOK, MIMEVectorTile, body)
}

// etagMatches is If-None-Match's weak comparison against either coding's tag.
func etagMatches(header, tag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		if v == "*" {
			return true
		}
		v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
		if strings.TrimSuffix(v, ".gz") == tag {
			return true
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding, honouring q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || strings.HasPrefix(q, "q=0.0") && strings.Trim(q[3:], "0.") == "" {
			return false
		}
		return true
	}
	return false
}

// vectorLayerJSON is one entry of TileJSON's vector_layers.
type vectorLayerJSON struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

func fieldsJSON(fields []geo.TileField) map[string]string {
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		out[f.Name] = f.Type + ": " + f.Description
	}
	return out
}

// serveTileJSON answers /tiles/{layer}.json: TileJSON 3.0.0 whose tile URL
// carries the request's filter.
func (t *tileServer) serveTileJSON(c *echo.Context) error {
	name, ok := strings.CutSuffix(c.Param("file"), ".json")
	if !ok {
		return notFound("TileJSON is at /tiles/{layer}.json; tiles at /tiles/{layer}/{z}/{x}/{y}.mvt.")
	}
	layer, err := geo.ParseTileLayer(name)
	if err != nil {
		return tileProblem(err)
	}
	props, err := geo.ParseTileProperties(c.QueryParam(ParamProperties))
	if err != nil {
		return tileProblem(err)
	}
	f, err := t.s.filter(c, ParamProperties)
	if err != nil {
		return err
	}
	req := geo.TileRequest{Layer: layer, ClusterBelowZoom: t.cfg.ClusterBelowZoom, Properties: props}
	maxZoom := t.cfg.MaxZoom
	clusterBelow := t.cfg.ClusterBelowZoom
	if clusterBelow == 0 {
		clusterBelow = geo.DefaultClusterBelowZoom
	}
	var layers []vectorLayerJSON
	if req.HasGovernorates() {
		layers = append(layers, vectorLayerJSON{ID: geo.MVTGovernorates, Description: "Governorates (OCHA COD-AB), simplified for the zoom",
			MinZoom: 0, MaxZoom: maxZoom, Fields: fieldsJSON(geo.RegionFields)})
	}
	if req.HasBadiaRegions() {
		layers = append(layers, vectorLayerJSON{ID: geo.MVTBadiaRegions, Description: "Badia regions: the Badia cut by governorate",
			MinZoom: 0, MaxZoom: maxZoom, Fields: fieldsJSON(geo.RegionFields)})
	}
	if req.HasIncidents() {
		if clusterBelow > 0 {
			layers = append(layers, vectorLayerJSON{ID: geo.MVTClusters,
				Description: fmt.Sprintf("Incidents grouped in a %dx%d grid per tile, below zoom %d", geo.ClusterGrid, geo.ClusterGrid, clusterBelow),
				MinZoom:     0, MaxZoom: min(clusterBelow-1, maxZoom), Fields: fieldsJSON(geo.ClusterFields)})
		}
		if clusterBelow <= maxZoom {
			layers = append(layers, vectorLayerJSON{ID: geo.MVTIncidents,
				Description: "One point per incident; the feature id is the stable incident id, the rest of an incident at /api/incidents/{id} (or ask for properties=all)",
				MinZoom:     max(clusterBelow, 0), MaxZoom: maxZoom,
				Fields: fieldsJSON(geo.SelectFields(geo.IncidentFields, req.IncidentProperties()))})
		}
		layers = append(layers, vectorLayerJSON{ID: geo.MVTTileInfo,
			Description: fmt.Sprintf("Present only when a tile holds more than %d incident or cluster features and some were left out", t.limit()),
			MinZoom:     0, MaxZoom: maxZoom, Fields: fieldsJSON(geo.TileInfoFields)})
	}
	url := baseURL(c) + "/tiles/" + string(layer) + "/{z}/{x}/{y}.mvt"
	q := FilterQuery(f)
	switch {
	case props == nil:
	case slices.Equal(props, geo.AllIncidentProperties):
		q.Set(ParamProperties, "all")
	default:
		q.Set(ParamProperties, strings.Join(props, ","))
	}
	if enc := q.Encode(); enc != "" {
		url += "?" + enc
	}
	bounds := geo.SyriaBound
	if f.BBox != nil {
		bounds = *f.BBox
	}
	credits := make([]string, len(t.s.cfg.Credits))
	for i, cr := range t.s.cfg.Credits {
		credits[i] = cr.Attribution + " (" + cr.License + ")"
	}
	doc := map[string]any{
		"tilejson":      "3.0.0",
		"name":          "badiamap " + string(layer),
		"description":   "Incidents and regions of the Syrian Badia as Mapbox Vector Tiles, filtered as the tile URL says",
		"version":       "1.0.0",
		"scheme":        "xyz",
		"tiles":         []string{url},
		"minzoom":       0,
		"maxzoom":       maxZoom,
		"bounds":        []float64{bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1]},
		"center":        []float64{(bounds.Min[0] + bounds.Max[0]) / 2, (bounds.Min[1] + bounds.Max[1]) / 2, 6},
		"attribution":   strings.Join(credits, "; "),
		"vector_layers": layers,
		"filter":        filterJSON(f),
	}
	c.Response().Header().Set("Cache-Control", t.cfg.CacheControl)
	return writeJSON(c, http.StatusOK, "application/json", doc)
}

func (t *tileServer) limit() int {
	r := geo.TileRequest{MaxFeatures: t.cfg.MaxFeatures}
	return r.Limit()
}
