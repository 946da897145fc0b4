package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
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
	// authenticate returns the app the credentials prove and the credential
	// that proved it, or an invalid_client error saying why not.
	authenticate(ctx context.Context, req *tokenRequest) (secusers.App, secusers.CredentialRef, error)
}

// authenticateClient authenticates the request's client by the one method it
// used and refuses a disabled app. It returns the app and the credential it
// authenticated with.
func (s *Service) authenticateClient(ctx context.Context, req *tokenRequest) (secusers.App, secusers.CredentialRef, error) {
	var method clientAuthMethod
	for _, m := range s.clientAuth {
		if !m.present(req) {
			continue
		}
		if method != nil { // RFC 6749 §2.3: one method per request
			return secusers.App{}, secusers.CredentialRef{}, invalidRequest("the request uses more than one client authentication method")
		}
		method = m
	}
	if method == nil {
		return secusers.App{}, secusers.CredentialRef{}, invalidClient(req, "client authentication is required", errors.New("no client credentials"))
	}
	app, cred, err := method.authenticate(ctx, req)
	if err != nil {
		return secusers.App{}, secusers.CredentialRef{}, err
	}
	reqlog.SetClientID(ctx, app.ClientID)
	// The client's own limit is spent only once it has proved who it is:
	// client ids are not secret, and a limit that failed attempts could
	// spend would let anyone who knows an id lock its app out. Guessing is
	// held back by the remote address's limit (and is hopeless anyway
	// against 256-bit secrets and signatures).
	if err := s.limitClient(ctx, app.ClientID); err != nil {
		return secusers.App{}, secusers.CredentialRef{}, err
	}
	if app.Disabled {
		return secusers.App{}, secusers.CredentialRef{}, invalidClient(req, "the app is disabled", errors.New("app disabled"))
	}
	return app, cred, nil
}

// invalidClient refuses client authentication; a client that sent Basic
// credentials gets a 401 with a Basic challenge.
func invalidClient(req *tokenRequest, description string, cause error) *oauthError {
	return &oauthError{code: codeInvalidClient, description: description, viaHeader: req.basic != nil, cause: cause}
}

// secretPost is client_secret_post: client_id and client_secret in the form.
type secretPost struct{ s *Service }

func (secretPost) name() string { return "client_secret_post" }

func (secretPost) present(req *tokenRequest) bool { return req.param("client_secret") != "" }

func (m secretPost) authenticate(ctx context.Context, req *tokenRequest) (secusers.App, secusers.CredentialRef, error) {
	return m.s.checkSecret(ctx, req, req.param("client_id"), req.param("client_secret"))
}

// secretBasic is client_secret_basic: HTTP Basic with the client id and secret.
type secretBasic struct{ s *Service }

func (secretBasic) name() string { return "client_secret_basic" }

func (secretBasic) present(req *tokenRequest) bool { return req.basic != nil }

func (m secretBasic) authenticate(ctx context.Context, req *tokenRequest) (secusers.App, secusers.CredentialRef, error) {
	if id := req.param("client_id"); id != "" && !sameClientID(id, req.basic.clientID) {
		return secusers.App{}, secusers.CredentialRef{}, invalidRequest("client_id in the body differs from the client in the Authorization header")
	}
	return m.s.checkSecret(ctx, req, req.basic.clientID, req.basic.secret)
}

// failedAuth is what a client sees for an unknown client and a wrong secret
// alike, so the endpoint does not confirm which client ids exist.
const failedAuth = "client authentication failed"

// sameClientID reports whether two client ids name the same client: GUIDs
// compare in their canonical form, as every authentication method reads
// them, and anything else byte for byte (and then fails authentication).
func sameClientID(a, b string) bool {
	ca, okA := secusers.ParseGUID(a)
	cb, okB := secusers.ParseGUID(b)
	if okA && okB {
		return ca == cb
	}
	return a == b
}

// checkSecret returns the app clientID, and the secret's record as the
// credential, when secret is one of its unexpired secrets. Only a caller
// holding a real secret learns that it has expired.
func (s *Service) checkSecret(ctx context.Context, req *tokenRequest, clientID, secret string) (secusers.App, secusers.CredentialRef, error) {
	id, ok := secusers.ParseGUID(clientID)
	if !ok {
		return secusers.App{}, secusers.CredentialRef{}, invalidClient(req, failedAuth, errors.New("client id is missing or not a GUID"))
	}
	r, rec, expired, err := s.matchSecret(ctx, id, secret)
	switch {
	case err != nil:
		return secusers.App{}, secusers.CredentialRef{}, loadClientError(req, id, err)
	case rec != nil:
		return r.app, secusers.CredentialRef{Kind: secusers.CredentialSecret, ID: rec.ID}, nil
	case expired:
		return secusers.App{}, secusers.CredentialRef{}, invalidClient(req, "the client secret has expired", fmt.Errorf("client %s: secret expired", id))
	}
	return secusers.App{}, secusers.CredentialRef{}, invalidClient(req, failedAuth, fmt.Errorf("client %s: wrong secret", id))
}

// matchSecret returns the app id with its secrets, and the unexpired one
// secret matches (nil when none does; expired when it matches only expired
// ones). The app and its secrets come from what the store returned less
// than clientCacheTTL ago when secret matches one of those (see
// clientCacheTTL for what that bound means), else from the store: a secret
// the cached read does not know may have been added since.
func (s *Service) matchSecret(ctx context.Context, id, secret string) (*clientRecords, *secusers.ClientSecret, bool, error) {
	now := s.now()
	if r, ok := s.clients.get(id); ok {
		if rec, expired := r.findSecret(secret, now); rec != nil || expired {
			return r, rec, expired, nil
		}
	}
	r, err := s.loadClient(ctx, id)
	if err != nil {
		return nil, nil, false, err
	}
	rec, expired := r.findSecret(secret, now)
	return r, rec, expired, nil
}

// loadClientError refuses an unknown client as it refuses a wrong secret,
// and passes a store fault on.
func loadClientError(req *tokenRequest, id string, err error) error {
	if secusers.IsKind(err, secusers.NotFound) || secusers.IsKind(err, secusers.Invalid) {
		return invalidClient(req, failedAuth, fmt.Errorf("client %s: %w", id, err))
	}
	return fmt.Errorf("load app %s and its secrets: %w", id, err)
}
