package web

import (
	"encoding/xml"
	"fmt"
	"image/color"
	"io"

	"github.com/badiamap/badiamap/geo/risk"
	"github.com/twpayne/go-kml/v3"
)

// levelColours are the map's level colours (web/ui/src/risk.js), translucent.
var levelColours = map[risk.Level]color.RGBA{
	risk.Low:      {R: 0x1a, G: 0x98, B: 0x50, A: 0x40},
	risk.Moderate: {R: 0xfe, G: 0xc0, B: 0x08, A: 0xa0},
	risk.High:     {R: 0xfd, G: 0x8c, B: 0x24, A: 0xb0},
	risk.Severe:   {R: 0xd7, G: 0x1a, B: 0x1c, A: 0xc0},
}

// writeZonesKML streams z's cells at min or above as a KML Document: a
// style per level and one placemark per cell, with its level, score,
// incidents and region.
func writeZonesKML(w io.Writer, z *risk.Zones, min risk.Level, name, description string) error {
	enc := xml.NewEncoder(w)
	root := xml.StartElement{Name: xml.Name{Space: kml.Namespace, Local: "kml"}}
	doc := xml.StartElement{Name: xml.Name{Local: "Document"}}
	if err := enc.EncodeToken(xml.ProcInst{Target: "xml", Inst: []byte(`version="1.0" encoding="UTF-8"`)}); err != nil {
		return err
	}
	for _, t := range []xml.Token{root, doc} {
		if err := enc.EncodeToken(t); err != nil {
			return err
		}
	}
	head := []kml.Element{kml.Name(name), kml.Description(description)}
	for _, l := range risk.Levels {
		head = append(head, kml.SharedStyle(l.String(),
			kml.LineStyle(kml.Color(color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}), kml.Width(0.5)),
			kml.PolyStyle(kml.Color(levelColours[l]))))
	}
	for _, e := range head {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	for k, cell := range z.Grid.Cells {
		level := z.Level(k)
		if level < min {
			continue
		}
		ring := z.Grid.Hexagon(cell.ID)[0]
		coords := make([]kml.Coordinate, len(ring))
		for n, p := range ring {
			coords[n] = kml.Coordinate{Lon: risk.Round(p[0], 6), Lat: risk.Round(p[1], 6)}
		}
		pm := kml.Placemark(
			kml.Name(fmt.Sprintf("%s %s", cell.ID, level)),
			kml.StyleURL("#"+level.String()),
			kml.ExtendedData(
				kml.Data("level", kml.Value(level.String())),
				kml.Data("score", kml.Value(fmt.Sprintf("%g", risk.Round(z.Scores[k].Score, 6)))),
				kml.Data("incidents", kml.Value(fmt.Sprintf("%d", z.Scores[k].Incidents))),
				kml.Data("region", kml.Value(cell.Region)),
			),
			kml.Polygon(kml.OuterBoundaryIs(kml.LinearRing(kml.Coordinates(coords...)))),
		)
		if err := enc.Encode(pm); err != nil {
			return err
		}
	}
	for _, t := range []xml.Token{doc.End(), root.End()} {
		if err := enc.EncodeToken(t); err != nil {
			return err
		}
	}
	return enc.Flush()
}
