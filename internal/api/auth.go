package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"secusers/internal/reqlog"
	"secusers/internal/secusers"
)

// maxTokenLength bounds the bearer token handed to the verifier. Our tokens
// are a few hundred bytes; anything near this is not one of them.
const maxTokenLength = 8 << 10

var (
	errNoToken       = secusers.Errorf(secusers.Unauthenticated, "the request needs an Authorization header with a bearer access token")
	errMalformedAuth = secusers.Errorf(secusers.Unauthenticated, "the Authorization header must be \"Bearer\" followed by an access token")
	errInvalidToken  = secusers.Errorf(secusers.Unauthenticated, "the access token is invalid")
	errAppGone       = secusers.Errorf(secusers.Unauthenticated, "the app the access token was issued to is disabled or no longer registered")
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

// loadApp loads the app the token was issued to. The app is read per
// request, not trusted from the token, so that disabling or re-scoping an
// app takes effect at once, for tokens already issued too.
func (h *Handler) loadApp(ctx context.Context, c *call) error {
	app, err := h.store.App(ctx, c.token.ClientID)
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
