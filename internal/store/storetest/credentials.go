package storetest

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// newCert returns a certificate record for the app whose thumbprints are
// those of random "DER" bytes: the store treats the certificate as opaque,
// so it needs no real one. Its times are kept at millisecond precision, in
// UTC, as every store keeps them.
func newCert(clientID string) secusers.ClientCertificate {
	der := make([]byte, 600)
	rand.Read(der)
	sha1Sum, sha256Sum := sha1.Sum(der), sha256.Sum256(der)
	notBefore := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)
	return secusers.ClientCertificate{
		ClientID:         clientID,
		Thumbprint:       strings.ToUpper(hex.EncodeToString(sha1Sum[:])),
		ThumbprintSHA256: base64.RawURLEncoding.EncodeToString(sha256Sum[:]),
		Subject:          "CN=partner-" + newID()[:8],
		DER:              der,
		NotBefore:        notBefore,
		NotAfter:         notBefore.Add(365 * 24 * time.Hour),
	}
}

// createApp makes an app of the partner that may read every customer.
func createApp(t *testing.T, s secusers.Store, partnerID string) secusers.App {
	t.Helper()
	a, err := s.CreateApp(ctx(t), newApp(partnerID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
	must(t, "CreateApp", err)
	return a
}

func addCert(t *testing.T, s secusers.Store, c secusers.ClientCertificate) secusers.ClientCertificate {
	t.Helper()
	got, err := s.AddClientCertificate(ctx(t), c)
	must(t, "AddClientCertificate", err)
	return got
}

// wantCerts fails the test unless the app's certificates are want, in order.
func wantCerts(t *testing.T, s secusers.Store, clientID string, want []secusers.ClientCertificate) {
	t.Helper()
	got, err := s.ClientCertificates(ctx(t), clientID)
	must(t, "ClientCertificates", err)
	if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
		t.Errorf("ClientCertificates of %s (-want +got):\n%s", clientID, diff)
	}
}

var certificateTests = []test{
	{"AddList", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		a, other := createApp(t, s, p.ID), createApp(t, s, p.ID)
		wantCerts(t, s, a.ClientID, nil)
		var want []secusers.ClientCertificate
		for range 3 {
			in := newCert(a.ClientID)
			got := addCert(t, s, in)
			checkCreated(t, got.CreatedAt)
			in.CreatedAt = got.CreatedAt
			if diff := cmp.Diff(in, got); diff != "" {
				t.Errorf("AddClientCertificate returned (-want +got):\n%s", diff)
			}
			want = append(want, got)
			pause() // oldest first is by creation time
		}
		// An expired certificate is listed too.
		expired := newCert(a.ClientID)
		expired.NotBefore, expired.NotAfter = expired.NotBefore.AddDate(-3, 0, 0), expired.NotBefore.AddDate(-2, 0, 0)
		want = append(want, addCert(t, s, expired))
		addCert(t, s, newCert(other.ClientID))
		wantCerts(t, s, a.ClientID, want)
	}},
	{"AddNormalisesThumbprint", func(t *testing.T, s secusers.Store) {
		a := createApp(t, s, createPartner(t, s).ID)
		in := newCert(a.ClientID)
		upper := in.Thumbprint
		in.Thumbprint = strings.ToLower(upper)
		got := addCert(t, s, in)
		if got.Thumbprint != upper {
			t.Errorf("thumbprint added in lower case: got %q, want %q (upper case)", got.Thumbprint, upper)
		}
		wantCerts(t, s, a.ClientID, []secusers.ClientCertificate{got})
	}},
	{"AddErrors", func(t *testing.T, s secusers.Store) {
		a := createApp(t, s, createPartner(t, s).ID)
		for _, tc := range []struct {
			name   string
			change func(*secusers.ClientCertificate)
		}{
			{"client id not a GUID", func(c *secusers.ClientCertificate) { c.ClientID = "contoso" }},
			{"short thumbprint", func(c *secusers.ClientCertificate) { c.Thumbprint = c.Thumbprint[:39] }},
			{"thumbprint not hex", func(c *secusers.ClientCertificate) { c.Thumbprint = strings.Repeat("Z", 40) }},
			{"short SHA-256 thumbprint", func(c *secusers.ClientCertificate) { c.ThumbprintSHA256 = c.ThumbprintSHA256[:42] }},
			{"no DER", func(c *secusers.ClientCertificate) { c.DER = nil }},
			{"no expiry", func(c *secusers.ClientCertificate) { c.NotAfter = time.Time{} }},
			{"expiry before start", func(c *secusers.ClientCertificate) { c.NotAfter = c.NotBefore.Add(-time.Second) }},
			{"NUL in subject", func(c *secusers.ClientCertificate) { c.Subject = "CN=a\x00b" }},
		} {
			c := newCert(a.ClientID)
			tc.change(&c)
			_, err := s.AddClientCertificate(ctx(t), c)
			wantKind(t, "AddClientCertificate, "+tc.name, err, secusers.Invalid)
		}
		missing := newID()
		_, err := s.AddClientCertificate(ctx(t), newCert(missing))
		wantNamed(t, "AddClientCertificate to an unknown app", err, missing)

		first := addCert(t, s, newCert(a.ClientID))
		again := newCert(a.ClientID)
		again.Thumbprint = first.Thumbprint
		_, err = s.AddClientCertificate(ctx(t), again)
		wantKind(t, "AddClientCertificate with a thumbprint the app has", err, secusers.Conflict)
		again.Thumbprint = strings.ToLower(first.Thumbprint)
		_, err = s.AddClientCertificate(ctx(t), again)
		wantKind(t, "AddClientCertificate with a thumbprint the app has, in lower case", err, secusers.Conflict)
		wantCerts(t, s, a.ClientID, []secusers.ClientCertificate{first})
	}},
	{"SameCertificateTwoApps", func(t *testing.T, s secusers.Store) {
		// Two apps (of one partner or two) may trust the same key pair.
		a, b := createApp(t, s, createPartner(t, s).ID), createApp(t, s, createPartner(t, s).ID)
		ca := addCert(t, s, newCert(a.ClientID))
		in := ca
		in.ClientID, in.CreatedAt = b.ClientID, time.Time{}
		cb := addCert(t, s, in)
		must(t, "RemoveClientCertificate", s.RemoveClientCertificate(ctx(t), a.ClientID, ca.Thumbprint))
		wantCerts(t, s, a.ClientID, nil)
		wantCerts(t, s, b.ClientID, []secusers.ClientCertificate{cb})
	}},
	{"ListUnknownApp", func(t *testing.T, s secusers.Store) {
		missing := newID()
		_, err := s.ClientCertificates(ctx(t), missing)
		wantNamed(t, "ClientCertificates of an unknown app", err, missing)
	}},
	{"Remove", func(t *testing.T, s secusers.Store) {
		a := createApp(t, s, createPartner(t, s).ID)
		gone, kept := addCert(t, s, newCert(a.ClientID)), addCert(t, s, newCert(a.ClientID))
		must(t, "RemoveClientCertificate in lower case",
			s.RemoveClientCertificate(ctx(t), a.ClientID, strings.ToLower(gone.Thumbprint)))
		wantCerts(t, s, a.ClientID, []secusers.ClientCertificate{kept})
		err := s.RemoveClientCertificate(ctx(t), a.ClientID, gone.Thumbprint)
		wantKind(t, "RemoveClientCertificate again", err, secusers.NotFound)
		missing := newID()
		err = s.RemoveClientCertificate(ctx(t), missing, kept.Thumbprint)
		wantNamed(t, "RemoveClientCertificate of an unknown app", err, missing)
		wantCerts(t, s, a.ClientID, []secusers.ClientCertificate{kept})
	}},
	{"RemoveOthersCertificate", func(t *testing.T, s secusers.Store) {
		mine := createApp(t, s, createPartner(t, s).ID)
		theirs := createApp(t, s, createPartner(t, s).ID)
		sibling := createApp(t, s, mine.PartnerID)
		own := addCert(t, s, newCert(mine.ClientID))
		for _, other := range []secusers.App{theirs, sibling} {
			c := addCert(t, s, newCert(other.ClientID))
			err := s.RemoveClientCertificate(ctx(t), mine.ClientID, c.Thumbprint)
			wantKind(t, "RemoveClientCertificate of another app's certificate", err, secusers.NotFound)
			wantCerts(t, s, other.ClientID, []secusers.ClientCertificate{c})
		}
		wantCerts(t, s, mine.ClientID, []secusers.ClientCertificate{own})
	}},
}

