package identity

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/secusers/secusers/internal/secusers"
)

// clientAssertionType is the one client_assertion_type of private_key_jwt
// (RFC 7523 §2.2).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgorithms are the JWS algorithms a client assertion may use:
// RS256 and PS256 with RSA certificates, ES256 with P-256 ones. Passing
// this list to the parser is what refuses "none", the HMAC algorithms (a
// certificate's public key used as an HMAC secret) and every other
// algorithm confusion before any key is touched.
var assertionAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256}

const (
	// maxAssertionLength bounds what the parser decodes. An assertion is
	// well under 2 KiB, a few KiB with an x5c chain.
	maxAssertionLength = 16 << 10
	// maxAssertionLifetime is how far ahead an assertion's exp may be. An
	// assertion is made for one request; a long-lived one is a bearer
	// credential waiting to be stolen, and its jti record would have to be
	// kept as long.
	maxAssertionLifetime = 10 * time.Minute
	// assertionLeeway absorbs clock skew between a partner's machine and
	// ours; a minute is what common OAuth servers allow.
	assertionLeeway = time.Minute
	// maxJTILength bounds the jti the store records.
	maxJTILength = 256
)

// Descriptions of refused assertions. Before the signature is verified,
// every failure that depends on the store reads failedAuth, so that the
// endpoint tells nobody which clients and certificates exist; the ones
// below depend on the request alone, or are told only to the holder of
// the certificate's private key.
const (
	descAssertionMalformed = "the client assertion is not a valid signed JWT"
	descAssertionAlgorithm = "the client assertion's signing algorithm is not accepted; use RS256, PS256 or ES256"
	descAssertionIssuer    = "the client assertion's iss and sub must both be the client id"
	descAssertionClientID  = "client_id differs from the client assertion's iss and sub"
	descAssertionKey       = "the client assertion's header must name the certificate by x5t, x5t#S256 or kid"
)

// clientAssertion is a client assertion parsed but not yet verified.
type clientAssertion struct {
	tok    *jwt.JSONWebToken
	header jose.Header
	// clientID is the canonical form of iss and sub, which parsing has
	// checked to be one GUID.
	clientID string
}

// assertionRefused is an invalid_client for a client assertion. Basic
// credentials never come with one (that is two methods, refused earlier),
// so the response is always a 400.
func assertionRefused(description string, cause error) *oauthError {
	return &oauthError{code: codeInvalidClient, description: description, cause: cause}
}

// parseClientAssertion decodes a client assertion and checks what can be
// checked without the store: its form, its algorithm, that it names a
// certificate, and that iss and sub are one client id. Nothing it returns
// is trusted until verifyAssertion has checked the signature.
func parseClientAssertion(raw string) (*clientAssertion, error) {
	if len(raw) > maxAssertionLength {
		return nil, assertionRefused(descAssertionMalformed, errors.New("client assertion too long"))
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgorithms)
	if err != nil {
		var alg *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &alg) {
			return nil, assertionRefused(descAssertionAlgorithm, err)
		}
		return nil, assertionRefused(descAssertionMalformed, err)
	}
	if len(tok.Headers) != 1 {
		return nil, assertionRefused(descAssertionMalformed, errors.New("not one signature"))
	}
	h := tok.Headers[0]
	if h.KeyID == "" && headerString(h, "x5t") == "" && headerString(h, "x5t#S256") == "" {
		return nil, assertionRefused(descAssertionKey, errors.New("no certificate named"))
	}
	var claims jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return nil, assertionRefused(descAssertionMalformed, err)
	}
	id, ok := secusers.ParseGUID(claims.Subject)
	if !ok || claims.Issuer != claims.Subject {
		return nil, assertionRefused(descAssertionIssuer, errors.New("iss and sub are not one client id"))
	}
	return &clientAssertion{tok: tok, header: h, clientID: id}, nil
}

// headerString returns a string member of the JOSE header that go-jose does
// not decode itself, such as x5t; "" when absent or not a string.
func headerString(h jose.Header, name jose.HeaderKey) string {
	s, _ := h.ExtraHeaders[name].(string)
	return s
}

// privateKeyJWT is private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9):
// a JWT signed with the private key of a certificate registered to the app.
type privateKeyJWT struct{ s *Service }

func (privateKeyJWT) name() string { return "private_key_jwt" }

// present counts the assertion type alone too, so that a request with a
// type but no assertion is refused as such rather than as unauthenticated.
func (privateKeyJWT) present(req *tokenRequest) bool {
	return req.param("client_assertion") != "" || req.param("client_assertion_type") != ""
}

