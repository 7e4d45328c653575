package postgis_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/badiamap/badiamap/internal/pgtest"
)

func TestAccountsContract(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) geo.Store { return newStore(t) })
}

// appRole creates a login role of the test's own in the shared cluster
// (roles are cluster-wide, hence the random name), dropped after the
// test's databases.
func appRole(t *testing.T) string {
	t.Helper()
	server := pgtest.ServerURL(t)
	admin, err := sql.Open("postgres", server)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	role := "app_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN"); err != nil { // the name is ours
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP ROLE IF EXISTS " + role)
		admin.Close()
	})
	return role
}

func asRole(dbURL, role string) string {
	u, _ := url.Parse(dbURL)
	u.User = url.User(role)
	return u.String()
}

// TestAppRoleCannotChangeTheAuditLog: the role `badiamap db grant` makes
// passes the whole accounts contract (so the server runs on it), and the
// database refuses it UPDATE, DELETE and TRUNCATE on audit_log, and any
// schema change. The owner is refused too, by the triggers.
func TestAppRoleCannotChangeTheAuditLog(t *testing.T) {
	ctx := context.Background()
	role := appRole(t) // before the database: its cleanup runs after the drop
	dbURL := pgtest.NewDatabase(t)
	owner := openMigrated(t, dbURL)
	if err := owner.GrantAppRole(ctx, role); err != nil {
		t.Fatal(err)
	}
	if err := owner.GrantAppRole(ctx, "robert'); DROP TABLE users; --"); err == nil {
		t.Error("GrantAppRole took a role name that is not one")
	}
	app, err := postgis.Open(ctx, asRole(dbURL, role))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if diffs := storetest.AccountDifferences(ctx, app); len(diffs) > 0 {
		t.Errorf("the application role fails the accounts contract: %v", diffs)
	}
	if n, err := app.CountIncidents(ctx, geo.IncidentFilter{}); err != nil || n != 0 {
		t.Errorf("the application role reads incidents: %d, %v", n, err)
	}
	entries, err := app.Audit(ctx, geo.AuditFilter{}, geo.Page{})
	if err != nil || len(entries) == 0 {
		t.Fatalf("the application role reads %d audit entries, %v", len(entries), err)
	}
	for _, stmt := range []string{
		"UPDATE audit_log SET actor = 'someone else'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
		"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
		"DROP TRIGGER audit_log_no_update_delete ON audit_log",
		"INSERT INTO schema_migrations (version) VALUES ('9999_forged')",
		"CREATE TABLE app_made (x int)",
	} {
		_, err := app.DB().ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "denied") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("the application role ran %q: error %v", stmt, err)
		}
	}
	// The owner (here a superuser, who bypasses privileges) meets the
	// triggers.
	for _, stmt := range []string{"UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"} {
		if _, err := owner.DB().ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("the owner ran %q: error %v", stmt, err)
		}
	}
	after, err := app.Audit(ctx, geo.AuditFilter{}, geo.Page{})
	if err != nil || len(after) != len(entries) || after[0] != entries[0] {
		t.Errorf("the audit log changed: %d entries, %v", len(after), err)
	}
}
