package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
	"github.com/paulmach/orb"
)

// TileConfig configures the vector tile endpoints.
type TileConfig struct {
	// CacheBytes bounds the in-memory tile cache (gzipped tiles); 0 or less
	// turns it off, and tiles are then built each time (and gzipped for a
	// client that takes gzip).
	CacheBytes int64
	// CacheControl is sent with every tile and TileJSON; "" means
	// DefaultTileCacheControl.
	CacheControl string
	// ClusterBelowZoom and MaxBytes (the budget of a tile's incident
	// layers) go into every geo.TileRequest (0: the geo defaults).
	ClusterBelowZoom int
	MaxBytes         int
	// MaxZoom is the maxzoom TileJSON announces; 0 means 16.
	MaxZoom int
}

// DefaultTileCacheControl lets browsers keep a tile a minute, then
// revalidate it with its ETag.
const DefaultTileCacheControl = "public, max-age=60"

// tileServer is the one path every tile layer goes through: the data
// version, the cache, ETags, 304 and 204, compression. Each layer only says
// which tile a request asks for and how to build it (a tileSource).
type tileServer struct {
	s     *Server
	store geo.TileStore // nil when the store builds no tiles
	cfg   TileConfig
	cache *tileCache
	// syncMu lets one request at a time bring the cache to a newer version.
	syncMu sync.Mutex
}

func newTileServer(s *Server, cfg TileConfig) *tileServer {
	if cfg.CacheControl == "" {
		cfg.CacheControl = DefaultTileCacheControl
	}
	if cfg.MaxZoom <= 0 {
		cfg.MaxZoom = 16
	}
	ts, _ := s.store.(geo.TileStore)
	return &tileServer{s: s, store: ts, cfg: cfg, cache: newTileCache(cfg.CacheBytes)}
}

// tileJob is the tile a request asks for: its cache key (everything the
// tile depends on but the data version), where it is, whether it draws
// incidents (so incident writes may change it), and how to build it.
type tileJob struct {
	key       string
	tile      geo.TileAddr
	incidents bool
	build     func(ctx context.Context) (geo.BuiltTile, error)
}

// tileSource reads a tile request into a job.
type tileSource func(c *echo.Context) (tileJob, error)

// serve answers the tile src reads from the request, from the cache when
// it holds it at the current data version.
func (t *tileServer) serve(src tileSource) echo.HandlerFunc {
	return func(c *echo.Context) error {
		job, err := src(c)
		if errors.Is(err, request.ErrNotTilePath) {
			return notFound("Tiles are at /tiles/{layer}/{z}/{x}/{y}.mvt.")
		}
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		version, err := t.version(ctx)
		if err != nil {
			return t.s.storeError(err)
		}
		e, hit := t.cache.get(version, job.key)
		if !hit {
			built, err := job.build(ctx)
			if err != nil {
				return t.s.storeError(err)
			}
			cached := t.cache.on() && built.Version != 0
			if e, err = newTileEntry(built.MVT, cached || acceptsGzip(c.Request()), !cached); err != nil {
				return err
			}
			if cached {
				t.cache.put(built.Version, job.key, job.tile, job.incidents, e)
			}
		}
		cacheState := "miss"
		if hit {
			cacheState = "hit"
		}
		c.Response().Header().Set("X-Tile-Cache", cacheState)
		return t.send(c, e)
	}
}

// version is the data version now, with the cache made valid at it: the
// tiles the writes since its version changed are dropped, the rest kept.
func (t *tileServer) version(ctx context.Context) (int64, error) {
	version, err := t.s.dataVersion(ctx) // from memory when the store watches it
	if err != nil || !t.cache.on() || version <= t.cache.at() {
		return version, err
	}
	t.syncMu.Lock() // one request asks what changed; the others wait for its answer
	defer t.syncMu.Unlock()
	since := t.cache.at()
	if version <= since {
		return version, nil
	}
	log, ok := t.s.store.(geo.TileChangeLog)
	ch := geo.TileChanges{Version: version, All: true}
	if ok && since > 0 {
		if ch, err = log.TileChanges(ctx, since); err != nil {
			return 0, err
		}
	}
	t.cache.advance(ch)
	return max(version, ch.Version), nil
}

// layerTile reads a tile of the incident and region layers.
func (t *tileServer) layerTile(c *echo.Context) (tileJob, error) {
	return t.layerJob(c, c.Param("layer"), c.Param("z"), c.Param("x"), c.Param("y"))
}

// layerJob is the tile of layer at z/x/yFile (y with its .mvt) with the
// request's filter and properties: the one job of /tiles/{layer} and of
// OGC API - Tiles.
func (t *tileServer) layerJob(c *echo.Context, layer, z, x, yFile string) (tileJob, error) {
	if t.store == nil {
		return tileJob{}, newProblem(http.StatusNotImplemented, "This store does not build vector tiles.")
	}
	req, err := request.Tile(layer, z, x, yFile, c.QueryParams(), t.s.knownRegions(c.Request().Context()))
	if err != nil {
		return tileJob{}, err
	}
	req.ClusterBelowZoom, req.MaxBytes = t.cfg.ClusterBelowZoom, t.cfg.MaxBytes
	// The filter's canonical query (lists sorted, parameters in key order)
	// and the property list (in IncidentFields order) make equivalent
	// requests share an entry.
	key := fmt.Sprintf("%s/%d/%d/%d?%s#%s", req.Layer, req.Z, req.X, req.Y, request.FilterQuery(req.Filter).Encode(),
		strings.Join(req.IncidentProperties(), ","))
	return tileJob{key: key, tile: req.Addr(), incidents: req.HasIncidents(),
		build: func(ctx context.Context) (geo.BuiltTile, error) { return t.store.Tile(ctx, req) }}, nil
}