// wantSecretIDs fails the test unless the app's secrets have the ids want
// (in any order).
func wantSecretIDs(t *testing.T, s secusers.Store, clientID string, want ...string) {
	t.Helper()
	list, err := s.ClientSecrets(ctx(t), clientID)
	must(t, "ClientSecrets", err)
	got := make([]string, len(list))
	for i, c := range list {
		got[i] = c.ID
	}
	same := func(id string) string { return id }
	if diff := cmp.Diff(byID(want, same), byID(got, same), cmpEmpty); diff != "" {
		t.Errorf("ClientSecrets of %s, ids (-want +got):\n%s", clientID, diff)
	}
}

var secretRemovalTests = []test{
	{"Remove", func(t *testing.T, s secusers.Store) {
		a := createApp(t, s, createPartner(t, s).ID)
		gone, err := s.AddClientSecret(ctx(t), newSecret(a.ClientID, "gone", time.Now().Add(time.Hour)))
		must(t, "AddClientSecret", err)
		kept, err := s.AddClientSecret(ctx(t), newSecret(a.ClientID, "kept", time.Now().Add(time.Hour)))
		must(t, "AddClientSecret", err)
		must(t, "RemoveClientSecret", s.RemoveClientSecret(ctx(t), a.ClientID, gone.ID))
		wantSecretIDs(t, s, a.ClientID, kept.ID)
		err = s.RemoveClientSecret(ctx(t), a.ClientID, gone.ID)
		wantNamed(t, "RemoveClientSecret again", err, gone.ID)
		missing := newID()
		err = s.RemoveClientSecret(ctx(t), missing, kept.ID)
		wantNamed(t, "RemoveClientSecret of an unknown app", err, missing)
		wantSecretIDs(t, s, a.ClientID, kept.ID)
	}},
	{"RemoveOthersSecret", func(t *testing.T, s secusers.Store) {
		mine := createApp(t, s, createPartner(t, s).ID)
		theirs := createApp(t, s, createPartner(t, s).ID)
		sibling := createApp(t, s, mine.PartnerID)
		for _, other := range []secusers.App{theirs, sibling} {
			c, err := s.AddClientSecret(ctx(t), newSecret(other.ClientID, "theirs", time.Now().Add(time.Hour)))
			must(t, "AddClientSecret", err)
			err = s.RemoveClientSecret(ctx(t), mine.ClientID, c.ID)
			wantNamed(t, "RemoveClientSecret of another app's secret", err, c.ID)
			wantSecretIDs(t, s, other.ClientID, c.ID)
		}
	}},
}

