package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// maxAccountBody bounds the JSON body of every account request: a name, a
// password, a role; nothing needs more.
const maxAccountBody = 8 << 10

// readJSON decodes the request's JSON body into v: 415 for another media
// type, 413 past maxAccountBody, 400 naming what is wrong with the JSON
// (unknown fields included).
func readJSON(c *echo.Context, v any) error {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return newProblem(http.StatusUnsupportedMediaType, "The body must be JSON (Content-Type: application/json).")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxAccountBody+1))
	if err != nil {
		return badRequest("The request body could not be read.")
	}
	if len(body) > maxAccountBody {
		return newProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than %d bytes; no account request needs that much.", maxAccountBody))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		p := badRequest("The body is not the JSON this request takes: " + jsonProblem(err))
		p.Title = "Invalid body"
		return p
	}
	if dec.More() {
		return badRequest("The body holds more than one JSON value.")
	}
	return nil
}

// jsonProblem says what is wrong with a JSON body without echoing it.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("a syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be a %s", typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "it is empty or cut short"
	}
	return "it does not decode"
}

// detailJSON is an audit entry's detail: a JSON object, "" for none.
func detailJSON(detail map[string]any) string {
	if len(detail) == 0 {
		return ""
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return ""
	}
	return string(b)
}

// userJSON is a user as the API shows it: never the password hash.
func userJSON(u geo.User) map[string]any {
	return map[string]any{"name": u.Name, "role": u.Role, "disabled": u.Disabled,
		"created_at": u.CreatedAt.UTC().Format(time.RFC3339), "updated_at": u.UpdatedAt.UTC().Format(time.RFC3339)}
}

// noStore marks an answer that must not be cached: it holds a secret or
// who is signed in.
func noStore(c *echo.Context) { c.Response().Header().Set("Cache-Control", "no-store") }

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// login answers POST /api/session: a sign-in with a name and password
// starts a session (cookie) and returns its CSRF token.
func (s *Server) login(c *echo.Context) error {
	a := s.auth
	if a.accounts == nil {
		return newProblem(http.StatusNotImplemented, "This server's store keeps no accounts.")
	}
	noStore(c)
	if err := a.checkOrigin(c, false); err != nil {
		return err
	}
	var req loginRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSpace(req.Username))
	if name == "" || req.Password == "" {
		return badRequest("Give a username and a password.")
	}
	name = request.Clip(strings.ToValidUTF8(name, "?"), 64) // a longer name is no user's: keep the log's copy short
	ctx := c.Request().Context()
	client := s.clientKey(c.Request())
	now := a.now()
	for _, l := range []struct {
		lim *clientLimiter
		key string
	}{{a.perAddr, client}, {a.perName, name}} {
		if ok, wait := l.lim.allow(l.key, now); !ok {
			p := newProblem(http.StatusTooManyRequests, "Too many sign-in attempts. Wait before trying again.")
			p.retryAfter = max(1, int((wait+time.Second-1)/time.Second))
			s.logger.Warn("sign-in attempts limited", "client", client, "retry_after_s", p.retryAfter)
			return p
		}
	}
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	u, err := a.accounts.User(ctx, name)
	ok := false
	switch {
	case errors.Is(err, geo.ErrNotFound) || !geo.ValidUserName(name):
		a.cfg.Passwords.VerifyNone(req.Password) // the same work as for an account that exists
		err = nil
	case err == nil:
		var verr error
		if ok, verr = a.cfg.Passwords.Verify(u.PasswordHash, req.Password); verr != nil {
			s.logger.Error("a stored password hash is unusable", "user", u.Name, "error", verr.Error())
		}
	}
	<-a.hashing
	if err != nil {
		return s.storeError(err)
	}
	if !ok || u.Disabled {
		reason, actor := "wrong password", u.Name
		switch {
		case u.ID == 0:
			reason, actor = "no such user", "anonymous"
		case ok:
			reason = "disabled"
		}
		e := geo.AuditEntry{At: now, Actor: actor, Action: "login_failed", Target: "user:" + name, Client: client,
			Detail: detailJSON(map[string]any{"attempted_name": name, "reason": reason})}
		if _, err := a.audit.AppendAudit(ctx, e); err != nil {
			return s.storeError(err)
		}
		if ok {
			return unauthorized(c, "The account "+u.Name+" is disabled.")
		}
		return unauthorized(c, "The user name or the password is wrong.")
	}
	a.sweepSessions(ctx)
	id := credential.NewSessionID()
	ses := geo.Session{IDHash: credential.HashSecret(id), UserID: u.ID, CreatedAt: now, LastSeen: now, Client: client}
	e := geo.AuditEntry{At: now, Actor: u.Name, Action: "login", Target: "user:" + u.Name, Client: client,
		Detail: detailJSON(map[string]any{"via": viaSession})}
	if err := a.accounts.CreateSession(ctx, ses, e); err != nil {
		return s.storeError(err)
	}
	expires := now.Add(a.cfg.SessionMax)
	a.setCookie(c, id, expires)
	return writeJSON(c, http.StatusOK, mimeJSON, sessionJSON(u.Name, u.Role, viaSession, id, expires, a.cfg.SessionIdle))
}

func sessionJSON(name string, role geo.Role, via, sessionID string, expires time.Time, idle time.Duration) map[string]any {
	out := map[string]any{"user": map[string]any{"name": name, "role": role}, "via": via}
	if via == viaSession {
		out["csrf_token"] = credential.CSRFToken(sessionID)
		out["expires_at"] = expires.UTC().Format(time.RFC3339)
		out["idle_timeout_s"] = int(idle / time.Second)
	}
	return out
}

// whoAmI answers GET /api/session: who the request is signed in as, and
// for a session its CSRF token (a reloaded page reads it here).
func (s *Server) whoAmI(c *echo.Context) error {
	p, _ := principalOf(c)
	noStore(c)
	var expires time.Time
	if p.Via == viaSession {
		ses, _, err := s.auth.accounts.Session(c.Request().Context(), credential.HashSecret(p.sessionID))
		if err != nil {
			return s.storeError(err)
		}
		expires = ses.CreatedAt.Add(s.auth.cfg.SessionMax)
	}
	return writeJSON(c, http.StatusOK, mimeJSON, sessionJSON(p.Name, p.Role, p.Via, p.sessionID, expires, s.auth.cfg.SessionIdle))
}

// logout answers DELETE /api/session: the session ends on the server, and
// the cookie is cleared.
func (s *Server) logout(c *echo.Context) error {
	p, _ := principalOf(c)
	if p.Via != viaSession {
		return notFound("There is no session to end: this request carries an API token (revoke it with DELETE /api/tokens/{id}).")
	}
	e := s.auditEntry(c, "logout", "user:"+p.Name, nil)
	if err := s.auth.accounts.EndSession(c.Request().Context(), credential.HashSecret(p.sessionID), &e); err != nil {
		return s.storeError(err)
	}
	s.auth.clearCookie(c)
	return c.NoContent(http.StatusNoContent)
}
