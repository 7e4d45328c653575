package incidentfile

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/twpayne/go-geom"
	gkml "github.com/twpayne/go-geom/encoding/kml"
	"github.com/twpayne/go-kml/v3"
)

// KMLWriter streams incidents as a KML 2.2 Document: one Placemark per
// incident with a name, a description and ExtendedData of the main fields
// of Columns. The Document opens on the first write and closes on Close;
// each Placemark is encoded and written as it comes.
type KMLWriter struct {
	enc     *xml.Encoder
	name    string
	started bool
	closed  bool
	count   int
}

// NewKMLWriter returns a writer to w; name is the Document's name (what
// Google Earth and QGIS show for the layer).
func NewKMLWriter(w io.Writer, name string) *KMLWriter {
	return &KMLWriter{enc: xml.NewEncoder(w), name: name}
}

var (
	kmlRoot = xml.StartElement{Name: xml.Name{Space: kml.Namespace, Local: "kml"}}
	kmlDoc  = xml.StartElement{Name: xml.Name{Local: "Document"}}
)

func (kw *KMLWriter) start() error {
	if kw.started {
		return nil
	}
	kw.started = true
	if err := kw.enc.EncodeToken(xml.ProcInst{Target: "xml", Inst: []byte(`version="1.0" encoding="UTF-8"`)}); err != nil {
		return err
	}
	if err := kw.enc.EncodeToken(kmlRoot); err != nil {
		return err
	}
	if err := kw.enc.EncodeToken(kmlDoc); err != nil {
		return err
	}
	return kw.enc.Encode(kml.Name(kw.name))
}

// Write appends one Placemark.
func (kw *KMLWriter) Write(inc *geo.Incident) error {
	if kw.closed {
		return errors.New("KML: write after close")
	}
	if err := kw.start(); err != nil {
		return err
	}
	lon, lat := inc.Location[0], inc.Location[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return fmt.Errorf("KML: incident %s has no valid coordinates", inc.ExternalID)
	}
	pt := gkml.EncodePoint(geom.NewPointFlat(geom.XY, []float64{lon, lat}))
	data := make([]kml.Element, 0, len(columns))
	if inc.ID != 0 {
		data = append(data, kml.Data("id", kml.Value(strconv.FormatInt(inc.ID, 10))))
	}
	for _, c := range columns {
		if !c.kmlMain {
			continue
		}
		data = append(data, kml.Data(c.name, kml.Value(c.format(inc))))
	}
	pm := kml.Placemark(
		kml.Name(placemarkName(inc)),
		kml.Description(placemarkDescription(inc)),
		kml.ExtendedData(data...),
		pt,
	)
	if err := kw.enc.Encode(pm); err != nil {
		return err
	}
	kw.count++
	return nil
}

// placemarkName is what a map shows next to the pin: place and date.
func placemarkName(inc *geo.Incident) string {
	place := inc.LocationName
	if place == "" {
		place = inc.ExternalID
	}
	return place + ", " + formatDay(inc.DateStart)
}

// placemarkDescription is the balloon text: what happened and who died.
func placemarkDescription(inc *geo.Incident) string {
	var b strings.Builder
	b.WriteString(inc.EventType)
	if inc.SubEventType != "" {
		b.WriteString(" / " + inc.SubEventType)
	}
	if inc.Perpetrator != "" || inc.Target != "" {
		fmt.Fprintf(&b, ": %s against %s", inc.Perpetrator, inc.Target)
	}
	fmt.Fprintf(&b, ". Killed %d", inc.Casualties.Killed())
	for _, g := range geo.KilledGroups {
		if n := g.Of(inc.Casualties); n > 0 {
			fmt.Fprintf(&b, ", %s %d", strings.ReplaceAll(g.Name, "_", " "), n)
		}
	}
	b.WriteString(".")
	if inc.Notes != "" {
		b.WriteString(" " + inc.Notes)
	}
	return b.String()
}

// Count is how many Placemarks have been written.
func (kw *KMLWriter) Count() int { return kw.count }

// Flush sends what is buffered to the underlying writer.
func (kw *KMLWriter) Flush() error { return kw.enc.Flush() }

// Close ends the Document and flushes.
func (kw *KMLWriter) Close() error {
	if kw.closed {
		return nil
	}
	kw.closed = true
	if err := kw.start(); err != nil {
		return err
	}
	if err := kw.enc.EncodeToken(kmlDoc.End()); err != nil {
		return err
	}
	if err := kw.enc.EncodeToken(kmlRoot.End()); err != nil {
		return err
	}
	return kw.enc.Flush()
}
