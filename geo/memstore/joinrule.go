package memstore

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// joinRuleFile marks a data directory whose joins follow the precision rule
// (geo/precision.go). A store written before the rule is re-joined once on
// open, in one region record of the log (the regions as they are, with the
// new joins), and then marked.
const joinRuleFile = "JOINRULE"

// testHookPointJoinOnly makes every join the point's, as stores written
// before the precision rule were joined, so a test can write one.
var testHookPointJoinOnly bool

// rejoinByRuleOnce re-joins a store not yet marked and marks it. A crash
// between the record and the mark only repeats a re-join that changes
// nothing.
func (s *Store) rejoinByRuleOnce() error {
	path := filepath.Join(s.dir, joinRuleFile)
	if _, err := os.Stat(path); err == nil || testHookPointJoinOnly {
		return nil
	}
	if s.recs.len() > 0 {
		joins, changed := s.rejoin(s.join)
		if changed > 0 {
			body, err := json.Marshal(s.regions)
			if err != nil {
				return fmt.Errorf("memstore: encoding regions: %w", err)
			}
			seq := s.version + 1
			if err := s.appendLog(encodeRegionsJoined(seq, body, joins)); err != nil {
				return err
			}
			s.applyRegions(s.regions, s.join, joins)
			s.version = seq
			s.logger.Info("memstore: re-joined the incidents by location precision (a district, governorate or country centroid no longer counts in a Badia region)",
				"dir", s.dir, "changed", changed)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("memstore: writing %s: %w", path, err)
	}
	_, err = f.WriteString("The incidents of this data directory are joined by location precision (badiamap's precision rule).\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		return fmt.Errorf("memstore: writing %s: %w", path, err)
	}
	return nil
}
