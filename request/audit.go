package request

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// The parameters of the audit log (GET /api/audit, badiamap audit).
var (
	AuditActor = Param{Name: "actor", Doc: "Entries by this actor: a user name, cli:NAME for the command line, import:FILE.",
		Accepts: fmt.Sprintf("text of at most %d characters", MaxTextLen), Schema: strSchema(), Example: "amal"}
	AuditAction = Param{Name: "action", Doc: "Entries of this action: login, login_failed, logout, user_add, user_change, token_create, token_revoke, and every write's.",
		Accepts: fmt.Sprintf("text of at most %d characters", MaxTextLen), Schema: strSchema(), Example: "login"}
	AuditTarget = Param{Name: "target", Doc: "Entries that acted on this: user:NAME, token:ID, incident:ID.",
		Accepts: fmt.Sprintf("text of at most %d characters", MaxTextLen), Schema: strSchema(), Example: "user:amal"}
	AuditFrom = Param{Name: "from", Doc: "Entries at or after this time; a date means its first instant (UTC).",
		Accepts: instantAccepts, Schema: strSchema(), Example: "2024-01-01"}
	AuditTo = Param{Name: "to", Doc: "Entries at or before this time; a date means its last instant (UTC).",
		Accepts: instantAccepts, Schema: strSchema(), Example: "2030-12-31T23:59:59Z"}
	AuditOrder = Param{Name: "order", Doc: "Oldest first (the default, as a copy of the log keeps up) or newest first; the next link keeps it.",
		Accepts: strings.Join(auditOrders, " or "), Schema: enumSchema(auditOrders...), Example: "newest"}
	AuditLimit = Param{Name: "limit", Doc: "Entries per page.",
		Accepts: "a whole number from 1 to " + strconv.Itoa(MaxAuditLimit), Schema: intSchema(1, MaxAuditLimit), Example: "50"}
)

const instantAccepts = "an RFC 3339 time such as 2024-04-21T08:30:00Z, or a date YYYY-MM-DD"

// Paging of the audit log.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// AuditParams are every parameter of the audit log.
var AuditParams = []Param{AuditActor, AuditAction, AuditTarget, AuditFrom, AuditTo, AuditOrder, AuditLimit, Cursor}

// auditOrders are the values of order, the default first.
var auditOrders = []string{"oldest", "newest"}

// Audit reads the audit log's filter and page.
func Audit(q url.Values) (geo.AuditFilter, geo.Page, error) {
	var f geo.AuditFilter
	var err error
	for _, t := range []struct {
		p   Param
		dst *string
	}{{AuditActor, &f.Actor}, {AuditAction, &f.Action}, {AuditTarget, &f.Target}} {
		if *t.dst, err = textParam(q, t.p); err != nil {
			return f, geo.Page{}, err
		}
	}
	if f.From, err = auditInstant(q, AuditFrom, false); err != nil {
		return f, geo.Page{}, err
	}
	if f.To, err = auditInstant(q, AuditTo, true); err != nil {
		return f, geo.Page{}, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, geo.Page{}, paramErr(AuditTo.Name, q.Get(AuditTo.Name), "is before from", "a time on or after from")
	}
	order, err := single(q, AuditOrder.Name, AuditOrder.Accepts)
	if err != nil {
		return f, geo.Page{}, err
	}
	switch order {
	case "", auditOrders[0]:
	case auditOrders[1]:
		f.Newest = true
	default:
		return f, geo.Page{}, paramErr(AuditOrder.Name, order, "is not an order", AuditOrder.Accepts)
	}
	var page geo.Page
	if page.Limit, err = wholeNumber(q, AuditLimit, DefaultAuditLimit, 1, MaxAuditLimit); err != nil {
		return f, page, err
	}
	after, err := cursor(q)
	if err != nil {
		return f, page, err
	}
	if page.After, err = (Page{After: after}).AfterID(); err != nil {
		return f, page, err
	}
	return f, page, nil
}

// auditInstant reads a time or a date; a date is its first instant, or
// with end its last.
func auditInstant(q url.Values, p Param, end bool) (time.Time, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	if len(v) == len(geo.DateLayout) {
		d, err := Date(q, p)
		if err == nil && end {
			d = d.Add(24*time.Hour - time.Microsecond)
		}
		return d, err
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, paramErr(p.Name, v, "is not a time", p.Accepts)
	}
	return t, nil
}

// MaxTokenLife is the longest an API token may live.
const MaxTokenLife = 366 * 24 * time.Hour

// TokenLifeAccepts says what ParseTokenLife takes.
const TokenLifeAccepts = "a number of days such as 90d, or hours such as 12h, up to 366d"

// ParseTokenLife reads how long a new API token lives: 90d, 12h.
func ParseTokenLife(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, &Error{Param: "expires", Value: s, Reason: "is not a number of days", Accepts: TokenLifeAccepts}
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, &Error{Param: "expires", Value: s, Reason: "is not a duration", Accepts: TokenLifeAccepts}
		}
	}
	if d <= 0 || d > MaxTokenLife {
		return 0, &Error{Param: "expires", Value: s, Reason: "is out of range", Accepts: TokenLifeAccepts}
	}
	return d, nil
}

// TokenUser lists one user's API tokens.
var TokenUser = Param{Name: "user", Doc: "Only this user's tokens.", Accepts: "a user name", Schema: strSchema(), Example: "omar"}

// TokenOwner reads the user whose tokens to list ("" for every user's).
func TokenOwner(q url.Values) (string, error) {
	v, err := textParam(q, TokenUser)
	if err != nil || v == "" || geo.ValidUserName(v) {
		return v, err
	}
	return "", paramErr(TokenUser.Name, v, "is not a user name", TokenUser.Accepts)
}
