package web

import (
	"context"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/labstack/echo/v5"
)

// Several servers may share one store whose reads come from replicas that
// lag behind its writes (geo/postgis with read URLs). Three rules keep what
// a client sees consistent:
//
//   - Every request reads one snapshot (geo.SnapshotStore): a page and its
//     counts, a statistics table, a tile and whatever a cache is filled with
//     come from one state of the data, and a cache is keyed by the version
//     of that state (DataVersion under the snapshot), never by a newer one.
//   - The current data version comes from memory (geo.VersionWatcher: the
//     store is told of each change), so a cached answer costs no round trip.
//   - A client that has written reads its writes: the answer to a write
//     carries the store's write position, in the Badiamap-Read-After header
//     and a short-lived cookie of the same name; a request that sends either
//     back is answered from data that holds the write (docs/SCALING.md).

// HeaderReadAfter carries a write position: in the answer to a write, and
// from a client that wants its later reads to see the write.
const HeaderReadAfter = "Badiamap-Read-After"

// readAfterCookie is HeaderReadAfter as a cookie, for browsers.
const readAfterCookie = "badiamap_read_after"

// maxPositionLength bounds the position a client sends (a WAL position is
// at most 17 characters).
const maxPositionLength = 40

// holdReads returns ctx, the context of request r with its deadline, with
// the write position r sends, if any, and a snapshot of the store; end
// ends the snapshot. Nothing is read until a handler reads. The snapshot's
// transaction lives under ctx, so the request's deadline bounds it too (a
// frozen database cannot hold a request past it).
func (s *Server) holdReads(ctx context.Context, r *http.Request) (_ context.Context, end func()) {
	if pos := readAfter(r); pos != "" {
		ctx = geo.ReadingAfter(ctx, pos)
	}
	if ss, ok := s.store.(geo.SnapshotStore); ok {
		return ss.Snapshot(ctx)
	}
	return ctx, func() {}
}

// readAfter is the write position the request sends: the header, else the
// cookie; "" for none or one too long to be a position.
func readAfter(r *http.Request) string {
	pos := strings.TrimSpace(r.Header.Get(HeaderReadAfter))
	if pos == "" {
		if ck, err := r.Cookie(readAfterCookie); err == nil {
			pos = ck.Value
		}
	}
	if len(pos) > maxPositionLength {
		return ""
	}
	return pos
}

// freshSnapshot is ctx with a snapshot of its own, for work that outlives
// the request (a risk computation others wait for); end ends it.
func (s *Server) freshSnapshot(ctx context.Context) (context.Context, func()) {
	if ss, ok := s.store.(geo.SnapshotStore); ok {
		return ss.Snapshot(ctx)
	}
	return ctx, func() {}
}

// dataVersion is the current data version: from memory when the store
// watches it, else read from the store (under the request's snapshot, its
// version).
func (s *Server) dataVersion(ctx context.Context) (int64, error) {
	if w, ok := s.store.(geo.VersionWatcher); ok {
		if v, ok := w.KnownDataVersion(); ok {
			return v, nil
		}
	}
	return s.store.DataVersion(ctx)
}

// noteWrite gives the client of a write that committed the position its
// later reads must see, for as long as the store says a replica may lack
// it. A store without replicas has none to give.
func (s *Server) noteWrite(c *echo.Context) {
	ps, ok := s.store.(geo.PositionStore)
	if !ok {
		return
	}
	pos, hold, err := ps.WritePosition(context.WithoutCancel(c.Request().Context()))
	if err != nil {
		s.logger.Warn("the write committed, but its position cannot be read: the client may not read it at once", "error", err.Error())
		return
	}
	c.Response().Header().Set(HeaderReadAfter, pos)
	http.SetCookie(c.Response(), &http.Cookie{
		Name: readAfterCookie, Value: pos, Path: "/",
		MaxAge:   int(math.Ceil(hold.Seconds())),
		Expires:  time.Now().Add(hold),
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.baseURL(c), "https:"),
	})
}
