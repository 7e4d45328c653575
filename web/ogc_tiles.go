package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// OGC API - Tiles (OGC 20-057) over the vector tiles of web/tiles.go: the
// WebMercatorQuad tile matrix set (OGC 17-083r4, TMS 2.0), a tileset list
// and tileset per collection and for the whole dataset (every layer in one
// tile), and tiles at .../tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}
// answered by the same tile path as /tiles/{layer}/{z}/{x}/{y}.mvt: in
// WebMercatorQuad the tile matrix is the zoom, the row y and the column x.

// The tile matrix set served, by its id and URI.
const (
	webMercatorQuad    = "WebMercatorQuad"
	webMercatorQuadURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crsEPSG3857        = "http://www.opengis.net/def/crs/EPSG/0/3857"
)

// Link relations of OGC API - Tiles.
const (
	relTilingScheme  = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	relTilingSchemes = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	relTilesetsVec   = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
)

// tilesConformance are the classes of OGC API - Tiles - Part 1 and TMS 2.0
// this server meets.
var tilesConformance = []string{
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
	"http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
}

// Path parameters of the OGC tile routes.
var (
	tileMatrixSetParam = request.Param{Name: "tileMatrixSetId", Doc: "Tile matrix set; only WebMercatorQuad.", Required: true,
		Schema: enumOf(webMercatorQuad), Example: webMercatorQuad}
	tileMatrixParam = request.Param{Name: "tileMatrix", Doc: "Tile matrix (the zoom), 0-22.", Required: true,
		Schema: map[string]any{"type": "string"}, Example: "6"}
	tileRowParam = request.Param{Name: "tileRow", Doc: "Row (y, from the north).", Required: true,
		Schema: map[string]any{"type": "integer", "minimum": 0}, Example: "25"}
	tileColParam = request.Param{Name: "tileCol", Doc: "Column (x, from the west).", Required: true,
		Schema: map[string]any{"type": "integer", "minimum": 0}, Example: "38"}
	ogcTileAddress = []request.Param{tileMatrixSetParam, tileMatrixParam, tileRowParam, tileColParam}
)

// Web Mercator: the half-width of the square world in metres, and the cell
// size of tile matrix 0 (a 256-pixel tile over it).
const (
	mercatorHalfWorld = math.Pi * 6378137
	mercatorCell0     = 2 * mercatorHalfWorld / 256
)

// tileMatrixSetJSON is WebMercatorQuad in the TMS 2.0 JSON encoding, tile
// matrices 0 to geo.MaxTileZoom. It also carries the members of the TMS 1.0
// encoding (type, identifier, supportedCRS, boundingBox, tileMatrix with
// topLeftCorner), which GDAL 3.6's OGCAPI driver reads and which TMS 2.0
// readers ignore.
func tileMatrixSetJSON() map[string]any {
	matrices := make([]map[string]any, geo.MaxTileZoom+1)
	legacy := make([]map[string]any, geo.MaxTileZoom+1)
	origin := []float64{-mercatorHalfWorld, mercatorHalfWorld}
	for z := range matrices {
		cell := mercatorCell0 / math.Exp2(float64(z))
		n := 1 << z
		matrices[z] = map[string]any{
			"id": strconv.Itoa(z), "scaleDenominator": cell / 0.00028, "cellSize": cell,
			"cornerOfOrigin": "topLeft", "pointOfOrigin": origin,
			"tileWidth": 256, "tileHeight": 256, "matrixWidth": n, "matrixHeight": n,
		}
		legacy[z] = map[string]any{
			"type": "TileMatrixType", "identifier": strconv.Itoa(z), "scaleDenominator": cell / 0.00028,
			"topLeftCorner": origin, "tileWidth": 256, "tileHeight": 256, "matrixWidth": n, "matrixHeight": n,
		}
	}
	return map[string]any{
		"type":         "TileMatrixSetType",
		"identifier":   webMercatorQuad,
		"supportedCRS": crsEPSG3857,
		"boundingBox": map[string]any{"type": "BoundingBoxType", "crs": crsEPSG3857,
			"lowerCorner": []float64{-mercatorHalfWorld, -mercatorHalfWorld}, "upperCorner": []float64{mercatorHalfWorld, mercatorHalfWorld}},
		"tileMatrix": legacy,

		"id":                webMercatorQuad,
		"title":             "Google Maps Compatible for the World",
		"uri":               webMercatorQuadURI,
		"crs":               crsEPSG3857,
		"orderedAxes":       []string{"X", "Y"},
		"wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		"tileMatrices":      matrices,
	}
}

