package incidentfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/badiamap/badiamap/geo"
)

// GeoJSONWriter streams incidents as an RFC 7946 FeatureCollection: one
// Point Feature per incident, "id" the stable id, every field of Columns in
// "properties" (longitude and latitude are the geometry). Nothing is
// buffered beyond one feature and a small output buffer.
type GeoJSONWriter struct {
	w       *bufio.Writer
	foreign map[string]any
	buf     []byte
	started bool
	closed  bool
	count   int
	err     error
}

// NewGeoJSONWriter returns a writer to w. The foreign members (attribution,
// the filter applied, timeStamp, ...) are written at the top, before
// "features", in key order; "type" and "features" are reserved.
func NewGeoJSONWriter(w io.Writer, foreign map[string]any) *GeoJSONWriter {
	return &GeoJSONWriter{w: bufio.NewWriterSize(w, 32<<10), foreign: foreign}
}

// reservedMembers are the FeatureCollection members the writer owns.
var reservedMembers = map[string]bool{"type": true, "features": true}

func (gw *GeoJSONWriter) start() error {
	if gw.started {
		return gw.err
	}
	gw.started = true
	b := append(gw.buf[:0], `{"type":"FeatureCollection"`...)
	b, err := appendMembers(b, gw.foreign)
	if err != nil {
		gw.err = err
		return err
	}
	b = append(b, `,"features":[`...)
	_, gw.err = gw.w.Write(b)
	gw.buf = b
	return gw.err
}

// appendMembers writes ,"key":value for each member, in key order.
func appendMembers(b []byte, members map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(members))
	for k := range members {
		if reservedMembers[k] {
			return b, fmt.Errorf("GeoJSON: member %q is reserved by the FeatureCollection", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := marshalNoEscape(members[k])
		if err != nil {
			return b, fmt.Errorf("GeoJSON: member %q: %w", k, err)
		}
		b = append(b, ',')
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b, nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Write appends one feature.
func (gw *GeoJSONWriter) Write(inc *geo.Incident) error { return gw.WriteWith(inc, nil) }

// WriteWith appends one feature with foreign members (its version, say).
func (gw *GeoJSONWriter) WriteWith(inc *geo.Incident, members map[string]any) error {
	if gw.closed {
		return errors.New("GeoJSON: write after close")
	}
	if err := gw.start(); err != nil {
		return err
	}
	b, err := appendFeature(gw.buf[:0], inc, gw.count > 0)
	if err != nil {
		return err
	}
	if len(members) > 0 {
		if b, err = appendMembers(b[:len(b)-1], members); err != nil { // reopen the Feature's object
			return err
		}
		b = append(b, '}')
	}
	gw.buf = b
	if _, err := gw.w.Write(b); err != nil {
		gw.err = err
		return err
	}
	gw.count++
	return nil
}

// Count is how many features have been written.
func (gw *GeoJSONWriter) Count() int { return gw.count }

// Flush sends what is buffered to the underlying writer.
func (gw *GeoJSONWriter) Flush() error {
	if gw.err != nil {
		return gw.err
	}
	return gw.w.Flush()
}

// Close ends the collection and flushes.
func (gw *GeoJSONWriter) Close() error { return gw.CloseWithMembers(nil) }

// CloseWithMembers ends the features array, writes trailing foreign members
// known only at the end (numberReturned, links, next), closes the collection
// and flushes.
func (gw *GeoJSONWriter) CloseWithMembers(trailing map[string]any) error {
	if gw.closed {
		return nil
	}
	if err := gw.start(); err != nil {
		return err
	}
	gw.closed = true
	b := append(gw.buf[:0], ']')
	b, err := appendMembers(b, trailing)
	if err != nil {
		return err
	}
	b = append(b, "}\n"...)
	if _, err := gw.w.Write(b); err != nil {
		return err
	}
	return gw.w.Flush()
}

// appendFeature encodes one incident as a Feature by hand: it is the hot
// path of every download.
func appendFeature(b []byte, inc *geo.Incident, comma bool) ([]byte, error) {
	lon, lat := inc.Location[0], inc.Location[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return b, fmt.Errorf("GeoJSON: incident %s has no valid coordinates", inc.ExternalID)
	}
	if comma {
		b = append(b, ',')
	}
	b = append(b, "\n"...)
	b = append(b, `{"type":"Feature"`...)
	if inc.ID != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, inc.ID, 10)
	}
	b = append(b, `,"geometry":{"type":"Point","coordinates":[`...)
	b = strconv.AppendFloat(b, lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, lat, 'f', -1, 64)
	b = append(b, `]},"properties":{`...)
	first := true
	for _, c := range columns {
		if c.geometry {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, c.name)
		b = append(b, ':')
		b = appendValue(b, c.kind, c.format(inc))
	}
	return append(b, "}}"...), nil
}

// Feature is inc as one GeoJSON Feature, encoded as every collection
// encodes it, with the foreign members given (OGC links, say) before its
// closing brace.
func Feature(inc *geo.Incident, members map[string]any) ([]byte, error) {
	b, err := appendFeature(nil, inc, false)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimPrefix(b[:len(b)-1], []byte("\n")) // reopen the Feature's object
	if b, err = appendMembers(b, members); err != nil {
		return nil, err
	}
	return append(b, "}\n"...), nil
}

// appendValue writes a column's text as the JSON its kind calls for.
func appendValue(b []byte, kind valueKind, s string) []byte {
	switch kind {
	case kindInt, kindFloat:
		if s == "" {
			return append(b, "null"...)
		}
		return append(b, s...)
	case kindDate, kindTime:
		if s == "" {
			return append(b, "null"...)
		}
	case kindBool:
		return append(b, s...)
	case kindJSON:
		if s == "" {
			return append(b, "[]"...)
		}
		return append(b, s...)
	}
	return appendJSONString(b, s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD
// (JSON text must be UTF-8); U+2028 and U+2029 are escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
