package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// AccountCase is a store that keeps accounts and the audit log, and the
// audit entries it must hold: every one the checks appended, in order.
type AccountCase struct {
	Accounts geo.AccountStore
	Audit    geo.AuditStore
	want     []geo.AuditEntry
	seq      int
}

// AccountCheck is one part of the accounts contract.
type AccountCheck struct {
	Name string
	Run  func(ctx context.Context, c *AccountCase) []string
}

// AccountChecks lists the accounts contract in the order it runs: each
// check adds its own users, and the last ones read the audit log all the
// others wrote.
func AccountChecks() []AccountCheck {
	return []AccountCheck{
		{"users", checkUsers},
		{"sessions", checkSessions},
		{"tokens", checkTokens},
		{"audit-append", checkAuditAppend},
		{"audit-log", checkAuditLog},
	}
}

// NewAccountCase is s as an account and audit store, or an error naming
// what it lacks.
func NewAccountCase(s geo.Store) (*AccountCase, error) {
	as, ok := s.(geo.AccountStore)
	if !ok {
		return nil, fmt.Errorf("%T does not implement geo.AccountStore", s)
	}
	au, ok := s.(geo.AuditStore)
	if !ok {
		return nil, fmt.Errorf("%T does not implement geo.AuditStore", s)
	}
	return &AccountCase{Accounts: as, Audit: au}, nil
}

