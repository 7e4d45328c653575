package main

import (
	"bytes"
	"encoding/json"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

type feature struct {
	Geom  orb.MultiPolygon
	Props map[string]any
}

// writeFeatures writes an RFC 7946 FeatureCollection, one feature a line,
// outer rings counter-clockwise, and returns the file size.
func writeFeatures(path string, fs []feature) (int, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	for i, f := range fs {
		gf := geojson.NewFeature(orient(f.Geom))
		gf.Properties = f.Props
		b, err := json.Marshal(gf)
		if err != nil {
			return 0, err
		}
		buf.Write(b)
		if i+1 < len(fs) {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	return buf.Len(), os.WriteFile(path, buf.Bytes(), 0o644)
}
