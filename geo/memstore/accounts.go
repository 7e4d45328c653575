package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Accounts live beside the incidents in files of their own:
//
//   - accounts.json holds the users and the API tokens (hashes only),
//     checksummed as reports.json is: the body as a whole and each user and
//     token on its own, and replaced whole on every change (new file, fsync,
//     rename, directory fsync), so a crash leaves the old set or the new:
//
//     {"format":1,"crc32c":"<CRC-32C of body>","body":{"next_user_id":N,"next_token_id":M,
//     "users":[{"crc32c":"…","user":{…}},…],"tokens":[{"crc32c":"…","token":{…}},…]}}
//
//   - audit is the audit log: one checksummed frame per entry (the framing
//     of the incident log: a length, a CRC-32C, the payload 'A' and the
//     entry as JSON), appended and fsynced, never rewritten. Only a torn
//     last frame a crash left is cut off on open, as the log's is.
//
// Sessions are held in memory only: they end when the process does, and
// everyone signs in again. The data directory's lock keeps a second
// process out, so one process is all there is.
//
// A change and its audit entry are one write on PostGIS; here they are two
// files, so the entry is written first: a crash between the two leaves an
// entry for a change that did not happen, never a change without its entry.
const (
	accountsFile = "accounts.json"
	auditFile    = "audit"
)

// accountsFormat is the version of accountsFile's layout.
const accountsFormat = 1

// recAudit is the type byte of an audit frame.
const recAudit byte = 'A'

var (
	_ geo.AccountStore = (*Store)(nil)
	_ geo.AuditStore   = (*Store)(nil)
)

type accountState struct {
	mu          sync.Mutex
	nextUserID  int64
	nextTokenID int64
	users       []geo.User     // by id
	tokens      []geo.APIToken // by id; User is filled on read
	sessions    map[string]geo.Session
	audit       auditLog
}

// auditLog is the audit file: appended under accountState.mu, read with
// ReadAt at offsets of frames already written whole.
type auditLog struct {
	f      *os.File
	size   int64
	index  []auditPos // every entry, by id
	nextID int64
	torn   *TornTail // a torn tail found on open, cut once every file verified
	broken error     // a failed append: no further write until reopened
}

type auditPos struct {
	id  int64
	off int64
	n   int64 // frame length with its header
}

// accountsRead is what accountsFile holds, user by user and token by token.
type accountsRead struct {
	exists                  bool
	size                    int64
	nextUserID, nextTokenID int64
	users                   []geo.User
	tokens                  []geo.APIToken
	damage                  []*DamageError
}

type accountsEnvelope struct {
	Format int             `json:"format"`
	CRC    string          `json:"crc32c"`
	Body   json.RawMessage `json:"body"`
}

type accountsBody struct {
	NextUserID  *int64            `json:"next_user_id"`
	NextTokenID *int64            `json:"next_token_id"`
	Users       []json.RawMessage `json:"users"`
	Tokens      []json.RawMessage `json:"tokens"`
}

type userJSON struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Role         geo.Role `json:"role"`
	Disabled     bool     `json:"disabled"`
	PasswordHash string   `json:"password_hash"`
	CreatedAt    string   `json:"created_at"`
	UpdatedAt    string   `json:"updated_at"`
}

type tokenJSON struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	Hash      string `json:"hash"`
	CreatedAt string `json:"created_at"`
	CreatedBy string `json:"created_by"`
	ExpiresAt string `json:"expires_at"`
	LastUsed  string `json:"last_used"`
	RevokedAt string `json:"revoked_at"`
}

type auditJSON struct {
	ID     int64  `json:"id"`
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Target string `json:"target"`
	Client string `json:"client"`
	Detail string `json:"detail"`
}

