package fakegraph

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// assertionLeeway is the clock skew Entra tolerates on a client assertion.
const assertionLeeway = 5 * time.Minute

// verifyAssertion checks a client assertion (RFC 7523) as Entra does for a
// certificate credential: RS256 or PS256, signed by a certificate registered
// for the client and named by the x5t (or x5t#S256) thumbprint that
// Microsoft's documentation makes required; iss and sub the client id; aud
// the token endpoint; inside its time range.
func (s *Server) verifyAssertion(rq *request, tenant, clientID, assertion string) (string, *entraError) {
	tok, err := jwt.ParseSigned(assertion, []jose.SignatureAlgorithm{jose.RS256, jose.PS256})
	if err != nil || len(tok.Headers) != 1 {
		return "", invalidClient(50027, "JWT token is invalid or malformed.")
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return "", invalidClient(50027, "JWT token is invalid or malformed.")
	}
	if clientID == "" {
		clientID = c.Subject
	}
	if c.Subject != clientID || c.Issuer != clientID {
		return "", invalidClient(700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
	}
	s.mu.Lock()
	certs := s.certs[clientID]
	_, hasSecret := s.secrets[clientID]
	s.mu.Unlock()
	if len(certs) == 0 && !hasSecret {
		return "", s.unknownApp(clientID)
	}
	candidates, named := matchThumbprint(tok.Headers[0], certs)
	if !named {
		return "", invalidClient(5002738, "The client assertion's header must contain an 'x5t' or 'x5t#S256' certificate thumbprint.")
	}
	if len(candidates) == 0 {
		return "", invalidClient(700027, "Client assertion failed signature validation. [Reason - The key was not found.]")
	}
	now := s.now()
	verified := false
	for _, cert := range candidates {
		if tok.Claims(cert.PublicKey, &c) == nil {
			if now.After(cert.NotAfter) {
				return "", invalidClient(700027, "The certificate with identifier used to sign the client assertion is expired on application.")
			}
			verified = true
			break
		}
	}
	if !verified {
		return "", invalidClient(700027, "Client assertion contains an invalid signature.")
	}
	if !audienceOK(c.Audience, rq.base(), tenant, s.Tenant().EntraTenantID) {
		return "", invalidClient(50027, "JWT token is invalid or malformed: the audience is not this token endpoint.")
	}
	err = c.ValidateWithLeeway(jwt.Expected{Time: now}, assertionLeeway)
	if c.Expiry == nil || err != nil {
		return "", invalidClient(700024, "Client assertion is not within its valid time range.")
	}
	return clientID, nil
}

// matchThumbprint returns the certificates the header's thumbprint names,
// and whether it names one at all.
func matchThumbprint(h jose.Header, certs []*x509.Certificate) ([]*x509.Certificate, bool) {
	x5t, _ := h.ExtraHeaders["x5t"].(string)
	x5t256, _ := h.ExtraHeaders["x5t#S256"].(string)
	if x5t == "" && x5t256 == "" {
		return nil, false
	}
	var out []*x509.Certificate
	for _, cert := range certs {
		sha1Sum, sha256Sum := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw)
		if x5t == base64.RawURLEncoding.EncodeToString(sha1Sum[:]) ||
			x5t256 == base64.RawURLEncoding.EncodeToString(sha256Sum[:]) {
			out = append(out, cert)
		}
	}
	return out, true
}

// audienceOK accepts the token endpoint the client called, with the tenant
// as it wrote it or as the GUID, and Entra's public host for the same path.
func audienceOK(aud jwt.Audience, base, tenant, tenantID string) bool {
	for _, host := range []string{base, "https://login.microsoftonline.com"} {
		for _, t := range []string{tenant, tenantID} {
			if aud.Contains(host + "/" + t + "/oauth2/v2.0/token") {
				return true
			}
		}
	}
	return false
}
