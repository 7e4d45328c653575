package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/migrations"
	"github.com/labstack/echo/v5"
)

// TestWriteGivesItsPosition: the answer to a write carries the store's
// write position in Badiamap-Read-After and a cookie of the same meaning
// that lasts as long as the store says a replica may lack the write; a
// read sends either back, and the store reads after it.
func TestWriteGivesItsPosition(t *testing.T) {
	ctx := context.Background()
	// Through pgbouncer in transaction mode, as the rest of the suite.
	_, pooled := pgtest.NewPooledDatabase(t)
	store, err := postgis.OpenWith(ctx, pooled, postgis.Options{Pooling: postgis.PoolingTransaction, MaxReplicaLag: 7 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := migrations.Apply(ctx, store.DB()); err != nil {
		t.Fatal(err)
	}
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// An editor's API token signs the write in.
	editor, err := store.CreateUser(ctx, geo.User{Name: "amal", Role: geo.RoleEditor, PasswordHash: "$argon2id$unused"}, geo.AuditEntry{Actor: "test", Action: "user_add"})
	if err != nil {
		t.Fatal(err)
	}
	token := credential.NewToken()
	if _, err := store.CreateToken(ctx, geo.APIToken{UserID: editor.ID, Name: "test", Hash: credential.HashSecret(token)}, geo.AuditEntry{Actor: "test", Action: "token_create"}); err != nil {
		t.Fatal(err)
	}
	var seen string
	s.echo.GET("/test/read-after", func(c *echo.Context) error {
		seen = geo.ReadAfter(c.Request().Context())
		return c.NoContent(http.StatusNoContent)
	}, s.classify(interactive, nil))
	ts := httptest.NewServer(s)
	defer ts.Close()

	body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[38.27,34.55]},
		"properties":{"external_id":"ryw:1","date_start":"2024-02-01","event_type":"Battles","sub_event_type":"Armed clash","location_name":"Palmyra","geo_precision":1}}`
	post, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/incidents", strings.NewReader(body))
	post.Header.Set("Content-Type", MIMEGeoJSON)
	post.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/incidents: %d %s", resp.StatusCode, out)
	}
	pos := resp.Header.Get(HeaderReadAfter)
	if !postgis.ValidPosition(pos) {
		t.Fatalf("the answer to a write carries %s %q, not a WAL position", HeaderReadAfter, pos)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == readAfterCookie {
			cookie = ck
		}
	}
	_, hold, err := store.WritePosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cookie == nil:
		t.Fatalf("no %s cookie in %v", readAfterCookie, resp.Header["Set-Cookie"])
	case cookie.Value != pos || cookie.Path != "/" || !cookie.HttpOnly:
		t.Errorf("cookie %v: want the position %s, path /, HttpOnly", cookie, pos)
	case cookie.MaxAge != int(hold.Seconds()):
		t.Errorf("cookie Max-Age %d, want the store's %s", cookie.MaxAge, hold)
	}

	for _, tc := range []struct {
		name string
		set  func(r *http.Request)
		want string
	}{
		{"header", func(r *http.Request) { r.Header.Set(HeaderReadAfter, pos) }, pos},
		{"cookie", func(r *http.Request) { r.AddCookie(cookie) }, pos},
		{"neither", func(*http.Request) {}, ""},
		{"too long to be a position", func(r *http.Request) { r.Header.Set(HeaderReadAfter, strings.Repeat("F", 41)) }, ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/test/read-after", nil)
		tc.set(req)
		seen = "unset"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if seen != tc.want {
			t.Errorf("%s: the read was asked to follow %q, want %q", tc.name, seen, tc.want)
		}
	}
}
