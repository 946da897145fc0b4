// Package identity is the OAuth2 token service: the client credentials grant
// at POST /connect/token, client authentication by client secret, the signing
// keys (kept in the store so that every server signs and verifies with the
// same keys), access tokens as RS256 JWTs (RFC 9068), their verification for
// the partner API, and the discovery document and JWKS that let any standard
// library verify the tokens too.
package identity
