package identity

import (
	"context"
	"errors"
	"fmt"

	"secusers/internal/reqlog"
	"secusers/internal/secusers"
)

// clientAuthMethod is one way a client proves who it is at the token endpoint
// (RFC 6749 §2.3). The endpoint finds the one method whose credentials the
// request carries and lets it authenticate; private_key_jwt (RFC 7523) slots
// in as one more implementation, present when client_assertion is sent.
type clientAuthMethod interface {
	// name is the method's registered name, as discovery advertises it.
	name() string
	// present reports whether the request carries this method's credentials.
	present(req *tokenRequest) bool
	// authenticate returns the app the credentials prove, or an
	// invalid_client error saying why not.
	authenticate(ctx context.Context, req *tokenRequest) (secusers.App, error)
}

// authenticateClient authenticates the request's client by the one method it
// used and refuses a disabled app.
func (s *Service) authenticateClient(ctx context.Context, req *tokenRequest) (secusers.App, error) {
	var method clientAuthMethod
	for _, m := range s.clientAuth {
		if !m.present(req) {
			continue
		}
		if method != nil { // RFC 6749 §2.3: one method per request
			return secusers.App{}, invalidRequest("the request uses more than one client authentication method")
		}
		method = m
	}
	if method == nil {
		return secusers.App{}, invalidClient(req, "client authentication is required", errors.New("no client credentials"))
	}
	app, err := method.authenticate(ctx, req)
	if err != nil {
		return secusers.App{}, err
	}
	reqlog.SetClientID(ctx, app.ClientID)
	// The client's own limit is spent only once it has proved who it is:
	// client ids are not secret, and a limit that failed attempts could
	// spend would let anyone who knows an id lock its app out. Guessing is
	// held back by the remote address's limit (and is hopeless anyway
	// against 256-bit secrets and signatures).
	if err := s.limitClient(ctx, app.ClientID); err != nil {
		return secusers.App{}, err
	}
	if app.Disabled {
		return secusers.App{}, invalidClient(req, "the app is disabled", errors.New("app disabled"))
	}
	return app, nil
}

// invalidClient refuses client authentication; a client that sent Basic
// credentials gets a 401 with a Basic challenge.
func invalidClient(req *tokenRequest, description string, cause error) *oauthError {
	return &oauthError{code: codeInvalidClient, description: description, viaBasic: req.basic != nil, cause: cause}
}

// secretPost is client_secret_post: client_id and client_secret in the form.
type secretPost struct{ s *Service }

func (secretPost) name() string { return "client_secret_post" }

func (secretPost) present(req *tokenRequest) bool { return req.param("client_secret") != "" }

func (m secretPost) authenticate(ctx context.Context, req *tokenRequest) (secusers.App, error) {
	return m.s.checkSecret(ctx, req, req.param("client_id"), req.param("client_secret"))
}

// secretBasic is client_secret_basic: HTTP Basic with the client id and secret.
type secretBasic struct{ s *Service }

func (secretBasic) name() string { return "client_secret_basic" }

func (secretBasic) present(req *tokenRequest) bool { return req.basic != nil }

func (m secretBasic) authenticate(ctx context.Context, req *tokenRequest) (secusers.App, error) {
	if id := req.param("client_id"); id != "" && id != req.basic.clientID {
		return secusers.App{}, invalidRequest("client_id in the body differs from the client in the Authorization header")
	}
	return m.s.checkSecret(ctx, req, req.basic.clientID, req.basic.secret)
}

// failedAuth is what a client sees for an unknown client and a wrong secret
// alike, so the endpoint does not confirm which client ids exist.
const failedAuth = "client authentication failed"

// checkSecret returns the app clientID when secret is one of its unexpired
// secrets. Only a caller holding a real secret learns that it has expired.
func (s *Service) checkSecret(ctx context.Context, req *tokenRequest, clientID, secret string) (secusers.App, error) {
	id, ok := secusers.ParseGUID(clientID)
	if !ok {
		return secusers.App{}, invalidClient(req, failedAuth, errors.New("client id is missing or not a GUID"))
	}
	app, err := s.store.App(ctx, id)
	switch {
	case secusers.IsKind(err, secusers.NotFound), secusers.IsKind(err, secusers.Invalid):
		return secusers.App{}, invalidClient(req, failedAuth, fmt.Errorf("client %s: %w", id, err))
	case err != nil:
		return secusers.App{}, fmt.Errorf("load app %s: %w", id, err)
	}
	records, err := s.store.ClientSecrets(ctx, id)
	if err != nil {
		return secusers.App{}, fmt.Errorf("load secrets of app %s: %w", id, err)
	}
	now, expired := s.now(), false
	for _, rec := range records {
		if !SecretMatches(rec, secret) {
			continue
		}
		if now.Before(rec.ExpiresAt) {
			return app, nil
		}
		expired = true
	}
	if expired {
		return secusers.App{}, invalidClient(req, "the client secret has expired", fmt.Errorf("client %s: secret expired", id))
	}
	return secusers.App{}, invalidClient(req, failedAuth, fmt.Errorf("client %s: wrong secret", id))
}
