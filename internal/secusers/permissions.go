package secusers

// The permissions (OAuth2 scopes) an app registration can be granted.
const (
	// PermissionReadUsers allows reading the security users of a tenant.
	PermissionReadUsers = "partner.um.user.read.all"
	// PermissionReadCustomers allows reading the partner's customers. No
	// endpoint needs it yet; it exists so that an app can hold a valid token
	// without PermissionReadUsers.
	PermissionReadCustomers = "partner.customer.read.all"
)

// Permissions lists every permission an app can be granted.
func Permissions() []string {
	return []string{PermissionReadUsers, PermissionReadCustomers}
}

// ValidPermission reports whether p is a known permission.
func ValidPermission(p string) bool {
	for _, q := range Permissions() {
		if p == q {
			return true
		}
	}
	return false
}
