package reportcheck

import (
	"context"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// Failed runs every rule on each of reports: the rules of one report, and
// the series rule over each report's series as the store holds it (the
// same publisher and period start), so an API answer and an import's
// summary name the same findings. The result is by report id.
func Failed(ctx context.Context, rs geo.ReportStore, reports []geo.Report) (map[int64][]Finding, error) {
	out := map[int64][]Finding{}
	seen := map[string]bool{}
	for i := range reports {
		out[reports[i].ID] = append(out[reports[i].ID], Check(&reports[i])...)
	}
	for i := range reports {
		r := &reports[i]
		key := strings.ToLower(r.Publisher) + "|" + r.PeriodStart.Format(geo.DateLayout)
		if seen[key] {
			continue
		}
		seen[key] = true
		series, err := rs.Reports(ctx, geo.ReportFilter{Publisher: r.Publisher, PeriodStart: r.PeriodStart})
		if err != nil {
			return nil, err
		}
		for _, f := range CheckSeries(series) {
			if _, wanted := out[f.ReportID]; wanted {
				out[f.ReportID] = append(out[f.ReportID], f)
			}
		}
	}
	return out, nil
}
