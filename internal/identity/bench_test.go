package identity

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"net/http"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// The costs that bound the token service's throughput: a signature per
// token, a verification per API request (a hash and a lookup once the
// token is cached), and the endpoint's store reads (see
// BenchmarkTokenGrant for the grant as a whole).

// benchAlgorithms are the signing algorithms the benchmarks compare.
var benchAlgorithms = []string{AlgorithmES256, AlgorithmRS256}

func BenchmarkIssueAccessToken(b *testing.B) {
	for _, alg := range benchAlgorithms {
		b.Run(alg, func(b *testing.B) {
			e := newTestEnvAlg(b, alg)
			ctx := context.Background()
			for b.Loop() {
				if _, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyAccessToken compares a request with a known token (cached:
// a hash, a lookup and the claims' checks) with the full verification the
// cache spares (uncached: parsing, the signature, the claims), per
// algorithm.
func BenchmarkVerifyAccessToken(b *testing.B) {
	for _, alg := range benchAlgorithms {
		e := newTestEnvAlg(b, alg)
		ctx := context.Background()
		tok, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range []struct {
			name   string
			verify func() error
		}{
			{"cached", func() error { _, err := e.svc.VerifyAccessToken(ctx, tok); return err }},
			{"uncached", func() error { _, err := e.svc.verifyToken(ctx, tok); return err }},
		} {
			b.Run(alg+"/"+v.name, func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := v.verify(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
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

// BenchmarkTokenEndpointAssertion is BenchmarkTokenEndpoint with
// private_key_jwt instead of a client secret, for an RSA-2048 and a P-256
// certificate: the extra cost is the certificate lookup, the signature
// check and the jti write. Signing the assertion (the client's work) is
// done before the timer, one fresh assertion per request.
func BenchmarkTokenEndpointAssertion(b *testing.B) {
	for _, kc := range []struct {
		name string
		alg  jose.SignatureAlgorithm
		key  crypto.Signer
	}{{"RS256", jose.RS256, mustRSA(2048)}, {"ES256", jose.ES256, mustEC(elliptic.P256())}} {
		b.Run(kc.name, func(b *testing.B) {
			e := newTestEnv(b)
			e.logs.discard = true
			cert := e.newCert(b, kc.key)
			e.registerCert(b, e.app.ClientID, cert)
			const batch = 256
			var forms []string
			for b.Loop() {
				if len(forms) == 0 {
					b.StopTimer()
					for range batch {
						forms = append(forms, assertionForm(signAssertion(b, kc.alg, cert, assertionClaims(e.clock.Now(), e.app.ClientID))))
					}
					b.StartTimer()
				}
				spec := tokenRequestSpec{body: forms[0]}
				forms = forms[1:]
				if resp := e.postToken(b, spec); resp.StatusCode != http.StatusOK {
					b.Fatalf("status: got %d, want 200", resp.StatusCode)
				}
			}
		})
	}
}
