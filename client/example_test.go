package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/secusers/secusers/client"
)

// A partner's program makes one Client and keeps it: it caches its access
// token, and renews it before it expires.
func ExampleNew() {
	c, err := client.New(client.Config{
		BaseURL:      baseURL, // e.g. "https://secusers.example.com"
		ClientID:     clientID,
		ClientSecret: secret,
	})
	if err != nil {
		log.Fatal(err)
	}
	page, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Data), "users of", page.Metadata.TotalCount)
	// Output:
	// 10 users of 3273
}

// One page of the users at high or medium risk.
func ExampleClient_SecurityUsers() {
	c, err := client.New(client.Config{BaseURL: baseURL, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		log.Fatal(err)
	}
	page, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{
		PageSize: 3,
		Statuses: client.StatusSetOf(client.HighRisk, client.MediumRisk),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range page.Data {
		fmt.Printf("%s: %s\n", u.DisplayName, u.Status)
	}
	fmt.Println("at risk:", page.Metadata.TotalCount, "next page:", page.NextLink != "")
	// Output:
	// Aleksander Hansen: SignInBlocked|MediumRisk
	// Aleksander Søndergaard: MediumRisk
	// Aleksander van den Berg: MediumRisk|Inactive
	// at risk: 323 next page: true
}

// Every user without MFA, across all pages: the loop follows nextLink and
// holds one page at a time.
func ExampleClient_AllSecurityUsers() {
	c, err := client.New(client.Config{BaseURL: baseURL, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var noMFA, noMFAAndHighRisk int
	for u, err := range c.AllSecurityUsers(ctx, customerID, tenantID, client.PageOptions{
		Statuses: client.StatusSetOf(client.MFADisabled),
	}) {
		if err != nil {
			log.Fatal(err)
		}
		noMFA++
		if u.Status.Has(client.HighRisk) {
			noMFAAndHighRisk++
		}
	}
	fmt.Println("without MFA:", noMFA)
	fmt.Println("of which at high risk:", noMFAAndHighRisk)
	// Output:
	// without MFA: 1479
	// of which at high risk: 14
}

// The morning overview: how many users have each finding.
func ExampleClient_Summary() {
	c, err := client.New(client.Config{BaseURL: baseURL, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		log.Fatal(err)
	}
	s, err := c.Summary(context.Background(), customerID, tenantID)
	if err != nil {
		log.Fatal(err)
	}
	for _, st := range client.AllStatuses() {
		fmt.Printf("%-16s %5d\n", st, s.Counts[st])
	}
	fmt.Printf("%-16s %5d\n", "security users", s.Total)
	// Output:
	// MFADisabled       1479
	// SignInBlocked      232
	// PasswordExpired    583
	// HighRisk            78
	// MediumRisk         245
	// Compliance         389
	// Inactive           803
	// PendingDeletion     69
	// TestUser            80
	// security users    3273
}

// A poller of changes: each run reads what happened since the last one,
// and keeps the deltaLink for the next. The first run starts from Since
// (or the last 24 hours); every later one from the saved link. A tenant
// whose users were filled once has no changes yet.
func ExampleClient_Changes() {
	c, err := client.New(client.Config{BaseURL: baseURL, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	saved := "" // in a real poller: read from where the last run stored it
	changes, res := c.Changes(ctx, client.ChangesQuery{
		CustomerID: customerID, TenantID: tenantID, // or neither: every tenant in the app's scope
		DeltaLink: saved,
	})
	n := 0
	for ch, err := range changes {
		if err != nil {
			log.Fatal(err) // res.ResumeLink() says where to start again
		}
		fmt.Printf("%s %s %s %s\n", ch.Time.Format(time.RFC3339), ch.UserPrincipalName, ch.Change(), ch.Status)
		n++
	}
	saved = res.DeltaLink() // store it for the next run
	fmt.Println("changes:", n)
	fmt.Println("a deltaLink to resume from:", saved != "")
	// Output:
	// changes: 0
	// a deltaLink to resume from: true
}

// A tenant's counts per day over the last 30 days: one point per day that
// had data (the demo tenant was filled today).
func ExampleClient_History() {
	c, err := client.New(client.Config{BaseURL: baseURL, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		log.Fatal(err)
	}
	h, err := c.History(context.Background(), customerID, tenantID, time.Time{}, time.Time{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("days:", h.To.Sub(h.From).Hours()/24+1, "with data:", len(h.Points))
	for _, p := range h.Points {
		fmt.Println("security users:", p.SecurityUsers, "at high risk:", p.Counts[client.HighRisk])
	}
	// Output:
	// days: 30 with data: 1
	// security users: 3273 at high risk: 78
}

// Failures are typed: errors.Is tells the kind, errors.As gives the
// details, such as the request id to quote to support.
func Example_errors() {
	c, err := client.New(client.Config{BaseURL: baseURL, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		log.Fatal(err)
	}
	unknownCustomer := "00000000-0000-4000-8000-000000000000"
	_, err = c.SecurityUsers(context.Background(), unknownCustomer, tenantID, client.PageOptions{})
	switch {
	case errors.Is(err, client.ErrNotFound):
		fmt.Println("no such customer, or no such tenant of the customer")
	case err != nil:
		log.Fatal(err)
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.RequestID != "")
	}
	// Output:
	// no such customer, or no such tenant of the customer
	// 404 NotFound true
}

// The API's status is a bit set: 13 is bits 0, 2 and 3.
func ExampleStatusSet() {
	s := client.StatusSet(13)
	fmt.Println(s)
	fmt.Println(s.Has(client.HighRisk), s.Has(client.MediumRisk))
	fmt.Println(s.With(client.TestUser).Statuses())
	// Output:
	// MFADisabled|PasswordExpired|HighRisk
	// true false
	// [MFADisabled PasswordExpired HighRisk TestUser]
}

// Statuses are read by name, in any case, or by number.
func ExampleParseStatus() {
	for _, text := range []string{"highrisk", "4", "Unknown"} {
		st, err := client.ParseStatus(text)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(int(st), st)
	}
	// Output:
	// 3 HighRisk
	// 4 MediumRisk
	// error: unknown status "Unknown": want one of MFADisabled, SignInBlocked, PasswordExpired, HighRisk, MediumRisk, Compliance, Inactive, PendingDeletion, TestUser, or its number
}
