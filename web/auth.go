package web

import (
	"net/http"

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
}

// principalKey holds the request's Principal in the echo context.
const principalKey = "badiamap.principal"

// principalOf is who the request acts for; false for an anonymous request.
func principalOf(c *echo.Context) (Principal, bool) {
	p, ok := c.Get(principalKey).(Principal)
	return p, ok
}

// requireRole lets through only requests of a principal whose role allows
// need: 401 for an anonymous request, 403 for too low a role.
func (s *Server) requireRole(need geo.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			p, ok := principalOf(c)
			if !ok {
				prob := newProblem(http.StatusUnauthorized, "Sign in (POST /api/session) or send an API token (Authorization: Bearer ...) to do this.")
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="badiamap"`)
				return prob
			}
			if !p.Role.Allows(need) {
				return newProblem(http.StatusForbidden, "This needs the "+string(need)+" role; "+p.Name+" is "+string(p.Role)+".")
			}
			return next(c)
		}
	}
}
