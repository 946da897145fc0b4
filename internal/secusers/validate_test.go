package secusers

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseGUID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"966f35cc-61f4-4070-819c-25cdbcf82a07", "966f35cc-61f4-4070-819c-25cdbcf82a07", true},
		{"966F35CC-61F4-4070-819C-25CDBCF82A07", "966f35cc-61f4-4070-819c-25cdbcf82a07", true},
		{"{966f35cc-61f4-4070-819c-25cdbcf82a07}", "", false},
		{"966f35cc61f44070819c25cdbcf82a07", "", false},
		{"urn:uuid:966f35cc-61f4-4070-819c-25cdbcf82a07", "", false},
		{"966f35cc-61f4-4070-819c-25cdbcf82a0g", "", false},
		{"966f35cc_61f4-4070-819c-25cdbcf82a07", "", false},
		{"", "", false},
	} {
		got, ok := ParseGUID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseGUID(%q): got %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

const (
	guid1 = "966f35cc-61f4-4070-819c-25cdbcf82a07"
	guid2 = "0c7715b3-bc2f-4c4c-a8a0-f3634dcfacec"
)

func TestUserValidate(t *testing.T) {
	t.Parallel()
	ok := User{ID: guid1, DisplayName: "Bob", Status: StatusSetOf(HighRisk, TestUser), IsTestUser: true, StartDate: 1, EndDate: 2}
	for _, tc := range []struct {
		name   string
		change func(*User)
		want   string // "" for valid; else a part of the message
	}{
		{"valid", func(*User) {}, ""},
		{"upper-case id", func(u *User) { u.ID = strings.ToUpper(guid1) }, "lower-case GUID"},
		{"no id", func(u *User) { u.ID = "" }, "id must be"},
		{"NUL in a field", func(u *User) { u.Department = "a\x00b" }, "department contains a NUL"},
		{"bad UTF-8", func(u *User) { u.Mail = "\xff" }, "mail is not valid UTF-8"},
		{"too long", func(u *User) { u.JobTitle = strings.Repeat("x", MaxFieldLength+1) }, "jobTitle is longer"},
		{"undefined status bit", func(u *User) { u.Status |= 1 << 9 }, "beyond the defined statuses"},
		{"test bit without flag", func(u *User) { u.IsTestUser = false }, "TestUser"},
		{"flag without test bit", func(u *User) { u.Status = StatusSetOf(HighRisk) }, "TestUser"},
		{"negative date", func(u *User) { u.StartDate = -1 }, "startDate"},
		{"end before start", func(u *User) { u.StartDate, u.EndDate = 5, 4 }, "endDate is before"},
	} {
		u := ok
		tc.change(&u)
		err := u.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: got %v, want valid", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || KindOf(err) != Invalid):
			t.Errorf("%s: got %v, want an Invalid error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestAppValidate(t *testing.T) {
	t.Parallel()
	ok := App{ClientID: guid1, PartnerID: guid2, Name: "tool", Permissions: []string{PermissionReadUsers}, Scope: CustomerScope{Kind: ScopeAllCustomers}}
	for _, tc := range []struct {
		name   string
		change func(*App)
		valid  bool
	}{
		{"valid", func(*App) {}, true},
		{"no name", func(a *App) { a.Name = " " }, false},
		{"no permission", func(a *App) { a.Permissions = nil }, false},
		{"unknown permission", func(a *App) { a.Permissions = []string{"partner.everything"} }, false},
		{"all with ids", func(a *App) { a.Scope.IDs = []string{guid1} }, false},
		{"customers without ids", func(a *App) { a.Scope = CustomerScope{Kind: ScopeCustomers} }, false},
		{"customers", func(a *App) { a.Scope = CustomerScope{Kind: ScopeCustomers, IDs: []string{guid1}} }, true},
		{"groups with a bad id", func(a *App) { a.Scope = CustomerScope{Kind: ScopeGroups, IDs: []string{"x"}} }, false},
		{"unknown kind", func(a *App) { a.Scope = CustomerScope{Kind: "some"} }, false},
	} {
		a := ok
		tc.change(&a)
		if err := a.Validate(); (err == nil) != tc.valid {
			t.Errorf("%s: got %v, want valid %v", tc.name, err, tc.valid)
		}
	}
}

func TestCustomerScopeCovers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scope  CustomerScope
		groups []string
		want   bool
	}{
		{CustomerScope{Kind: ScopeAllCustomers}, nil, true},
		{CustomerScope{Kind: ScopeCustomers, IDs: []string{guid1}}, nil, true},
		{CustomerScope{Kind: ScopeCustomers, IDs: []string{guid2}}, []string{guid1}, false},
		{CustomerScope{Kind: ScopeGroups, IDs: []string{guid2}}, []string{guid2}, true},
		{CustomerScope{Kind: ScopeGroups, IDs: []string{guid2}}, nil, false},
		{CustomerScope{Kind: "unknown"}, nil, false},
	} {
		if got := tc.scope.Covers(guid1, tc.groups); got != tc.want {
			t.Errorf("%+v covers %s with groups %v: got %v, want %v", tc.scope, guid1, tc.groups, got, tc.want)
		}
	}
}

func TestSecretAndKeyValidate(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := ClientSecret{ID: "s1", ClientID: guid1, Hash: make([]byte, 32), ExpiresAt: now}
	if err := s.Validate(); err != nil {
		t.Errorf("valid secret: %v", err)
	}
	s.Hash = []byte("short")
	if err := s.Validate(); err == nil {
		t.Error("a secret with a short hash is valid")
	}
	k := SigningKey{ID: "kid", Algorithm: "RS256", PrivateKey: []byte{1}}
	if err := k.Validate(); err != nil {
		t.Errorf("valid key: %v", err)
	}
	k.RetiredAt = now
	if err := k.Validate(); err == nil {
		t.Error("a retired new key is valid")
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	cause := errors.New("disk on fire")
	err := Wrap(Unavailable, cause, "the database is unreachable")
	wrapped := errorsJoin(err)
	if KindOf(wrapped) != Unavailable || !errors.Is(wrapped, cause) || MessageOf(wrapped) != "the database is unreachable" {
		t.Errorf("got kind %v, is %v, message %q", KindOf(wrapped), errors.Is(wrapped, cause), MessageOf(wrapped))
	}
	if KindOf(cause) != Internal || MessageOf(cause) != "" {
		t.Errorf("a plain error: got kind %v message %q, want internal and no message", KindOf(cause), MessageOf(cause))
	}
	if IsKind(nil, Internal) {
		t.Error("nil has a kind")
	}
	if got := Kind(99).String(); got != "unknown" {
		t.Errorf("Kind(99): got %q", got)
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("context"), err) }

func TestPasswordAgeDays(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		last time.Time
		want int64
	}{
		{time.Time{}, 0},
		{now.Add(time.Hour), 0},
		{now.Add(-23 * time.Hour), 0},
		{now.Add(-24 * time.Hour), 1},
		{now.AddDate(0, 0, -400), 400},
		{now.Add(-24*time.Hour + time.Nanosecond), 0},
		{now.Add(-48*time.Hour - time.Nanosecond), 2},
		// Far past dates: whole days, not a saturated Duration (106,751).
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 46_353},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 20_786},
		// Placeholders before 1900 are not dates: age unknown.
		{time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC), 0},
		{time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), 0},
	} {
		if got := (User{LastPasswordChange: tc.last}).PasswordAgeDays(now); got != tc.want {
			t.Errorf("last change %v: got %d, want %d", tc.last, got, tc.want)
		}
	}
}

