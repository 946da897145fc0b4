package cli_test

import (
	"context"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// keyList is the -o json output of admin keys list; decodeOne refuses any
// other field, a private key in particular.
type keyList struct {
	Keys []struct {
		KID       string     `json:"kid"`
		Algorithm string     `json:"algorithm"`
		Active    bool       `json:"active"`
		CreatedAt time.Time  `json:"createdAt"`
		RetiredAt *time.Time `json:"retiredAt"`
	} `json:"keys"`
}

func rotate(t *testing.T, db []string) string {
	t.Helper()
	var out struct {
		KID string `json:"kid"`
	}
	ok(t, db, &out, "admin", "keys", "rotate")
	if len(out.KID) != 43 { // base64url of a SHA-256 thumbprint
		t.Fatalf("keys rotate: got kid %q, want an RFC 7638 thumbprint", out.KID)
	}
	return out.KID
}

func TestKeysRotateAndList(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	var keys keyList
	ok(t, db, &keys, "admin", "keys", "list")
	if keys.Keys == nil || len(keys.Keys) != 0 {
		t.Fatalf("keys list of a new database: got %+v, want \"keys\":[]", keys)
	}

	first := rotate(t, db)
	second := rotate(t, db)
	if first == second {
		t.Fatalf("two rotations made the same kid %s", first)
	}
	ok(t, db, &keys, "admin", "keys", "list")
	if len(keys.Keys) != 2 {
		t.Fatalf("keys list after two rotations: got %+v, want 2 keys", keys)
	}
	active, retired := keys.Keys[0], keys.Keys[1]
	if active.KID != second || !active.Active || active.RetiredAt != nil || active.Algorithm != "ES256" {
		t.Errorf("got first %+v, want the second key, active, ES256, retiredAt null", active)
	}
	if retired.KID != first || retired.Active || retired.RetiredAt == nil || retired.RetiredAt.Before(retired.CreatedAt) {
		t.Errorf("got second %+v, want the first key, retired after it was created", retired)
	}
	if now := time.Now(); active.CreatedAt.After(now) || now.Sub(active.CreatedAt) > time.Minute {
		t.Errorf("got createdAt %v, want about now", active.CreatedAt)
	}
}

// TestKeysRotateAlg: --alg chooses the new key's algorithm, in any case.
func TestKeysRotateAlg(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	for _, tc := range []struct{ arg, want string }{{"RS256", "RS256"}, {"es256", "ES256"}, {"rs256", "RS256"}} {
		var out struct {
			KID string `json:"kid"`
		}
		ok(t, db, &out, "admin", "keys", "rotate", "--alg", tc.arg)
		var keys keyList
		ok(t, db, &keys, "admin", "keys", "list")
		if active := keys.Keys[0]; active.KID != out.KID || active.Algorithm != tc.want {
			t.Errorf("--alg %s: got active key %+v, want %s of algorithm %s", tc.arg, active, out.KID, tc.want)
		}
	}
}

func TestKeysErrors(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	fails(t, "", `unknown command "extra"`, append([]string{"admin", "keys", "rotate", "extra"}, db...)...)
	fails(t, "", `unknown command "rotat" for "secusers admin keys"; did you mean "rotate"?`, append([]string{"admin", "keys", "rotat"}, db...)...)
	fails(t, "", `--alg must be ES256 or RS256, got "HS256"`, append([]string{"admin", "keys", "rotate", "--alg", "HS256"}, db...)...)
	var keys keyList
	ok(t, db, &keys, "admin", "keys", "list")
	if len(keys.Keys) != 0 {
		t.Errorf("failed commands stored keys: %+v", keys)
	}
}

// TestKeysRotateSeals: on SQLite the master key is the key file beside the
// database, so the rotated key is stored sealed, never in the clear.
func TestKeysRotateSeals(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	kid := rotate(t, db)
	st, err := sqlite.Open(context.Background(), db[1])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, err := st.SigningKeys(context.Background())
	if err != nil || len(keys) != 1 || keys[0].ID != kid {
		t.Fatalf("stored keys: %+v, %v; want the rotated one", keys, err)
	}
	if !credentials.Sealed(keys[0].PrivateKey) {
		t.Errorf("the rotated key's private key is stored in the clear")
	}
}