func (m privateKeyJWT) authenticate(ctx context.Context, req *tokenRequest) (secusers.App, secusers.CredentialRef, error) {
	switch typ := req.param("client_assertion_type"); {
	case typ != clientAssertionType:
		return secusers.App{}, secusers.CredentialRef{}, invalidRequest("client_assertion_type must be " + clientAssertionType)
	case req.param("client_assertion") == "":
		return secusers.App{}, secusers.CredentialRef{}, invalidRequest("client_assertion is required with client_assertion_type")
	}
	ca, err := req.clientAssertion()
	if err != nil {
		return secusers.App{}, secusers.CredentialRef{}, err
	}
	if id := req.param("client_id"); id != "" {
		if !sameClientID(id, ca.clientID) {
			return secusers.App{}, secusers.CredentialRef{}, assertionRefused(descAssertionClientID, errors.New("client_id differs from sub"))
		}
	}
	return m.s.verifyAssertion(ctx, ca)
}

// verifyAssertion finds the registered certificate the assertion names,
// verifies the signature with its key, then checks the certificate's
// validity and the claims, and finally spends the jti. It returns the app
// and the certificate as the credential.
func (s *Service) verifyAssertion(ctx context.Context, ca *clientAssertion) (secusers.App, secusers.CredentialRef, error) {
	app, rec, cert, err := s.assertionCertificate(ctx, ca)
	if err != nil {
		return secusers.App{}, secusers.CredentialRef{}, err
	}
	if !keyFits(ca.header.Algorithm, cert.PublicKey) {
		return secusers.App{}, secusers.CredentialRef{}, assertionRefused(failedAuth,
			fmt.Errorf("client %s: algorithm %s does not fit the certificate's %s key", ca.clientID, ca.header.Algorithm, cert.PublicKeyAlgorithm))
	}
	var claims jwt.Claims
	if err := ca.tok.Claims(cert.PublicKey, &claims); err != nil {
		return secusers.App{}, secusers.CredentialRef{}, assertionRefused(failedAuth, fmt.Errorf("client %s: signature: %w", ca.clientID, err))
	}
	// Signed by the certificate's key from here on: the details below are
	// told only to whoever holds that key.
	now := s.now()
	switch {
	case now.Before(cert.NotBefore):
		return secusers.App{}, secusers.CredentialRef{}, assertionRefused("the certificate that signed the client assertion is not valid yet",
			fmt.Errorf("client %s: certificate not valid before %v", ca.clientID, cert.NotBefore))
	case rec.ExpiredAt(now):
		return secusers.App{}, secusers.CredentialRef{}, assertionRefused("the certificate that signed the client assertion has expired; register a new one",
			fmt.Errorf("client %s: certificate expired at %v", ca.clientID, cert.NotAfter))
	}
	if err := s.checkAssertionClaims(claims, now); err != nil {
		err.cause = fmt.Errorf("client %s: %s", ca.clientID, err.description)
		return secusers.App{}, secusers.CredentialRef{}, err
	}
	// Kept past exp by the leeway, during which checkAssertionClaims still
	// accepts the assertion, so that a replay then is caught too.
	err = s.store.UseAssertionID(ctx, ca.clientID, claims.ID, claims.Expiry.Time().Add(assertionLeeway))
	switch {
	case secusers.IsKind(err, secusers.Conflict):
		return secusers.App{}, secusers.CredentialRef{}, assertionRefused("the client assertion has been used before; make a new one, with a new jti, for every request",
			fmt.Errorf("client %s: jti replayed", ca.clientID))
	case err != nil:
		return secusers.App{}, secusers.CredentialRef{}, fmt.Errorf("record client assertion of app %s: %w", ca.clientID, err)
	}
	return app, secusers.CredentialRef{Kind: secusers.CredentialCertificate, ID: rec.Thumbprint}, nil
}

// assertionCertificate loads the app and the registered certificate the
// assertion's header names, as stored and parsed. Every way of not finding
// them is failedAuth.
func (s *Service) assertionCertificate(ctx context.Context, ca *clientAssertion) (secusers.App, secusers.ClientCertificate, *x509.Certificate, error) {
	app, err := s.store.App(ctx, ca.clientID)
	switch {
	case secusers.IsKind(err, secusers.NotFound), secusers.IsKind(err, secusers.Invalid):
		return secusers.App{}, secusers.ClientCertificate{}, nil, assertionRefused(failedAuth, fmt.Errorf("client %s: %w", ca.clientID, err))
	case err != nil:
		return secusers.App{}, secusers.ClientCertificate{}, nil, fmt.Errorf("load app %s: %w", ca.clientID, err)
	}
	records, err := s.store.ClientCertificates(ctx, ca.clientID)
	if err != nil {
		return secusers.App{}, secusers.ClientCertificate{}, nil, fmt.Errorf("load certificates of app %s: %w", ca.clientID, err)
	}
	names := certificateNames(ca.header)
	for _, rec := range records {
		if !names.match(rec.DER) {
			continue
		}
		cert, err := x509.ParseCertificate(rec.DER)
		if err != nil {
			return secusers.App{}, secusers.ClientCertificate{}, nil, fmt.Errorf("stored certificate %s of app %s: %w", rec.Thumbprint, ca.clientID, err)
		}
		return app, rec, cert, nil
	}
	return secusers.App{}, secusers.ClientCertificate{}, nil, assertionRefused(failedAuth, fmt.Errorf("client %s: no registered certificate matches the assertion's header", ca.clientID))
}

