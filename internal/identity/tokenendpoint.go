package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// grantClientCredentials is the one grant the service supports: partners'
// apps call the API as themselves (RFC 6749 §4.4).
const grantClientCredentials = "client_credentials"

// tokenResponse is a successful token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// handleToken serves POST /connect/token.
func (s *Service) handleToken(w http.ResponseWriter, r *http.Request) {
	resp, err := s.token(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// token runs the client credentials grant: spend the address's rate limit,
// read the request, check the grant type before touching the store,
// authenticate the client (spending its rate limit first), settle the
// scopes, sign. The store work runs under the store timeout, which starts
// once the body is read, so that a slow upload does not spend it.
func (s *Service) token(w http.ResponseWriter, r *http.Request) (tokenResponse, error) {
	if err := s.limitAddress(r); err != nil {
		return tokenResponse{}, err
	}
	req, err := parseTokenRequest(w, r)
	if err != nil {
		return tokenResponse{}, err
	}
	switch grant := req.param("grant_type"); grant {
	case grantClientCredentials:
	case "":
		return tokenResponse{}, invalidRequest("grant_type is required")
	default:
		return tokenResponse{}, &oauthError{code: codeUnsupportedGrantType,
			description: "the grant type '" + grant + "' is not supported, use " + grantClientCredentials}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.storeTimeout)
	defer cancel()
	app, cred, err := s.authenticateClient(ctx, req)
	if err != nil {
		return tokenResponse{}, deadlineError(ctx, err)
	}
	scopes, err := grantedScopes(app, req.param("scope"))
	if err != nil {
		return tokenResponse{}, err
	}
	token, ttl, err := s.IssueAccessToken(ctx, app, cred, scopes)
	if err != nil {
		return tokenResponse{}, deadlineError(ctx, err)
	}
	return tokenResponse{
		AccessToken: token,
		TokenType:   "Bearer",
		ExpiresIn:   int64(ttl.Seconds()),
		Scope:       strings.Join(scopes, " "),
	}, nil
}

// grantedScopes reads the space-separated scope parameter: each scope must be
// granted to the app, repeats count once, and none means every granted one.
func grantedScopes(app secusers.App, param string) ([]string, error) {
	var scopes []string
	for sc := range strings.SplitSeq(param, " ") {
		switch {
		case sc == "": // tolerate doubled spaces
		case !app.HasPermission(sc):
			return nil, invalidScope("the scope '" + sc + "' is not granted to the app")
		case !contains(scopes, sc):
			scopes = append(scopes, sc)
		}
	}
	if len(scopes) == 0 {
		scopes = append(scopes, app.Permissions...)
	}
	return scopes, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// deadlineError makes a fault caused by the store timeout a store outage
// (503 temporarily_unavailable with Retry-After), as the partner API does:
// to the client a store that does not answer in time is one it cannot
// reach. The deadline's own state decides, since a driver reports an
// interrupted query its own way. A refusal (an oauthError) that came in
// time stays what it is, and a client that went away is not told 503.
func deadlineError(ctx context.Context, err error) error {
	var oe *oauthError
	switch {
	case errors.As(err, &oe):
		return err
	case !errors.Is(err, context.DeadlineExceeded) && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return err
	}
	switch secusers.KindOf(err) {
	case secusers.Internal, secusers.Unavailable:
		return secusers.Wrap(secusers.Unavailable, err, "the store did not answer in time")
	}
	return err
}
