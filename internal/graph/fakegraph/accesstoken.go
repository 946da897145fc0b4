package fakegraph

import (
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// graphResource is the audience of Graph access tokens.
const graphResource = "https://graph.microsoft.com"

// grantedRoles are the application permissions sync.md asks a partner to
// grant; every registered client has them.
var grantedRoles = []string{"User.Read.All", "AuditLog.Read.All", "IdentityRiskyUser.Read.All", "DeviceManagementManagedDevices.Read.All", "Domain.Read.All"}

// accessClaims are the claims of an app-only Graph token that matter here.
// Clients treat the token as opaque; it is a JWT because Entra's are.
type accessClaims struct {
	jwt.Claims
	AppID    string   `json:"appid"`
	TenantID string   `json:"tid"`
	Roles    []string `json:"roles"`
	IDType   string   `json:"idtyp"`
	Version  string   `json:"ver"`
}

// issueAccessToken signs a token for clientID with the server's own key.
func (s *Server) issueAccessToken(clientID string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: s.tokenKey}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := s.now()
	c := accessClaims{
		Claims: jwt.Claims{
			Issuer:    "https://sts.windows.net/" + s.Tenant().EntraTenantID + "/",
			Subject:   clientID,
			Audience:  jwt.Audience{graphResource},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			Expiry:    jwt.NewNumericDate(now.Add(s.tokenLifetime)),
		},
		AppID: clientID, TenantID: s.Tenant().EntraTenantID, Roles: grantedRoles, IDType: "app", Version: "1.0",
	}
	return jwt.Signed(signer).Claims(c).Serialize()
}

// authorize checks the bearer token of a read and answers as Graph does.
func (s *Server) authorize(rq *request) *graphError {
	h := rq.r.Header.Get("Authorization")
	scheme, raw, _ := strings.Cut(h, " ")
	if h == "" || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return unauthenticated("Access token is empty.")
	}
	tok, err := jwt.ParseSigned(strings.TrimSpace(raw), []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return unauthenticated("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.")
	}
	var c accessClaims
	if err := tok.Claims(s.tokenKey, &c); err != nil {
		return unauthenticated("Access token validation failure. Invalid audience.")
	}
	if c.TenantID != s.Tenant().EntraTenantID || !c.Audience.Contains(graphResource) {
		return unauthenticated("Access token validation failure. Invalid audience.")
	}
	if c.Expiry == nil || !s.now().Before(c.Expiry.Time()) {
		return unauthenticated("Lifetime validation failed, the token is expired.")
	}
	return nil
}

// tokenExpiresIn is expires_in in whole seconds.
func (s *Server) tokenExpiresIn() int { return int(s.tokenLifetime / time.Second) }
