package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// record is one line of the import format (cli.md), written by the test
// itself so the format is checked from outside the code that reads it.
type record struct {
	ID                         string `json:"id"`
	UserPrincipalName          string `json:"userPrincipalName"`
	Mail                       string `json:"mail"`
	DisplayName                string `json:"displayName"`
	FirstName                  string `json:"firstName"`
	LastName                   string `json:"lastName"`
	EmployeeID                 string `json:"employeeId"`
	Location                   string `json:"location"`
	Department                 string `json:"department"`
	Mobile                     string `json:"mobile"`
	JobTitle                   string `json:"jobTitle"`
	Status                     int    `json:"status"`
	IsTestUser                 bool   `json:"isTestUser"`
	StartDate                  int64  `json:"startDate"`
	EndDate                    int64  `json:"endDate"`
	OfficePhone                string `json:"officePhone"`
	Company                    string `json:"company"`
	CountryRegion              string `json:"countryRegion"`
	LastPasswordChangeDateTime string `json:"lastPasswordChangeDateTime,omitempty"`
}

// Names with case variants, accents, and exact repeats, so that the order's
// case folding and its tie-break by id are both exercised.
var (
	firstNames = []string{"anna", "Anna", "ANNA", "Émile", "émile", "Zoë", "zoe", "Łukasz", "Søren", "Ñuño", "Ólafur", "ßabine", "Bob", "bob", "Chloé", "Ἀλέξανδρος", "Иван", "Mark"}
	lastNames  = []string{"Mark", "mark", "Øster", "Öztürk", "O'Brien", "van Dijk", "Van Dijk", "Zhang", "Ďurica", "Smith"}
	depts      = []string{"Finance", "Sales", "IT", "Legal", ""}
)

// makeUsers returns n deterministic users, about a third without a status.
func makeUsers(seed uint64, n int, domain string) []record {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := time.Now().UTC()
	out := make([]record, n)
	for i := range out {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		var status int
		if rng.IntN(3) != 0 {
			status = 1 << rng.IntN(8)
			if rng.IntN(4) == 0 {
				status |= 1 << rng.IntN(8)
			}
		}
		test := rng.IntN(40) == 0
		if test {
			status |= 1 << secusers.TestUser
		}
		r := record{
			ID:                uuidFrom(rng),
			UserPrincipalName: fmt.Sprintf("user%d@%s", i, domain),
			Mail:              fmt.Sprintf("user%d@%s", i, domain),
			DisplayName:       first + " " + last,
			FirstName:         first,
			LastName:          last,
			EmployeeID:        fmt.Sprintf("E%05d", i),
			Department:        depts[rng.IntN(len(depts))],
			JobTitle:          "Engineer",
			Status:            status,
			IsTestUser:        test,
			CountryRegion:     "Slovenia",
		}
		if rng.IntN(5) != 0 {
			r.LastPasswordChangeDateTime = now.Add(-time.Duration(rng.IntN(700*24)) * time.Hour).Truncate(time.Second).Format(time.RFC3339)
		}
		if test {
			r.StartDate = now.Add(-48 * time.Hour).UnixMilli()
			r.EndDate = now.Add(48 * time.Hour).UnixMilli()
		}
		out[i] = r
	}
	return out
}

func uuidFrom(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// jsonLines encodes records as the import format.
func jsonLines(t *testing.T, records []record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// expectedIDs returns the ids the endpoint must list for the filter (any of
// the statuses in mask; every user with a status when mask is 0), in the
// spec's order: case-folded displayName, then id.
func expectedIDs(records []record, mask int) []string {
	var sel []record
	for _, r := range records {
		if (mask == 0 && r.Status != 0) || r.Status&mask != 0 {
			sel = append(sel, r)
		}
	}
	slices.SortFunc(sel, func(a, b record) int {
		if c := strings.Compare(secusers.SortKey(a.DisplayName), secusers.SortKey(b.DisplayName)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	ids := make([]string, len(sel))
	for i, r := range sel {
		ids[i] = r.ID
	}
	return ids
}
