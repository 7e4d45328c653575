package cql2_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/cql2"
)

const typical = "governorate = 'Homs' AND killed > 3 AND event_type IN ('Battles', 'Explosions/Remote violence') " +
	"AND S_INTERSECTS(geometry, BBOX(38, 34, 39.5, 35.5)) AND T_INTERSECTS(period, INTERVAL('2024-01-01', '2024-04-21'))"

func BenchmarkParseText(b *testing.B) {
	for b.Loop() {
		if _, err := cql2.ParseText(typical); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	src := []byte(cases[len(cases)-3].json)
	for b.Loop() {
		if _, err := cql2.ParseJSON(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	e, _ := cql2.ParseText(typical)
	for b.Loop() {
		if _, err := cql2.Check(e, queryables); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEval is the cost per row of the typical filter on the embedded store.
func BenchmarkEval(b *testing.B) {
	e, err := cql2.CheckText(typical, queryables)
	if err != nil {
		b.Fatal(err)
	}
	row := incidents[0].row()
	for b.Loop() {
		if _, err := cql2.Eval(e, row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalLargePolygon is the worst case per row: a point against a
// polygon of MaxVertices coordinates.
func BenchmarkEvalLargePolygon(b *testing.B) {
	var ring []string
	n := cql2.MaxVertices - 1
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, fmt.Sprintf("%.6f %.6f", 38.8+math.Cos(a), 34.9+math.Sin(a)))
	}
	ring = append(ring, ring[0])
	e, err := cql2.CheckText("S_INTERSECTS(geometry, POLYGON(("+strings.Join(ring, ", ")+")))", queryables)
	if err != nil {
		b.Fatal(err)
	}
	row := incidents[0].row()
	for b.Loop() {
		if ok, err := cql2.Eval(e, row); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
