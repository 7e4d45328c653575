package risk

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// AreaFromGeoJSON reads the area of an area check: a Polygon or MultiPolygon
// given as a geometry, a Feature or a FeatureCollection of one feature, with
// repeated vertices dropped and checked by ValidateArea. Its errors are
// *AreaError, written for the person who drew the area.
func AreaFromGeoJSON(body []byte) (orb.MultiPolygon, error) {
	mp, err := decodeArea(body)
	if err != nil {
		return nil, &AreaError{Reason: err.Error()}
	}
	mp = DropRepeats(mp)
	if err := ValidateArea(mp); err != nil {
		return nil, err
	}
	return mp, nil
}

func decodeArea(body []byte) (orb.MultiPolygon, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %v", err)
	}
	var g orb.Geometry
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(body)
		if err != nil {
			return nil, fmt.Errorf("the body is not a GeoJSON FeatureCollection: %v", err)
		}
		if len(fc.Features) != 1 {
			return nil, fmt.Errorf("the FeatureCollection holds %d features; send exactly one polygon", len(fc.Features))
		}
		g = fc.Features[0].Geometry
	case "Feature":
		feat, err := geojson.UnmarshalFeature(body)
		if err != nil {
			return nil, fmt.Errorf("the body is not a GeoJSON Feature: %v", err)
		}
		g = feat.Geometry
	case "":
		return nil, errors.New(`the body has no GeoJSON "type"; send a Polygon, a MultiPolygon or a Feature holding one`)
	default:
		geom, err := geojson.UnmarshalGeometry(body)
		if err != nil {
			return nil, fmt.Errorf("the body is not a GeoJSON geometry: %v", err)
		}
		g = geom.Geometry()
	}
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	case orb.MultiPolygon:
		return g, nil
	case nil:
		return nil, errors.New("the feature has no geometry")
	default:
		return nil, fmt.Errorf("the geometry is a %s; an area check needs a Polygon or a MultiPolygon", g.GeoJSONType())
	}
}
