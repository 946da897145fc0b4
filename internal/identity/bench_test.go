package identity

import (
	"context"
	"net/http"
	"testing"
)

// The costs that bound the token service's throughput: an RSA signature per
// token, an RSA verification per API request, and the endpoint's two store
// reads.

func BenchmarkIssueAccessToken(b *testing.B) {
	e := newTestEnv(b)
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := e.svc.IssueAccessToken(ctx, e.app, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAccessToken(b *testing.B) {
	e := newTestEnv(b)
	ctx := context.Background()
	tok, _, err := e.svc.IssueAccessToken(ctx, e.app, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkTokenEndpoint(b *testing.B) {
	e := newTestEnv(b)
	e.logs.discard = true
	spec := tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)}
	for b.Loop() {
		if resp := e.postToken(b, spec); resp.StatusCode != http.StatusOK {
			b.Fatalf("status: got %d, want 200", resp.StatusCode)
		}
	}
}
