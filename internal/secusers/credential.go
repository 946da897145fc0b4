package secusers

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ClientCertificate is a certificate registered to an app, whose private key
// (kept by the partner, never by us) signs client assertions for the
// private_key_jwt client authentication of RFC 7523.
type ClientCertificate struct {
	ClientID string
	// Thumbprint is the upper-case hex SHA-1 of the DER certificate, the
	// form Microsoft Entra shows; its base64url form is the JWS "x5t".
	Thumbprint string
	// ThumbprintSHA256 is the base64url (unpadded) SHA-256 of the DER
	// certificate: the JWS "x5t#S256".
	ThumbprintSHA256 string
	Subject          string // the certificate's subject, for listings
	DER              []byte // the certificate itself
	NotBefore        time.Time
	NotAfter         time.Time
	CreatedAt        time.Time
}

// Validate checks the certificate record before it is stored. It checks the
// record's form; parsing the certificate is the token service's job.
func (c ClientCertificate) Validate() error {
	switch {
	case checkGUID("client id", c.ClientID) != nil:
		return checkGUID("client id", c.ClientID)
	case len(c.Thumbprint) != 40 || strings.Trim(c.Thumbprint, "0123456789ABCDEFabcdef") != "":
		return Errorf(Invalid, "a certificate thumbprint must be 40 hex digits")
	case len(c.ThumbprintSHA256) != 43:
		return Errorf(Invalid, "a certificate's SHA-256 thumbprint must be 43 base64url characters")
	case len(c.DER) == 0:
		return Errorf(Invalid, "a certificate record needs the certificate")
	case c.NotAfter.IsZero() || !c.NotAfter.After(c.NotBefore):
		return Errorf(Invalid, "a certificate needs a validity period")
	}
	return checkText("subject", c.Subject, false)
}

// CredentialStore keeps the credentials apps authenticate with beyond the
// secrets of Store: certificates, the secrets' removal, and the record of
// client assertions already used.
type CredentialStore interface {
	// AddClientCertificate registers a certificate to an app; NotFound when
	// the app does not exist, Conflict when the app has it already.
	AddClientCertificate(ctx context.Context, c ClientCertificate) (ClientCertificate, error)
	// ClientCertificates lists the app's certificates, expired ones included.
	ClientCertificates(ctx context.Context, clientID string) ([]ClientCertificate, error)
	// RemoveClientCertificate removes the app's certificate with the given
	// SHA-1 thumbprint (any case); NotFound when it has none such.
	RemoveClientCertificate(ctx context.Context, clientID, thumbprint string) error
	// RemoveClientSecret removes the app's secret; NotFound when it has none
	// with that id.
	RemoveClientSecret(ctx context.Context, clientID, secretID string) error
	// UseAssertionID records that a client assertion with this jti was used
	// by the app, and fails with Conflict when it was used before and its
	// record has not expired. Records are kept until expiresAt (the
	// assertion's own expiry), after which a replay fails on exp anyway.
	// Every server on one database sees every other's records.
	UseAssertionID(ctx context.Context, clientID, jti string, expiresAt time.Time) error
}

// CanonicalThumbprint returns a SHA-1 thumbprint in the form stores keep and
// compare: upper case, the form Microsoft Entra shows, so that one
// certificate given in two cases is one.
func CanonicalThumbprint(thumbprint string) string { return strings.ToUpper(thumbprint) }

// CertificateExists is AddClientCertificate's Conflict.
func CertificateExists(clientID, thumbprint string) error {
	return Errorf(Conflict, "app %s already has the certificate with thumbprint %s", clientID, thumbprint)
}

// NoCertificate is RemoveClientCertificate's NotFound when the app exists.
func NoCertificate(clientID, thumbprint string) error {
	return Errorf(NotFound, "app %s has no certificate with thumbprint %s", clientID, truncate(thumbprint))
}

// NoSecret is RemoveClientSecret's NotFound when the app exists.
func NoSecret(clientID, secretID string) error {
	return Errorf(NotFound, "app %s has no client secret %s", clientID, truncate(secretID))
}

// AssertionCleanupBatch is how many expired assertion records one
// UseAssertionID deletes at most. Each use deletes a few more than it adds,
// so the records stay near the number of unexpired ones, and no request
// pays for a backlog (after a long pause in traffic) all at once.
const AssertionCleanupBatch = 100

// ValidateAssertionID refuses a record of UseAssertionID that could not
// come from a client assertion the token service accepted. The bound on the
// jti also keeps it well below the size of an index entry a database
// refuses, which would otherwise surface as an internal error.
func ValidateAssertionID(clientID, jti string, expiresAt time.Time) error {
	switch canon, ok := ParseGUID(clientID); {
	case !ok || canon != clientID:
		return Errorf(Invalid, "a client id must be a lower-case GUID, got %q", truncate(clientID))
	case jti == "":
		return Errorf(Invalid, "a client assertion needs a jti")
	case len(jti) > MaxFieldLength || !utf8.ValidString(jti):
		return Errorf(Invalid, "a client assertion's jti must be UTF-8 of at most %d bytes", MaxFieldLength)
	case expiresAt.IsZero():
		return Errorf(Invalid, "a client assertion needs an expiry")
	}
	return nil
}

// AssertionReplayed is UseAssertionID's Conflict: the app used the jti
// before, and its record has not expired.
func AssertionReplayed() error {
	return Errorf(Conflict, "the client assertion was used before (a jti is used once)")
}