// newTileEntry hashes a built tile, gzips it when compress, and keeps the
// raw bytes when keepRaw.
func newTileEntry(raw []byte, compress, keepRaw bool) (*tileEntry, error) {
	sum := sha256.Sum256(raw)
	e := &tileEntry{etag: hex.EncodeToString(sum[:16]), size: len(raw)}
	if len(raw) == 0 {
		return e, nil
	}
	if keepRaw {
		e.raw = raw
	}
	if !compress {
		return e, nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("gzip a tile: %w", err)
	}
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
	dimension   int               // of its geometries: 0 points, 2 polygons
}

func fieldsJSON(fields []geo.TileField) map[string]string {
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		out[f.Name] = f.Type + ": " + f.Description
	}
	return out
}

// tileJSON answers a TileJSON 3.0.0 document of tiles at tiles (a URL
// template with its query), over bounds, with extra members.
func (t *tileServer) tileJSON(c *echo.Context, name, description, tiles string, bounds orb.Bound,
	layers []vectorLayerJSON, extra map[string]any) error {
	credits := make([]string, len(t.s.cfg.Credits))
	for i, cr := range t.s.cfg.Credits {
		credits[i] = cr.Attribution + " (" + cr.License + ")"
	}
	doc := map[string]any{
		"tilejson":      "3.0.0",
		"name":          name,
		"description":   description,
		"version":       "1.0.0",
		"scheme":        "xyz",
		"tiles":         []string{tiles},
		"minzoom":       0,
		"maxzoom":       t.cfg.MaxZoom,
		"bounds":        []float64{bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1]},
		"center":        []float64{(bounds.Min[0] + bounds.Max[0]) / 2, (bounds.Min[1] + bounds.Max[1]) / 2, 6},
		"attribution":   strings.Join(credits, "; "),
		"vector_layers": layers,
	}
	for k, v := range extra {
		doc[k] = v
	}
	c.Response().Header().Set("Cache-Control", t.cfg.CacheControl)
	return writeJSON(c, http.StatusOK, mimeJSON, doc)
}

// serveTileJSON answers /tiles/{layer}.json: TileJSON 3.0.0 whose tile URL
// carries the request's filter and properties.
func (t *tileServer) serveTileJSON(c *echo.Context) error {
	layer, err := request.TileJSONLayer(c.Param("file"))
	if errors.Is(err, request.ErrNotTilePath) {
		return notFound("TileJSON is at /tiles/{layer}.json; tiles at /tiles/{layer}/{z}/{x}/{y}.mvt.")
	}
	if err != nil {
		return err
	}
	q := c.QueryParams()
	props, err := request.TileProperties(q)
	if err != nil {
		return err
	}
	f, err := t.s.filter(c)
	if err != nil {
		return err
	}
	req := geo.TileRequest{Layer: layer, ClusterBelowZoom: t.cfg.ClusterBelowZoom, MaxBytes: t.cfg.MaxBytes, Properties: props}
	layers := tileLayerDocs(req, t.cfg)
	tq := request.FilterQuery(f)
	if p := request.TilePropertiesQuery(props); p != "" {
		tq.Set(request.Properties.Name, p)
	}
	url := t.s.baseURL(c) + "/tiles/" + string(layer) + "/{z}/{x}/{y}.mvt"
	if enc := tq.Encode(); enc != "" {
		url += "?" + enc
	}
	bounds := geo.SyriaBound
	if f.BBox != nil {
		bounds = *f.BBox
	}
	return t.tileJSON(c, "badiamap "+string(layer),
		"Incidents and regions of the Syrian Badia as Mapbox Vector Tiles, filtered as the tile URL says",
		url, bounds, layers, map[string]any{"filter": request.FilterJSON(f)})
}

// tileLayerDocs describes the MVT layers of req's tiles, for TileJSON and
// OGC API - Tiles.
func tileLayerDocs(req geo.TileRequest, cfg TileConfig) []vectorLayerJSON {
	maxZoom := cfg.MaxZoom
	clusterBelow := cfg.ClusterBelowZoom
	if clusterBelow == 0 {
		clusterBelow = geo.DefaultClusterBelowZoom
	}
	var layers []vectorLayerJSON
	if req.HasGovernorates() {
		layers = append(layers, vectorLayerJSON{ID: geo.MVTGovernorates, Description: "Governorates (OCHA COD-AB), simplified for the zoom",
			MinZoom: 0, MaxZoom: maxZoom, Fields: fieldsJSON(geo.RegionFields), dimension: 2})
	}
	if req.HasBadiaRegions() {
		layers = append(layers, vectorLayerJSON{ID: geo.MVTBadiaRegions, Description: "Badia regions: the Badia cut by governorate",
			MinZoom: 0, MaxZoom: maxZoom, Fields: fieldsJSON(geo.RegionFields), dimension: 2})
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
			Description: fmt.Sprintf("One point at the centre of every tile with incidents: how many match in its area, how many are points and how many are in clusters (they add up), within the %d-byte budget of the incident layers", req.Budget()),
			MinZoom:     0, MaxZoom: maxZoom, Fields: fieldsJSON(geo.TileInfoFields)})
	}
	return layers
}