func TestNoDuplicates(t *testing.T) {
	t.Parallel()
	app := App{ClientID: guid1, PartnerID: guid2, Name: "tool", Permissions: []string{PermissionReadUsers}}
	for _, tc := range []struct {
		name string
		err  error
		want string // "" for valid
	}{
		{"group listing a customer twice", CustomerGroup{ID: guid1, PartnerID: guid2, Name: "g", CustomerIDs: []string{guid1, guid1}}.Validate(), "customer id " + guid1 + " is listed twice"},
		{"group", CustomerGroup{ID: guid1, PartnerID: guid2, Name: "g", CustomerIDs: []string{guid1, guid2}}.Validate(), ""},
		{"scope listing a group twice", CustomerScope{Kind: ScopeGroups, IDs: []string{guid2, guid2}}.Validate(), "groups id " + guid2 + " is listed twice"},
		{"app granted a permission twice", func() error {
			a := app
			a.Permissions, a.Scope = []string{PermissionReadUsers, PermissionReadUsers}, CustomerScope{Kind: ScopeAllCustomers}
			return a.Validate()
		}(), "permission " + PermissionReadUsers + " is listed twice"},
		{"app with both mistakes hears of the permission first", func() error {
			a := app
			a.Permissions = []string{PermissionReadUsers, PermissionReadUsers}
			a.Scope = CustomerScope{Kind: ScopeCustomers, IDs: []string{guid1, guid1}}
			return a.Validate()
		}(), "permission"},
		{"app's scope's form before a repeated permission", func() error {
			a := app
			a.Permissions, a.Scope = []string{PermissionReadUsers, PermissionReadUsers}, CustomerScope{Kind: "some"}
			return a.Validate()
		}(), "unknown customer scope"},
	} {
		if tc.want == "" {
			wantMessage(t, tc.name, tc.err, Internal, "")
		} else {
			wantMessage(t, tc.name, tc.err, Invalid, tc.want)
		}
	}
}

func TestCustomerScopeIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scope                  CustomerScope
		customers, groups      []string
		canonical, storedEmpty bool
	}{
		{CustomerScope{Kind: ScopeAllCustomers, IDs: []string{}}, nil, nil, true, true},
		{CustomerScope{Kind: ScopeAllCustomers}, nil, nil, true, true},
		{CustomerScope{Kind: ScopeCustomers, IDs: []string{guid1}}, []string{guid1}, nil, false, false},
		{CustomerScope{Kind: ScopeGroups, IDs: []string{guid2}}, nil, []string{guid2}, false, false},
	} {
		if got := tc.scope.CustomerIDs(); !slices.Equal(got, tc.customers) {
			t.Errorf("%+v.CustomerIDs(): got %v, want %v", tc.scope, got, tc.customers)
		}
		if got := tc.scope.GroupIDs(); !slices.Equal(got, tc.groups) {
			t.Errorf("%+v.GroupIDs(): got %v, want %v", tc.scope, got, tc.groups)
		}
		if got := tc.scope.Canonical().IDs; (got == nil) != tc.canonical {
			t.Errorf("%+v.Canonical().IDs: got %#v, want nil %v", tc.scope, got, tc.canonical)
		}
		if got := tc.scope.StoredIDs(); got == nil || (len(got) == 0) != tc.storedEmpty {
			t.Errorf("%+v.StoredIDs(): got %#v, want a non-nil list, empty %v", tc.scope, got, tc.storedEmpty)
		}
	}
}

func TestValidateAssertionID(t *testing.T) {
	t.Parallel()
	exp := time.Now()
	for _, tc := range []struct {
		name          string
		clientID, jti string
		exp           time.Time
		want          string // "" for valid
	}{
		{"valid", guid1, "j", exp, ""},
		{"upper-case client", strings.ToUpper(guid1), "j", exp, "lower-case GUID"},
		{"no jti", guid1, "", exp, "needs a jti"},
		{"long jti", guid1, strings.Repeat("j", MaxFieldLength+1), exp, "at most 1024 bytes"},
		{"jti not UTF-8", guid1, "\xff", exp, "UTF-8"},
		{"no expiry", guid1, "j", time.Time{}, "needs an expiry"},
	} {
		err := ValidateAssertionID(tc.clientID, tc.jti, tc.exp)
		if tc.want == "" {
			wantMessage(t, tc.name, err, Internal, "")
		} else {
			wantMessage(t, tc.name, err, Invalid, tc.want)
		}
	}
}
