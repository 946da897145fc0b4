package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"secusers/internal/cli"
	"secusers/internal/demo"
)

func TestServeDemo(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--demo", "--demo-users", "60"}, db...),
			strings.NewReader(""), stdout, stderr, noEnv)
	}()
	listening := regexp.MustCompile(`(?m)^listening on (http://127\.0\.0\.1:\d+)$`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; stdout %q, stderr %q", stdout.String(), stderr.String())
		}
	}
	banner := stdout.String()
	secret := regexp.MustCompile(`client_secret=([A-Za-z0-9_-]+)`).FindStringSubmatch(banner)
	if secret == nil || strings.Index(banner, "TOKEN=$(") > strings.Index(banner, "listening on") {
		t.Fatalf("got stdout %q, want the demo's commands before the listening line", banner)
	}
	for _, want := range []string{demo.ClientID, base + "/connect/token", "status=HighRisk", `-H "Authorization: Bearer $TOKEN"`} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	// The printed secret gets a token, and the token reads the demo tenant.
	resp, err = http.PostForm(base+"/connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {demo.ClientID}, "client_secret": {secret[1]},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/partner/external/v3/um/customers/"+demo.CustomerID+"/tenants/"+demo.TenantID+"/overview/security/users/batch", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var page struct {
		Metadata struct {
			TotalCount int `json:"totalCount"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != http.StatusOK || page.Metadata.TotalCount == 0 {
		t.Errorf("API: got %d %s, want 200 with security users", resp.StatusCode, body)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve after cancel: exit %d, stderr %s; want 0", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}

func TestServeRefusesBadIssuer(t *testing.T) {
	t.Parallel()
	fails(t, "", "--issuer must be an absolute http or https URL", append([]string{"serve", "--issuer", "ftp://x", "--addr", "127.0.0.1:0"}, newDB(t)...)...)
}
