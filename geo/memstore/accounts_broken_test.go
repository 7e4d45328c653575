package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/storetest"
)

// auditIgnoresTarget filters the audit log by everything but the target.
type auditIgnoresTarget struct{ *memstore.Store }

func (s auditIgnoresTarget) Audit(ctx context.Context, f geo.AuditFilter, p geo.Page) ([]geo.AuditEntry, error) {
	f.Target = ""
	return s.Store.Audit(ctx, f, p)
}

// auditNewestRepeats pages the newest first from the entry the last page
// ended at, not past it: each page repeats the previous one's last entry.
type auditNewestRepeats struct{ *memstore.Store }

func (s auditNewestRepeats) Audit(ctx context.Context, f geo.AuditFilter, p geo.Page) ([]geo.AuditEntry, error) {
	if f.Newest && p.After > 0 {
		p.After++
	}
	return s.Store.Audit(ctx, f, p)
}

// revokeKeepsLive revokes a token as asked but reads every token back live.
type revokeKeepsLive struct{ *memstore.Store }

func (s revokeKeepsLive) TokenByHash(ctx context.Context, hash string) (geo.APIToken, geo.User, error) {
	t, u, err := s.Store.TokenByHash(ctx, hash)
	t.RevokedAt = time.Time{}
	return t, u, err
}

func TestAccountSuiteCatchesBrokenStores(t *testing.T) {
	cases := []struct {
		name  string
		wrap  func(*memstore.Store) geo.Store
		check string
	}{
		{"the audit filter ignores the target", func(s *memstore.Store) geo.Store { return auditIgnoresTarget{s} }, "audit-log"},
		{"newest-first pages repeat the last entry", func(s *memstore.Store) geo.Store { return auditNewestRepeats{s} }, "audit-log"},
		{"a revoked token reads live", func(s *memstore.Store) geo.Store { return revokeKeepsLive{s} }, "tokens"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diffs := storetest.AccountDifferences(context.Background(), c.wrap(openTemp(t)))
			if len(diffs[c.check]) == 0 {
				t.Fatalf("the suite missed the fault: check %q reported nothing (all reports: %v)", c.check, diffs)
			}
			t.Logf("caught by %q: %s", c.check, diffs[c.check][0])
		})
	}
	if diffs := storetest.AccountDifferences(context.Background(), openTemp(t)); len(diffs) > 0 {
		t.Errorf("the unbroken store has differences: %v", diffs)
	}
}
