package geo

import (
	"sort"

	"github.com/paulmach/orb"
)

// RegionKind says what a region is: an administrative governorate, a Badia
// region (the Badia cut by one governorate) or a user-defined area.
type RegionKind string

const (
	KindGovernorate RegionKind = "governorate"
	KindBadia       RegionKind = "badia"
	KindCustom      RegionKind = "custom"
)

// Valid reports whether k is one of the known kinds.
func (k RegionKind) Valid() bool {
	return k == KindGovernorate || k == KindBadia || k == KindCustom
}

// BadiaPrefix starts the code of every Badia region: BADIA-SY04 is the Badia
// of Homs.
const BadiaPrefix = "BADIA-"

// Region is a named polygon incidents are joined to.
type Region struct {
	Code        string     // SY04, BADIA-SY04
	Kind        RegionKind // governorate, badia, custom
	NameEN      string
	NameAR      string
	Parent      string // governorate p-code of a Badia region; "" for a governorate
	Geom        orb.MultiPolygon
	AreaKM2     float64
	Source      string // where the polygon comes from
	Attribution string // the credit line its licence asks for
}

// BadiaCode is the code of the Badia region inside governorate pcode.
func BadiaCode(pcode string) string { return BadiaPrefix + pcode }

// CodesOf are the codes of the regions of kind among regions, in order.
func CodesOf(regions []Region, kind RegionKind) []string {
	var out []string
	for _, r := range regions {
		if r.Kind == kind {
			out = append(out, r.Code)
		}
	}
	sort.Strings(out)
	return out
}