// storeTime is how a time is kept: to the microsecond, as PostgreSQL does.
func storeTime(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTimeText(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// parseTimes parses each text into its time, stopping at the first error.
func parseTimes(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		t, err := parseTimeText(pairs[i].(string))
		if err != nil {
			return err
		}
		*pairs[i+1].(*time.Time) = t
	}
	return nil
}

func toUserJSON(u geo.User) userJSON {
	return userJSON{ID: u.ID, Name: u.Name, Role: u.Role, Disabled: u.Disabled, PasswordHash: u.PasswordHash,
		CreatedAt: timeText(u.CreatedAt), UpdatedAt: timeText(u.UpdatedAt)}
}

func (j *userJSON) user() (geo.User, error) {
	u := geo.User{ID: j.ID, Name: j.Name, Role: j.Role, Disabled: j.Disabled, PasswordHash: j.PasswordHash}
	if j.ID < 1 || !geo.ValidUserName(j.Name) || !geo.KnownRole(j.Role) {
		return u, fmt.Errorf("user %d %q with role %q is not a valid user", j.ID, j.Name, j.Role)
	}
	return u, parseTimes(j.CreatedAt, &u.CreatedAt, j.UpdatedAt, &u.UpdatedAt)
}

func toTokenJSON(t geo.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, UserID: t.UserID, Name: t.Name, Hash: t.Hash, CreatedAt: timeText(t.CreatedAt),
		CreatedBy: t.CreatedBy, ExpiresAt: timeText(t.ExpiresAt), LastUsed: timeText(t.LastUsed), RevokedAt: timeText(t.RevokedAt)}
}

func (j *tokenJSON) token() (geo.APIToken, error) {
	t := geo.APIToken{ID: j.ID, UserID: j.UserID, Name: j.Name, Hash: j.Hash, CreatedBy: j.CreatedBy}
	if j.ID < 1 || j.UserID < 1 || len(j.Hash) != 64 {
		return t, fmt.Errorf("token %d is not a valid token", j.ID)
	}
	return t, parseTimes(j.CreatedAt, &t.CreatedAt, j.ExpiresAt, &t.ExpiresAt, j.LastUsed, &t.LastUsed, j.RevokedAt, &t.RevokedAt)
}

func toAuditJSON(e geo.AuditEntry) auditJSON {
	return auditJSON{ID: e.ID, At: timeText(e.At), Actor: e.Actor, Action: e.Action, Target: e.Target, Client: e.Client, Detail: e.Detail}
}

func (j *auditJSON) entry() (geo.AuditEntry, error) {
	e := geo.AuditEntry{ID: j.ID, Actor: j.Actor, Action: j.Action, Target: j.Target, Client: j.Client, Detail: j.Detail}
	if j.ID < 1 {
		return e, fmt.Errorf("audit entry id %d", j.ID)
	}
	return e, parseTimes(j.At, &e.At)
}

// encodeAccounts is the content of accountsFile.
func encodeAccounts(users []geo.User, tokens []geo.APIToken, nextUserID, nextTokenID int64) ([]byte, error) {
	body := fmt.Appendf(nil, `{"next_user_id":%d,"next_token_id":%d,"users":[`, nextUserID, nextTokenID)
	items := func(kind string, n int, item func(i int) any) error {
		for i := 0; i < n; i++ {
			b, err := json.Marshal(item(i))
			if err != nil {
				return err
			}
			if i > 0 {
				body = append(body, ',')
			}
			body = fmt.Appendf(body, "\n{\"crc32c\":%q,%q:%s}", crcHex(b), kind, b)
		}
		return nil
	}
	if err := items("user", len(users), func(i int) any { return toUserJSON(users[i]) }); err != nil {
		return nil, err
	}
	body = append(body, "],\"tokens\":["...)
	if err := items("token", len(tokens), func(i int) any { return toTokenJSON(tokens[i]) }); err != nil {
		return nil, err
	}
	body = append(body, "\n]}"...)
	return fmt.Appendf(nil, `{"format":%d,"crc32c":%q,"body":%s}`, accountsFormat, crcHex(body), body), nil
}