// certNames are the certificate identifiers of an assertion's header,
// decoded; nil when absent or undecodable.
type certNames struct {
	present            int // how many of x5t, x5t#S256, kid the header has
	x5t, x5tS256, kids [][]byte
}

// certificateNames decodes x5t (base64url SHA-1), x5t#S256 (base64url
// SHA-256) and kid, which clients fill with either thumbprint in base64url
// or in hex of any case, as Microsoft's and other libraries do.
func certificateNames(h jose.Header) certNames {
	var n certNames
	if v := headerString(h, "x5t"); v != "" {
		n.present++
		n.x5t = decodeThumbprints(v, false)
	}
	if v := headerString(h, "x5t#S256"); v != "" {
		n.present++
		n.x5tS256 = decodeThumbprints(v, false)
	}
	if h.KeyID != "" {
		n.present++
		n.kids = decodeThumbprints(h.KeyID, true)
	}
	return n
}

// decodeThumbprints decodes a thumbprint given as base64url (padding
// tolerated) and, when hexToo, as hex of any case.
func decodeThumbprints(s string, hexToo bool) [][]byte {
	var out [][]byte
	if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		out = append(out, b)
	}
	if hexToo {
		if b, err := hex.DecodeString(s); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// match reports whether every identifier the header has names the
// certificate der, so that headers naming two different certificates are
// refused rather than resolved either way.
func (n certNames) match(der []byte) bool {
	if n.present == 0 {
		return false
	}
	s1, s256 := sha1.Sum(der), sha256.Sum256(der)
	matched := 0
	if anyEqual(n.x5t, s1[:]) {
		matched++
	}
	if anyEqual(n.x5tS256, s256[:]) {
		matched++
	}
	if anyEqual(n.kids, s1[:]) || anyEqual(n.kids, s256[:]) {
		matched++
	}
	return matched == n.present
}

func anyEqual(list [][]byte, want []byte) bool {
	return slices.ContainsFunc(list, func(b []byte) bool { return bytes.Equal(b, want) })
}

// keyFits reports whether alg is an algorithm for the key: RSA of at least
// minRSABits for RS256 and PS256, P-256 for ES256. The parser already
// refused every other algorithm; this refuses an RSA algorithm with an EC
// key and the reverse.
func keyFits(alg string, pub any) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return (alg == string(jose.RS256) || alg == string(jose.PS256)) && k.N.BitLen() >= minRSABits
	case *ecdsa.PublicKey:
		return alg == string(jose.ES256) && k.Curve == elliptic.P256()
	}
	return false
}

// checkAssertionClaims checks the verified claims of RFC 7523 §3: the
// token endpoint (or the issuer) as audience, an expiry that has not passed
// and is near, no validity in the future, and a jti to spend.
func (s *Service) checkAssertionClaims(c jwt.Claims, now time.Time) *oauthError {
	switch {
	case !slices.Contains(c.Audience, s.issuer+tokenPath) && !slices.Contains(c.Audience, s.issuer):
		return assertionRefused("the client assertion's aud must be the token endpoint "+s.issuer+tokenPath, nil)
	case c.Expiry == nil:
		return assertionRefused("the client assertion has no exp", nil)
	case now.After(c.Expiry.Time().Add(assertionLeeway)):
		return assertionRefused("the client assertion has expired", nil)
	case c.Expiry.Time().After(now.Add(maxAssertionLifetime + assertionLeeway)):
		return assertionRefused(fmt.Sprintf("the client assertion's exp is too far ahead; at most %d minutes", int(maxAssertionLifetime.Minutes())), nil)
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionLeeway)),
		c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionLeeway)):
		return assertionRefused("the client assertion is not valid yet", nil)
	case c.ID == "":
		return assertionRefused("the client assertion has no jti", nil)
	case len(c.ID) > maxJTILength:
		return assertionRefused(fmt.Sprintf("the client assertion's jti is longer than %d bytes", maxJTILength), nil)
	case !utf8.ValidString(c.ID) || strings.ContainsFunc(c.ID, unicode.IsControl):
		// The store keeps the jti as text; a NUL or broken UTF-8 would be
		// its error (a 500), not the client's.
		return assertionRefused("the client assertion's jti must be printable text", nil)
	}
	return nil
}
