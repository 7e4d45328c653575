package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// Problem is an RFC 9457 problem detail, the body of every error response.
// Parameter and Accepts name the query parameter at fault and what it takes.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	Value     string `json:"value,omitempty"`
	Accepts   string `json:"accepts,omitempty"`
	// Reason is a machine-readable cause where one helps (/readyz).
	Reason string `json:"reason,omitempty"`
	// Errors lists every field of a submitted incident that cannot be
	// stored, so a form can mark them all at once.
	Errors []incidentfile.FieldError `json:"errors,omitempty"`
	// Databases is the state of each database (/readyz).
	Databases []databaseJSON `json:"databases,omitempty"`
	// Position is where in the value the error lies (a CQL2 filter's
	// line:column, or its path in cql2-json).
	Position string `json:"position,omitempty"`

	retryAfter int // seconds; sets Retry-After when > 0
}

func (p *Problem) Error() string   { return strconv.Itoa(p.Status) + " " + p.Title + ": " + p.Detail }
func (p *Problem) StatusCode() int { return p.Status }

// MIMEProblem is the media type of error responses.
const MIMEProblem = "application/problem+json"

// retryAfterSeconds is what a client is told to wait when the database is down.
const retryAfterSeconds = 5

func newProblem(status int, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

func notFound(detail string) *Problem { return newProblem(http.StatusNotFound, detail) }

func badRequest(detail string) *Problem { return newProblem(http.StatusBadRequest, detail) }

// errUnavailable wraps a store error that says the database is down.
type errUnavailable struct{ err error }

func (e *errUnavailable) Error() string { return "store unavailable: " + e.err.Error() }
func (e *errUnavailable) Unwrap() error { return e.err }

// storeError classifies an error from the store: a database that is down
// becomes a 503 the client can retry, anything else stays an internal error.
func (s *Server) storeError(err error) error {
	if err == nil {
		return nil
	}
	var pe *Problem
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, geo.ErrNotFound) {
		return notFound("no such item")
	}
	if s.cfg.Unavailable(err) {
		return &errUnavailable{err: err}
	}
	return err
}

// problemFor turns any error a handler returns into the problem to send.
// Internal errors are logged and answered without their text.
func (s *Server) problemFor(c *echo.Context, err error) *Problem {
	var pe *Problem
	var paramErr *request.Error
	var unavailable *errUnavailable
	var late *deadlineError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &paramErr):
		p := badRequest(paramErr.Error())
		p.Title = "Invalid parameter"
		p.Parameter, p.Value, p.Accepts, p.Position = paramErr.Param, paramErr.Value, paramErr.Accepts, paramErr.Position
		return p
	case s.clientGone(c, err):
		// Whatever the store made of it (PostgreSQL's 57014 "canceling
		// statement due to user request"), the client left: nginx's 499.
		return newProblem(statusClientClosed, "The client closed the request.")
	case errors.As(err, &late):
		s.logger.Warn("request past its deadline", "route", c.Path(), "class", late.class.String(), "error", err.Error())
		p := newProblem(http.StatusServiceUnavailable, fmt.Sprintf(
			"The request took longer than its %v deadline. Retry, or narrow the filter.", late.limit))
		p.retryAfter = retryAfterSeconds
		return p
	case errors.As(err, &unavailable), s.cfg.Unavailable(err):
		s.logger.Warn("store unavailable", "route", c.Path(), "error", err.Error())
		p := newProblem(http.StatusServiceUnavailable, "The database is not reachable right now. Retry in a few seconds.")
		p.retryAfter = retryAfterSeconds
		return p
	case errors.Is(err, context.DeadlineExceeded), s.cfg.QueryCanceled(err):
		s.logger.Warn("request timed out", "route", c.Path(), "error", err.Error())
		p := newProblem(http.StatusServiceUnavailable, "The request took too long. Retry, or narrow the filter.")
		p.retryAfter = retryAfterSeconds
		return p
	case errors.As(err, &he) && he.Code >= 500:
		s.logger.Error("internal error", "route", c.Path(), "error", err.Error())
		return newProblem(he.Code, "Something went wrong on the server; it has been logged.")
	case errors.As(err, &he) && he.Message != "" && he.Code != http.StatusNotFound && he.Code != http.StatusMethodNotAllowed:
		return newProblem(he.Code, he.Message)
	}
	switch code := echo.StatusCode(err); {
	case code == http.StatusNotFound:
		return newProblem(code, "No resource at "+request.Clip(c.Request().URL.Path, 200)+". See /api/openapi.json for the routes.")
	case code == http.StatusMethodNotAllowed:
		return newProblem(code, "This resource only answers GET and HEAD.")
	case code >= 400 && code < 500:
		return newProblem(code, http.StatusText(code))
	}
	if pending := s.pendingMigrations(); len(pending) > 0 {
		// An unmigrated database (serve --no-migrate) fails with "relation
		// does not exist": say what is missing instead of a 500.
		s.logger.Warn("store error with migrations pending", "route", c.Path(), "pending", pending, "error", err.Error())
		p := newProblem(http.StatusServiceUnavailable, "The database is not migrated: pending "+strings.Join(pending, ", ")+
			". Run badiamap migrate, or serve without --no-migrate.")
		p.retryAfter = retryAfterSeconds
		return p
	}
	s.logger.Error("internal error", "route", c.Path(), "method", methodLabel(c.Request().Method), "error", err.Error())
	return newProblem(http.StatusInternalServerError, "Something went wrong on the server; it has been logged.")
}

// statusClientClosed is nginx's 499: the client closed the request before
// the answer.
const statusClientClosed = 499

// clientGone reports whether err is the client's leaving: the request's own
// context (not a deadline of ours) is cancelled.
func (s *Server) clientGone(c *echo.Context, err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(c.Request().Context().Err(), context.Canceled)
}

// pendingMigrations lists the migrations the database lacks, asked with a
// deadline of its own; nil when none is, or when it cannot tell.
func (s *Server) pendingMigrations() []string {
	if s.cfg.PendingMigrations == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.PingTimeout)
	defer cancel()
	pending, err := s.cfg.PendingMigrations(ctx)
	if err != nil {
		return nil
	}
	return pending
}

// handleError is the echo error handler: every error becomes problem+json.
func (s *Server) handleError(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		// The body has started: the status is sent. A truncated stream is all
		// that is left to signal the failure.
		if !s.clientGone(c, err) {
			s.logger.Error("error after the response started", "route", c.Path(), "error", err.Error())
		}
		return
	}
	p := s.problemFor(c, err)
	p.Instance = request.Clip(c.Request().URL.RequestURI(), 300)
	h := c.Response().Header()
	h.Del("Content-Disposition")
	h.Del("Content-Encoding")
	h.Set(echo.HeaderContentType, MIMEProblem)
	if p.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	h.Set("Cache-Control", "no-store")
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(p.Status)
	} else {
		werr = c.JSON(p.Status, p)
	}
	if werr != nil {
		s.logger.Debug("could not send error response", "error", werr.Error())
	}
}