// readAccounts reads accountsFile, finding every damaged place and keeping
// every user and token that verifies.
func readAccounts(dir string) (accountsRead, error) {
	path := filepath.Join(dir, accountsFile)
	rd := accountsRead{nextUserID: 1, nextTokenID: 1}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return rd, nil
	}
	if err != nil {
		return rd, fmt.Errorf("memstore: reading accounts: %w", err)
	}
	rd.exists, rd.size = true, int64(len(b))
	damaged := func(off int64, record int, typ, format string, a ...any) {
		rd.damage = append(rd.damage, &DamageError{File: path, Offset: off, Record: record, Type: typ, Reason: fmt.Sprintf(format, a...)})
	}
	var env accountsEnvelope
	if err := decodeStrict(b, &env); err != nil {
		damaged(jsonErrorOffset(err), 0, "", "the file does not decode: %v", err)
		rd.scan(b)
		return rd, nil
	}
	if env.Format != accountsFormat {
		damaged(int64(bytes.Index(b, []byte(`"format"`))), 0, "", "format %d is unknown: the file is damaged, or a newer badiamap wrote it", env.Format)
		rd.scan(b)
		return rd, nil
	}
	bodyAt := int64(bytes.Index(b, env.Body))
	var body accountsBody
	if err := decodeStrict(env.Body, &body); err != nil || body.NextUserID == nil || body.NextTokenID == nil {
		if err == nil {
			err = errors.New("next_user_id or next_token_id is missing")
		}
		damaged(bodyAt+jsonErrorOffset(err), 0, "", "the body does not decode: %v", err)
		rd.scan(b)
		return rd, nil
	}
	itemsOK := true
	cursor := bodyAt
	record := 0
	for _, list := range []struct {
		kind  string
		items []json.RawMessage
	}{{"user", body.Users}, {"token", body.Tokens}} {
		for _, raw := range list.items {
			record++
			off := cursor + int64(bytes.Index(b[cursor:], raw))
			cursor = off + int64(len(raw))
			if err := rd.take(raw, list.kind); err != nil {
				itemsOK = false
				damaged(off, record, list.kind, "%v", err)
			}
		}
	}
	if crcHex(env.Body) == env.CRC {
		rd.nextUserID, rd.nextTokenID = *body.NextUserID, *body.NextTokenID
	} else if itemsOK {
		damaged(bodyAt, 0, "", "the body's checksum does not match, though every user's and token's does: the damage is in the next ids, the lists or the checksum")
	}
	rd.numberOn()
	return rd, nil
}

// numberOn makes the next ids follow the highest that verifies: ids are
// never given twice.
func (rd *accountsRead) numberOn() {
	for _, u := range rd.users {
		rd.nextUserID = max(rd.nextUserID, u.ID+1)
	}
	for _, t := range rd.tokens {
		rd.nextTokenID = max(rd.nextTokenID, t.ID+1)
	}
}

// take verifies one checksummed user or token and keeps it.
func (rd *accountsRead) take(raw []byte, kind string) error {
	var it map[string]json.RawMessage
	if err := decodeStrict(raw, &it); err != nil {
		return fmt.Errorf("the %s does not decode: %v", kind, err)
	}
	var sum string
	if len(it) != 2 || it[kind] == nil || json.Unmarshal(it["crc32c"], &sum) != nil {
		return fmt.Errorf("not a checksummed %s", kind)
	}
	if crcHex(it[kind]) != sum {
		return errors.New("checksum mismatch")
	}
	switch kind {
	case "user":
		u, err := decodeAs(it[kind], kind, (*userJSON).user)
		if err != nil {
			return err
		}
		rd.users = append(rd.users, u)
	case "token":
		t, err := decodeAs(it[kind], kind, (*tokenJSON).token)
		if err != nil {
			return err
		}
		rd.tokens = append(rd.tokens, t)
	}
	return nil
}

// decodeAs decodes b as a J and converts it.
func decodeAs[J, T any](b []byte, kind string, conv func(*J) (T, error)) (T, error) {
	var j J
	if err := json.Unmarshal(b, &j); err != nil {
		var zero T
		return zero, fmt.Errorf("the %s does not decode: %v", kind, err)
	}
	return conv(&j)
}

// scan looks, in a file whose structure is broken, for users and tokens
// that still verify on their own, for salvage; the others are lost.
func (rd *accountsRead) scan(b []byte) {
	start := []byte(`{"crc32c":"`)
	for at := 0; ; at++ {
		i := bytes.Index(b[at:], start)
		if i < 0 {
			break
		}
		at += i
		var raw json.RawMessage
		if json.NewDecoder(bytes.NewReader(b[at:])).Decode(&raw) != nil {
			continue
		}
		for _, kind := range []string{"user", "token"} {
			if rd.take(raw, kind) == nil {
				break
			}
		}
	}
	rd.numberOn()
}

// Audit frames: the type byte, then the entry as JSON.
func sniffAudit(head []byte) bool {
	return len(head) > 0 && head[0] == recAudit && (len(head) == 1 || head[1] == '{')
}

func auditRecordName(p []byte) string {
	if len(p) == 0 || p[0] != recAudit {
		return ""
	}
	var id struct {
		ID int64 `json:"id"`
	}
	// The head of the payload only: read the id if it is whole.
	if i := bytes.IndexByte(p, ','); i > 0 && json.Unmarshal(append(append([]byte{}, p[1:i]...), '}'), &id) == nil && id.ID > 0 {
		return fmt.Sprintf("audit entry %d", id.ID)
	}
	return "audit entry"
}

var auditFrames = frameKind{name: auditRecordName, sniff: sniffAudit}

