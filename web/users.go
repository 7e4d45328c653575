package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// The admin API: users and API tokens (role admin). Every change is
// audited in the store's transaction; a password or a token is in the
// answer that makes it and nowhere else.

func (s *Server) listUsers(c *echo.Context) error {
	users, err := s.auth.accounts.Users(c.Request().Context())
	return writeList(s, c, "users", users, err, userJSON)
}

// writeList answers a list of users or tokens as {key: [...]}, each shown
// by show; err is the store's.
func writeList[T any](s *Server, c *echo.Context, key string, items []T, err error, show func(T) map[string]any) error {
	if err != nil {
		return s.storeError(err)
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = show(it)
	}
	noStore(c)
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{key: out})
}

type newUserRequest struct {
	Name string   `json:"name"`
	Role geo.Role `json:"role"`
}

// createUser answers POST /api/users with the user and a generated
// password, shown this once.
func (s *Server) createUser(c *echo.Context) error {
	var req newUserRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	password := credential.NewPassword()
	hash, err := s.auth.cfg.Passwords.Hash(password)
	if err != nil {
		return err
	}
	u := geo.User{Name: req.Name, Role: req.Role, PasswordHash: hash, CreatedAt: s.auth.now()}
	if err := u.Validate(); err != nil {
		return validationProblem(err)
	}
	u, err = s.auth.accounts.CreateUser(c.Request().Context(), u, s.auditEntry(c, "user_add", "user:"+u.Name, map[string]any{"role": u.Role}))
	if errors.Is(err, geo.ErrUserExists) {
		return newProblem(http.StatusConflict, "A user named "+req.Name+" exists.")
	}
	if err != nil {
		return s.storeError(err)
	}
	noStore(c)
	return writeJSON(c, http.StatusCreated, mimeJSON, map[string]any{"user": userJSON(u), "password": password,
		"note": "The password is shown this once; give it to " + u.Name + " by a safe channel."})
}

// validationProblem is a 400 for a geo.ValidationError.
func validationProblem(err error) error {
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		p := badRequest(ve.Error())
		p.Title = "Invalid " + ve.Field
		return p
	}
	return err
}

type userChangeRequest struct {
	Role          *geo.Role `json:"role"`
	Disabled      *bool     `json:"disabled"`
	ResetPassword bool      `json:"reset_password"`
}

// changeUser answers PATCH /api/users/{name}: a new role, disabled or
// enabled, or a new generated password (shown this once). Disabling or a
// new password ends the user's sessions.
func (s *Server) changeUser(c *echo.Context) error {
	name := c.Param("name")
	if !geo.ValidUserName(name) {
		return notFound("No user " + request.Clip(name, 64) + ".")
	}
	var req userChangeRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	if req.Role == nil && req.Disabled == nil && !req.ResetPassword {
		return badRequest("Say what to change: role, disabled or reset_password.")
	}
	if req.Role != nil && !geo.KnownRole(*req.Role) {
		return validationProblem(&geo.ValidationError{Field: "role", Reason: fmt.Sprintf("%q is not a role: one of %v", *req.Role, geo.Roles)})
	}
	p, _ := principalOf(c)
	if name == p.Name && ((req.Role != nil && *req.Role != geo.RoleAdmin) || (req.Disabled != nil && *req.Disabled)) {
		return newProblem(http.StatusConflict, "Admins do not demote or disable themselves: another admin does it, so nobody locks the last admin out.")
	}
	ch := geo.UserChange{Role: req.Role, Disabled: req.Disabled}
	detail := map[string]any{}
	if req.Role != nil {
		detail["role"] = *req.Role
	}
	if req.Disabled != nil {
		detail["disabled"] = *req.Disabled
	}
	var password string
	if req.ResetPassword {
		password = credential.NewPassword()
		hash, err := s.auth.cfg.Passwords.Hash(password)
		if err != nil {
			return err
		}
		ch.PasswordHash = &hash
		detail["password_reset"] = true
	}
	u, err := s.auth.accounts.UpdateUser(c.Request().Context(), name, ch, s.auditEntry(c, "user_change", "user:"+name, detail))
	if err != nil {
		return s.storeError(validationProblem(err))
	}
	out := map[string]any{"user": userJSON(u)}
	if password != "" {
		out["password"] = password
	}
	noStore(c)
	return writeJSON(c, http.StatusOK, mimeJSON, out)
}

