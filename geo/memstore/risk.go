package memstore

import (
	"context"
	"math"
	"time"

	"github.com/badiamap/badiamap/geo/risk"
)

var _ risk.LatestStore = (*Store)(nil)

// LatestIncidentDate is the start date of the latest incident held, zero
// when there is none: one pass over the compact records, scanChunk at a
// time under the read lock.
func (s *Store) LatestIncidentDate(ctx context.Context) (time.Time, error) {
	latest := int32(noDay)
	cur := &rangeCursor{at: 1, last: uint32(s.Len())}
	err := s.walkChunks(ctx, cur, prefilter{from: math.MinInt32, to: math.MaxInt32}, func(_ uint32, r *record, _ []string) bool {
		if r.dateStart != noDay && (latest == noDay || r.dateStart > latest) {
			latest = r.dateStart
		}
		return true
	}, nil)
	if err != nil {
		return time.Time{}, err
	}
	return fromDay(latest), nil
}
