package incidentfile

import (
	"context"

	"github.com/badiamap/badiamap/geo"
)

// ExportGPKG writes every incident of s that f matches, then the governorate
// and Badia region layers of regions, into a new GeoPackage at path with
// meta as its metadata, and says how many incidents it wrote. The file is
// complete only when the error is nil. `badiamap export --format gpkg` and
// GET /api/incidents.gpkg both write through it.
func ExportGPKG(ctx context.Context, s geo.Store, f geo.IncidentFilter, regions []geo.Region, path string, meta GPKGMeta) (int, error) {
	gw, err := NewGPKGWriter(path, meta)
	if err != nil {
		return 0, err
	}
	err = s.ScanIncidents(ctx, f, geo.Page{}, func(inc *geo.Incident) error { return gw.Write(inc) })
	for _, kind := range []geo.RegionKind{geo.KindGovernorate, geo.KindBadia} {
		if err == nil {
			err = gw.WriteRegions(kind, regions)
		}
	}
	if err != nil {
		gw.Abort()
		return gw.Count(), err
	}
	return gw.Count(), gw.Close()
}
