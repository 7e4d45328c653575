package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
)

func init() {
	register(command{
		name:    "token",
		summary: "manage API tokens for scripts: token create|list|revoke",
		run:     runToken,
	})
}

const tokenUsage = `usage: badiamap token create --user NAME [--name LABEL] [--expires 90d]
       badiamap token list [--user NAME]
       badiamap token revoke ID

create prints the token once (scripts send it as Authorization: Bearer
TOKEN); it is stored only as its SHA-256. Every change is audited.`

func runToken(ctx context.Context, args []string) error {
	if done, err := askedForHelp(args, tokenUsage, "create, list or revoke"); done {
		return err
	}
	sub := args[0]
	fs := newFlagSet("token "+sub, "")
	var sf storeFlags
	sf.register(fs)
	userName := fs.String("user", "", "the user the token acts as (create), or whose tokens to list")
	label := fs.String("name", "", "what the token is for, e.g. nightly import (create)")
	expires := fs.String("expires", "90d", "how long the token lives: "+request.TokenLifeAccepts+" (create)")
	pos, err := parseMixed(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"create": 0, "list": 0, "revoke": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprintln(os.Stderr, tokenUsage)
		return fmt.Errorf("%w: unknown subcommand %q: want create, list or revoke", errUsage, sub)
	}
	if len(pos) != n {
		return fmt.Errorf("%w: token %s takes %d argument(s), got %q", errUsage, sub, n, pos)
	}
	var life time.Duration
	if sub == "create" {
		if *userName == "" {
			return fmt.Errorf("%w: token create needs --user NAME", errUsage)
		}
		if life, err = request.ParseTokenLife(*expires); err != nil {
			var re *request.Error
			errors.As(err, &re)
			return fmt.Errorf("%w: %s", errUsage, re.Describe("flag --expires"))
		}
	}
	var id int64
	if sub == "revoke" {
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id < 1 {
			return fmt.Errorf("%w: token revoke takes a token id (badiamap token list), got %q", errUsage, pos[0])
		}
	}
	a, err := openAccounts(ctx, &sf)
	if err != nil {
		return err
	}
	defer a.store.Close()
	out := os.Stdout
	switch sub {
	case "create":
		u, err := a.User(ctx, *userName)
		if err != nil {
			return userError(err, *userName)
		}
		secret := credential.NewToken()
		now := time.Now()
		t, err := a.CreateToken(ctx, geo.APIToken{UserID: u.ID, Name: *label, Hash: credential.HashSecret(secret), CreatedAt: now,
			CreatedBy: cliActor(), ExpiresAt: now.Add(life)},
			cliAudit("token_create", "", fmt.Sprintf(`{"user":%q,"name":%q,"expires_at":%q}`, u.Name, *label, now.Add(life).UTC().Format(time.RFC3339))))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "token %d for %s (%s), expires %s. The token, shown this once:\n%s\n", t.ID, u.Name, u.Role, stamp(t.ExpiresAt), secret)
		return nil
	case "revoke":
		t, err := a.RevokeToken(ctx, id, time.Now(), cliAudit("token_revoke", fmt.Sprintf("token:%d", id), ""))
		switch {
		case errors.Is(err, geo.ErrNotFound):
			return fmt.Errorf("there is no token %d (badiamap token list)", id)
		case errors.Is(err, geo.ErrRevoked):
			return fmt.Errorf("token %d is revoked already", id)
		case err != nil:
			return err
		}
		fmt.Fprintf(out, "revoked token %d of %s\n", t.ID, t.User)
		return nil
	}
	tokens, err := a.Tokens(ctx, *userName)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSER\tNAME\tCREATED\tBY\tEXPIRES\tLAST USED\tREVOKED")
	for _, t := range tokens {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Name, stamp(t.CreatedAt), t.CreatedBy, stamp(t.ExpiresAt), stamp(t.LastUsed), stamp(t.RevokedAt))
	}
	return w.Flush()
}