var assertionTests = []test{
	{"Replay", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		a, b := createApp(t, s, p.ID), createApp(t, s, p.ID)
		exp := time.Now().Add(5 * time.Minute)
		for _, tc := range []struct {
			what        string
			client, jti string
			want        secusers.Kind // Internal: no error
		}{
			{"first use", a.ClientID, "jti-1", secusers.Internal},
			{"replay", a.ClientID, "jti-1", secusers.Conflict},
			{"another jti", a.ClientID, "jti-2", secusers.Internal},
			{"the jti by another client", b.ClientID, "jti-1", secusers.Internal},
			{"replay by the other client", b.ClientID, "jti-1", secusers.Conflict},
			{"replay of the second", a.ClientID, "jti-2", secusers.Conflict},
		} {
			err := s.UseAssertionID(ctx(t), tc.client, tc.jti, exp)
			if tc.want == secusers.Internal {
				must(t, "UseAssertionID, "+tc.what, err)
			} else {
				wantKind(t, "UseAssertionID, "+tc.what, err, tc.want)
			}
		}
	}},
	{"ExpiredRecordReplaced", func(t *testing.T, s secusers.Store) {
		a := createApp(t, s, createPartner(t, s).ID)
		exp := time.Now().Add(100 * time.Millisecond)
		must(t, "UseAssertionID", s.UseAssertionID(ctx(t), a.ClientID, "short-lived", exp))
		err := s.UseAssertionID(ctx(t), a.ClientID, "short-lived", time.Now().Add(time.Minute))
		if time.Now().Before(exp) {
			wantKind(t, "UseAssertionID before the record expired", err, secusers.Conflict)
		}
		time.Sleep(time.Until(exp) + 20*time.Millisecond)
		must(t, "UseAssertionID after the record expired",
			s.UseAssertionID(ctx(t), a.ClientID, "short-lived", time.Now().Add(time.Minute)))
		err = s.UseAssertionID(ctx(t), a.ClientID, "short-lived", time.Now().Add(time.Minute))
		wantKind(t, "UseAssertionID replaying the new record", err, secusers.Conflict)
	}},
	{"ManyExpired", func(t *testing.T, s secusers.Store) {
		// Expired records are cleared a bounded number at a time; however
		// many there are, every use still answers correctly.
		a := createApp(t, s, createPartner(t, s).ID)
		exp := time.Now().Add(100 * time.Millisecond)
		const n = 300
		for i := range n {
			must(t, "UseAssertionID", s.UseAssertionID(ctx(t), a.ClientID, "old-"+strconv.Itoa(i), exp))
		}
		time.Sleep(time.Until(exp) + 20*time.Millisecond)
		for i := range n {
			must(t, "UseAssertionID of an expired jti", s.UseAssertionID(ctx(t), a.ClientID, "old-"+strconv.Itoa(i), time.Now().Add(time.Minute)))
		}
		for i := range n {
			err := s.UseAssertionID(ctx(t), a.ClientID, "old-"+strconv.Itoa(i), time.Now().Add(time.Minute))
			wantKind(t, "replay after the expired records were cleared", err, secusers.Conflict)
		}
	}},
	{"Invalid", func(t *testing.T, s secusers.Store) {
		a := createApp(t, s, createPartner(t, s).ID)
		for _, tc := range []struct {
			what        string
			client, jti string
			exp         time.Time
		}{
			{"no jti", a.ClientID, "", time.Now().Add(time.Minute)},
			{"no expiry", a.ClientID, "jti", time.Time{}},
			{"client id not a GUID", "contoso", "jti", time.Now().Add(time.Minute)},
		} {
			err := s.UseAssertionID(ctx(t), tc.client, tc.jti, tc.exp)
			wantKind(t, "UseAssertionID, "+tc.what, err, secusers.Invalid)
		}
		// Nothing was recorded by the refused calls.
		must(t, "UseAssertionID", s.UseAssertionID(ctx(t), a.ClientID, "jti", time.Now().Add(time.Minute)))
	}},
	{"Concurrent", func(t *testing.T, s secusers.Store) {
		// Servers racing on one database: exactly one use of a jti wins.
		a := createApp(t, s, createPartner(t, s).ID)
		const callers = 16
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() { errs[i] = s.UseAssertionID(ctx(t), a.ClientID, "raced", time.Now().Add(time.Minute)) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !secusers.IsKind(err, secusers.Conflict):
				t.Errorf("UseAssertionID racing: got error %v of kind %v, want nil or conflict", err, secusers.KindOf(err))
			}
		}
		if won != 1 {
			t.Errorf("UseAssertionID racing %d callers on one jti: got %d successes, want 1", callers, won)
		}
	}},
}