func decodeAuditFrame(payload []byte) (geo.AuditEntry, error) {
	if len(payload) == 0 || payload[0] != recAudit {
		return geo.AuditEntry{}, fmt.Errorf("unknown record type %q", payload[:min(len(payload), 1)])
	}
	var j auditJSON
	if err := decodeStrict(payload[1:], &j); err != nil {
		return geo.AuditEntry{}, fmt.Errorf("the audit entry does not decode: %v", err)
	}
	return j.entry()
}

func encodeAuditFrame(e geo.AuditEntry) ([]byte, error) {
	b, err := json.Marshal(toAuditJSON(e))
	if err != nil {
		return nil, err
	}
	return appendFrame(nil, append([]byte{recAudit}, b...)), nil
}

// loadAccounts reads accountsFile and the audit file for Open: any damage
// is a *DamageError. A torn audit tail is noted, cut by recoverAudit.
func (s *Store) loadAccounts() error {
	rd, err := readAccounts(s.dir)
	if err != nil {
		return err
	}
	if len(rd.damage) > 0 {
		return rd.damage[0]
	}
	st := &accountState{nextUserID: rd.nextUserID, nextTokenID: rd.nextTokenID, users: rd.users, tokens: rd.tokens,
		sessions: map[string]geo.Session{}}
	st.audit.nextID = 1
	s.accounts = st
	path := filepath.Join(s.dir, auditFile)
	flags := os.O_RDWR | os.O_CREATE | os.O_APPEND
	if s.readOnly {
		flags = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if s.readOnly && errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("memstore: opening the audit log: %w", err)
	}
	st.audit.f = f
	r, err := newFrameReader(f, path, 0, auditFrames)
	if err != nil {
		return err
	}
	a := &st.audit
	for {
		payload, off, err := r.next()
		if err != nil {
			var sp *badSpan
			switch {
			case errors.Is(err, io.EOF):
				a.size = off
				return nil
			case errors.As(err, &sp) && sp.Torn:
				a.size = off
				a.torn = &TornTail{File: path, Offset: sp.Offset, Bytes: sp.Bytes(), Reason: sp.Reason}
				return nil
			case errors.As(err, &sp):
				return sp.damage()
			}
			return err
		}
		e, err := decodeAuditFrame(payload)
		if err == nil && e.ID < a.nextID {
			err = fmt.Errorf("entry %d follows entry %d: ids must ascend", e.ID, a.nextID-1)
		}
		if err != nil {
			return &DamageError{File: path, Offset: off, Record: r.frames, Type: auditRecordName(payload), Reason: err.Error()}
		}
		a.index = append(a.index, auditPos{id: e.ID, off: off, n: frameHeader + int64(len(payload))})
		a.nextID = e.ID + 1
	}
}

// recoverAudit cuts a torn tail of the audit file, once every file has
// verified.
func (s *Store) recoverAudit() error {
	a := &s.accounts.audit
	if a.torn == nil {
		return nil
	}
	if err := a.f.Truncate(a.torn.Offset); err != nil {
		return fmt.Errorf("memstore: cutting the torn tail of %s at byte %d: %w", a.torn.File, a.torn.Offset, err)
	}
	if err := a.f.Sync(); err != nil {
		return err
	}
	s.logger.Warn("memstore: dropped a torn tail of the audit log, an unfinished write a crash left",
		"file", a.torn.File, "offset", a.torn.Offset, "bytes", a.torn.Bytes, "reason", a.torn.Reason)
	a.torn = nil
	return nil
}

// account returns the store's accounts locked: the caller unlocks.
func (s *Store) account() (*accountState, error) {
	s.mu.RLock()
	closed, st := s.closed, s.accounts
	s.mu.RUnlock()
	if closed {
		return nil, errClosed
	}
	st.mu.Lock()
	return st, nil
}

