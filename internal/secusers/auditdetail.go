package secusers

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The audit details, one function per action, so that every store writes
// the same words for the same change. A detail is short, human-readable, and
// never holds a secret or a key (sealed credentials included). The detail of
// AuditTenantImport is Replacement.Detail.

// PartnerCreateDetail is the detail of AuditPartnerCreate.
func PartnerCreateDetail(p Partner) string { return fmt.Sprintf("name %q", p.Name) }

// CustomerCreateDetail is the detail of AuditCustomerCreate.
func CustomerCreateDetail(c Customer) string {
	return fmt.Sprintf("organization %q of partner %s", c.Organization, c.PartnerID)
}

// GroupCreateDetail is the detail of AuditGroupCreate.
func GroupCreateDetail(g CustomerGroup) string {
	return fmt.Sprintf("name %q of partner %s, %d customers", g.Name, g.PartnerID, len(g.CustomerIDs))
}

// TenantCreateDetail is the detail of AuditTenantCreate.
func TenantCreateDetail(t Tenant) string {
	return fmt.Sprintf("name %q of customer %s", t.Name, t.CustomerID)
}

// TenantConnectDetail is the detail of AuditTenantConnect. The credentials
// are sealed, but even sealed they stay out of the trail.
func TenantConnectDetail(c TenantConnection) string {
	return fmt.Sprintf("Entra tenant %s, app %s, Graph %s", c.EntraTenantID, c.ClientID, c.GraphURL)
}

// AppCreateDetail is the detail of AuditAppCreate.
func AppCreateDetail(a App) string {
	return fmt.Sprintf("name %q of partner %s, permissions %s, %s",
		a.Name, a.PartnerID, strings.Join(a.Permissions, " "), AppScopeDetail(a.Scope))
}

// AppDisableDetail is the detail of AuditAppDisable.
func AppDisableDetail() string { return "disabled" }

// AppScopeDetail is the detail of AuditAppScope: the scope's kind and how
// many ids it names, not the ids, which the app's record holds.
func AppScopeDetail(scope CustomerScope) string {
	if scope.Kind == ScopeAllCustomers {
		return "scope all"
	}
	return fmt.Sprintf("scope %s: %d ids", scope.Kind, len(scope.IDs))
}

// AppSecretAddDetail is the detail of AuditAppSecretAdd: the secret's id
// and expiry, never its hash.
func AppSecretAddDetail(s ClientSecret) string {
	return fmt.Sprintf("secret %s expires %s", s.ID, s.ExpiresAt.Format(time.RFC3339))
}

// AppSecretRemoveDetail is the detail of AuditAppSecretRemove.
func AppSecretRemoveDetail(secretID string) string { return "secret " + secretID }

// AppCertAddDetail is the detail of AuditAppCertAdd.
func AppCertAddDetail(c ClientCertificate) string {
	return fmt.Sprintf("thumbprint %s, subject %q, expires %s", c.Thumbprint, c.Subject, c.NotAfter.Format(time.RFC3339))
}

// AppCertRemoveDetail is the detail of AuditAppCertRemove; thumbprint is
// in the form stores keep (CanonicalThumbprint).
func AppCertRemoveDetail(thumbprint string) string { return "thumbprint " + thumbprint }

// SigningKeyRotateDetail is the detail of AuditSigningKeyRotate, whose
// target is the new key: its algorithm and the ids of the keys it retired.
func SigningKeyRotateDetail(key SigningKey, retired []string) string {
	detail := "algorithm " + key.Algorithm
	if len(retired) > 0 {
		detail += ", retired " + strings.Join(retired, ", ")
	}
	return detail
}

// SigningKeyPruneDetail is the detail of AuditSigningKeyPrune. No one key
// is the prune's target, so the detail names them all, in id order (the
// kids are public: the JWKS showed them).
func SigningKeyPruneDetail(retiredBefore time.Time, ids []string) string {
	ids = slices.Sorted(slices.Values(ids))
	return fmt.Sprintf("deleted %d keys retired before %s: %s",
		len(ids), retiredBefore.UTC().Format(time.RFC3339), strings.Join(ids, ", "))
}
