package identity

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/secusers"
)

// addNewSecret gives the app another secret that expires after years.
func (e *testEnv) addNewSecret(t *testing.T, clientID string, years int) (string, secusers.ClientSecret) {
	t.Helper()
	secret, rec, err := NewClientSecret(clientID, years, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rec, err = e.sqlite.AddClientSecret(context.Background(), rec); err != nil {
		t.Fatalf("add client secret: %v", err)
	}
	return secret, rec
}

func (e *testEnv) secretStatus(t *testing.T, secret string) (int, string) {
	t.Helper()
	resp := e.postToken(t, tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", secret)})
	body := decodeJSON(t, resp)
	desc, _ := body["error_description"].(string)
	return resp.StatusCode, desc
}

// TestSeveralSecrets: an app may hold several secrets at once, as a
// rotation needs; each works until it expires or is removed, independently
// of the others.
func TestSeveralSecrets(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	twoYears, _ := e.addNewSecret(t, e.app.ClientID, 2)
	threeYears, removable := e.addNewSecret(t, e.app.ClientID, 3)
	for _, s := range []string{e.secret, twoYears, threeYears} {
		if code, desc := e.secretStatus(t, s); code != http.StatusOK {
			t.Errorf("secret %s...: got %d %q, want 200", s[:3], code, desc)
		}
	}
	if err := e.sqlite.RemoveClientSecret(ctx, e.app.ClientID, removable.ID); err != nil {
		t.Fatalf("remove secret: %v", err)
	}
	// The server may reuse what it read of the app for clientCacheTTL (see
	// there why that is harmless).
	e.clock.Advance(clientCacheTTL)
	if code, desc := e.secretStatus(t, threeYears); code != http.StatusBadRequest || desc != failedAuth {
		t.Errorf("a removed secret, within %v: got %d %q, want 400 %q", clientCacheTTL, code, desc, failedAuth)
	}
	e.clock.Advance(366 * 24 * time.Hour)
	if code, desc := e.secretStatus(t, e.secret); code != http.StatusBadRequest || desc != "the client secret has expired" {
		t.Errorf("the expired one-year secret: got %d %q, want 400 expired", code, desc)
	}
	if code, desc := e.secretStatus(t, twoYears); code != http.StatusOK {
		t.Errorf("the two-year secret after a year: got %d %q, want 200", code, desc)
	}
}

// TestCredentialsNeverLogged: whatever the outcome, neither a secret nor a
// client assertion reaches the log.
func TestCredentialsNeverLogged(t *testing.T) {
	t.Parallel()
	e := newAssertionEnv(t)
	good := signAssertion(t, jose.RS256, e.rsa, e.claims())
	wrongAud := signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"aud": "https://elsewhere.example"}))
	const wrongSecret = "wrong-secret-3c8f0a1d"
	requests := []struct {
		spec       tokenRequestSpec
		wantStatus int
	}{
		{tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)}, 200},
		{tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", wrongSecret)}, 400},
		{tokenRequestSpec{body: form("grant_type", "client_credentials"), authorization: basic(e.app.ClientID, e.secret)}, 200},
		{tokenRequestSpec{body: form("grant_type", "client_credentials"), authorization: basic(e.app.ClientID, wrongSecret)}, 401},
		{tokenRequestSpec{body: assertionForm(good)}, 200},
		{tokenRequestSpec{body: assertionForm(good)}, 400}, // the replay
		{tokenRequestSpec{body: assertionForm(wrongAud)}, 400},
	}
	for i, r := range requests {
		if resp := e.postToken(t, r.spec); resp.StatusCode != r.wantStatus {
			t.Errorf("request %d: got %d %v, want %d", i, resp.StatusCode, decodeJSON(t, resp), r.wantStatus)
		}
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "token request refused") {
		t.Fatalf("the refusals were not logged at all:\n%s", logs)
	}
	for _, a := range []string{good, wrongAud} {
		parts := strings.Split(a, ".")
		for _, leak := range parts[1:] {
			if strings.Contains(logs, leak) {
				t.Errorf("the log holds part of a client assertion:\n%s", logs)
			}
		}
	}
	for _, s := range []string{e.secret, wrongSecret} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the secret %q:\n%s", s, logs)
		}
	}
}
