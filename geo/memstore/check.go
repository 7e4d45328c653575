package memstore

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// CheckReport is what Check found in a data directory.
type CheckReport struct {
	Dir   string
	Files []FileCheck // snapshot, log, reports.json
	// Damage is every damaged place in every file, in file order. Open
	// refuses a store with any.
	Damage []*DamageError
	// TornTail is the unfinished last write Open would drop, if any.
	TornTail *TornTail
	// Opens says a trial load of the whole store succeeded; Incidents,
	// Reports and Version are what it holds.
	Opens     bool
	Incidents int
	Reports   int
	Version   int64
	// Users, Tokens and AuditEntries are what the trial load found in
	// accounts.json and the audit log.
	Users, Tokens, AuditEntries int
	// AuditTornTail is an unfinished last write at the end of the audit
	// log, which Open drops.
	AuditTornTail *TornTail
	HeldData      bool     // the directory has held incidents (the demo marker)
	Leftovers     []string // temporary files of an unfinished compaction or report write; Open removes them
}

// Check verifies every record of every file in the data directory dir and
// then loads the store as Open would, writing nothing. It takes the
// directory's lock, so it refuses a store that is open elsewhere. The error
// is for a check that could not run; what it finds is in the report.
func Check(dir string) (*CheckReport, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("memstore: no data directory at %s", dir)
	}
	lock, err := lockDir(dir, false)
	if err != nil {
		return nil, err
	}
	if lock != nil {
		defer lock.Close()
	}
	return check(dir)
}

// check is Check with the lock held.
func check(dir string) (*CheckReport, error) {
	sv := newSurvey(dir, false)
	if err := sv.run(); err != nil {
		return nil, err
	}
	rep := &CheckReport{Dir: dir, Files: sv.files, Damage: sv.damage, TornTail: sv.torn, AuditTornTail: sv.auditTorn, HeldData: sv.held, Leftovers: sv.leftovers}
	if len(rep.Damage) > 0 {
		return rep, nil
	}
	// Every record verifies; the trial load checks they fit together.
	s := newState()
	s.dir, s.readOnly, s.logger = dir, true, slog.New(slog.NewTextHandler(io.Discard, nil))
	err := s.load()
	s.closeFiles()
	var d *DamageError
	switch {
	case errors.As(err, &d):
		rep.Damage = append(rep.Damage, d)
	case err != nil:
		return nil, err
	default:
		rep.Opens = true
		rep.Incidents, rep.Version = s.recs.len(), s.version
		rep.Reports = len(s.reportState.reports)
		rep.Users, rep.Tokens, rep.AuditEntries = len(s.accounts.users), len(s.accounts.tokens), len(s.accounts.audit.index)
		rep.HeldData = rep.HeldData || s.recs.len() > 0
	}
	return rep, nil
}
