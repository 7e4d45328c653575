package postgis

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// ReplaceRegions replaces the regions of the kinds present in regions and
// re-joins every incident, in one transaction.
func (s *Store) ReplaceRegions(ctx context.Context, regions []geo.Region, a *geo.AuditEntry) (int, error) {
	var kinds []string
	seenKind := map[geo.RegionKind]bool{}
	seenCode := map[string]bool{}
	for i, r := range regions {
		switch {
		case r.Code == "":
			return 0, fmt.Errorf("region %d: no code", i+1)
		case !r.Kind.Valid():
			return 0, fmt.Errorf("region %s: unknown kind %q (want governorate, badia or custom)", r.Code, r.Kind)
		case len(r.Geom) == 0:
			return 0, fmt.Errorf("region %s: no polygon", r.Code)
		case seenCode[r.Code]:
			return 0, fmt.Errorf("region %s: listed twice", r.Code)
		}
		seenCode[r.Code] = true
		if !seenKind[r.Kind] {
			seenKind[r.Kind] = true
			kinds = append(kinds, string(r.Kind))
		}
	}
	if len(kinds) == 0 {
		if a == nil {
			return 0, nil
		}
		// Nothing to replace; the call is still audited, as on every store.
		return 0, s.inTx(ctx, func(tx *sql.Tx) error {
			return auditWrite(ctx, tx, a, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.RegionsAudit(a, regions, 0) })
		})
	}

	tx, err := s.primary.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("replace regions: %w", err)
	}
	defer tx.Rollback()
	// The data version first (commitWrite takes it again at the end): two
	// servers loading the boundaries at once then go one after the other,
	// the second replacing what the first committed, not colliding with it.
	if _, err := tx.ExecContext(ctx, sqlPyramidLock); err != nil {
		return 0, fmt.Errorf("replace regions: lock the data version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlBulkSettings); err != nil {
		return 0, fmt.Errorf("replace regions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlRegionsDelete, pq.StringArray(kinds)); err != nil {
		return 0, fmt.Errorf("replace regions: delete: %w", err)
	}
	for _, r := range regions {
		geom, err := wkb.Marshal(r.Geom)
		if err != nil {
			return 0, fmt.Errorf("region %s: encode polygon: %w", r.Code, err)
		}
		if _, err := tx.ExecContext(ctx, sqlRegionInsert, r.Code, string(r.Kind), r.NameEN, r.NameAR, r.Parent,
			geom, r.AreaKM2, r.Source, r.Attribution); err != nil {
			return 0, fmt.Errorf("region %s: %w", r.Code, err)
		}
	}
	if _, err := tx.ExecContext(ctx, sqlRegionPartsInsert, pq.StringArray(kinds)); err != nil {
		return 0, fmt.Errorf("replace regions: subdivide: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `ANALYZE region_parts`); err != nil {
		return 0, fmt.Errorf("replace regions: analyze: %w", err)
	}
	rejoined, err := rejoin(ctx, tx)
	if err != nil {
		return 0, fmt.Errorf("replace regions: re-join incidents: %w", err)
	}
	if err := auditWrite(ctx, tx, a, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.RegionsAudit(a, regions, int(rejoined)) }); err != nil {
		return 0, fmt.Errorf("replace regions: %w", err)
	}
	// The joins, so every tile's properties and filters, may change; the
	// pyramid counts by position and stays.
	cs := geo.NewChangeSet()
	cs.SetAll()
	v, err := commitWrite(ctx, tx, cs, false)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("replace regions: commit: %w", err)
	}
	s.heard(v)
	return int(rejoined), nil
}

// rejoin recomputes the join of every incident and writes the ones that
// changed, rebuilding the indexes when most of the table changes.
func rejoin(ctx context.Context, tx *sql.Tx) (int64, error) {
	done := timeStep("rejoin: find changes")
	res, err := tx.ExecContext(ctx, sqlRejoinChanges)
	done()
	if err != nil {
		return 0, err
	}
	changed, err := res.RowsAffected()
	if err != nil || changed == 0 {
		return 0, err
	}
	write := func() error {
		defer timeStep("rejoin: write")()
		_, err := tx.ExecContext(ctx, sqlRejoin)
		return err
	}
	if changed >= bulkMinRows {
		var total int64
		if err := tx.QueryRowContext(ctx, sqlCountAllIncidents).Scan(&total); err != nil {
			return 0, err
		}
		if bulkWorthIt(changed, total) {
			return changed, withIndexesRebuilt(ctx, tx, write)
		}
	}
	return changed, write()
}

// Regions returns the regions of the given kinds (all when none), by code.
func (s *Store) Regions(ctx context.Context, kinds ...geo.RegionKind) ([]geo.Region, error) {
	var kindArg any
	if len(kinds) > 0 {
		ks := make([]string, len(kinds))
		for i, k := range kinds {
			ks[i] = string(k)
		}
		kindArg = pq.StringArray(ks)
	}
	rows, err := s.query(ctx, sqlRegionsSelect, kindArg)
	if err != nil {
		return nil, fmt.Errorf("read regions: %w", err)
	}
	defer rows.Close()
	var out []geo.Region
	for rows.Next() {
		var (
			r    geo.Region
			kind string
			geom []byte
		)
		if err := rows.Scan(&r.Code, &kind, &r.NameEN, &r.NameAR, &r.Parent, &geom, &r.AreaKM2, &r.Source, &r.Attribution); err != nil {
			return nil, fmt.Errorf("read regions: %w", err)
		}
		r.Kind = geo.RegionKind(kind)
		g, err := wkb.Unmarshal(geom)
		if err != nil {
			return nil, fmt.Errorf("region %s: decode polygon: %w", r.Code, err)
		}
		switch g := g.(type) {
		case orb.MultiPolygon:
			r.Geom = g
		case orb.Polygon:
			r.Geom = orb.MultiPolygon{g}
		default:
			return nil, fmt.Errorf("region %s: stored geometry is a %s, not a polygon", r.Code, g.GeoJSONType())
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read regions: %w", err)
	}
	return out, nil
}
