package geo

// The precision rule: how precisely an incident's point is known decides
// what it may be joined to, how it is drawn and what it is counted in. It
// is written once here; geo/postgis mirrors it in SQL (migrations 0007 and
// sql/rejoin_changes.sql), and the contract suite holds both stores to it.
//
//	precision                 governorate               Badia region  drawn as        risk
//	1 exact, 2 near (~25 km)  point in polygon          point in pol. a point         scored
//	3 district (admin2)       point in polygon          none          a point, ring   no
//	4 governorate, 5 linear   the source's admin1 where none          not drawn       no
//	                          it names one, else point
//	6 country, 7 abroad       none                      none          not drawn       no
//
// A coarse point is never counted as if the attack happened where it is
// drawn: a district centroid says nothing about the desert's edge, and
// UCDP puts every country-level event of Syria on one point in the Badia.

// Located is what an incident's location is good for, from its GeoPrecision.
type Located string

const (
	LocatedPoint       Located = "point"       // GeoExact, GeoNear
	LocatedDistrict    Located = "district"    // GeoAdmin2: a district's centroid
	LocatedGovernorate Located = "governorate" // GeoAdmin1, GeoLinear
	LocatedCountry     Located = "country"     // GeoCountry, GeoAbroad
)

// Locateds lists the classes from the most precise.
var Locateds = []Located{LocatedPoint, LocatedDistrict, LocatedGovernorate, LocatedCountry}

// LocatedAt is the class of a GeoPrecision (1-7; Validate refuses others).
func LocatedAt(precision int) Located {
	switch {
	case precision >= GeoExact && precision <= GeoNear:
		return LocatedPoint
	case precision == GeoAdmin2:
		return LocatedDistrict
	case precision == GeoAdmin1 || precision == GeoLinear:
		return LocatedGovernorate
	}
	return LocatedCountry
}

// Located is inc's class.
func (inc *Incident) Located() Located { return LocatedAt(inc.GeoPrecision) }

// Drawn says whether a map may draw the point: as a point (LocatedPoint)
// or with an uncertainty ring (LocatedDistrict).
func (l Located) Drawn() bool { return l == LocatedPoint || l == LocatedDistrict }

// JoinBasis says why an incident is joined to its governorate.
type JoinBasis string

const (
	BasisPoint        JoinBasis = "point"         // its point lies in the polygon
	BasisSourceAdmin1 JoinBasis = "source_admin1" // its source names the governorate; the point is a centroid
	BasisNone         JoinBasis = "none"          // joined to nothing: located to the country only (or abroad)
)

// Join applies the precision rule to inc: pointGov and pointRegion are the
// governorate and Badia region its point falls in ("" for none), and holds
// says whether the store holds a governorate of that p-code. It sets
// inc.Governorate, inc.Region and inc.JoinBasis.
func (inc *Incident) Join(pointGov, pointRegion string, holds func(pcode string) bool) {
	inc.Governorate, inc.Region, inc.JoinBasis = pointGov, "", BasisPoint
	switch inc.Located() {
	case LocatedPoint:
		inc.Region = pointRegion
	case LocatedGovernorate:
		if inc.SourceGovernorate != "" && holds(inc.SourceGovernorate) {
			inc.Governorate, inc.JoinBasis = inc.SourceGovernorate, BasisSourceAdmin1
		}
	case LocatedCountry:
		inc.Governorate, inc.JoinBasis = "", BasisNone
	}
}