func (s *Server) ogcTileMatrixSets(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	b := s.baseURL(c)
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"links": []link{{b + "/ogc/tileMatrixSets", "self", mimeJSON, "Tile matrix sets"}},
		"tileMatrixSets": []map[string]any{{
			"id": webMercatorQuad, "title": "Google Maps Compatible for the World", "uri": webMercatorQuadURI, "crs": crsEPSG3857,
			"links": []link{{b + "/ogc/tileMatrixSets/" + webMercatorQuad, "self", mimeJSON, "WebMercatorQuad"}},
		}},
	})
}

func (s *Server) ogcTileMatrixSet(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	if err := knownTileMatrixSet(c.Param("tileMatrixSetId")); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mimeJSON, tileMatrixSetJSON())
}

func knownTileMatrixSet(id string) error {
	if id != webMercatorQuad {
		return notFound("No tile matrix set " + strconv.Quote(request.Clip(id, 60)) + ": the one served is " + webMercatorQuad + ".")
	}
	return nil
}

// tileScope is what a tileset covers: a collection's layer, or the whole
// dataset (every layer in one tile).
type tileScope struct {
	path  string // the tileset list's path, .../tiles
	title string
	layer geo.TileLayer
}

// scopeOf is the tile scope of the request: the collection of its path, or
// the dataset when it names none.
func scopeOf(c *echo.Context) (tileScope, error) {
	id := c.Param("collectionId")
	if id == "" {
		return tileScope{"/ogc/tiles", "badiamap: governorates, Badia regions and incidents", geo.TileAll}, nil
	}
	info, ok := findCollection(id)
	if !ok {
		return tileScope{}, unknownCollection(id)
	}
	// The collections are the tile layers of the same name.
	return tileScope{"/ogc/collections/" + info.id + "/tiles", info.title, geo.TileLayer(info.id)}, nil
}

// tileQuery is the query a tileset carries into its tile template: the
// filter and the properties of its request.
func (s *Server) tileQuery(c *echo.Context) (url.Values, error) {
	q := c.QueryParams()
	props, err := request.TileProperties(q)
	if err != nil {
		return nil, err
	}
	f, err := s.filter(c)
	if err != nil {
		return nil, err
	}
	out := request.FilterQuery(f)
	if q.Get(request.Properties.Name) != "" {
		out.Set(request.Properties.Name, request.TilePropertiesQuery(props))
	}
	return out, nil
}

func withRawQuery(u string, q url.Values) string {
	if enc := q.Encode(); enc != "" {
		return u + "?" + enc
	}
	return u
}

// tilesetSummary is one tileset of a list, or the head of a tileset's
// metadata.
func tilesetSummary(b string, sc tileScope, q url.Values) map[string]any {
	return map[string]any{
		"title":            sc.title,
		"dataType":         "vector",
		"crs":              crsEPSG3857,
		"tileMatrixSetURI": webMercatorQuadURI,
		"links": []link{
			{withRawQuery(b+sc.path+"/"+webMercatorQuad, q), "self", mimeJSON, sc.title + " in WebMercatorQuad"},
			{b + "/ogc/tileMatrixSets/" + webMercatorQuad, relTilingScheme, mimeJSON, "WebMercatorQuad"},
		},
	}
}

// ogcTilesets lists the tilesets of a collection or of the dataset: one, in
// WebMercatorQuad.
func (s *Server) ogcTilesets(c *echo.Context) error {
	sc, err := scopeOf(c)
	if err != nil {
		return err
	}
	q, err := s.tileQuery(c)
	if err != nil {
		return err
	}
	b := s.baseURL(c)
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"links":    []link{{s.selfURL(c), "self", mimeJSON, "Tilesets of " + sc.title}},
		"tilesets": []map[string]any{tilesetSummary(b, sc, q)},
	})
}