// appendAudit writes e as the next entry and fsyncs it; st.mu is held.
func (st *accountState) appendAudit(e geo.AuditEntry) (geo.AuditEntry, error) {
	a := &st.audit
	if a.broken != nil {
		return geo.AuditEntry{}, a.broken
	}
	if a.f == nil {
		return geo.AuditEntry{}, errors.New("memstore: the store is read-only")
	}
	if e.Actor == "" || e.Action == "" {
		return geo.AuditEntry{}, errors.New("memstore: an audit entry needs an actor and an action")
	}
	if e.Detail != "" && !json.Valid([]byte(e.Detail)) {
		return geo.AuditEntry{}, fmt.Errorf("memstore: the audit entry's detail is not JSON: %.80q", e.Detail)
	}
	e.ID = a.nextID
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = storeTime(e.At)
	frame, err := encodeAuditFrame(e)
	if err != nil {
		return geo.AuditEntry{}, err
	}
	if _, err := a.f.Write(frame); err != nil {
		a.f.Truncate(a.size)
		a.broken = fmt.Errorf("memstore: writing the audit log failed, the store refuses changes until reopened: %w", err)
		return geo.AuditEntry{}, a.broken
	}
	if err := a.f.Sync(); err != nil {
		a.broken = fmt.Errorf("memstore: syncing the audit log failed, the store refuses changes until reopened: %w", err)
		return geo.AuditEntry{}, a.broken
	}
	a.index = append(a.index, auditPos{id: e.ID, off: a.size, n: int64(len(frame))})
	a.size += int64(len(frame))
	a.nextID++
	return e, nil
}

// AppendAudit appends e to the audit log.
func (s *Store) AppendAudit(ctx context.Context, e geo.AuditEntry) (geo.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return geo.AuditEntry{}, err
	}
	st, err := s.account()
	if err != nil {
		return geo.AuditEntry{}, err
	}
	defer st.mu.Unlock()
	return st.appendAudit(e)
}

// auditWrite appends the entry entry makes of a, the caller's entry for a
// write, when there is one. It goes before the write, as an edit's: a crash
// may leave an entry without its write, never a write without its entry.
func (s *Store) auditWrite(ctx context.Context, a *geo.AuditEntry, entry func(geo.AuditEntry) (geo.AuditEntry, error)) error {
	if a == nil {
		return nil
	}
	e, err := entry(*a)
	if err != nil {
		return err
	}
	_, err = s.AppendAudit(ctx, e)
	return err
}

// Audit reads the entries f matches past page.After from the file, in id
// order or, with f.Newest, backwards; memory holds the answer and one frame
// at a time.
func (s *Store) Audit(ctx context.Context, f geo.AuditFilter, page geo.Page) ([]geo.AuditEntry, error) {
	if page.Limit < 0 {
		return nil, fmt.Errorf("page limit %d is negative", page.Limit)
	}
	st, err := s.account()
	if err != nil {
		return nil, err
	}
	file, index := st.audit.f, st.audit.index // frames in index are whole and never change
	st.mu.Unlock()
	out := []geo.AuditEntry{}
	// The frames past the cursor; index ascends by id, so newest first
	// reads them from the end.
	var frames []auditPos
	switch {
	case !f.Newest:
		frames = index[sort.Search(len(index), func(i int) bool { return index[i].id > page.After }):]
	case page.After > 0:
		frames = index[:sort.Search(len(index), func(i int) bool { return index[i].id >= page.After })]
	default:
		frames = index
	}
	var buf []byte
	for i := range frames {
		pos := frames[i]
		if f.Newest {
			pos = frames[len(frames)-1-i]
		}
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if int64(cap(buf)) < pos.n {
			buf = make([]byte, pos.n)
		}
		b := buf[:pos.n]
		if _, err := file.ReadAt(b, pos.off); err != nil {
			return nil, fmt.Errorf("memstore: reading the audit log: %w", err)
		}
		payload, err := readFrame(bytes.NewReader(b), pos.n, nil)
		if err != nil {
			return nil, &DamageError{File: file.Name(), Offset: pos.off, Type: "audit entry", Reason: err.Error() + " (the entry verified on open: the file changed under the store)"}
		}
		e, err := decodeAuditFrame(payload)
		if err != nil {
			return nil, err
		}
		if f.Match(&e) {
			out = append(out, e)
			if page.Limit > 0 && len(out) == page.Limit {
				break
			}
		}
	}
	return out, nil
}

// saveAccounts writes users and tokens to accountsFile; st.mu is held.
func (s *Store) saveAccounts(st *accountState, users []geo.User, tokens []geo.APIToken, nextUserID, nextTokenID int64) error {
	b, err := encodeAccounts(users, tokens, nextUserID, nextTokenID)
	if err != nil {
		return err
	}
	if err := writeFileDurably(s.dir, accountsFile, b); err != nil {
		return err
	}
	st.users, st.tokens, st.nextUserID, st.nextTokenID = users, tokens, nextUserID, nextTokenID
	return nil
}

func (st *accountState) userIndex(name string) int {
	return slices.IndexFunc(st.users, func(u geo.User) bool { return u.Name == name })
}

