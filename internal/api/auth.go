package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
)

// maxTokenLength bounds the bearer token handed to the verifier. Our tokens
// are a few hundred bytes; anything near this is not one of them.
const maxTokenLength = 8 << 10

var (
	errNoToken           = secusers.Errorf(secusers.Unauthenticated, "the request needs an Authorization header with a bearer access token")
	errMalformedAuth     = secusers.Errorf(secusers.Unauthenticated, "the Authorization header must be \"Bearer\" followed by an access token")
	errInvalidToken      = secusers.Errorf(secusers.Unauthenticated, "the access token is invalid")
	errAppGone           = secusers.Errorf(secusers.Unauthenticated, "the app the access token was issued to is disabled or no longer registered")
	errCredentialGone    = secusers.Errorf(secusers.Unauthenticated, "the credential the access token was issued with has been removed")
	errCredentialExpired = secusers.Errorf(secusers.Unauthenticated, "the credential the access token was issued with has expired")
)

// authenticate verifies the bearer token. It needs no store read beyond the
// signing keys, which are cached, so that a flood of bad tokens costs the
// database nothing.
func (h *Handler) authenticate(ctx context.Context, c *call) error {
	raw, err := bearerToken(c.r.Header)
	if err != nil {
		return err
	}
	tok, err := h.verifier.VerifyAccessToken(ctx, raw)
	if err != nil {
		return verifierError(err)
	}
	c.token = tok
	// The token is authentic from here on, so the access log may name its
	// client even when the app turns out to be disabled: those are the
	// attempts an operator wants to see.
	reqlog.SetClientID(ctx, tok.ClientID)
	return nil
}

// loadApp loads the app the token was issued to. The app is read anew
// within RecentReads, not trusted from the token, so that disabling or
// re-scoping an app takes effect within that time, for tokens already
// issued too.
func (h *Handler) loadApp(ctx context.Context, c *call) error {
	app, err := h.recent.apps.get(ctx, c.token.ClientID)
	switch {
	case secusers.IsKind(err, secusers.NotFound):
		return errAppGone
	case err != nil:
		return fmt.Errorf("load app %s: %w", c.token.ClientID, err)
	case app.Disabled:
		return errAppGone
	}
	c.app = app
	return nil
}

// checkCredential refuses a token whose credential (the client secret or
// certificate the app obtained it with) has been removed or has expired.
// Like the app, the credential is read anew within RecentReads, so that
// removing a leaked secret ends its tokens within that time, on every
// server; expiry is checked against the clock on every request. A token that
// names no credential is from an earlier version and is accepted until it
// expires (see identity's verifier).
//
// An expired credential's tokens are refused too, though they were issued
// while it was valid: a credential's expiry is the operator's bound on what
// it may authorize, and the token endpoint refuses it from then on, so
// honouring its tokens for up to another hour would only postpone the
// partner's finding out.
func (h *Handler) checkCredential(ctx context.Context, c *call) error {
	switch cred := c.token.Credential; cred.Kind {
	case "":
		return nil
	case secusers.CredentialSecret:
		return h.checkSecret(ctx, c.app.ClientID, cred.ID)
	case secusers.CredentialCertificate:
		return h.checkCertificate(ctx, c.app.ClientID, cred.ID)
	}
	// The verifier accepts no other kind: a token that names one is not ours.
	return errInvalidToken
}

// checkSecret refuses a token obtained with the app's secret secretID when
// the app no longer has that secret or the secret has expired.
func (h *Handler) checkSecret(ctx context.Context, clientID, secretID string) error {
	secrets, err := h.recent.secrets.get(ctx, clientID)
	if err != nil {
		return fmt.Errorf("load secrets of app %s: %w", clientID, err)
	}
	i := slices.IndexFunc(secrets, func(s secusers.ClientSecret) bool { return s.ID == secretID })
	switch {
	case i < 0:
		return errCredentialGone
	case secrets[i].ExpiredAt(h.now()):
		return errCredentialExpired
	}
	return nil
}

// checkCertificate refuses a token obtained with the app's certificate of
// that thumbprint when the app no longer has the certificate or the
// certificate has expired.
func (h *Handler) checkCertificate(ctx context.Context, clientID, thumbprint string) error {
	certs, err := h.recent.certificates.get(ctx, clientID)
	if err != nil {
		return fmt.Errorf("load certificates of app %s: %w", clientID, err)
	}
	i := slices.IndexFunc(certs, func(c secusers.ClientCertificate) bool { return strings.EqualFold(c.Thumbprint, thumbprint) })
	switch {
	case i < 0:
		return errCredentialGone
	case certs[i].ExpiredAt(h.now()):
		return errCredentialExpired
	}
	return nil
}

// verifierError keeps the verifier's faults (Unavailable, Internal) as they
// are and makes every other refusal a 401, keeping its caller-safe message.
func verifierError(err error) error {
	switch secusers.KindOf(err) {
	case secusers.Unavailable, secusers.Internal:
		return fmt.Errorf("verify access token: %w", err)
	}
	if msg := secusers.MessageOf(err); msg != "" {
		return secusers.Wrap(secusers.Unauthenticated, err, msg)
	}
	return secusers.Wrap(secusers.Unauthenticated, err, errInvalidToken.Message)
}

// authorize requires the read permission twice: in the token, which the app
// asked for, and in the app's current grant, which an admin may have
// revoked since the token was issued.
func (h *Handler) authorize(_ context.Context, c *call) error {
	if !c.token.HasScope(secusers.PermissionReadUsers) || !c.app.HasPermission(secusers.PermissionReadUsers) {
		return insufficientScope()
	}
	return nil
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header (RFC 6750 §2.1). The scheme is case-insensitive (RFC 9110 §11.1);
// the token must be a b64token. Several Authorization headers are refused:
// which one the client meant is unknowable.
func bearerToken(header http.Header) (string, error) {
	values := header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", errNoToken
	case 1:
	default:
		return "", errMalformedAuth
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", errMalformedAuth
	}
	token = strings.Trim(token, " ")
	if !isB64Token(token) {
		return "", errMalformedAuth
	}
	return token, nil
}

// isB64Token reports whether s matches RFC 6750's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	if s == "" || len(s) > maxTokenLength {
		return false
	}
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}