// RunAccounts holds a fresh store to the accounts contract.
func RunAccounts(t *testing.T, open func(t *testing.T) geo.Store) {
	t.Helper()
	c, err := NewAccountCase(open(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range AccountChecks() {
		t.Run(ch.Name, func(t *testing.T) {
			for _, d := range ch.Run(context.Background(), c) {
				t.Error(d)
			}
		})
	}
}

// AccountDifferences runs every account check on s and returns what each
// found, keyed by check name.
func AccountDifferences(ctx context.Context, s geo.Store) map[string][]string {
	c, err := NewAccountCase(s)
	if err != nil {
		return map[string][]string{"load": {err.Error()}}
	}
	out := map[string][]string{}
	for _, ch := range AccountChecks() {
		if d := ch.Run(ctx, c); len(d) > 0 {
			out[ch.Name] = d
		}
	}
	return out
}

// entry is a new audit entry the case expects the store to append.
func (c *AccountCase) entry(action, target string) geo.AuditEntry {
	c.seq++
	e := geo.AuditEntry{Actor: "contract", Action: action, Target: target, Client: fmt.Sprintf("192.0.2.%d", c.seq%250+1),
		Detail: fmt.Sprintf(`{"step": %d, "note": "kept as written"}`, c.seq)}
	return e
}

// appended records that the store appended e.
func (c *AccountCase) appended(e geo.AuditEntry) { c.want = append(c.want, e) }

// diffs collects differences.
type diffs []string

func (d *diffs) add(format string, a ...any) { *d = append(*d, fmt.Sprintf(format, a...)) }

func sameUser(got, want geo.User) bool {
	return got.ID == want.ID && got.Name == want.Name && got.Role == want.Role && got.Disabled == want.Disabled &&
		got.PasswordHash == want.PasswordHash && got.CreatedAt.Equal(want.CreatedAt)
}

// contractTime is a time with microseconds, as every store keeps them.
var contractTime = time.Date(2026, 3, 1, 9, 30, 15, 123456000, time.UTC)

func checkUsers(ctx context.Context, c *AccountCase) []string {
	var d diffs
	s := c.Accounts
	a := c.entry("user_add", "user:amal")
	amal, err := s.CreateUser(ctx, geo.User{Name: "amal", Role: geo.RoleEditor, PasswordHash: "$argon2id$hash-of-amal", CreatedAt: contractTime}, a)
	if err != nil {
		return []string{fmt.Sprintf("CreateUser amal: %v", err)}
	}
	c.appended(a)
	if amal.ID < 1 || amal.Name != "amal" || amal.Role != geo.RoleEditor || amal.Disabled || !amal.CreatedAt.Equal(contractTime) {
		d.add("CreateUser returned %+v", amal)
	}
	if _, err := s.CreateUser(ctx, geo.User{Name: "amal", Role: geo.RoleAdmin, PasswordHash: "x"}, c.entry("user_add", "user:amal")); !errors.Is(err, geo.ErrUserExists) {
		d.add("a second user amal: error %v, want ErrUserExists", err)
	}
	for _, bad := range []geo.User{{Name: "Amal", Role: geo.RoleEditor}, {Name: "", Role: geo.RoleEditor}, {Name: "omar", Role: "owner"}} {
		if _, err := s.CreateUser(ctx, bad, c.entry("user_add", "user:"+bad.Name)); err == nil {
			d.add("CreateUser took name %q role %q", bad.Name, bad.Role)
		}
	}
	a = c.entry("user_add", "user:badr")
	badr, err := s.CreateUser(ctx, geo.User{Name: "badr", Role: geo.RoleAdmin, PasswordHash: "$argon2id$hash-of-badr"}, a)
	if err != nil {
		return append(d, fmt.Sprintf("CreateUser badr: %v", err))
	}
	c.appended(a)
	if badr.ID == amal.ID || badr.CreatedAt.IsZero() {
		d.add("badr: id %d (amal's is %d), created %v", badr.ID, amal.ID, badr.CreatedAt)
	}
	if got, err := s.User(ctx, "amal"); err != nil || !sameUser(got, amal) {
		d.add("User(amal) = %+v, %v; want %+v", got, err, amal)
	}
	if _, err := s.User(ctx, "nobody"); !errors.Is(err, geo.ErrNotFound) {
		d.add("User(nobody): error %v, want ErrNotFound", err)
	}
	role, yes, hash := geo.RoleReviewer, true, "$argon2id$new-hash"
	a = c.entry("user_change", "user:amal")
	changed, err := s.UpdateUser(ctx, "amal", geo.UserChange{Role: &role}, a)
	if err != nil {
		return append(d, fmt.Sprintf("UpdateUser amal: %v", err))
	}
	c.appended(a)
	want := amal
	want.Role = geo.RoleReviewer
	if !sameUser(changed, want) {
		d.add("UpdateUser(role) = %+v, want %+v", changed, want)
	}
	a = c.entry("user_change", "user:amal")
	changed, err = s.UpdateUser(ctx, "amal", geo.UserChange{Disabled: &yes, PasswordHash: &hash}, a)
	if err != nil {
		return append(d, fmt.Sprintf("UpdateUser amal: %v", err))
	}
	c.appended(a)
	want.Disabled, want.PasswordHash = true, hash
	if got, err := s.User(ctx, "amal"); err != nil || !sameUser(changed, want) || !sameUser(got, want) {
		d.add("after disabling and a new password: UpdateUser gave %+v, User gives %+v (%v); want %+v", changed, got, err, want)
	}
	if _, err := s.UpdateUser(ctx, "nobody", geo.UserChange{Role: &role}, c.entry("user_change", "user:nobody")); !errors.Is(err, geo.ErrNotFound) {
		d.add("UpdateUser(nobody): error %v, want ErrNotFound", err)
	}
	bad := geo.Role("owner")
	if _, err := s.UpdateUser(ctx, "badr", geo.UserChange{Role: &bad}, c.entry("user_change", "user:badr")); err == nil {
		d.add("UpdateUser took role owner")
	}
	users, err := s.Users(ctx)
	if err != nil {
		return append(d, fmt.Sprintf("Users: %v", err))
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if !slices.IsSorted(names) || !slices.Contains(names, "amal") || !slices.Contains(names, "badr") || slices.Contains(names, "Amal") {
		d.add("Users gives %v: want every user (amal, badr), by name", names)
	}
	return d
}

func checkSessions(ctx context.Context, c *AccountCase) []string {
	var d diffs
	s := c.Accounts
	mk := func(name string) geo.User {
		a := c.entry("user_add", "user:"+name)
		u, err := s.CreateUser(ctx, geo.User{Name: name, Role: geo.RoleEditor, PasswordHash: "$argon2id$" + name}, a)
		if err != nil {
			d.add("CreateUser %s: %v", name, err)
			return u
		}
		c.appended(a)
		return u
	}
	dana, emad := mk("dana"), mk("emad")
	if len(d) > 0 {
		return d
	}
	hash := func(i int) string { return fmt.Sprintf("%064x", 0xabc000+i) }
	login := func(i int, u geo.User, at time.Time) {
		a := c.entry("login", "user:"+u.Name)
		if err := s.CreateSession(ctx, geo.Session{IDHash: hash(i), UserID: u.ID, CreatedAt: at, LastSeen: at, Client: "198.51.100.7"}, a); err != nil {
			d.add("CreateSession %d: %v", i, err)
			return
		}
		c.appended(a)
	}
	login(1, dana, contractTime)
	login(2, dana, contractTime.Add(time.Hour))
	login(3, emad, contractTime)
	ses, u, err := s.Session(ctx, hash(1))
	if err != nil || ses.UserID != dana.ID || ses.IDHash != hash(1) || !ses.CreatedAt.Equal(contractTime) || !ses.LastSeen.Equal(contractTime) ||
		ses.Client != "198.51.100.7" || !sameUser(u, dana) {
		d.add("Session(1) = %+v of %+v, %v", ses, u, err)
	}
	later := contractTime.Add(10 * time.Minute)
	if err := s.TouchSession(ctx, hash(1), later); err != nil {
		d.add("TouchSession: %v", err)
	}
	if ses, _, err := s.Session(ctx, hash(1)); err != nil || !ses.LastSeen.Equal(later) || !ses.CreatedAt.Equal(contractTime) {
		d.add("after TouchSession: %+v, %v; want last seen %v", ses, err, later)
	}
	if _, _, err := s.Session(ctx, hash(99)); !errors.Is(err, geo.ErrNotFound) {
		d.add("Session(unknown): error %v, want ErrNotFound", err)
	}
	a := c.entry("logout", "user:dana")
	if err := s.EndSession(ctx, hash(2), &a); err != nil {
		d.add("EndSession: %v", err)
	} else {
		c.appended(a)
	}
	if _, _, err := s.Session(ctx, hash(2)); !errors.Is(err, geo.ErrNotFound) {
		d.add("an ended session is still there: %v", err)
	}
	if err := s.EndSession(ctx, hash(2), nil); !errors.Is(err, geo.ErrNotFound) {
		d.add("ending an ended session: error %v, want ErrNotFound", err)
	}
	// Disabling dana ends her sessions and only hers.
	yes := true
	a = c.entry("user_disable", "user:dana")
	if _, err := s.UpdateUser(ctx, "dana", geo.UserChange{Disabled: &yes}, a); err != nil {
		return append(d, fmt.Sprintf("disable dana: %v", err))
	}
	c.appended(a)
	if _, _, err := s.Session(ctx, hash(1)); !errors.Is(err, geo.ErrNotFound) {
		d.add("disabling dana left her session: %v", err)
	}
	if _, _, err := s.Session(ctx, hash(3)); err != nil {
		d.add("disabling dana ended emad's session: %v", err)
	}
	// A new password ends the sessions too.
	pw := "$argon2id$emad-2"
	a = c.entry("user_passwd", "user:emad")
	if _, err := s.UpdateUser(ctx, "emad", geo.UserChange{PasswordHash: &pw}, a); err != nil {
		return append(d, fmt.Sprintf("new password for emad: %v", err))
	}
	c.appended(a)
	if _, _, err := s.Session(ctx, hash(3)); !errors.Is(err, geo.ErrNotFound) {
		d.add("a new password left emad's session: %v", err)
	}
	// Stale sessions: idle, held too long, fresh.
	login(4, emad, contractTime)                                // idle
	login(5, emad, contractTime.Add(-48*time.Hour))             // held too long
	login(6, emad, contractTime.Add(2*time.Hour))               // fresh
	s.TouchSession(ctx, hash(5), contractTime.Add(2*time.Hour)) // seen lately, but too old
	n, err := s.EndStaleSessions(ctx, contractTime.Add(time.Hour), contractTime.Add(-24*time.Hour))
	if err != nil || n != 2 {
		d.add("EndStaleSessions ended %d, %v; want 2", n, err)
	}
	for i, live := range map[int]bool{4: false, 5: false, 6: true} {
		if _, _, err := s.Session(ctx, hash(i)); (err == nil) != live {
			d.add("after EndStaleSessions session %d: error %v, want live %v", i, err, live)
		}
	}
	return d
}

func checkTokens(ctx context.Context, c *AccountCase) []string {
	var d diffs
	s := c.Accounts
	users := map[string]geo.User{}
	for _, name := range []string{"farah", "ghada"} {
		a := c.entry("user_add", "user:"+name)
		u, err := s.CreateUser(ctx, geo.User{Name: name, Role: geo.RoleReviewer, PasswordHash: "$argon2id$" + name}, a)
		if err != nil {
			return []string{fmt.Sprintf("CreateUser %s: %v", name, err)}
		}
		c.appended(a)
		users[name] = u
	}
	hash := func(i int) string { return fmt.Sprintf("%064x", 0xdef000+i) }
	var made []geo.APIToken
	for i, spec := range []struct {
		user, name string
		expires    time.Time
	}{{"farah", "nightly import", contractTime.Add(90 * 24 * time.Hour)}, {"ghada", "qgis", time.Time{}}, {"farah", "backup", time.Time{}}} {
		a := c.entry("token_create", "")
		t, err := s.CreateToken(ctx, geo.APIToken{UserID: users[spec.user].ID, Name: spec.name, Hash: hash(i), CreatedAt: contractTime,
			CreatedBy: "contract", ExpiresAt: spec.expires}, a)
		if err != nil {
			return append(d, fmt.Sprintf("CreateToken %s: %v", spec.name, err))
		}
		a.Target = fmt.Sprintf("token:%d", t.ID)
		c.appended(a)
		if t.ID < 1 || t.User != spec.user || t.Name != spec.name || t.Hash != hash(i) || !t.CreatedAt.Equal(contractTime) ||
			!t.ExpiresAt.Equal(spec.expires) || !t.LastUsed.IsZero() || !t.RevokedAt.IsZero() || t.CreatedBy != "contract" {
			d.add("CreateToken returned %+v", t)
		}
		made = append(made, t)
	}
	if len(made) == 3 && (made[1].ID <= made[0].ID || made[2].ID <= made[1].ID) {
		d.add("token ids %d, %d, %d do not ascend", made[0].ID, made[1].ID, made[2].ID)
	}
	if _, err := s.CreateToken(ctx, geo.APIToken{UserID: users["ghada"].ID, Name: "copy", Hash: hash(0)}, c.entry("token_create", "")); err == nil {
		d.add("CreateToken took a hash another token has")
	}
	t, u, err := s.TokenByHash(ctx, hash(0))
	if err != nil || t.ID != made[0].ID || t.User != "farah" || !sameUser(u, users["farah"]) {
		d.add("TokenByHash = %+v of %+v, %v", t, u, err)
	}
	if _, _, err := s.TokenByHash(ctx, hash(50)); !errors.Is(err, geo.ErrNotFound) {
		d.add("TokenByHash(unknown): error %v, want ErrNotFound", err)
	}
	ids := func(ts []geo.APIToken) []int64 {
		var out []int64
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	if got, err := s.Tokens(ctx, "farah"); err != nil || !slices.Equal(ids(got), []int64{made[0].ID, made[2].ID}) {
		d.add("Tokens(farah) = %v, %v; want %v", ids(got), err, []int64{made[0].ID, made[2].ID})
	}
	if got, err := s.Tokens(ctx, ""); err != nil || !slices.Equal(ids(got), ids(made)) {
		d.add("Tokens() = %v, %v; want %v", ids(got), err, ids(made))
	}
	used := contractTime.Add(3 * time.Hour)
	if err := s.TouchToken(ctx, made[1].ID, used); err != nil {
		d.add("TouchToken: %v", err)
	}
	if t, _, err := s.TokenByHash(ctx, hash(1)); err != nil || !t.LastUsed.Equal(used) {
		d.add("after TouchToken: last used %v, %v; want %v", t.LastUsed, err, used)
	}
	revoked := contractTime.Add(4 * time.Hour)
	a := c.entry("token_revoke", fmt.Sprintf("token:%d", made[0].ID))
	rt, err := s.RevokeToken(ctx, made[0].ID, revoked, a)
	if err != nil || !rt.RevokedAt.Equal(revoked) || rt.User != "farah" {
		d.add("RevokeToken = %+v, %v", rt, err)
	} else {
		c.appended(a)
	}
	if t, _, err := s.TokenByHash(ctx, hash(0)); err != nil || !t.RevokedAt.Equal(revoked) || t.Live(revoked) {
		d.add("a revoked token reads %+v, %v", t, err)
	}
	if _, err := s.RevokeToken(ctx, made[0].ID, revoked, c.entry("token_revoke", "")); !errors.Is(err, geo.ErrRevoked) {
		d.add("revoking a revoked token: error %v, want ErrRevoked", err)
	}
	if _, err := s.RevokeToken(ctx, 1<<40, revoked, c.entry("token_revoke", "")); !errors.Is(err, geo.ErrNotFound) {
		d.add("revoking no token: error %v, want ErrNotFound", err)
	}
	return d
}

func checkAuditAppend(ctx context.Context, c *AccountCase) []string {
	var d diffs
	e := c.entry("import", "incident:17")
	e.Actor, e.At = "import:events.csv", contractTime
	e.Detail = `{"rows": 3,  "file": "events.csv"}`
	got, err := c.Audit.AppendAudit(ctx, e)
	if err != nil {
		return []string{fmt.Sprintf("AppendAudit: %v", err)}
	}
	e.ID = got.ID
	if got != e {
		d.add("AppendAudit returned %+v, want %+v", got, e)
	}
	c.appended(got)
	now := c.entry("login_failed", "user:nobody")
	now.Detail = ""
	before := time.Now().Add(-time.Minute)
	got, err = c.Audit.AppendAudit(ctx, now)
	if err != nil || got.At.Before(before) || got.At.After(time.Now().Add(time.Minute)) || got.Detail != "" {
		d.add("AppendAudit with no time: %+v, %v; want the time of the append and no detail", got, err)
	} else {
		c.appended(got)
	}
	bad := c.entry("broken", "x")
	bad.Detail = `{"not": json`
	if _, err := c.Audit.AppendAudit(ctx, bad); err == nil {
		d.add("AppendAudit took a detail that is not JSON")
	}
	return d
}

// checkAuditLog reads back everything the other checks appended: in
// order, with the fields given, through every filter and page size.
func checkAuditLog(ctx context.Context, c *AccountCase) []string {
	var d diffs
	all, err := c.Audit.Audit(ctx, geo.AuditFilter{}, geo.Page{})
	if err != nil {
		return []string{fmt.Sprintf("Audit: %v", err)}
	}
	if len(all) != len(c.want) {
		d.add("the audit log holds %d entries, the checks appended %d (a refused change must append nothing)", len(all), len(c.want))
	}
	for i := range min(len(all), len(c.want)) {
		g, w := all[i], c.want[i]
		if g.At.IsZero() || (!w.At.IsZero() && !g.At.Equal(w.At)) || g.Actor != w.Actor || g.Action != w.Action || g.Target != w.Target ||
			g.Client != w.Client || g.Detail != w.Detail {
			d.add("audit entry %d is %+v, want %+v", i+1, g, w)
		}
		if i > 0 && g.ID <= all[i-1].ID {
			d.add("audit ids do not ascend: %d after %d", g.ID, all[i-1].ID)
		}
	}
	if len(d) > 0 {
		return d
	}
	mid := all[len(all)/2].At
	filters := []geo.AuditFilter{
		{Actor: "import:events.csv"}, {Action: "login"}, {Action: "user_add"}, {Target: "user:dana"}, {Target: "user:amal", Action: "user_change"},
		{From: mid}, {To: mid}, {From: contractTime, To: contractTime}, {Actor: "nobody"}, {Action: "login", Target: "user:emad", From: contractTime.Add(-time.Hour)},
	}
	for i, n := 0, len(filters); i < n; i++ {
		newest := filters[i]
		newest.Newest = true
		filters = append(filters, newest)
	}
	for _, f := range filters {
		var want []int64
		for i := range all {
			if f.Match(&all[i]) {
				want = append(want, all[i].ID)
			}
		}
		if f.Newest {
			slices.Reverse(want)
		}
		for _, limit := range []int{0, 1, 3} {
			var got []int64
			after := int64(0)
			for range len(all) + 1 {
				page, err := c.Audit.Audit(ctx, f, geo.Page{After: after, Limit: limit})
				if err != nil {
					d.add("Audit(%+v): %v", f, err)
					break
				}
				for _, e := range page {
					got = append(got, e.ID)
				}
				if limit == 0 || len(page) < limit {
					break
				}
				if len(page) > limit {
					d.add("Audit(%+v, limit %d) returned %d entries", f, limit, len(page))
					break
				}
				after = page[len(page)-1].ID
			}
			if !slices.Equal(got, want) {
				d.add("Audit(%s) in pages of %d gives ids %v, want %v", describeAudit(f), limit, got, want)
			}
		}
	}
	return d
}

func describeAudit(f geo.AuditFilter) string {
	var parts []string
	for _, kv := range [][2]string{{"actor", f.Actor}, {"action", f.Action}, {"target", f.Target}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if !f.From.IsZero() {
		parts = append(parts, "from="+f.From.Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		parts = append(parts, "to="+f.To.Format(time.RFC3339Nano))
	}
	if f.Newest {
		parts = append(parts, "newest first")
	}
	return strings.Join(parts, " ")
}