func (st *accountState) userByID(id int64) (geo.User, bool) {
	i := slices.IndexFunc(st.users, func(u geo.User) bool { return u.ID == id })
	if i < 0 {
		return geo.User{}, false
	}
	return st.users[i], true
}

func (st *accountState) withUser(t geo.APIToken) geo.APIToken {
	u, _ := st.userByID(t.UserID)
	t.User = u.Name
	return t
}

// CreateUser stores u with the next id.
func (s *Store) CreateUser(ctx context.Context, u geo.User, a geo.AuditEntry) (geo.User, error) {
	if err := u.Validate(); err != nil {
		return geo.User{}, err
	}
	st, err := s.account()
	if err != nil {
		return geo.User{}, err
	}
	defer st.mu.Unlock()
	if st.userIndex(u.Name) >= 0 {
		return geo.User{}, fmt.Errorf("user %s: %w", u.Name, geo.ErrUserExists)
	}
	if err := ctx.Err(); err != nil {
		return geo.User{}, err
	}
	if _, err := st.appendAudit(a); err != nil {
		return geo.User{}, err
	}
	u.ID = st.nextUserID
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	u.CreatedAt = storeTime(u.CreatedAt)
	u.UpdatedAt = u.CreatedAt
	users := append(slices.Clip(st.users), u)
	if err := s.saveAccounts(st, users, st.tokens, st.nextUserID+1, st.nextTokenID); err != nil {
		return geo.User{}, err
	}
	return u, nil
}

// User returns the user of that name.
func (s *Store) User(ctx context.Context, name string) (geo.User, error) {
	st, err := s.account()
	if err != nil {
		return geo.User{}, err
	}
	defer st.mu.Unlock()
	i := st.userIndex(name)
	if i < 0 {
		return geo.User{}, fmt.Errorf("user %s: %w", name, geo.ErrNotFound)
	}
	return st.users[i], nil
}

