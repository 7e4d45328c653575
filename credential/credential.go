// Package credential makes and checks the secrets of badiamap's accounts:
// argon2id password hashes in PHC form, generated passwords, API tokens,
// session ids and the CSRF token of a session. Secrets are compared in
// constant time, and only their hashes are ever stored.
package credential

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultParams are the first of OWASP's argon2id settings (Password
// Storage Cheat Sheet): 46 MiB, one pass, one thread. A derivation takes
// 0.1 to 0.17 s (BenchmarkHashDefault) on this project's 2-core machines;
// the server bounds how many run at once (web), so a burst of logins costs
// at most that many times 46 MiB.
var DefaultParams = Params{Time: 1, MemoryKiB: 46 * 1024, Threads: 1}

// Sizes of what a hash holds.
const (
	saltLen = 16
	keyLen  = 32
)

// MaxPasswordLen bounds a password in bytes: argon2 takes any length, a
// client does not get to make it hash megabytes.
const MaxPasswordLen = 1024

// Hasher hashes and verifies passwords with its Params.
type Hasher struct {
	Params Params // the zero Params means DefaultParams
	// OnDerive, when set, is called with the parameters of every argon2
	// derivation: the tests count them to show that an unknown user costs
	// the same work as a known one.
	OnDerive func(Params)
}

func (h *Hasher) params() Params {
	if h == nil || h.Params == (Params{}) {
		return DefaultParams
	}
	return h.Params
}

func (h *Hasher) derive(password string, salt []byte, p Params) []byte {
	if h != nil && h.OnDerive != nil {
		h.OnDerive(p)
	}
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
}

// ErrPasswordTooLong refuses a password longer than MaxPasswordLen.
var ErrPasswordTooLong = fmt.Errorf("the password is longer than %d bytes", MaxPasswordLen)

// Hash is password's argon2id hash in PHC form:
// $argon2id$v=19$m=47104,t=1,p=1$<salt>$<key>, base64 without padding.
func (h *Hasher) Hash(password string) (string, error) {
	if len(password) > MaxPasswordLen {
		return "", ErrPasswordTooLong
	}
	p := h.params()
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand panics rather than return short)
	key := h.derive(password, salt, p)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC hash, comparing the keys
// in constant time. An error means the hash itself is unusable.
func (h *Hasher) Verify(hash, password string) (bool, error) {
	p, salt, key, err := ParseHash(hash)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordLen {
		h.VerifyNone(password) // the same work as any other wrong password
		return false, nil
	}
	got := h.derive(password, salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// VerifyNone does the work of Verify against a hash of the current Params
// and fails: for a login to an account that does not exist, so the answer
// takes as long as for one that does.
func (h *Hasher) VerifyNone(password string) {
	var salt, key [keyLen]byte
	rand.Read(salt[:saltLen])
	rand.Read(key[:])
	if len(password) > MaxPasswordLen {
		password = password[:MaxPasswordLen]
	}
	got := h.derive(password, salt[:saltLen], h.params())
	subtle.ConstantTimeCompare(got, key[:])
}

// ParseHash reads a PHC argon2id hash into its parameters, salt and key.
func ParseHash(hash string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("credential: not an argon2id PHC hash")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("credential: argon2 version %q is not %d", parts[2], argon2.Version)
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("credential: parameter %q: %v", kv, err)
		}
		switch k {
		case "m":
			p.MemoryKiB = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("credential: parameter %q is out of range", kv)
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("credential: unknown parameter %q", k)
		}
	}
	// A hash with absurd costs would let whoever wrote it stall the server.
	if p.Time < 1 || p.Time > 16 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > 1<<20 || p.Threads < 1 {
		return p, nil, nil, fmt.Errorf("credential: parameters m=%d,t=%d,p=%d are out of range", p.MemoryKiB, p.Time, p.Threads)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("credential: the salt does not decode")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, errors.New("credential: the key does not decode")
	}
	return p, salt, key, nil
}

// NewPassword is a generated password of 128 random bits in base32 (26
// characters). Every password is generated: it is shown once, to the
// admin who made it, and stored only as its hash.
func NewPassword() string { return rand.Text() }

// TokenPrefix begins every API token, so a leaked one is easy to find and
// to tell from a password.
const TokenPrefix = "bdm_"

// NewToken is a new API token: TokenPrefix and 32 random bytes in base64url.
func NewToken() string { return TokenPrefix + random32() }

// NewSessionID is a new session id: 32 random bytes in base64url.
func NewSessionID() string { return random32() }

func random32() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is what the store keeps of a token or a session id: its
// SHA-256 in hex. The secrets are 256 random bits, so a fast hash is
// enough: there is nothing to guess.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CSRFToken is the session's CSRF token: an HMAC of a fixed label keyed by
// the session id. It is as unpredictable as the id, needs no storage, and
// differs from the id's stored hash, so reading the store gives neither.
func CSRFToken(sessionID string) string {
	m := hmac.New(sha256.New, []byte(sessionID))
	m.Write([]byte("badiamap csrf token"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
