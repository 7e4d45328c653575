package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/geo"
	"github.com/labstack/echo/v5"
)

// Principal is who a request acts for: a user, signed in by a session
// cookie or an API token.
type Principal struct {
	UserID int64
	Name   string
	Role   geo.Role
	Via    string // "session" or "token"

	tokenID   int64  // the token's id, for Via "token"
	sessionID string // the cookie's session id, for Via "session"; never logged or stored
}

// Ways a principal signs in.
const (
	viaSession = "session"
	viaToken   = "token"
)

// principalKey holds the request's Principal in the echo context.
const principalKey = "badiamap.principal"

// principalOf is who the request acts for; false for an anonymous request.
func principalOf(c *echo.Context) (Principal, bool) {
	p, ok := c.Get(principalKey).(Principal)
	return p, ok
}

// AuthConfig are the choices of sign-in, sessions and login limits
// (docs/SECURITY.md).
type AuthConfig struct {
	// SessionIdle ends a session not used for this long (0: one hour);
	// SessionMax ends any session this long after sign-in (0: 12 hours).
	SessionIdle, SessionMax time.Duration
	// Passwords hashes and verifies passwords; its zero value uses
	// credential.DefaultParams.
	Passwords credential.Hasher
	// MaxHashing bounds the password derivations running at once (each
	// holds its parameters' memory); 0 means 2.
	MaxHashing int
	// LoginBurst sign-in attempts are allowed per account name, then one
	// per LoginEvery; ClientBurst and ClientEvery are the same per client
	// address. Zero values mean 10 per account then one a minute, and 30 per
	// client then one every 10 seconds.
	LoginBurst, ClientBurst int
	LoginEvery, ClientEvery time.Duration
	// Now is the clock sessions and tokens expire by; nil is time.Now.
	Now func() time.Time
}

