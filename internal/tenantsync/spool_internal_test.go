package tenantsync

import (
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

func spooled(t *testing.T, s *spool) []secusers.User {
	t.Helper()
	var out []secusers.User
	for u, err := range s.users() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

func TestSpool(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := newSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []secusers.User
	for i := range 5000 {
		u := secusers.User{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), DisplayName: fmt.Sprint("user ", i)}
		if i%2 == 0 { // every field, between users with zero ones
			u = secusers.User{
				ID: u.ID, UserPrincipalName: "ana@contoso.com", Mail: "ana@contoso.com", DisplayName: "Ana Novak ✓",
				FirstName: "Ana", LastName: "Novak", EmployeeID: "E1", Location: "Ljubljana", Department: "IT",
				Mobile: "+386 1", JobTitle: "CTO", OfficePhone: "+386 2", Company: "Contoso", CountryRegion: "Slovenia",
				Status: secusers.AllStatusBits, IsTestUser: true, LastPasswordChange: time.Date(1999, 1, 2, 3, 4, 5, 678, time.UTC),
				StartDate: -1, EndDate: 1798761600000,
			}
		}
		want = append(want, u)
	}
	add := func(users []secusers.User) {
		for _, u := range users {
			if err := s.add(u); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(want[:100])
	if err := s.reset(); err != nil {
		t.Fatal(err)
	}
	add(want)
	for range 2 { // each range starts over
		if diff := cmp.Diff(want, spooled(t, s)); diff != "" {
			t.Fatalf("spooled users (-want +got):\n%s", diff)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the spool file is visible while in use (%d entries); it should be unlinked", len(entries))
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left behind", len(entries))
	}
}

func TestSpoolDamaged(t *testing.T) {
	t.Parallel()
	s, err := newSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	s.add(secusers.User{ID: "00000000-0000-4000-8000-000000000001"})
	s.n++ // claims a user the file does not hold
	var errs int
	for _, err := range s.users() {
		if err != nil {
			errs++
			var se *spoolError
			if !errors.As(err, &se) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("got %v, want a spoolError of an unexpected EOF", err)
			}
		}
	}
	if errs != 1 {
		t.Errorf("got %d errors, want 1", errs)
	}
}

func TestSafeMessage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&readError{"read 1 (domains)", fmt.Errorf("graph domains: HTTP 403")}, "read 1 (domains): graph domains: HTTP 403"},
		{secusers.Errorf(secusers.NotFound, "no tenant with id x"), "no tenant with id x"},
		{secusers.Wrap(secusers.Internal, fmt.Errorf("disk I/O error at /var/lib"), "boom"), internalMessage},
		{&spoolError{fmt.Errorf("no space left on device")}, internalMessage},
		{fmt.Errorf("anything else"), internalMessage},
	} {
		if got := safeMessage(ctx, tc.err); got != tc.want {
			t.Errorf("safeMessage(%v): got %q, want %q", tc.err, got, tc.want)
		}
	}
}