// Users returns every user, by name.
func (s *Store) Users(ctx context.Context) ([]geo.User, error) {
	st, err := s.account()
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	out := slices.Clone(st.users)
	slices.SortFunc(out, func(a, b geo.User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// UpdateUser applies ch; disabling or a new password ends the user's
// sessions.
func (s *Store) UpdateUser(ctx context.Context, name string, ch geo.UserChange, a geo.AuditEntry) (geo.User, error) {
	if ch.Role != nil && !geo.KnownRole(*ch.Role) {
		return geo.User{}, &geo.ValidationError{Field: "role", Reason: fmt.Sprintf("%q is not a role: one of %v", *ch.Role, geo.Roles)}
	}
	st, err := s.account()
	if err != nil {
		return geo.User{}, err
	}
	defer st.mu.Unlock()
	i := st.userIndex(name)
	if i < 0 {
		return geo.User{}, fmt.Errorf("user %s: %w", name, geo.ErrNotFound)
	}
	if _, err := st.appendAudit(a); err != nil {
		return geo.User{}, err
	}
	u := st.users[i]
	if ch.Role != nil {
		u.Role = *ch.Role
	}
	if ch.Disabled != nil {
		u.Disabled = *ch.Disabled
	}
	if ch.PasswordHash != nil {
		u.PasswordHash = *ch.PasswordHash
	}
	u.UpdatedAt = storeTime(time.Now())
	users := slices.Clone(st.users)
	users[i] = u
	if err := s.saveAccounts(st, users, st.tokens, st.nextUserID, st.nextTokenID); err != nil {
		return geo.User{}, err
	}
	if (ch.Disabled != nil && *ch.Disabled) || ch.PasswordHash != nil {
		for h, ses := range st.sessions {
			if ses.UserID == u.ID {
				delete(st.sessions, h)
			}
		}
	}
	return u, nil
}

// CreateSession holds s in memory, once its audit entry is written.
func (s *Store) CreateSession(ctx context.Context, ses geo.Session, a geo.AuditEntry) error {
	st, err := s.account()
	if err != nil {
		return err
	}
	defer st.mu.Unlock()
	if _, ok := st.userByID(ses.UserID); !ok {
		return fmt.Errorf("session of user %d: %w", ses.UserID, geo.ErrNotFound)
	}
	if _, ok := st.sessions[ses.IDHash]; ok || ses.IDHash == "" {
		return errors.New("memstore: a session of that id exists")
	}
	if _, err := st.appendAudit(a); err != nil {
		return err
	}
	ses.CreatedAt, ses.LastSeen = storeTime(ses.CreatedAt), storeTime(ses.LastSeen)
	st.sessions[ses.IDHash] = ses
	return nil
}

// Session returns the session and its user.
func (s *Store) Session(ctx context.Context, idHash string) (geo.Session, geo.User, error) {
	st, err := s.account()
	if err != nil {
		return geo.Session{}, geo.User{}, err
	}
	defer st.mu.Unlock()
	ses, ok := st.sessions[idHash]
	if !ok {
		return geo.Session{}, geo.User{}, fmt.Errorf("session: %w", geo.ErrNotFound)
	}
	u, _ := st.userByID(ses.UserID)
	return ses, u, nil
}

// TouchSession sets the session's LastSeen.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	st, err := s.account()
	if err != nil {
		return err
	}
	defer st.mu.Unlock()
	ses, ok := st.sessions[idHash]
	if !ok {
		return fmt.Errorf("session: %w", geo.ErrNotFound)
	}
	ses.LastSeen = storeTime(at)
	st.sessions[idHash] = ses
	return nil
}

// EndSession removes the session.
func (s *Store) EndSession(ctx context.Context, idHash string, a *geo.AuditEntry) error {
	st, err := s.account()
	if err != nil {
		return err
	}
	defer st.mu.Unlock()
	if _, ok := st.sessions[idHash]; !ok {
		return fmt.Errorf("session: %w", geo.ErrNotFound)
	}
	if a != nil {
		if _, err := st.appendAudit(*a); err != nil {
			return err
		}
	}
	delete(st.sessions, idHash)
	return nil
}

// EndStaleSessions removes the sessions idle or held too long.
func (s *Store) EndStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int, error) {
	st, err := s.account()
	if err != nil {
		return 0, err
	}
	defer st.mu.Unlock()
	n := 0
	for h, ses := range st.sessions {
		if ses.LastSeen.Before(idleBefore) || ses.CreatedAt.Before(createdBefore) {
			delete(st.sessions, h)
			n++
		}
	}
	return n, nil
}

// CreateToken stores t with the next id.
func (s *Store) CreateToken(ctx context.Context, t geo.APIToken, a geo.AuditEntry) (geo.APIToken, error) {
	st, err := s.account()
	if err != nil {
		return geo.APIToken{}, err
	}
	defer st.mu.Unlock()
	u, ok := st.userByID(t.UserID)
	if !ok {
		return geo.APIToken{}, fmt.Errorf("token of user %d: %w", t.UserID, geo.ErrNotFound)
	}
	if len(t.Hash) != 64 || slices.ContainsFunc(st.tokens, func(o geo.APIToken) bool { return o.Hash == t.Hash }) {
		return geo.APIToken{}, errors.New("memstore: a token needs a hash of its own")
	}
	t.ID = st.nextTokenID
	if a.Target == "" {
		a.Target = fmt.Sprintf("token:%d", t.ID)
	}
	if _, err := st.appendAudit(a); err != nil {
		return geo.APIToken{}, err
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsed, t.RevokedAt = storeTime(t.CreatedAt), storeTime(t.ExpiresAt), storeTime(t.LastUsed), storeTime(t.RevokedAt)
	t.User = ""
	tokens := append(slices.Clip(st.tokens), t)
	if err := s.saveAccounts(st, st.users, tokens, st.nextUserID, st.nextTokenID+1); err != nil {
		return geo.APIToken{}, err
	}
	t.User = u.Name
	return t, nil
}

// TokenByHash returns the token and its user.
func (s *Store) TokenByHash(ctx context.Context, hash string) (geo.APIToken, geo.User, error) {
	st, err := s.account()
	if err != nil {
		return geo.APIToken{}, geo.User{}, err
	}
	defer st.mu.Unlock()
	i := slices.IndexFunc(st.tokens, func(t geo.APIToken) bool { return t.Hash == hash })
	if i < 0 {
		return geo.APIToken{}, geo.User{}, fmt.Errorf("token: %w", geo.ErrNotFound)
	}
	u, _ := st.userByID(st.tokens[i].UserID)
	return st.withUser(st.tokens[i]), u, nil
}

// Tokens returns the tokens of a user (every user's for ""), by id.
func (s *Store) Tokens(ctx context.Context, user string) ([]geo.APIToken, error) {
	st, err := s.account()
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	out := []geo.APIToken{}
	for _, t := range st.tokens {
		if t = st.withUser(t); user == "" || t.User == user {
			out = append(out, t)
		}
	}
	return out, nil
}

// changeToken applies change to the token with id and saves; st.mu is held.
func (s *Store) changeToken(st *accountState, id int64, change func(t *geo.APIToken) error) (geo.APIToken, error) {
	i := slices.IndexFunc(st.tokens, func(t geo.APIToken) bool { return t.ID == id })
	if i < 0 {
		return geo.APIToken{}, fmt.Errorf("token %d: %w", id, geo.ErrNotFound)
	}
	t := st.tokens[i]
	if err := change(&t); err != nil {
		return geo.APIToken{}, err
	}
	tokens := slices.Clone(st.tokens)
	tokens[i] = t
	if err := s.saveAccounts(st, st.users, tokens, st.nextUserID, st.nextTokenID); err != nil {
		return geo.APIToken{}, err
	}
	return st.withUser(t), nil
}

// RevokeToken marks the token revoked.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time, a geo.AuditEntry) (geo.APIToken, error) {
	st, err := s.account()
	if err != nil {
		return geo.APIToken{}, err
	}
	defer st.mu.Unlock()
	return s.changeToken(st, id, func(t *geo.APIToken) error {
		if !t.RevokedAt.IsZero() {
			return fmt.Errorf("token %d: %w", id, geo.ErrRevoked)
		}
		if _, err := st.appendAudit(a); err != nil {
			return err
		}
		t.RevokedAt = storeTime(at)
		return nil
	})
}

// TouchToken sets the token's LastUsed (the caller does so at most once a
// minute per token: each is a rewrite of accountsFile).
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	st, err := s.account()
	if err != nil {
		return err
	}
	defer st.mu.Unlock()
	_, err = s.changeToken(st, id, func(t *geo.APIToken) error {
		t.LastUsed = storeTime(at)
		return nil
	})
	return err
}

