package identity

import (
	"net/http"

	"github.com/secusers/secusers/internal/secusers"
)

// discoveryDocument is the part of OpenID Connect Discovery 1.0 (and RFC
// 8414) that a client credentials client uses to find the token endpoint and
// the keys that verify the tokens.
type discoveryDocument struct {
	Issuer                   string   `json:"issuer"`
	TokenEndpoint            string   `json:"token_endpoint"`
	JWKSURI                  string   `json:"jwks_uri"`
	GrantTypesSupported      []string `json:"grant_types_supported"`
	TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	// TokenEndpointAuthSigningAlgs are the algorithms private_key_jwt
	// assertions may use, so a client library picks one we accept. They
	// are the clients' algorithms, not the access tokens': those are
	// named by each key's "alg" in the JWKS (ES256 or RS256), since RFC
	// 8414 has no member for them, and id_token_signing_alg_values_supported
	// would be about ID tokens, which this service does not issue.
	TokenEndpointAuthSigningAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	ScopesSupported              []string `json:"scopes_supported"`
	ResponseTypesSupported       []string `json:"response_types_supported"`
}

// handleDiscovery serves the discovery document. It is built per request
// from the configuration alone, so it never needs the store.
func (s *Service) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	methods := make([]string, 0, len(s.clientAuth))
	for _, m := range s.clientAuth {
		methods = append(methods, m.name())
	}
	algs := make([]string, 0, len(assertionAlgorithms))
	for _, a := range assertionAlgorithms {
		algs = append(algs, string(a))
	}
	// Clients read this once at start-up; an hour of caching is harmless
	// because nothing in it changes without a redeploy.
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, discoveryDocument{
		Issuer:                       s.issuer,
		TokenEndpoint:                s.issuer + tokenPath,
		JWKSURI:                      s.issuer + jwksPath,
		GrantTypesSupported:          []string{grantClientCredentials},
		TokenEndpointAuthMethods:     methods,
		TokenEndpointAuthSigningAlgs: algs,
		ScopesSupported:              secusers.Permissions(),
		ResponseTypesSupported:       []string{"token"},
	})
}

// handleJWKS serves the public keys of every published signing key, so that
// tokens signed by a retired key still verify until they expire.
func (s *Service) handleJWKS(w http.ResponseWriter, r *http.Request) {
	set, err := s.keys.current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Short, so a third party sees a newly stored key within minutes even
	// if it does not refetch on an unknown kid.
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, set.jwks)
}
