package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/geo"
)

func init() {
	register(command{
		name:    "user",
		summary: "manage the accounts that edit the data: user add|passwd|disable|enable|list",
		run:     runUser,
	})
}

const userUsage = `usage: badiamap user add NAME --role editor|reviewer|admin
       badiamap user passwd NAME
       badiamap user disable NAME
       badiamap user enable NAME
       badiamap user list

add and passwd print a generated password, once: it is stored only as
its argon2id hash. disable ends the user's sessions and refuses their
tokens. Every change is in the audit log, by cli:<your login name>.
Each takes --store, --database-url and --data-dir; on the embedded store,
stop badiamap serve first (it holds the data directory).`

// accounts is an open store that keeps accounts and the audit log.
type accounts struct {
	store geo.Store
	geo.AccountStore
	geo.AuditStore
}

// openAccounts opens the store the flags choose, as a store of accounts.
func openAccounts(ctx context.Context, sf *storeFlags) (*accounts, error) {
	s, err := openStore(ctx, sf, io.Discard)
	if err != nil {
		return nil, err
	}
	as, ok1 := s.(geo.AccountStore)
	au, ok2 := s.(geo.AuditStore)
	if !ok1 || !ok2 {
		s.Close()
		return nil, fmt.Errorf("the %T store keeps no accounts", s)
	}
	return &accounts{store: s, AccountStore: as, AuditStore: au}, nil
}

// cliActor is who the command line acts as in the audit log: the login
// name of whoever runs it.
func cliActor() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return "cli:" + name
}

func cliAudit(action, target string, detail string) geo.AuditEntry {
	return geo.AuditEntry{Actor: cliActor(), Action: action, Target: target, Detail: detail}
}

// cliWrite is the caller's audit entry of a data write command makes: by
// whoever runs it, naming the command; the store adds what the write is
// and did.
func cliWrite(command string) *geo.AuditEntry {
	b, _ := json.Marshal(map[string]string{"command": command}) // a map of strings always encodes
	return &geo.AuditEntry{Actor: cliActor(), Detail: string(b)}
}

// askedForHelp prints usage when args name no subcommand or ask for help;
// done says the command has nothing more to do (err is a usage error when
// no subcommand was named).
func askedForHelp(args []string, usage, subcommands string) (done bool, err error) {
	if len(args) > 0 && args[0] != "-h" && args[0] != "--help" && args[0] != "help" {
		return false, nil
	}
	fmt.Fprintln(os.Stderr, usage)
	if len(args) == 0 {
		return true, fmt.Errorf("%w: name a subcommand: %s", errUsage, subcommands)
	}
	return true, nil
}

// parseMixed parses flags that may come before, between or after the
// positional arguments (user add NAME --role editor), and returns the
// positional ones.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runUser(ctx context.Context, args []string) error {
	if done, err := askedForHelp(args, userUsage, "add, passwd, disable, enable or list"); done {
		return err
	}
	sub := args[0]
	fs := newFlagSet("user "+sub, "NAME")
	var sf storeFlags
	sf.register(fs)
	role := fs.String("role", "", "the user's role: editor, reviewer or admin (add)")
	pos, err := parseMixed(fs, args[1:])
	if err != nil {
		return err
	}
	wantArgs := 1
	if sub == "list" {
		wantArgs = 0
	}
	switch sub {
	case "add", "passwd", "disable", "enable", "list":
	default:
		fmt.Fprintln(os.Stderr, userUsage)
		return fmt.Errorf("%w: unknown subcommand %q: want add, passwd, disable, enable or list", errUsage, sub)
	}
	if len(pos) != wantArgs {
		return fmt.Errorf("%w: user %s takes %d argument(s), got %q", errUsage, sub, wantArgs, pos)
	}
	if sub != "add" && *role != "" {
		return fmt.Errorf("%w: --role is for user add; change a role with PATCH /api/users/NAME", errUsage)
	}
	a, err := openAccounts(ctx, &sf)
	if err != nil {
		return err
	}
	defer a.store.Close()
	out := os.Stdout
	var hasher credential.Hasher
	switch sub {
	case "list":
		return printUsers(ctx, a, out)
	case "add":
		name := pos[0]
		password := credential.NewPassword()
		hash, err := hasher.Hash(password)
		if err != nil {
			return err
		}
		u := geo.User{Name: name, Role: geo.Role(*role), PasswordHash: hash}
		if err := u.Validate(); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if _, err := a.CreateUser(ctx, u, cliAudit("user_add", "user:"+name, fmt.Sprintf(`{"role":%q}`, u.Role))); err != nil {
			return err
		}
		fmt.Fprintf(out, "added %s (%s). Password, shown this once:\n%s\n", name, u.Role, password)
		return nil
	case "passwd":
		password := credential.NewPassword()
		hash, err := hasher.Hash(password)
		if err != nil {
			return err
		}
		if _, err := a.UpdateUser(ctx, pos[0], geo.UserChange{PasswordHash: &hash}, cliAudit("user_change", "user:"+pos[0], `{"password_reset":true}`)); err != nil {
			return userError(err, pos[0])
		}
		fmt.Fprintf(out, "new password for %s, shown this once (their sessions are ended):\n%s\n", pos[0], password)
		return nil
	default: // disable, enable
		disabled := sub == "disable"
		if _, err := a.UpdateUser(ctx, pos[0], geo.UserChange{Disabled: &disabled}, cliAudit("user_change", "user:"+pos[0], fmt.Sprintf(`{"disabled":%t}`, disabled))); err != nil {
			return userError(err, pos[0])
		}
		fmt.Fprintf(out, "%sd %s\n", sub, pos[0])
		return nil
	}
}

func userError(err error, name string) error {
	if errors.Is(err, geo.ErrNotFound) {
		return fmt.Errorf("there is no user %s (badiamap user list)", name)
	}
	return err
}

func printUsers(ctx context.Context, a *accounts, out io.Writer) error {
	users, err := a.Users(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tSTATE\tCREATED")
	for _, u := range users {
		state := "active"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

// stamp is a time for a table, "-" for none.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
