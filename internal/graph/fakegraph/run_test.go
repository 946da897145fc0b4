package fakegraph

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is written by Run's goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, "127.0.0.1:0", 250, 9, &out) }()
	line := regexp.MustCompile(`(?m)^connect with: .* --entra-tenant-id (\S+) --client-id (\S+) --client-secret '(\S+)' --graph-url (\S+) `)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Run printed %q", out.String())
		}
		m = line.FindStringSubmatch(out.String())
	}
	if !strings.HasPrefix(out.String(), "fakegraph listening on http://127.0.0.1:") {
		t.Errorf("first line: %q", out.String())
	}
	tenantID, clientID, secret, base := m[1], m[2], m[3], m[4]
	if wantID, wantSecret := DemoClient(9); clientID != wantID || secret != wantSecret || len(secret) != 40 {
		t.Errorf("credentials %s %s, want the seed's %s %s (40 characters)", clientID, secret, wantID, wantSecret)
	}
	resp, err := http.PostForm(base+"/"+tenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}, "scope": {base + "/.default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("token with the printed credentials: got %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if err := Run(context.Background(), "256.0.0.1:0", 1, 1, &out); err == nil {
		t.Error("Run on a bad address: no error")
	}
}
