package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
)

// accountStore writes two users, a token, a session and some audit
// entries into a store in a new directory, and closes it.
func accountStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"amal", "badr"} {
		u, err := s.CreateUser(ctx, geo.User{Name: name, Role: geo.RoleAdmin, PasswordHash: "$argon2id$" + name}, geo.AuditEntry{Actor: "test", Action: "user_add", Target: "user:" + name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateToken(ctx, geo.APIToken{UserID: u.ID, Name: "t", Hash: fmt.Sprintf("%064d", u.ID)}, geo.AuditEntry{Actor: "test", Action: "token_create"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, geo.Session{IDHash: fmt.Sprintf("%064d", u.ID), UserID: u.ID, CreatedAt: time.Now(), LastSeen: time.Now()}, geo.AuditEntry{Actor: name, Action: "login"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAccountsSurviveReopen: users, tokens and the audit log are on disk;
// sessions are not (they live in memory, see accounts.go).
func TestAccountsSurviveReopen(t *testing.T) {
	dir := accountStore(t)
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	users, _ := s.Users(ctx)
	tokens, _ := s.Tokens(ctx, "")
	audit, _ := s.Audit(ctx, geo.AuditFilter{}, geo.Page{})
	if len(users) != 2 || len(tokens) != 2 || tokens[1].User != "badr" || len(audit) != 6 {
		t.Fatalf("reopened: %d users, %d tokens (%+v), %d audit entries; want 2, 2, 6", len(users), len(tokens), tokens, len(audit))
	}
	if _, _, err := s.Session(ctx, fmt.Sprintf("%064d", users[0].ID)); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("a session outlived the process: %v", err)
	}
	// Ids go on after the last.
	e, err := s.AppendAudit(ctx, geo.AuditEntry{Actor: "test", Action: "check"})
	if err != nil || e.ID != audit[5].ID+1 {
		t.Errorf("next audit entry: %+v, %v; want id %d", e, err, audit[5].ID+1)
	}
	u, err := s.CreateUser(ctx, geo.User{Name: "carl", Role: geo.RoleEditor, PasswordHash: "x"}, geo.AuditEntry{Actor: "test", Action: "user_add"})
	if err != nil || u.ID != 3 {
		t.Errorf("next user: %+v, %v", u, err)
	}
}

// TestAccountsDamage: a flipped byte in accounts.json or in the audit log is
// damage that Open refuses and Check reports, naming the file; a torn audit
// tail is cut; salvage keeps every user, token and entry that verifies.
func TestAccountsDamage(t *testing.T) {
	flip := func(t *testing.T, path string, off int64) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if off < 0 {
			off += int64(len(b))
		}
		b[off] ^= 0x20
		os.WriteFile(path, b, 0o644)
	}
	for _, c := range []struct {
		name, file string
		off        int64
	}{{"a user", "accounts.json", 150}, {"an audit entry", "audit", 30}, {"the last audit entry", "audit", -5}} {
		t.Run(c.name, func(t *testing.T) {
			dir := accountStore(t)
			path := filepath.Join(dir, c.file)
			flip(t, path, c.off)
			_, err := memstore.Open(dir)
			var d *memstore.DamageError
			if !errors.As(err, &d) || d.File != path {
				t.Fatalf("Open: %v; want damage in %s", err, path)
			}
			rep, err := memstore.Check(dir)
			if err != nil || len(rep.Damage) == 0 || rep.Damage[0].File != path {
				t.Fatalf("Check: %+v, %v", rep, err)
			}
			to := filepath.Join(t.TempDir(), "new")
			sr, err := memstore.Salvage(dir, to)
			if err != nil {
				t.Fatalf("Salvage: %v", err)
			}
			users, tokens := 2, 2
			entries := 6
			if c.file == "accounts.json" {
				users = 1
			} else {
				entries = 5
			}
			if sr.Users != users || sr.Tokens != tokens || sr.AuditEntries != entries || sr.Check.Users != users || sr.Check.AuditEntries != entries {
				t.Errorf("salvage kept %d users, %d tokens, %d entries (the new store checks %d, %d); want %d, %d, %d",
					sr.Users, sr.Tokens, sr.AuditEntries, sr.Check.Users, sr.Check.AuditEntries, users, tokens, entries)
			}
		})
	}
	t.Run("a torn audit tail", func(t *testing.T) {
		dir := accountStore(t)
		path := filepath.Join(dir, "audit")
		b, _ := os.ReadFile(path)
		os.WriteFile(path, b[:len(b)-7], 0o644) // the last write cut short
		rep, err := memstore.Check(dir)
		if err != nil || len(rep.Damage) > 0 || rep.AuditTornTail == nil || !rep.Opens || rep.AuditEntries != 5 {
			t.Fatalf("Check: %+v, %v; want a torn audit tail and 5 entries", rep, err)
		}
		s, err := memstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		audit, _ := s.Audit(context.Background(), geo.AuditFilter{}, geo.Page{})
		if len(audit) != 5 {
			t.Errorf("after the torn tail: %d entries, want 5", len(audit))
		}
		if e, err := s.AppendAudit(context.Background(), geo.AuditEntry{Actor: "a", Action: "b"}); err != nil || e.ID != 6 {
			t.Errorf("append after a cut tail: %+v, %v", e, err)
		}
	})
}
