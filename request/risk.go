package request

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/badiamap/badiamap/geo/risk"
	"github.com/paulmach/orb"
)

// The risk endpoints' own parameters, beside the filter.
var (
	RiskDate = Param{Name: "date", Doc: "The day the risk is assessed for; left out, the server picks it and says which.",
		Accepts: dateAccepts, Schema: dateSchema(), Example: "2024-04-21"}
	Lon = Param{Name: "lon", Doc: "Longitude of the point (WGS84).", Required: true,
		Accepts: "a number from -180 to 180", Schema: map[string]any{"type": "number", "minimum": -180, "maximum": 180}, Example: "38.27"}
	Lat = Param{Name: "lat", Doc: "Latitude of the point (WGS84).", Required: true,
		Accepts: "a number from -90 to 90", Schema: map[string]any{"type": "number", "minimum": -90, "maximum": 90}, Example: "34.56"}
	MinLevel = Param{Name: "min_level", Doc: "Only cells at this level or above.",
		Accepts: "low, moderate, high or severe", Schema: enumSchema(levelNames()...), Example: "moderate"}
)

func levelNames() []string {
	out := make([]string, len(risk.Levels))
	for i, l := range risk.Levels {
		out[i] = l.String()
	}
	return out
}

// Day reads the risk date; zero when absent.
func Day(q url.Values) (time.Time, error) { return Date(q, RiskDate) }

// Point reads lon and lat.
func Point(q url.Values) (orb.Point, error) {
	lon, err := coordinate(q, Lon, -180, 180)
	if err != nil {
		return orb.Point{}, err
	}
	lat, err := coordinate(q, Lat, -90, 90)
	if err != nil {
		return orb.Point{}, err
	}
	return orb.Point{lon, lat}, nil
}

func coordinate(q url.Values, p Param, lo, hi float64) (float64, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil {
		return 0, err
	}
	if v == "" {
		return 0, paramErr(p.Name, v, "is required", p.Accepts)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, paramErr(p.Name, v, "is not a number", p.Accepts)
	}
	if x < lo || x > hi {
		return 0, paramErr(p.Name, v, fmt.Sprintf("is out of range %g..%g", lo, hi), p.Accepts)
	}
	return x, nil
}

// Level reads min_level; risk.Low when absent.
func Level(q url.Values) (risk.Level, error) {
	v, err := choice(q, MinLevel, risk.Low.String(), levelNames()...)
	if err != nil {
		return risk.Low, err
	}
	for _, l := range risk.Levels {
		if l.String() == v {
			return l, nil
		}
	}
	return risk.Low, nil
}
