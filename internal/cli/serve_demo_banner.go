package cli

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/demo"
)

// writeDemoBanner prints what `serve --demo` promises: the demo's ids, the
// fresh client secret, and commands that work when pasted into bash. They
// need only curl, sed and python3 (for pretty JSON), not jq, which many
// machines lack.
func writeDemoBanner(w io.Writer, baseURL string, res demo.Result) {
	usersURL := fmt.Sprintf("%s/partner/external/v3/um/customers/%s/tenants/%s/overview/security/users/batch",
		baseURL, res.CustomerID, res.TenantID)
	curl := "curl -sS"
	if strings.Contains(baseURL, "[") { // an IPv6 literal: stop curl reading [..] as a glob
		curl += " -g"
	}
	const pretty = " | python3 -m json.tool --no-ensure-ascii"
	usersEnv := "export " + strings.Join([]string{shellQuote("SECUSERS_API=" + baseURL),
		"SECUSERS_CLIENT_ID=" + res.ClientID, shellQuote("SECUSERS_CLIENT_SECRET=" + res.ClientSecret)}, " ")
	usersFlags := "--customer " + res.CustomerID + " --tenant " + res.TenantID
	fmt.Fprintf(w, `
Demo data is ready.
  partner    %s (%s)
  customer   %s (%s)
  tenant     %s (%s), %d security users
  app        %s, client id %s
  secret     %s
             (added now, expires %s; the database keeps only its hash, and every
             start with --demo adds another)

Fetch a token (valid for an hour) into $TOKEN:

  TOKEN=$(%s -d grant_type=client_credentials -d client_id=%s --data-urlencode %s %s | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

The first page of security users:

  %s -H "Authorization: Bearer $TOKEN" %s%s

Only the users at high risk:

  %s -H "Authorization: Bearer $TOKEN" %s%s

Or through the Go SDK with this program (go run ./cmd/secusers, or a built
secusers), which gets its own token; the secret goes in the environment,
where other users of the machine cannot see it as they can see arguments:

  %s
  secusers users summary %s
  secusers users list --status HighRisk,MediumRisk %s

`,
		demo.PartnerName, res.PartnerID, demo.Organization, res.CustomerID, demo.TenantName, res.TenantID, res.SecurityUsers,
		demo.AppName, res.ClientID, res.ClientSecret, res.SecretExpiresAt.UTC().Format(time.RFC3339),
		curl, res.ClientID, shellQuote("client_secret="+res.ClientSecret), shellQuote(baseURL+"/connect/token"),
		curl, shellQuote(usersURL+"?pageIndex=1&pageSize=20"), pretty,
		curl, shellQuote(usersURL+"?status=HighRisk"), pretty,
		usersEnv, usersFlags, usersFlags)
}

// shellSafe matches words bash takes literally.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)

// shellQuote returns s as one bash word: as it is when that is safe, else
// in single quotes (inside which only the single quote needs escaping).
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
