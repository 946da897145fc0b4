package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/demo"
)

// TestServeSeesAdminChanges runs a server and, beside it, the admin
// commands on its database: a re-scope is enforced within seconds (the
// server reuses what it read of an app for up to api.DefaultRecentReads),
// even to a token issued before it, and a key rotation reaches the token
// service within seconds while the retired key stays published.
func TestServeSeesAdminChanges(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	s := serve(t, db, "--demo", "--demo-users", "20")
	secret := s.demoSecret(t)
	token := s.token(t, demo.ClientID, secret)
	if status, _, body := s.users(t, token, demo.CustomerID, demo.TenantID); status != http.StatusOK {
		t.Fatalf("before the re-scope: got %d %s, want 200", status, body)
	}

	other := createdID(t, db, "admin", "customer", "create", "--partner", demo.PartnerID, "--organization", "Elsewhere")
	var scoped struct {
		ClientID string `json:"clientId"`
	}
	ok(t, db, &scoped, "admin", "app", "scope", "--app", demo.ClientID, "--customers", other)
	waitUntil(t, 5*time.Second, "the re-scope refusing the earlier token with 403", func() bool {
		status, _, _ := s.users(t, token, demo.CustomerID, demo.TenantID)
		return status == http.StatusForbidden
	})
	ok(t, db, &scoped, "admin", "app", "scope", "--app", demo.ClientID, "--customers", "all")
	waitUntil(t, 5*time.Second, "the token served again after scoping back to all", func() bool {
		status, _, _ := s.users(t, token, demo.CustomerID, demo.TenantID)
		return status == http.StatusOK
	})

	before := kidOf(t, token)
	after := rotate(t, db)
	waitUntil(t, 15*time.Second, "tokens signed with the rotated key", func() bool {
		return kidOf(t, s.token(t, demo.ClientID, secret)) == after
	})
	if kids := publishedKids(t, s.base); !slices.Contains(kids, before) || !slices.Contains(kids, after) {
		t.Errorf("JWKS after the rotation: got kids %v, want both %s (retired) and %s", kids, before, after)
	}
	if status, _, body := s.users(t, token, demo.CustomerID, demo.TenantID); status != http.StatusOK {
		t.Errorf("a token of the retired key: got %d %s, want 200 until it expires", status, body)
	}
}

// kidOf returns the kid of a JWT's header.
func kidOf(t *testing.T, jwt string) string {
	t.Helper()
	header, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	var h struct {
		KID string `json:"kid"`
	}
	if err != nil || json.Unmarshal(header, &h) != nil {
		t.Fatalf("not a JWT: %q", jwt)
	}
	return h.KID
}

func publishedKids(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KID)
	}
	return kids
}

func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
	}
}
