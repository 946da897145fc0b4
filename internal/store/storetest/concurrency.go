package storetest

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
)

// generation returns the users of one ReplaceUsers in the concurrency
// test: generationSize(g) security users, every one marked with g, so that a
// reader can tell a whole generation from a mix of two.
func generation(g int) []secusers.User {
	users := mixedUsers(generationSize(g))
	for i := range users {
		users[i].Company = strconv.Itoa(g)
		users[i].Status = users[i].Status.With(secusers.MediumRisk)
	}
	return users
}

func generationSize(g int) int { return 30 + g }

var concurrencyTests = []test{
	{"ReplaceWhileReading", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		replace(t, s, tn.ID, generation(0))
		c, stop := context.WithCancel(ctx(t))
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for c.Err() == nil {
					if !wholeGeneration(t, s, tn.ID) {
						return
					}
				}
			})
		}
		for g := 1; g <= 10; g++ {
			_, err := s.ReplaceUsers(ctx(t), tn.ID, Seq(generation(g)))
			if err != nil {
				t.Errorf("ReplaceUsers generation %d: got error %v, want nil", g, err)
			}
		}
		stop()
		wg.Wait()
	}},
	{"VersionNamesOneGeneration", func(t *testing.T, s secusers.Store) {
		// Whatever a reader reads with a version, every other read with
		// that version sees the same generation: the version is read in
		// the same snapshot as the users, by SecurityUsers and by
		// SecurityUserKeys alike.
		tn := newTenant(t, s)
		const generations = 8
		gens := make([][]secusers.User, generations)
		genOf := map[string]int{}
		for g := range gens {
			gens[g] = generation(g)
			for _, u := range gens[g] {
				genOf[u.ID] = g
			}
		}
		replace(t, s, tn.ID, gens[0])
		var mu sync.Mutex
		seen := map[int64]int{} // version → generation
		check := func(what string, version int64, ids []string) bool {
			g := genOf[ids[0]]
			for _, id := range ids {
				if genOf[id] != g {
					t.Errorf("%s: got users of generations %d and %d at once", what, g, genOf[id])
					return false
				}
			}
			if len(ids) != generationSize(g) {
				t.Errorf("%s: got %d users of generation %d, want %d", what, len(ids), g, generationSize(g))
				return false
			}
			mu.Lock()
			defer mu.Unlock()
			if earlier, ok := seen[version]; ok && earlier != g {
				t.Errorf("%s: got version %d with generation %d, and earlier with generation %d", what, version, g, earlier)
				return false
			}
			seen[version] = g
			return true
		}
		c, stop := context.WithCancel(ctx(t))
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				for c.Err() == nil {
					page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 1000})
					if err != nil {
						t.Errorf("SecurityUsers: got error %v, want nil", err)
						return
					}
					ids := make([]string, len(page.Users))
					for i, u := range page.Users {
						ids[i] = u.Key.ID
					}
					keys, version, err := s.SecurityUserKeys(ctx(t), tn.ID, 0, 1)
					if err != nil {
						t.Errorf("SecurityUserKeys: got error %v, want nil", err)
						return
					}
					keyIDs := make([]string, len(keys))
					for i, k := range keys {
						keyIDs[i] = k.ID
					}
					if !check("SecurityUsers", page.Version, ids) || !check("SecurityUserKeys", version, keyIDs) {
						return
					}
				}
			})
		}
		for g := 1; g < generations; g++ {
			_, err := s.ReplaceUsers(ctx(t), tn.ID, Seq(gens[g]))
			if err != nil {
				t.Errorf("ReplaceUsers generation %d: got error %v, want nil", g, err)
			}
		}
		stop()
		wg.Wait()
	}},
	{"ConcurrentWrites", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		const writers = 16
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				c, err := s.CreateCustomer(ctx(t), secusers.Customer{ID: newID(), PartnerID: p.ID, Organization: "Concurrent"})
				if err != nil {
					t.Errorf("CreateCustomer: got error %v, want nil", err)
					return
				}
				if _, err := s.CreateTenant(ctx(t), secusers.Tenant{ID: newID(), CustomerID: c.ID, Name: "t"}); err != nil {
					t.Errorf("CreateTenant: got error %v, want nil", err)
				}
			})
		}
		wg.Wait()
		customers, err := s.Customers(ctx(t), p.ID)
		must(t, "Customers", err)
		if len(customers) != writers {
			t.Errorf("Customers after concurrent creates: got %d, want %d", len(customers), writers)
		}
	}},
}

// wholeGeneration reads the tenant's security users and its users and
// reports (with t.Errorf) any view that is not one whole generation. It
// returns false when the reader should stop.
func wholeGeneration(t *testing.T, s secusers.Store, tenantID string) bool {
	page, err := s.SecurityUsers(ctx(t), tenantID, secusers.UserQuery{Limit: 1000})
	if err != nil {
		t.Errorf("SecurityUsers: got error %v, want nil", err)
		return false
	}
	if len(page.Users) == 0 {
		t.Errorf("SecurityUsers: got no users, want one whole generation")
		return false
	}
	users := decoded(t, page)
	g, _ := strconv.Atoi(users[0].Company)
	want := generationSize(g)
	for _, u := range users {
		if u.Company != users[0].Company {
			t.Errorf("SecurityUsers: got users of generations %s and %s in one page, want one", users[0].Company, u.Company)
			return false
		}
	}
	if len(page.Users) != want || page.Total != int64(want) {
		t.Errorf("SecurityUsers of generation %d: got %d users, total %d, want %d", g, len(page.Users), page.Total, want)
		return false
	}
	n, first := 0, ""
	for u, err := range s.Users(ctx(t), tenantID) {
		if err != nil {
			t.Errorf("Users: got error %v, want nil", err)
			return false
		}
		if n == 0 {
			first = u.Company
		} else if u.Company != first {
			t.Errorf("Users: got generations %s and %s in one pass, want one", first, u.Company)
			return false
		}
		n++
	}
	if g, _ := strconv.Atoi(first); n != generationSize(g) {
		t.Errorf("Users of generation %s: got %d, want %d", first, n, generationSize(g))
		return false
	}
	return true
}
