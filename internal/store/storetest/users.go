package storetest

import (
	"fmt"
	"math/rand/v2"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// rare is the status about 1% of the generated users have, for a filter
// whose matches are far apart in the order.
const rare = secusers.HighRisk

// ShuffledUsers returns GeneratedUsers(n), shuffled: in no relation to the
// API's order, as a directory lists them, so that inserting them touches
// the indexes at random places.
func ShuffledUsers(n int) []secusers.User {
	users := GeneratedUsers(n)
	shuffle := rand.New(rand.NewPCG(1, 2))
	shuffle.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	return users
}

// GeneratedUsers returns n realistic users, the same in every run and for
// every backend (fixed seeds), so that figures compare: full names and
// fields, 30% of them security users (as in the load harness's tenant), 1%
// with a rare status. The statuses do not follow the names, so that a
// filter's matches spread over the whole order. In the order generated, the
// names cycle through 80 first and last name pairs, so a user's position in
// the API's order is near that of the user 80 before it.
func GeneratedUsers(n int) []secusers.User {
	first := []string{"Ana", "Bob", "Émile", "Zoë", "Jürgen", "Li", "Mark", "Nadia", "Óscar", "Sven"}
	last := []string{"Novak", "Horvat", "Müller", "Smith", "García", "Kovač", "Dubois", "Rossi"}
	statuses := rand.New(rand.NewPCG(3, 4))
	ids := rand.NewChaCha8([32]byte{5})
	users := make([]secusers.User, n)
	for i := range users {
		f, l := first[i%len(first)], last[i/len(first)%len(last)]
		var status secusers.StatusSet
		switch p := statuses.IntN(1000); {
		case p < 10:
			status = secusers.StatusSetOf(secusers.MFADisabled, rare)
		case p < 300:
			status = secusers.StatusSetOf(secusers.MFADisabled)
			if p%7 == 1 {
				status = status.With(secusers.Inactive)
			}
		}
		users[i] = secusers.User{
			ID: uuid.Must(uuid.NewRandomFromReader(ids)).String(), UserPrincipalName: fmt.Sprintf("user%d@contoso.onmicrosoft.com", i),
			Mail: fmt.Sprintf("user%d@contoso.com", i), DisplayName: fmt.Sprintf("%s %s %d", f, l, i),
			FirstName: f, LastName: l, EmployeeID: fmt.Sprint(i), Department: "Engineering",
			JobTitle: "Developer", Company: "Contoso", CountryRegion: "Slovenia", Status: status,
		}
	}
	return users
}

// SecurityUsersInOrder returns the users with a status, in the API's order:
// what a page of every security user of a tenant holding users shows.
func SecurityUsersInOrder(users []secusers.User) []secusers.User {
	return inOrder(matching(users, 0))
}
