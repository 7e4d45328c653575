package credential

import (
	"strings"
	"testing"
)

// fast are cheap parameters for the tests that do not measure cost.
var fast = Params{Time: 1, MemoryKiB: 64, Threads: 1}

func TestHashVerifies(t *testing.T) {
	h := &Hasher{Params: fast}
	hash, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not PHC argon2id with the parameters", hash)
	}
	for pw, want := range map[string]bool{"correct horse battery staple": true, "correct horse battery stapl": false, "": false} {
		if ok, err := h.Verify(hash, pw); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	again, _ := h.Hash("correct horse battery staple")
	if again == hash {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	// The parameters come from the hash, not the hasher.
	if ok, _ := (&Hasher{Params: Params{Time: 2, MemoryKiB: 128, Threads: 1}}).Verify(hash, "correct horse battery staple"); !ok {
		t.Error("a hasher with other parameters does not verify an older hash")
	}
}

func TestParseHashRefusesBadHashes(t *testing.T) {
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5"} {
		if _, _, _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted it", bad)
		}
		if _, err := (&Hasher{Params: fast}).Verify(bad, "x"); err == nil {
			t.Errorf("Verify against %q gave no error", bad)
		}
	}
}

// TestVerifyNoneDoesTheSameWork: a login to no account derives one key with
// the current parameters, as a login to an account hashed with them does.
func TestVerifyNoneDoesTheSameWork(t *testing.T) {
	var got []Params
	h := &Hasher{Params: fast, OnDerive: func(p Params) { got = append(got, p) }}
	hash, _ := h.Hash("pw")
	got = nil
	h.Verify(hash, "wrong")
	h.VerifyNone("wrong")
	h.Verify(hash, strings.Repeat("x", MaxPasswordLen+1))
	if len(got) != 3 || got[0] != fast || got[1] != fast || got[2] != fast {
		t.Errorf("derivations %v: want three with %v", got, fast)
	}
}

func TestSecrets(t *testing.T) {
	tok := NewToken()
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) != len(TokenPrefix)+43 {
		t.Errorf("token %q", tok)
	}
	id := NewSessionID()
	if id == NewSessionID() || len(id) != 43 {
		t.Errorf("session id %q", id)
	}
	if HashSecret(id) == HashSecret(NewSessionID()) || len(HashSecret(id)) != 64 {
		t.Error("hashes of different ids are equal")
	}
	c := CSRFToken(id)
	if c != CSRFToken(id) || c == CSRFToken(NewSessionID()) || c == id || c == HashSecret(id) {
		t.Errorf("CSRF token %q of %q", c, id)
	}
	if !Equal(c, CSRFToken(id)) || Equal(c, c[:len(c)-1]) {
		t.Error("Equal")
	}
	if p := NewPassword(); len(p) != 26 || p == NewPassword() {
		t.Errorf("password %q", p)
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := &Hasher{}
	for b.Loop() {
		h.Hash("correct horse battery staple")
	}
}
