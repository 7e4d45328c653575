package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A position is a place in the primary's write-ahead log (a pg_lsn), the
// text PostgreSQL shows (16B3748/2A0) read as one number: a replica whose
// replay position is at or past a write's position holds that write.

var (
	sqlWALInsertPosition = query("wal_insert_position")
	sqlReplicaPosition   = query("replica_position")
)

// parsePosition reads a position ("" is 0). The text is a client's to send,
// so it is checked: two hexadecimal numbers of at most 8 digits.
func parsePosition(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || len(hi) == 0 || len(hi) > 8 || len(lo) == 0 || len(lo) > 8 {
		return 0, fmt.Errorf("position %q: want a WAL position such as 0/16B3748", clip(s))
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("position %q: want a WAL position such as 0/16B3748", clip(s))
	}
	return h<<32 | l, nil
}

// ValidPosition reports whether s is a position a store can read after.
func ValidPosition(s string) bool {
	p, err := parsePosition(s)
	return err == nil && p > 0
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func formatPosition(p uint64) string {
	return fmt.Sprintf("%X/%X", p>>32, p&0xFFFFFFFF)
}

// WritePosition is the primary's WAL position now: at or after every write
// committed so far. A reader holding it must read after it for as long as a
// replica in the rotation may still lack it (hold): the maximum lag and two
// checks.
func (s *Store) WritePosition(ctx context.Context) (position string, hold time.Duration, err error) {
	var text string
	if err := s.primary.db.QueryRowContext(ctx, sqlWALInsertPosition).Scan(&text); err != nil {
		return "", 0, fmt.Errorf("read the write position: %w", err)
	}
	p, err := parsePosition(text)
	if err != nil {
		return "", 0, err
	}
	if s.mon != nil {
		s.mon.notePrimary(p, time.Now())
	}
	return formatPosition(p), s.opt.MaxReplicaLag + 2*s.opt.CheckInterval, nil
}
