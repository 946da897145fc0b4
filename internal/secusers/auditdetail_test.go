package secusers

import (
	"testing"
	"time"
)

func TestAuditQueryEffectiveLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ limit, want int }{
		{0, DefaultAuditLimit}, {1, 1}, {MaxAuditLimit, MaxAuditLimit}, {MaxAuditLimit + 1, MaxAuditLimit}, {1 << 30, MaxAuditLimit},
	} {
		if got, err := (AuditQuery{Limit: tc.limit}).EffectiveLimit(); got != tc.want || err != nil {
			t.Errorf("limit %d: got %d, %v, want %d, nil", tc.limit, got, err, tc.want)
		}
	}
	_, err := AuditQuery{Limit: -1}.EffectiveLimit()
	wantMessage(t, "negative limit", err, Invalid, "must not be negative, got -1")
}

func TestAuditDetails(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{PartnerCreateDetail(Partner{Name: "Contoso"}), `name "Contoso"`},
		{CustomerCreateDetail(Customer{Organization: "Fabrikam", PartnerID: "p"}), `organization "Fabrikam" of partner p`},
		{GroupCreateDetail(CustomerGroup{Name: "g", PartnerID: "p", CustomerIDs: []string{"a", "b"}}), `name "g" of partner p, 2 customers`},
		{TenantCreateDetail(Tenant{Name: "t", CustomerID: "c"}), `name "t" of customer c`},
		{TenantConnectDetail(TenantConnection{EntraTenantID: "e", ClientID: "a", GraphURL: "g", Credentials: []byte("secret")}), "Entra tenant e, app a, Graph g"},
		{AppCreateDetail(App{Name: "n", PartnerID: "p", Permissions: []string{"x", "y"}, Scope: CustomerScope{Kind: ScopeAllCustomers}}), `name "n" of partner p, permissions x y, scope all`},
		{AppDisableDetail(), "disabled"},
		{AppScopeDetail(CustomerScope{Kind: ScopeGroups, IDs: []string{"a", "b"}}), "scope groups: 2 ids"},
		{AppSecretAddDetail(ClientSecret{ID: "s", Hash: []byte("hash"), ExpiresAt: at}), "secret s expires 2026-03-04T05:06:07Z"},
		{AppSecretRemoveDetail("s"), "secret s"},
		{AppCertAddDetail(ClientCertificate{Thumbprint: "AB", Subject: "CN=x", NotAfter: at}), `thumbprint AB, subject "CN=x", expires 2026-03-04T05:06:07Z`},
		{AppCertRemoveDetail("AB"), "thumbprint AB"},
		{SigningKeyRotateDetail(SigningKey{Algorithm: "RS256"}, nil), "algorithm RS256"},
		{SigningKeyRotateDetail(SigningKey{Algorithm: "RS256"}, []string{"k1"}), "algorithm RS256, retired k1"},
		{SigningKeyPruneDetail(at, []string{"k2", "k1"}), "deleted 2 keys retired before 2026-03-04T05:06:07Z: k1, k2"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
