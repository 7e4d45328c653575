package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
)

func init() {
	register(command{
		name:    "audit",
		summary: "print the append-only audit log: sign-ins, failed ones, user and token changes, every write",
		run:     runAudit,
	})
}

func runAudit(ctx context.Context, args []string) error {
	fs := newFlagSet("audit", "[--actor NAME] [--action ACTION] [--target TARGET] [--from TIME] [--to TIME] [--order oldest|newest] [--limit N]")
	var sf storeFlags
	sf.register(fs)
	q := url.Values{}
	for _, p := range []request.Param{request.AuditActor, request.AuditAction, request.AuditTarget, request.AuditFrom, request.AuditTo, request.AuditOrder} {
		fs.Func(p.Name, p.Doc+" Accepts "+p.Accepts+".", func(v string) error { q.Set(p.Name, v); return nil })
	}
	limit := fs.Int("limit", 0, "print at most this many entries, in --order (0: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *limit < 0 {
		return fmt.Errorf("%w: --limit %d: want 0 or more", errUsage, *limit)
	}
	f, _, err := request.Audit(q)
	var re *request.Error
	if errors.As(err, &re) {
		return fmt.Errorf("%w: %s", errUsage, re.Describe("flag --"+re.Param))
	}
	if err != nil {
		return err
	}
	a, err := openAccounts(ctx, &sf)
	if err != nil {
		return err
	}
	defer a.store.Close()
	// A page at a time, so memory holds one page whatever the log's size.
	page := geo.Page{Limit: request.MaxAuditLimit}
	printed := 0
	fmt.Println("ID\tAT\tACTOR\tACTION\tTARGET\tCLIENT\tDETAIL")
	for {
		entries, err := a.Audit(ctx, f, page)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if *limit > 0 && printed == *limit {
				return nil
			}
			fmt.Printf("%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, dash(e.Target), dash(e.Client), dash(e.Detail))
			printed++
		}
		if len(entries) < page.Limit {
			return nil
		}
		page.After = entries[len(entries)-1].ID
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return strconv.Quote(s)[1 : len(strconv.Quote(s))-1]
}
