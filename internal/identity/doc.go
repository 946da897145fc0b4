// Package identity is the OAuth2 token service: the client credentials grant
// at POST /connect/token, client authentication by client secret
// (client_secret_post, client_secret_basic) and by a JWT signed with the key
// of a registered certificate (private_key_jwt, RFC 7523), rate limits per
// remote address and per client at that endpoint, the signing keys (kept in
// the store so that every server signs and verifies with the same keys, and
// rotated by storing a new active key, which every server picks up within
// seconds), access tokens as JWTs (RFC 9068) signed ES256 by default or
// RS256, that name the credential they were obtained with (so that the
// partner API can refuse them once it is removed), their verification for
// the partner API (with a cache of the tokens already verified), and the
// discovery document and JWKS that let any standard library verify the
// tokens too.
package identity