// tokenJSON is a token as the API shows it: never its secret or hash.
func tokenJSON(t geo.APIToken) map[string]any {
	stamp := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339)
	}
	return map[string]any{"id": t.ID, "user": t.User, "name": t.Name, "created_at": stamp(t.CreatedAt), "created_by": t.CreatedBy,
		"expires_at": stamp(t.ExpiresAt), "last_used": stamp(t.LastUsed), "revoked_at": stamp(t.RevokedAt)}
}

func (s *Server) listTokens(c *echo.Context) error {
	user, err := request.TokenOwner(c.QueryParams())
	if err != nil {
		return err
	}
	tokens, err := s.auth.accounts.Tokens(c.Request().Context(), user)
	return writeList(s, c, "tokens", tokens, err, tokenJSON)
}

type newTokenRequest struct {
	User    string `json:"user"`
	Name    string `json:"name"`
	Expires string `json:"expires"`
}

// createToken answers POST /api/tokens with the new token's secret, shown
// this once.
func (s *Server) createToken(c *echo.Context) error {
	var req newTokenRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	if req.Expires == "" {
		req.Expires = "90d"
	}
	life, err := request.ParseTokenLife(req.Expires)
	if err != nil {
		var re *request.Error
		errors.As(err, &re)
		return badRequest("expires: " + re.Reason + "; it accepts " + re.Accepts)
	}
	if len(req.Name) > 200 {
		return badRequest("name: at most 200 characters.")
	}
	ctx := c.Request().Context()
	u, err := s.auth.accounts.User(ctx, req.User)
	if errors.Is(err, geo.ErrNotFound) {
		return badRequest("user: there is no user " + strconv.Quote(request.Clip(req.User, 64)) + ".")
	}
	if err != nil {
		return s.storeError(err)
	}
	secret := credential.NewToken()
	now := s.auth.now()
	p, _ := principalOf(c)
	t := geo.APIToken{UserID: u.ID, Name: req.Name, Hash: credential.HashSecret(secret), CreatedAt: now, CreatedBy: p.Name, ExpiresAt: now.Add(life)}
	t, err = s.auth.accounts.CreateToken(ctx, t, s.auditEntry(c, "token_create", "", map[string]any{"user": u.Name, "name": req.Name,
		"expires_at": now.Add(life).UTC().Format(time.RFC3339)}))
	if err != nil {
		return s.storeError(err)
	}
	out := tokenJSON(t)
	out["token"] = secret
	out["note"] = "The token is shown this once; it is stored only as a hash."
	noStore(c)
	return writeJSON(c, http.StatusCreated, mimeJSON, out)
}

// revokeToken answers DELETE /api/tokens/{id}.
func (s *Server) revokeToken(c *echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return notFound("No token " + request.Clip(c.Param("id"), 30) + ".")
	}
	t, err := s.auth.accounts.RevokeToken(c.Request().Context(), id, s.auth.now(), s.auditEntry(c, "token_revoke", fmt.Sprintf("token:%d", id), nil))
	switch {
	case errors.Is(err, geo.ErrNotFound):
		return notFound(fmt.Sprintf("No token %d.", id))
	case errors.Is(err, geo.ErrRevoked):
		return newProblem(http.StatusConflict, fmt.Sprintf("Token %d is revoked already.", id))
	case err != nil:
		return s.storeError(err)
	}
	return writeJSON(c, http.StatusOK, mimeJSON, tokenJSON(t))
}
