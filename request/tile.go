package request

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// Properties names the properties of a tile's incident features.
var Properties = Param{Name: "properties",
	Doc: "Properties of an incident feature: left out for " + strings.Join(geo.DefaultIncidentProperties, ", ") +
		"; all; or a comma-separated list of TileJSON's incident fields.",
	Accepts: "all, or a comma-separated list of incident fields such as external_id,killed",
	Schema:  strSchema(), Example: "external_id,killed"}

// ErrNotTilePath is a tile path without its .mvt (or TileJSON's .json)
// suffix: no resource, rather than a bad parameter.
var ErrNotTilePath = errors.New("not a tile path")

// TileAddress is the z/x/y of a tile path; yFile is the last segment with its
// .mvt suffix.
func TileAddress(z, x, yFile string) (geo.TileRequest, error) {
	var req geo.TileRequest
	y, ok := strings.CutSuffix(yFile, ".mvt")
	if !ok {
		return req, ErrNotTilePath
	}
	for _, p := range []struct {
		name, text string
		v          *int
	}{{"z", z, &req.Z}, {"x", x, &req.X}, {"y", y, &req.Y}} {
		n, err := strconv.Atoi(p.text)
		if err != nil {
			return req, paramErr(p.name, p.text, "is not a whole number", "the tile's "+p.name+" on the Web Mercator grid")
		}
		*p.v = n
	}
	req.Layer = geo.TileAll // checked below with the layer the caller sets
	return req, tileError(req.Validate())
}

// Tile reads an incident or region tile: its layer and address from the
// path, its properties and filter from q.
func Tile(layer, z, x, yFile string, q url.Values, regions []geo.Region) (geo.TileRequest, error) {
	l, err := TileLayer(layer)
	if err != nil {
		return geo.TileRequest{}, err
	}
	req, err := TileAddress(z, x, yFile)
	if err != nil {
		return req, err
	}
	req.Layer = l
	if req.Properties, err = TileProperties(q); err != nil {
		return req, err
	}
	if req.Filter, err = Filter(q, regions); err != nil {
		return req, err
	}
	return req, nil
}

// TileLayer checks a layer name.
func TileLayer(s string) (geo.TileLayer, error) {
	l, err := geo.ParseTileLayer(s)
	return l, tileError(err)
}

// TileJSONLayer is the layer of a TileJSON path segment ("incidents.json").
func TileJSONLayer(file string) (geo.TileLayer, error) {
	name, ok := strings.CutSuffix(file, ".json")
	if !ok {
		return "", ErrNotTilePath
	}
	return TileLayer(name)
}

// TileProperties reads properties: nil for the default list, every field for
// "all", otherwise the names given, in geo.IncidentFields order without
// repeats so equal requests share one cache key.
func TileProperties(q url.Values) ([]string, error) {
	v, err := single(q, Properties.Name, Properties.Accepts)
	if err != nil {
		return nil, err
	}
	props, err := geo.ParseTileProperties(v)
	return props, tileError(err)
}

// TilePropertiesQuery is the properties parameter that asks for props.
func TilePropertiesQuery(props []string) string {
	switch {
	case props == nil:
		return ""
	case slices.Equal(props, geo.AllIncidentProperties):
		return "all"
	}
	return strings.Join(props, ",")
}

// tileError is the grammar's error for a request the tile grid refuses.
func tileError(err error) error {
	var te *geo.TileError
	if !errors.As(err, &te) {
		return err
	}
	return &Error{Param: te.Field, Reason: te.Reason, Accepts: tileAccepts[te.Field]}
}

var tileAccepts = map[string]string{
	"layer":      fmt.Sprintf("one of %v", geo.TileLayers),
	"z":          fmt.Sprintf("a zoom from 0 to %d", geo.MaxTileZoom),
	"x":          "a column from 0 to 2^z-1",
	"y":          "a row from 0 to 2^z-1",
	"properties": Properties.Accepts,
}
