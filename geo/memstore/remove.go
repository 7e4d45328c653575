package memstore

import (
	"context"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// RemoveIncidents takes out every incident f matches, in one commit: each
// is logged again with its removed mark, so no read sees it any more and
// its id is never given to another incident; an import of the same
// external id later adds a new incident.
func (s *Store) RemoveIncidents(ctx context.Context, f geo.IncidentFilter, a *geo.AuditEntry) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.writable(); err != nil {
		return 0, err
	}
	// Only writers change recs, and writeMu is held: the matches stay matches.
	var ids []uint32
	err := s.scan(ctx, &f, geo.Page{}, true, func(inc *geo.Incident) error {
		ids = append(ids, uint32(inc.ID))
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := s.auditWrite(ctx, a, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.RemovalAudit(a, len(ids)) }); err != nil || len(ids) == 0 {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond).UnixMicro()
	staged := make([]record, len(ids))
	for i, id := range ids {
		staged[i] = *s.recs.at(id)
		staged[i].removed, staged[i].updated = true, now
	}
	seq := s.version + 1
	if err := s.appendLog(encodeBatch(seq, s.syms.list, ids, staged)); err != nil {
		return 0, err
	}
	s.mu.Lock()
	cs := geo.NewChangeSet()
	err = s.applyBatch(s.syms.list, ids, staged, cs)
	s.commit(seq, cs, true, true)
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	s.maybeCompact()
	return len(ids), nil
}
