package request

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strconv"
)

// Paging limits of the incident list and the OGC items.
const (
	DefaultLimit    = 1000
	DefaultOGCLimit = 100
	MaxLimit        = 10000
)

// Limit and Cursor page through a collection.
var (
	Limit = Param{Name: "limit", Doc: "Items per page; more than the maximum is served as the maximum.",
		Accepts: "a whole number from 1 to " + strconv.Itoa(MaxLimit), Schema: intSchema(1, MaxLimit), Example: "10"}
	Cursor = Param{Name: "cursor", Doc: "Where the page starts: the opaque cursor of a next link.",
		Accepts: "the opaque cursor of a next link, unchanged", Schema: strSchema(), Example: IDCursor(1)}
)

// PageParams are the parameters of a keyset page.
var PageParams = []Param{Limit, Cursor}

// Page is one window of a keyset-paged list.
type Page struct {
	Limit int
	After string // the key of the last item of the previous page ("" on the first)
}

// Cursors are opaque to clients: a version tag and the last key returned,
// base64url-encoded so nobody builds one by hand.
const cursorPrefix = "k1:"

// EncodeCursor is the cursor of the page after the item with key after.
func EncodeCursor(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + after))
}

// IDCursor is the cursor of the page after the incident with id after.
func IDCursor(after int64) string { return EncodeCursor(strconv.FormatInt(after, 10)) }

// ParsePage reads limit (def when absent) and cursor.
func ParsePage(q url.Values, def int) (Page, error) {
	n, err := wholeNumber(q, Limit, def, 1, int(^uint(0)>>1))
	if err != nil {
		return Page{}, err
	}
	// OGC API Features: a limit above the maximum is served as the maximum.
	page := Page{Limit: min(n, MaxLimit)}
	page.After, err = cursor(q)
	if err != nil {
		return Page{}, err
	}
	return page, nil
}

// cursor is the key a cursor carries; "" when there is none.
func cursor(q url.Values) (string, error) {
	v, err := single(q, Cursor.Name, Cursor.Accepts)
	if err != nil || v == "" {
		return "", err
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !bytes.HasPrefix(raw, []byte(cursorPrefix)) || len(raw) == len(cursorPrefix) {
		return "", paramErr(Cursor.Name, v, "is not a cursor this server issued", Cursor.Accepts)
	}
	return string(raw[len(cursorPrefix):]), nil
}

// AfterID is the page's start as an incident id (0 on the first page).
func (p Page) AfterID() (int64, error) {
	if p.After == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(p.After, 10, 64)
	if err != nil || id < 0 {
		return 0, paramErr(Cursor.Name, EncodeCursor(p.After), "is not a cursor of this collection", Cursor.Accepts)
	}
	return id, nil
}