// Defaults of AuthConfig.
const (
	defaultSessionIdle = time.Hour
	defaultSessionMax  = 12 * time.Hour
	// touchEvery is how stale a session's last-seen or a token's last-used
	// time may get before a request writes it: at most one write a minute
	// each, not one per request.
	touchEvery = time.Minute
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "badiamap_session"

// HeaderCSRF carries a session's CSRF token on every cookie write.
const HeaderCSRF = "X-CSRF-Token"

// auth is the server's sign-in state: the stores, the clock, the limits.
type auth struct {
	s        *Server
	cfg      AuthConfig
	accounts geo.AccountStore // nil when the store keeps no accounts
	audit    geo.AuditStore
	hashing  chan struct{}
	perName  *clientLimiter
	perAddr  *clientLimiter

	sweepMu   sync.Mutex
	lastSweep time.Time
}

func newAuth(s *Server, cfg AuthConfig) (*auth, error) {
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = defaultSessionIdle
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = defaultSessionMax
	}
	if cfg.MaxHashing <= 0 {
		cfg.MaxHashing = 2
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = 10
	}
	if cfg.LoginEvery <= 0 {
		cfg.LoginEvery = time.Minute
	}
	if cfg.ClientBurst <= 0 {
		cfg.ClientBurst = 30
	}
	if cfg.ClientEvery <= 0 {
		cfg.ClientEvery = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &auth{s: s, cfg: cfg, hashing: make(chan struct{}, cfg.MaxHashing),
		perName: newLoginLimiter(cfg.LoginBurst, cfg.LoginEvery),
		perAddr: newLoginLimiter(cfg.ClientBurst, cfg.ClientEvery)}
	a.accounts, _ = s.store.(geo.AccountStore)
	a.audit, _ = s.store.(geo.AuditStore)
	return a, nil
}

// now is the auth clock's time.
func (a *auth) now() time.Time { return a.cfg.Now() }

// unauthorized is a 401 that asks for credentials.
func unauthorized(c *echo.Context, detail string) *Problem {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="badiamap"`)
	return newProblem(http.StatusUnauthorized, detail)
}

// requireRole lets through only requests of a principal whose role allows
// need: 401 for an anonymous request or credentials that do not hold, 403
// for too low a role, and for a cookie write without its CSRF token or from
// another origin.
func (s *Server) requireRole(need geo.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			p, ok, err := s.auth.authenticate(c)
			if err != nil {
				return err
			}
			if !ok {
				return unauthorized(c, "Sign in (POST /api/session) or send an API token (Authorization: Bearer ...) to do this.")
			}
			if p.Via == viaSession && !safeMethod(c.Request().Method) {
				if err := s.auth.checkCookieWrite(c, p); err != nil {
					return err
				}
			}
			if !p.Role.Allows(need) {
				return newProblem(http.StatusForbidden, "This needs the "+string(need)+" role; "+p.Name+" is "+string(p.Role)+".")
			}
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// signedIn is who the request acts for on a route open to everyone, for
// what only editors see there (drafts, authors): the principal requireRole
// set, or the request's credentials, read once.
func (s *Server) signedIn(c *echo.Context) (Principal, bool, error) {
	if p, ok := principalOf(c); ok {
		return p, true, nil
	}
	p, ok, err := s.auth.authenticate(c)
	if ok {
		c.Set(principalKey, p)
	}
	return p, ok, err
}

// isEditor reports whether the request is a signed-in editor's (or a
// higher role's): who sees drafts and authors. Credentials that do not
// hold make the request anonymous here.
func (s *Server) isEditor(c *echo.Context) bool {
	p, ok, err := s.signedIn(c)
	return err == nil && ok && p.Role.Allows(geo.RoleEditor)
}

// requireEditorFor refuses a read of drafts or retracted incidents to all
// but signed-in editors.
func (s *Server) requireEditorFor(c *echo.Context, statuses []geo.Status) error {
	if statuses == nil {
		return nil
	}
	p, ok, err := s.signedIn(c)
	if err != nil {
		return err
	}
	if !ok {
		return unauthorized(c, "Only signed-in editors see drafts and retracted incidents.")
	}
	if !p.Role.Allows(geo.RoleEditor) {
		return newProblem(http.StatusForbidden, "Only editors see drafts and retracted incidents; "+p.Name+" is "+string(p.Role)+".")
	}
	return nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticate reads the request's credentials: an API token in
// Authorization, else the session cookie. ok is false when there are none;
// credentials that do not hold are a 401 saying why, never a 500.
func (a *auth) authenticate(c *echo.Context) (Principal, bool, error) {
	if a.accounts == nil {
		return Principal{}, false, newProblem(http.StatusNotImplemented, "This server's store keeps no accounts.")
	}
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return Principal{}, false, unauthorized(c, "The Authorization header takes an API token: Authorization: Bearer TOKEN.")
		}
		p, err := a.tokenPrincipal(c, strings.TrimSpace(secret))
		return p, err == nil, err
	}
	ck, err := c.Request().Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return Principal{}, false, nil
	}
	p, err := a.sessionPrincipal(c, ck.Value)
	if err != nil {
		var pe *Problem
		if errors.As(err, &pe) && pe.Status == http.StatusUnauthorized {
			a.clearCookie(c)
		}
		return p, false, err
	}
	return p, true, nil
}

func (a *auth) tokenPrincipal(c *echo.Context, secret string) (Principal, error) {
	ctx := c.Request().Context()
	t, u, err := a.accounts.TokenByHash(ctx, credential.HashSecret(secret))
	if errors.Is(err, geo.ErrNotFound) {
		return Principal{}, unauthorized(c, "The API token is not valid.")
	}
	if err != nil {
		return Principal{}, a.s.storeError(err)
	}
	now := a.now()
	switch {
	case !t.RevokedAt.IsZero():
		return Principal{}, unauthorized(c, fmt.Sprintf("The API token %d was revoked on %s.", t.ID, t.RevokedAt.UTC().Format(time.RFC3339)))
	case !t.Live(now):
		return Principal{}, unauthorized(c, fmt.Sprintf("The API token %d expired on %s.", t.ID, t.ExpiresAt.UTC().Format(time.RFC3339)))
	case u.Disabled:
		return Principal{}, unauthorized(c, "The account "+u.Name+" is disabled.")
	}
	if now.Sub(t.LastUsed) >= touchEvery {
		if err := a.accounts.TouchToken(ctx, t.ID, now); err != nil {
			a.s.logger.Warn("cannot record a token's last use", "token", t.ID, "error", err.Error())
		}
	}
	return Principal{UserID: u.ID, Name: u.Name, Role: u.Role, Via: viaToken, tokenID: t.ID}, nil
}

// sessionEnded is the answer to a cookie that holds no live session.
const sessionEnded = "Your session has ended (signed out, expired, or ended by an administrator). Sign in again."

func (a *auth) sessionPrincipal(c *echo.Context, id string) (Principal, error) {
	ctx := c.Request().Context()
	hash := credential.HashSecret(id)
	ses, u, err := a.accounts.Session(ctx, hash)
	if errors.Is(err, geo.ErrNotFound) {
		return Principal{}, unauthorized(c, sessionEnded)
	}
	if err != nil {
		return Principal{}, a.s.storeError(err)
	}
	now := a.now()
	reason := ""
	switch {
	case now.Sub(ses.CreatedAt) > a.cfg.SessionMax:
		reason = fmt.Sprintf("Your session expired: sessions last at most %s. Sign in again.", a.cfg.SessionMax)
	case now.Sub(ses.LastSeen) > a.cfg.SessionIdle:
		reason = fmt.Sprintf("Your session expired after %s without use. Sign in again.", a.cfg.SessionIdle)
	case u.Disabled:
		reason = "The account " + u.Name + " is disabled."
	}
	if reason != "" {
		if err := a.accounts.EndSession(ctx, hash, nil); err != nil && !errors.Is(err, geo.ErrNotFound) {
			a.s.logger.Warn("cannot end an expired session", "user", u.Name, "error", err.Error())
		}
		return Principal{}, unauthorized(c, reason)
	}
	if now.Sub(ses.LastSeen) >= touchEvery {
		if err := a.accounts.TouchSession(ctx, hash, now); err != nil && !errors.Is(err, geo.ErrNotFound) {
			a.s.logger.Warn("cannot record a session's last use", "user", u.Name, "error", err.Error())
		}
	}
	return Principal{UserID: u.ID, Name: u.Name, Role: u.Role, Via: viaSession, sessionID: id}, nil
}

// checkCookieWrite refuses a state-changing request signed in by cookie
// unless it comes from the server's own origin and carries the session's
// CSRF token.
func (a *auth) checkCookieWrite(c *echo.Context, p Principal) error {
	if err := a.checkOrigin(c, true); err != nil {
		return err
	}
	got := c.Request().Header.Get(HeaderCSRF)
	if got == "" {
		return newProblem(http.StatusForbidden, "A change made with a session cookie must carry the session's CSRF token in "+HeaderCSRF+" (the csrf_token of POST or GET /api/session).")
	}
	if !credential.Equal(got, credential.CSRFToken(p.sessionID)) {
		return newProblem(http.StatusForbidden, "The "+HeaderCSRF+" header does not hold this session's CSRF token.")
	}
	return nil
}

// checkOrigin refuses a request whose Origin is not the server's own; with
// required, a request without an Origin too. Browsers send Origin on every
// POST, PATCH and DELETE, so a cookie write without one comes from no
// browser that protects it (scripts use API tokens).
func (a *auth) checkOrigin(c *echo.Context, required bool) error {
	origin := c.Request().Header.Get(echo.HeaderOrigin)
	if origin == "" {
		if required {
			return newProblem(http.StatusForbidden, "A change made with a session cookie must carry an Origin header (browsers send it); scripts sign in with an API token instead.")
		}
		return nil
	}
	if !a.sameOrigin(c, origin) {
		return newProblem(http.StatusForbidden, "The request comes from "+clipHeader(origin)+", not from this server's own origin.")
	}
	return nil
}

// sameOrigin reports whether origin is the server's own: the public URL's
// (Config.PublicURL), or the request's own scheme and host.
func (a *auth) sameOrigin(c *echo.Context, origin string) bool {
	u, err := url.Parse(a.s.baseURL(c))
	return err == nil && strings.EqualFold(origin, u.Scheme+"://"+u.Host)
}

func clipHeader(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// cookieSecure says whether the session cookie gets the Secure attribute:
// when browsers reach the server over https.
func (a *auth) cookieSecure(c *echo.Context) bool {
	return strings.HasPrefix(a.s.baseURL(c), "https://")
}

func (a *auth) setCookie(c *echo.Context, id string, expires time.Time) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: id, Path: "/", Expires: expires, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: a.cookieSecure(c)})
}

func (a *auth) clearCookie(c *echo.Context) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: a.cookieSecure(c)})
}

// auditEntry is the audit entry of what the request's principal does:
// actor, client and, in detail, how they signed in. Every write appends
// one in the transaction of its change.
func (s *Server) auditEntry(c *echo.Context, action, target string, detail map[string]any) geo.AuditEntry {
	e := geo.AuditEntry{At: s.auth.now(), Actor: "anonymous", Action: action, Target: target, Client: s.clientAddress(c.Request())}
	if p, ok := principalOf(c); ok {
		e.Actor = p.Name
		if detail == nil {
			detail = map[string]any{}
		}
		detail["via"] = p.Via
		if p.Via == viaToken {
			detail["via"] = fmt.Sprintf("token:%d", p.tokenID)
		}
	}
	e.Detail = detailJSON(detail)
	return e
}

// sweepSessions removes expired sessions from the store, at most once a
// minute, so the table does not grow with every sign-in ever made.
func (a *auth) sweepSessions(ctx context.Context) {
	now := a.now()
	a.sweepMu.Lock()
	if now.Sub(a.lastSweep) < time.Minute {
		a.sweepMu.Unlock()
		return
	}
	a.lastSweep = now
	a.sweepMu.Unlock()
	if _, err := a.accounts.EndStaleSessions(ctx, now.Add(-a.cfg.SessionIdle), now.Add(-a.cfg.SessionMax)); err != nil {
		a.s.logger.Warn("cannot remove expired sessions", "error", err.Error())
	}
}

// securitySchemes are the two ways to sign in, for the API description.
func securitySchemes() map[string]any {
	return map[string]any{
		"sessionCookie": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie,
			"description": "The session cookie POST /api/session sets. Every change made with it carries the session's CSRF token in " + HeaderCSRF + " and comes from this server's origin (Origin header), or is refused with 403."},
		"bearerToken": map[string]any{"type": "http", "scheme": "bearer",
			"description": "An API token (POST /api/tokens, badiamap token create) in Authorization: Bearer TOKEN. No CSRF token is needed."},
	}
}

// describeRole adds to op who may call it: either way of signing in, the
// least role (x-badiamap-role), and the 401 and 403 answers.
func describeRole(op map[string]any, role geo.Role, problem map[string]any) {
	op["security"] = []map[string][]string{{"sessionCookie": {}}, {"bearerToken": {}}}
	op["x-badiamap-role"] = role
	responses := op["responses"].(map[string]any)
	responses["401"] = map[string]any{"description": "Not signed in, or the session or token does not hold (expired, revoked, user disabled).", "content": problem["content"]}
	responses["403"] = map[string]any{"description": "The role is below " + string(role) + ", or a cookie write lacks its CSRF token or comes from another origin.", "content": problem["content"]}
}
