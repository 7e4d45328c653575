package risk

import (
	"math"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// MVTLayer is the layer of a risk tile.
const MVTLayer = "risk"

// TileFields are the properties of a "risk" tile feature.
var TileFields = []geo.TileField{
	{Name: "cell", Type: "String", Description: "cell id i:j in ST_HexagonGrid's numbering"},
	{Name: "level", Type: "String", Description: "low, moderate, high or severe"},
	{Name: "level_rank", Type: "Number", Description: "0 low, 1 moderate, 2 high, 3 severe"},
	{Name: "score", Type: "Number", Description: "risk score (docs/RISK.md)"},
	{Name: "incidents", Type: "Number", Description: "incidents counted in the score"},
	{Name: "region", Type: "String", Description: "Badia region holding most of the cell"},
}

// Tile is the MVT of tile z/x/y of z's cells at min or above: every hexagon
// that reaches into the tile (with geo.TileBuffer's margin) with the
// TileFields properties, in tile units; nil when none does.
func (zs *Zones) Tile(z, x, y int, min Level) ([]byte, error) {
	box := geo.TileBounds3857(z, x, y)
	size := box.MaxX - box.MinX
	toTile := func(p orb.Point) orb.Point {
		return orb.Point{math.Round((p[0] - box.MinX) / size * geo.TileExtent), math.Round((box.MaxY - p[1]) / size * geo.TileExtent)}
	}
	margin := size * geo.TileBuffer / geo.TileExtent
	fc := geojson.NewFeatureCollection()
	for k, cell := range zs.Grid.Cells {
		if zs.Level(k) < min {
			continue
		}
		hex := zs.Grid.Hexagon3857(cell.ID)
		b := hex.Bound()
		if b.Max[0] < box.MinX-margin || b.Min[0] > box.MaxX+margin || b.Max[1] < box.MinY-margin || b.Min[1] > box.MaxY+margin {
			continue
		}
		// MVT wants exterior rings clockwise in tile (y-down) units: hexagons
		// run counter-clockwise in map units, which y-down flips.
		ring := make(orb.Ring, len(hex))
		for n, p := range hex {
			ring[n] = toTile(p)
		}
		ft := geojson.NewFeature(orb.Polygon{ring})
		ft.ID = uint64(k + 1)
		ft.Properties = geojson.Properties{"cell": cell.ID.String(), "level": zs.Level(k).String(),
			"level_rank": int(zs.Level(k)), "score": Round(zs.Scores[k].Score, 6),
			"incidents": zs.Scores[k].Incidents, "region": cell.Region}
		fc.Append(ft)
	}
	if len(fc.Features) == 0 {
		return nil, nil
	}
	return mvt.Marshal(mvt.Layers{{Name: MVTLayer, Version: 2, Extent: geo.TileExtent, Features: fc.Features}})
}

// Round rounds v to digits decimals, as answers give scores and positions.
func Round(v float64, digits int) float64 {
	m := math.Pow(10, float64(digits))
	return math.Round(v*m) / m
}
