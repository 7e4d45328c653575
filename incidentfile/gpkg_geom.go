package incidentfile

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/paulmach/orb"
)

// GeoPackage binary geometry (GeoPackage 1.4, clause 2.1.3): the header
// "GP", version 0, a flags byte, the srs_id and an optional envelope, then
// the geometry as ISO WKB. Everything is written little-endian.
const (
	gpbVersion      = 0
	gpbLittleEndian = 0x01 // flags bit 0: header values are little-endian
	gpbEnvelopeXY   = 0x02 // flags bits 1-3 = 1: envelope [minx, maxx, miny, maxy]
	gpbEmpty        = 0x10 // flags bit 4: the geometry is empty
	wkbLittleEndian = 1
	wkbPoint        = 1
	wkbPolygon      = 3
	wkbMultiPolygon = 6
	srsWGS84        = 4326
)

// appendGPBHeader writes the header with flags and, when env is not nil,
// its envelope.
func appendGPBHeader(b []byte, flags byte, env *orb.Bound) []byte {
	b = append(b, 'G', 'P', gpbVersion, flags|gpbLittleEndian)
	b = binary.LittleEndian.AppendUint32(b, uint32(srsWGS84))
	if env != nil {
		b = appendFloat(b, env.Min[0])
		b = appendFloat(b, env.Max[0])
		b = appendFloat(b, env.Min[1])
		b = appendFloat(b, env.Max[1])
	}
	return b
}

func appendFloat(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// appendGPBPoint writes a point without an envelope: a point's envelope is
// the point, so 32 bytes a row would buy nothing (GDAL writes points the
// same way, and ST_MinX and friends read the WKB instead).
func appendGPBPoint(b []byte, p orb.Point) []byte {
	b = appendGPBHeader(b, 0, nil)
	b = append(b, wkbLittleEndian)
	b = binary.LittleEndian.AppendUint32(b, wkbPoint)
	b = appendFloat(b, p[0])
	return appendFloat(b, p[1])
}

// appendGPBMultiPolygon writes mp with its envelope in the header; an open
// ring is closed (WKB rings repeat their first point), and a multipolygon
// with no points is written as empty.
func appendGPBMultiPolygon(b []byte, mp orb.MultiPolygon) []byte {
	env, empty := multiPolygonBound(mp)
	if empty {
		b = appendGPBHeader(b, gpbEmpty, nil)
	} else {
		b = appendGPBHeader(b, gpbEnvelopeXY, &env)
	}
	b = append(b, wkbLittleEndian)
	b = binary.LittleEndian.AppendUint32(b, wkbMultiPolygon)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(mp)))
	for _, poly := range mp {
		b = append(b, wkbLittleEndian)
		b = binary.LittleEndian.AppendUint32(b, wkbPolygon)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(poly)))
		for _, ring := range poly {
			closed := len(ring) == 0 || ring[0] == ring[len(ring)-1]
			n := len(ring)
			if !closed {
				n++
			}
			b = binary.LittleEndian.AppendUint32(b, uint32(n))
			for _, p := range ring {
				b = appendFloat(b, p[0])
				b = appendFloat(b, p[1])
			}
			if !closed {
				b = appendFloat(b, ring[0][0])
				b = appendFloat(b, ring[0][1])
			}
		}
	}
	return b
}

// multiPolygonBound is the envelope of every point of mp; empty when it
// has none.
func multiPolygonBound(mp orb.MultiPolygon) (orb.Bound, bool) {
	var env orb.Bound
	empty := true
	for _, poly := range mp {
		for _, ring := range poly {
			for _, p := range ring {
				if empty {
					env = orb.Bound{Min: p, Max: p}
					empty = false
					continue
				}
				env = env.Extend(p)
			}
		}
	}
	return env, empty
}

var errNotGPB = errors.New("not a GeoPackage binary geometry")

// gpbEnvelope reads a GeoPackage binary geometry's envelope: from the
// header when it has one, from the WKB of a point otherwise. These are what
// the R-tree index is filled from (ST_MinX, ST_MaxX, ST_MinY, ST_MaxY and
// ST_IsEmpty of the RTree Spatial Indexes extension).
func gpbEnvelope(b []byte) (env orb.Bound, empty bool, err error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return env, false, errNotGPB
	}
	flags := b[3]
	if flags&gpbEmpty != 0 {
		return env, true, nil
	}
	var order binary.ByteOrder = binary.BigEndian
	if flags&gpbLittleEndian != 0 {
		order = binary.LittleEndian
	}
	envLen := [...]int{0, 32, 48, 48, 64}
	code := int(flags>>1) & 7
	if code >= len(envLen) {
		return env, false, errors.New("GeoPackage geometry: invalid envelope code")
	}
	if code > 0 {
		if len(b) < 8+envLen[code] {
			return env, false, errors.New("GeoPackage geometry: truncated envelope")
		}
		f := func(i int) float64 { return math.Float64frombits(order.Uint64(b[8+8*i:])) }
		env = orb.Bound{Min: orb.Point{f(0), f(2)}, Max: orb.Point{f(1), f(3)}}
		return env, false, nil
	}
	// No envelope: only a point is written so; its WKB carries it.
	w := b[8:]
	if len(w) < 21 {
		return env, false, errors.New("GeoPackage geometry: no envelope and no WKB point")
	}
	var wo binary.ByteOrder = binary.BigEndian
	if w[0] == wkbLittleEndian {
		wo = binary.LittleEndian
	}
	if typ := wo.Uint32(w[1:]); typ%1000 != wkbPoint {
		return env, false, errors.New("GeoPackage geometry: no envelope on a geometry other than a point")
	}
	p := orb.Point{math.Float64frombits(wo.Uint64(w[5:])), math.Float64frombits(wo.Uint64(w[13:]))}
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) { // the standard's empty point
		return env, true, nil
	}
	return orb.Bound{Min: p, Max: p}, false, nil
}
