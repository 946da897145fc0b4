package fakegraph

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// serveToken is POST /{tenant}/oauth2/v2.0/token for the client credentials
// grant, answering and failing as Entra does.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	rq := s.begin(w, r, Token)
	clientID, err := s.grant(rq)
	if err == nil && !rq.wait() {
		return
	}
	if err == nil {
		if f := s.faultFor(Token, func(string) bool { return false }); f != nil {
			err = tokenFault(f)
		}
	}
	if err != nil {
		rq.writeEntraError(err)
		return
	}
	tok, signErr := s.issueAccessToken(clientID)
	if signErr != nil {
		rq.writeEntraError(&entraError{status: http.StatusInternalServerError, code: "server_error", aadsts: 90033, description: "A transient error has occurred. Please try again."})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	rq.answer(http.StatusOK)
	_ = json.NewEncoder(w).Encode(struct {
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		ExtExpiresIn int    `json:"ext_expires_in"`
		AccessToken  string `json:"access_token"`
	}{"Bearer", s.tokenExpiresIn(), s.tokenExpiresIn(), tok})
}

// tokenFault renders a Fault in Entra's terms.
func tokenFault(f *Fault) *entraError {
	e := &entraError{status: f.Status, code: f.Code, aadsts: 90033, description: f.Message, retryAfter: f.RetryAfter}
	if f.Status == http.StatusTooManyRequests || f.Status >= 500 {
		e.code, e.description = "temporarily_unavailable", "A transient error has occurred. Please try again."
	}
	if e.code == "" {
		e.code = "invalid_request"
	}
	return e
}

// grant validates a token request and returns the authenticated client.
func (s *Server) grant(rq *request) (string, *entraError) {
	r := rq.r
	if r.Method != http.MethodPost {
		return "", invalidRequest(900561, "The endpoint only accepts POST requests. Received a "+r.Method+" request.")
	}
	tenant := r.PathValue("tenant")
	if !s.isTenant(tenant) {
		return "", invalidRequest(90002, "Tenant '"+tenant+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
	}
	if err := r.ParseForm(); err != nil {
		return "", invalidRequest(900144, "The request body must contain the following parameter: 'grant_type'.")
	}
	form := r.PostForm
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		return "", invalidRequest(900144, "The request body must contain the following parameter: 'grant_type'.")
	default:
		return "", &entraError{status: http.StatusBadRequest, code: "unsupported_grant_type", aadsts: 70003, description: "The app requested an unsupported grant type '" + gt + "'."}
	}
	if err := s.checkScope(rq, form.Get("scope")); err != nil {
		return "", err
	}
	return s.authenticateClient(rq, tenant, form)
}

func invalidRequest(aadsts int, description string) *entraError {
	return &entraError{status: http.StatusBadRequest, code: "invalid_request", aadsts: aadsts, description: description}
}

func invalidClient(aadsts int, description string) *entraError {
	return &entraError{status: http.StatusUnauthorized, code: "invalid_client", aadsts: aadsts, description: description}
}

// isTenant accepts the tenant GUID or one of its domain names, as Entra does.
func (s *Server) isTenant(t string) bool {
	if strings.EqualFold(t, s.Tenant().EntraTenantID) {
		return true
	}
	for d := range s.Tenant().Domains.Values() {
		if strings.EqualFold(d.ID, t) {
			return true
		}
	}
	return false
}

// checkScope requires {graph}/.default, where {graph} is Graph's resource
// URI, its app id, or this server's own URL (what a client configured with
// the fake as its Graph URL sends).
func (s *Server) checkScope(rq *request, scope string) *entraError {
	if scope == "" {
		return invalidRequest(900144, "The request body must contain the following parameter: 'scope'.")
	}
	resource, ok := strings.CutSuffix(scope, "/.default")
	if !ok || strings.ContainsAny(scope, " ") {
		return &entraError{status: http.StatusBadRequest, code: "invalid_scope", aadsts: 1002012,
			description: "The provided value for scope " + scope + " is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
	}
	switch strings.TrimSuffix(resource, "/") {
	case graphResource, "00000003-0000-0000-c000-000000000000", rq.base():
		return nil
	}
	return &entraError{status: http.StatusBadRequest, code: "invalid_resource", aadsts: 500011,
		description: "The resource principal named " + resource + " was not found in the tenant named " + s.Tenant().EntraTenantID + ". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."}
}

// authenticateClient authenticates by the one method the request uses:
// client_secret in the body or in HTTP Basic, or a client assertion.
func (s *Server) authenticateClient(rq *request, tenant string, form url.Values) (string, *entraError) {
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := rq.r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both are form-encoded inside Basic.
		id, err1 := url.QueryUnescape(user)
		sec, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || secret != "" || (clientID != "" && clientID != id) {
			return "", invalidRequest(90014, "The request contains conflicting client credentials.")
		}
		clientID, secret = id, sec
	}
	assertion := form.Get("client_assertion")
	switch {
	case secret != "" && assertion != "":
		return "", invalidRequest(90014, "The request contains both 'client_secret' and 'client_assertion'; send one.")
	case assertion != "":
		if t := form.Get("client_assertion_type"); t != jwtBearer {
			return "", invalidRequest(900144, "The request body must contain the following parameter: 'client_assertion_type' with the value '"+jwtBearer+"'.")
		}
		return s.verifyAssertion(rq, tenant, clientID, assertion)
	case secret != "":
		return clientID, s.checkSecret(clientID, secret)
	case clientID == "":
		return "", invalidRequest(900144, "The request body must contain the following parameter: 'client_id'.")
	default:
		return "", invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
}

func (s *Server) checkSecret(clientID, secret string) *entraError {
	s.mu.Lock()
	want, hasSecret := s.secrets[clientID]
	_, hasCert := s.certs[clientID]
	s.mu.Unlock()
	if !hasSecret && !hasCert {
		return s.unknownApp(clientID)
	}
	if !hasSecret || subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return invalidClient(7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+clientID+"'.")
	}
	return nil
}

func (s *Server) unknownApp(clientID string) *entraError {
	return &entraError{status: http.StatusBadRequest, code: "unauthorized_client", aadsts: 700016,
		description: "Application with identifier '" + clientID + "' was not found in the directory '" + s.Tenant().EntraTenantID + "'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."}
}