// closeFiles closes the log and the audit log of a store that did not
// open (or was only loaded to be checked).
func (s *Store) closeFiles() {
	if s.log != nil {
		s.log.Close()
	}
	if s.accounts != nil && s.accounts.audit.f != nil {
		s.accounts.audit.f.Close()
	}
}

// surveyAccounts reads accountsFile and the audit log record by record,
// past any damage, for Check and Salvage.
func (sv *survey) surveyAccounts() error {
	rd, err := readAccounts(sv.dir)
	if err != nil {
		return err
	}
	sv.accounts = rd
	sv.files = append(sv.files, FileCheck{Path: filepath.Join(sv.dir, accountsFile), Missing: !rd.exists, Bytes: rd.size,
		Records: len(rd.users) + len(rd.tokens), Damaged: len(rd.damage)})
	sv.damage = append(sv.damage, rd.damage...)

	r, err := sv.open(auditFile, 0, auditFrames)
	if r == nil {
		return err
	}
	defer r.f.Close()
	fc := FileCheck{Path: r.path, Bytes: r.size}
	defer func() { sv.files = append(sv.files, fc) }()
	last := int64(0)
	for {
		payload, off, err := r.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var sp *badSpan
		if errors.As(err, &sp) {
			if sp.Torn {
				sv.auditTorn = &TornTail{File: r.path, Offset: sp.Offset, Bytes: sp.Bytes(), Reason: sp.Reason}
				continue
			}
			sv.lose(r.f, &fc, sp, nil)
			continue
		}
		if err != nil {
			return err
		}
		e, err := decodeAuditFrame(payload)
		if err == nil && e.ID <= last {
			err = fmt.Errorf("entry %d follows entry %d: ids must ascend", e.ID, last)
		}
		if err != nil {
			fc.Damaged++
			sv.damage = append(sv.damage, &DamageError{File: r.path, Offset: off, Record: r.frames, Type: auditRecordName(payload), Reason: err.Error()})
			continue
		}
		fc.Records++
		last = e.ID
		if sv.keep {
			sv.audit = append(sv.audit, e)
		}
	}
}

// writeSalvagedAccounts writes the users, tokens and audit entries that
// verified into the new store in dir.
func writeSalvagedAccounts(dir string, rd *accountsRead, audit []geo.AuditEntry) error {
	if rd.exists {
		b, err := encodeAccounts(rd.users, rd.tokens, rd.nextUserID, rd.nextTokenID)
		if err != nil {
			return err
		}
		if err := writeFileDurably(dir, accountsFile, b); err != nil {
			return err
		}
	}
	if len(audit) == 0 {
		return nil
	}
	var out []byte
	for _, e := range audit {
		frame, err := encodeAuditFrame(e)
		if err != nil {
			return err
		}
		out = append(out, frame...)
	}
	return writeFileDurably(dir, auditFile, out)
}
