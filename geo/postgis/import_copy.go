package postgis

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/badiamap/badiamap/geo"
)

// copyStream is one COPY ... FROM STDIN (text format) on the import's
// connection, fed whole chunks of rows the importer encoded itself: the
// driver's per-value encoding costs more than the rest of the import's Go
// side. The driver's COPY statement is only touched inside conn.Raw, which
// holds the connection for the call.
type copyStream struct {
	conn *sql.Conn
	stmt copyDataStmt
}

// copyDataStmt is lib/pq's COPY statement: CopyData sends raw text rows.
type copyDataStmt interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// startCopy begins query (a COPY ... FROM STDIN) in the open transaction of conn.
func startCopy(ctx context.Context, conn *sql.Conn, query string) (*copyStream, error) {
	c := &copyStream{conn: conn}
	err := conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("the database driver %T cannot prepare a COPY", dc)
		}
		st, err := prep.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		cs, ok := st.(copyDataStmt)
		if !ok {
			st.Close()
			return fmt.Errorf("the database driver's statement %T cannot stream COPY rows", st)
		}
		c.stmt = cs
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// write sends rows, each ending in a newline. Errors may come from an
// earlier chunk: the server answers asynchronously.
func (c *copyStream) write(ctx context.Context, rows []byte) error {
	if len(rows) == 0 {
		return nil
	}
	return c.conn.Raw(func(any) error {
		// CopyData adds the newline of the last row itself.
		_, err := c.stmt.CopyData(ctx, string(rows[:len(rows)-1]))
		return err
	})
}

// end finishes the COPY and returns how many rows the server stored.
func (c *copyStream) end() (int64, error) {
	var n int64
	err := c.conn.Raw(func(any) error {
		// lib/pq ends a COPY on an Exec with no values.
		res, err := c.stmt.Exec(nil)
		closeErr := c.stmt.Close()
		if err != nil {
			return err
		}
		if closeErr != nil {
			return closeErr
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// abort ends a COPY whose transaction is about to roll back (the connection
// cannot take the ROLLBACK while a COPY is open).
func (c *copyStream) abort() {
	c.conn.Raw(func(any) error { return c.stmt.Close() })
}

// errNUL: PostgreSQL text cannot hold a NUL character.
var errNUL = errors.New("text holds a NUL character, which the database cannot store")

// appendCopyRow encodes inc, joined by j, as one text-format COPY row of
// the columns of import_copy.sql, by author, newline included.
func appendCopyRow(b []byte, inc *geo.Incident, j joined, author string) ([]byte, error) {
	var err error
	text := func(s string) {
		if err == nil {
			b, err = appendCopyText(b, s)
		}
		b = append(b, '\t')
	}
	num := func(n int) {
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, '\t')
	}
	text(inc.ExternalID)
	b = inc.DateStart.UTC().AppendFormat(b, geo.DateLayout)
	b = append(b, '\t')
	end := inc.DateEnd
	if end.IsZero() {
		end = inc.DateStart
	}
	b = end.UTC().AppendFormat(b, geo.DateLayout)
	b = append(b, '\t')
	num(inc.DatePrecision)
	b = appendPointEWKB(b, inc.Location[0], inc.Location[1])
	b = append(b, '\t')
	num(inc.GeoPrecision)
	text(inc.LocationName)
	text(inc.SourceAdmin1)
	text(inc.SourceAdmin2)
	text(inc.SourceGovernorate)
	text(j.governorate)
	text(j.region)
	text(inc.EventType)
	text(inc.SubEventType)
	text(inc.Perpetrator)
	text(inc.Target)
	for _, g := range geo.CasualtyGroups { // import_copy.sql lists them in this order
		num(g.Of(inc.Casualties))
	}
	if d := inc.Deaths; d != nil {
		num(d.Low)
		num(d.Best)
		num(d.High)
	} else {
		b = append(b, `\N	\N	\N	`...)
	}
	if err == nil {
		b, err = appendSourcesJSON(b, inc.Sources)
	}
	b = append(b, '\t')
	text(inc.Notes)
	text(string(j.basis))
	if inc.Illustrative {
		b = append(b, "t\t"...)
	} else {
		b = append(b, "f\t"...)
	}
	text(author)
	b[len(b)-1] = '\n'
	return b, err
}

// appendCopyText writes s escaped for COPY's text format.
func appendCopyText(b []byte, s string) ([]byte, error) {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc byte
		switch s[i] {
		case '\\':
			esc = '\\'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case '\t':
			esc = 't'
		case 0:
			return b, errNUL
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', esc)
		start = i + 1
	}
	return append(b, s[start:]...), nil
}

// appendPointEWKB writes a point as the hex EWKB PostGIS reads for
// geometry(Point, 4326): little-endian, type 1 with the SRID flag, SRID
// 4326, x, y. The exact bits of both coordinates travel.
func appendPointEWKB(b []byte, x, y float64) []byte {
	const head = "0101000020E6100000"
	b = append(b, head...)
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], math.Float64bits(x))
	binary.LittleEndian.PutUint64(raw[8:], math.Float64bits(y))
	const digits = "0123456789ABCDEF"
	for _, v := range raw {
		b = append(b, digits[v>>4], digits[v&0x0F])
	}
	return b
}

// appendSourcesJSON writes the sources column as encoding/json writes a []sourceJSON (the same
// members, the same omissions), escaped for COPY.
func appendSourcesJSON(b []byte, src []geo.Source) ([]byte, error) {
	b = append(b, '[')
	for i := range src {
		s := &src[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, s.Name)
		if s.URL != "" {
			b = append(b, `,"url":`...)
			b = appendJSONString(b, s.URL)
		}
		if !s.Date.IsZero() {
			b = append(b, `,"date":"`...)
			b = s.Date.UTC().AppendFormat(b, geo.DateLayout)
			b = append(b, '"')
		}
		if s.Headline != "" {
			b = append(b, `,"headline":`...)
			b = appendJSONString(b, s.Headline)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONString writes s as a JSON string, escaped a second time for
// COPY (a JSON backslash becomes two). Text that is not valid UTF-8 goes
// through encoding/json, which replaces the bad bytes as json.Marshal does.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s) // a string always encodes
		s = string(q)
		var err error
		if b, err = appendCopyText(b, s); err != nil {
			return b // unreachable: JSON escapes NUL
		}
		return b
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, `\\"`...) // JSON \" with its backslash doubled for COPY
		case '\\':
			b = append(b, `\\\\`...)
		case '\n':
			b = append(b, `\\n`...)
		case '\r':
			b = append(b, `\\r`...)
		case '\t':
			b = append(b, `\\t`...)
		default:
			b = append(b, `\\u00`...)
			const digits = "0123456789abcdef"
			b = append(b, digits[c>>4], digits[c&0x0F])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