// ogcTileset is a tileset's metadata: its tile template, its layers and the
// tiles that hold data (tileMatrixSetLimits, from the data's extent).
func (s *Server) ogcTileset(c *echo.Context) error {
	sc, err := scopeOf(c)
	if err != nil {
		return err
	}
	if err := knownTileMatrixSet(c.Param("tileMatrixSetId")); err != nil {
		return err
	}
	q, err := s.tileQuery(c)
	if err != nil {
		return err
	}
	ext, err := s.dataExtent(c)
	if err != nil {
		return err
	}
	b := s.baseURL(c)
	maxZoom := s.tiles.cfg.MaxZoom
	doc := tilesetSummary(b, sc, q)
	tmpl := b + sc.path + "/" + webMercatorQuad + "/{tileMatrix}/{tileRow}/{tileCol}"
	doc["links"] = append(doc["links"].([]link), link{withRawQuery(tmpl, q), "item", MIMEVectorTile, "A tile (Mapbox Vector Tile)"})
	bound := ext.regions
	var limits []map[string]any
	for z := 0; z <= maxZoom; z++ {
		minX, minY := tileOf(bound.Min[0], bound.Max[1], z)
		maxX, maxY := tileOf(bound.Max[0], bound.Min[1], z)
		limits = append(limits, map[string]any{"tileMatrix": strconv.Itoa(z),
			"minTileRow": minY, "maxTileRow": maxY, "minTileCol": minX, "maxTileCol": maxX})
	}
	doc["tileMatrixSetLimits"] = limits
	var layers []map[string]any
	props, _ := request.TileProperties(c.QueryParams()) // checked by tileQuery
	req := geo.TileRequest{Layer: sc.layer, ClusterBelowZoom: s.tiles.cfg.ClusterBelowZoom, MaxBytes: s.tiles.cfg.MaxBytes, Properties: props}
	for _, l := range tileLayerDocs(req, s.tiles.cfg) {
		layers = append(layers, map[string]any{"id": l.ID, "title": l.Description, "dataType": "vector",
			"geometryDimension": l.dimension, "minTileMatrix": strconv.Itoa(l.MinZoom), "maxTileMatrix": strconv.Itoa(l.MaxZoom),
			"propertiesSchema": map[string]any{"type": "object", "properties": layerProperties(l.Fields)}})
	}
	doc["layers"] = layers
	doc["boundingBox"] = map[string]any{"lowerLeft": []float64{bound.Min[0], bound.Min[1]},
		"upperRight": []float64{bound.Max[0], bound.Max[1]}, "crs": request.CRS84}
	doc["minTileMatrix"], doc["maxTileMatrix"] = "0", strconv.Itoa(maxZoom)
	return writeJSON(c, http.StatusOK, mimeJSON, doc)
}

// tileOf is the column and row of the WebMercatorQuad tile of matrix z that
// holds lon, lat.
func tileOf(lon, lat float64, z int) (col, row int) {
	x, y := geo.LonLatTo3857(lon, lat)
	n := math.Exp2(float64(z))
	clamp := func(v float64) int { return int(min(max(math.Floor(v), 0), n-1)) }
	return clamp((x + mercatorHalfWorld) / (2 * mercatorHalfWorld) * n), clamp((mercatorHalfWorld - y) / (2 * mercatorHalfWorld) * n)
}

// layerProperties is a TileJSON field list as a JSON Schema's properties.
func layerProperties(fields map[string]string) map[string]any {
	out := make(map[string]any, len(fields))
	for name, desc := range fields {
		out[name] = map[string]any{"description": desc}
	}
	return out
}

// ogcTile reads a tile of OGC API - Tiles into the tile path's job:
// /tiles/{layer}/{tileMatrix}/{tileCol}/{tileRow}.mvt.
func (t *tileServer) ogcTile(c *echo.Context) (tileJob, error) {
	sc, err := scopeOf(c)
	if err != nil {
		return tileJob{}, err
	}
	if err := knownTileMatrixSet(c.Param("tileMatrixSetId")); err != nil {
		return tileJob{}, err
	}
	return t.layerJob(c, string(sc.layer), c.Param("tileMatrix"), c.Param("tileCol"), c.Param("tileRow")+".mvt")
}
