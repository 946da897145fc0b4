package graph

import "testing"

// FuzzDecodePage feeds page bodies, as an untrusted Graph (or anything
// answering at its URL) might send them, to the decoder of every read's
// item type: it must return a page or an error, never panic.
func FuzzDecodePage(f *testing.F) {
	for _, seed := range []string{
		`{"@odata.context":"x","value":[{"id":"a","businessPhones":["1"],"signInActivity":{"lastSignInDateTime":"2024-01-01T00:00:00Z"}}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=1"}`,
		`{"value":[{"id":"contoso.com","passwordValidityPeriodInDays":2147483647}]}`,
		`{"value":[{"id":"d","userId":"u","complianceState":"noncompliant"}]}`,
		`{"value":[{"id":"u","riskLevel":"high","riskState":"atRisk"}]}`,
		`{"value":[{"id":"u","isMfaRegistered":false}]}`,
		`{"value":[{"id":"u","isMfaRegistered":true,"methodsRegistered":["fido2","passKeySynced"],"isAdmin":true}]}`,
		`{"value":[{"id":"p","state":"enabled","conditions":{"users":{"includeUsers":["All"],"excludeGroups":["g"],"includeGuestsOrExternalUsers":{"guestOrExternalUserTypes":"internalGuest"}},"applications":{"includeApplications":["All"]},"locations":{"includeLocations":["All"],"excludeLocations":["AllTrusted"]},"platforms":null},"grantControls":{"operator":"OR","builtInControls":["mfa"],"authenticationStrength":{"id":"s"}}}]}`,
		`{"value":[{"id":"p","conditions":null,"grantControls":null}]}`,
		`{"value":[{"principalId":"u","roleDefinitionId":"r"}]}`,
		`{"value":null}`, `{}`, `[]`, `null`, ``, `{"value":[null,{}]}`,
		`{"value":[{"createdDateTime":"2021-03-04T05:06:07.1234567Z","deletedDateTime":null}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, decode := range []func([]byte) (int, error){
			count[Domain], count[User], count[RegistrationDetail], count[RiskyUser], count[ManagedDevice],
			count[ConditionalAccessPolicy], count[RoleAssignment], count[DirectoryObject],
		} {
			if n, err := decode(body); err != nil && n != 0 {
				t.Errorf("an error with %d items", n)
			}
		}
	})
}

func count[T any](body []byte) (int, error) {
	p, err := decodePage[T](body)
	return len(p.Value), err
}
