package postgis

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/badiamap/badiamap/geo"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/tidwall/rtree"
)

// regionJoin finds the governorate and Badia region of a point in Go, over
// the very pieces the database holds in region_parts, with the answer
// rejoin_changes.sql gives in SQL: a piece holds a point when ST_Intersects
// says so (inside or on its boundary), and where pieces of several regions
// hold it the lowest code wins. An import joins its rows here instead of
// copying them through the server a second time.
type regionJoin struct {
	governorates map[string]bool // the governorate codes held
	codes        []string        // distinct codes, sorted (collation "C", as the SQL's min)
	pieces       []joinPiece
	tree         rtree.RTreeG[int32] // piece bounds -> index in pieces
}

// joinPiece is one polygon of region_parts.
type joinPiece struct {
	code  int32 // index in codes: lower index, lower code
	badia bool  // a Badia region; else a governorate
	poly  orb.Polygon
	bound orb.Bound
}

// loadRegionJoin reads the governorate and Badia pieces of region_parts.
func loadRegionJoin(ctx context.Context, tx *sql.Tx) (*regionJoin, error) {
	rows, err := tx.QueryContext(ctx, sqlImportRegionParts)
	if err != nil {
		return nil, fmt.Errorf("read region parts: %w", err)
	}
	defer rows.Close()
	type raw struct {
		code  string
		badia bool
		poly  orb.Polygon
	}
	var parts []raw
	for rows.Next() {
		var (
			r    raw
			kind string
			geom []byte
		)
		if err := rows.Scan(&r.code, &kind, &geom); err != nil {
			return nil, fmt.Errorf("read region parts: %w", err)
		}
		g, err := wkb.Unmarshal(geom)
		if err != nil {
			return nil, fmt.Errorf("region part of %s: %w", r.code, err)
		}
		poly, ok := g.(orb.Polygon)
		if !ok {
			return nil, fmt.Errorf("region part of %s is a %s, not a polygon", r.code, g.GeoJSONType())
		}
		r.badia, r.poly = kind == "badia", poly
		parts = append(parts, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read region parts: %w", err)
	}
	// The query returns the parts ordered by code (collation "C").
	j := &regionJoin{governorates: map[string]bool{}}
	for _, p := range parts {
		if !p.badia {
			j.governorates[p.code] = true
		}
		if n := len(j.codes); n == 0 || j.codes[n-1] != p.code {
			j.codes = append(j.codes, p.code)
		}
		piece := joinPiece{code: int32(len(j.codes) - 1), badia: p.badia, poly: p.poly, bound: p.poly.Bound()}
		j.pieces = append(j.pieces, piece)
		j.tree.Insert(piece.bound.Min, piece.bound.Max, int32(len(j.pieces)-1))
	}
	return j, nil
}

// joined is an incident's join: what it is joined to and why.
type joined struct {
	governorate, region string
	basis               geo.JoinBasis
}

// joinIncident joins inc by the precision rule (geo.Incident.Join), over
// the pieces: the answer rejoin_changes.sql gives in SQL.
func (j *regionJoin) joinIncident(inc *geo.Incident) joined {
	rule := geo.Incident{GeoPrecision: inc.GeoPrecision, SourceGovernorate: inc.SourceGovernorate}
	var gov, badia string
	if rule.Located() != geo.LocatedCountry {
		gov, badia = j.join(inc.Location)
	}
	rule.Join(gov, badia, func(code string) bool { return j.governorates[code] })
	return joined{rule.Governorate, rule.Region, rule.JoinBasis}
}

// join returns the governorate and Badia region codes of p, "" for none.
func (j *regionJoin) join(p orb.Point) (gov, badia string) {
	bestGov, bestBadia := int32(-1), int32(-1)
	j.tree.Search(p, p, func(_, _ [2]float64, i int32) bool {
		piece := &j.pieces[i]
		best := &bestGov
		if piece.badia {
			best = &bestBadia
		}
		if *best >= 0 && *best <= piece.code {
			return true // a lower code already holds p
		}
		if polygonIntersectsPoint(piece.poly, p) {
			*best = piece.code
		}
		return true
	})
	if bestGov >= 0 {
		gov = j.codes[bestGov]
	}
	if bestBadia >= 0 {
		badia = j.codes[bestBadia]
	}
	return gov, badia
}

// Where a point lies against a ring.
const (
	ringOutside = iota
	ringBoundary
	ringInside
)

// polygonIntersectsPoint is ST_Intersects for a polygon and a point: inside
// the outer ring and in no hole, or on any ring.
func polygonIntersectsPoint(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	switch ringContains(poly[0], p) {
	case ringOutside:
		return false
	case ringBoundary:
		return true
	}
	for _, hole := range poly[1:] {
		switch ringContains(hole, p) {
		case ringBoundary:
			return true
		case ringInside:
			return false
		}
	}
	return true
}

// ringContains is the winding-number test PostGIS runs for a point against a
// ring, with its side test written the same way (the same products in the
// same order), so a point within rounding of an edge falls on the same side.
func ringContains(ring orb.Ring, p orb.Point) int {
	wn := 0
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		if a == b {
			continue // a repeated vertex is no edge
		}
		side := (b[0]-a[0])*(p[1]-a[1]) - (p[0]-a[0])*(b[1]-a[1])
		if side == 0 && inSegmentBox(p, a, b) {
			return ringBoundary
		}
		if a[1] <= p[1] && p[1] < b[1] && side > 0 {
			wn++ // an upward edge with p on its left
		} else if b[1] <= p[1] && p[1] < a[1] && side < 0 {
			wn-- // a downward edge with p on its right
		}
	}
	if wn == 0 {
		return ringOutside
	}
	return ringInside
}

// inSegmentBox reports whether p lies in the bounding box of segment ab.
func inSegmentBox(p, a, b orb.Point) bool {
	return (a[0] <= p[0] && p[0] <= b[0] || b[0] <= p[0] && p[0] <= a[0]) &&
		(a[1] <= p[1] && p[1] <= b[1] || b[1] <= p[1] && p[1] <= a[1])
}
