package risk

import (
	"time"

	"github.com/badiamap/badiamap/geo"
)

// SearchScores scores one day the way Search does, for tests to hold to Compute.
func SearchScores(grid *Grid, p Params, day time.Time, incs []geo.Incident) []float64 {
	sites := sitesOf(incs)
	values := make([]float64, len(grid.Cells))
	siteScores(p, day, sites, spreadOf(grid, p, sites), values)
	return values
}
