package sqlite

import (
	"os"
	"strconv"
	"testing"
	"time"

	"secusers/internal/secusers"
)

func TestScratchKeys(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SCRATCH_N"))
	if n == 0 {
		t.Skip()
	}
	s, tn := benchTenant(t)
	if _, err := s.ReplaceUsers(t.Context(), tn, all(benchUserSet(n))); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	mask := int64(secusers.AllStatusBits)
	scan := func(q string, args ...any) []secusers.UserKey {
		rows, err := s.reader.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		ks, _ := collect(rows, func(row scanner) (secusers.UserKey, error) {
			var k secusers.UserKey
			return k, row.Scan(&k.SortKey, &k.ID)
		})
		return ks
	}
	for _, every := range []int{100, 1000} {
		window := func() []secusers.UserKey { return scan(keysQuery, tn, mask, every) }
		windowRows := func() []secusers.UserKey {
			return scan(`SELECT sort_key, id FROM (
		SELECT sort_key, id, row_number() OVER (ORDER BY sort_key, id ROWS BETWEEN CURRENT ROW AND CURRENT ROW) AS n
		FROM users WHERE tenant_id = ? AND (status & ?) != 0)
	WHERE (n - 1) % ? = 0`, tn, mask, every)
		}
		goskip := func() []secusers.UserKey {
			rows, err := s.reader.QueryContext(ctx, `SELECT sort_key, id FROM users WHERE tenant_id = ? AND (status & ?) != 0 ORDER BY sort_key, id`, tn, mask)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var ks []secusers.UserKey
			for i := 0; rows.Next(); i++ {
				if i%every == 0 {
					var k secusers.UserKey
					rows.Scan(&k.SortKey, &k.ID)
					ks = append(ks, k)
				}
			}
			return ks
		}
		for range 2 {
			var ref []secusers.UserKey
			for _, f := range []struct {
				name string
				f    func() []secusers.UserKey
			}{{"window", window}, {"window-rows", windowRows}, {"goskip", goskip}} {
				start, c := time.Now(), cpuTime()
				ks := f.f()
				t.Logf("every %d %-12s %v (cpu %v) %d keys", every, f.name, time.Since(start), cpuTime()-c, len(ks))
				if ref == nil {
					ref = ks
				} else if len(ks) != len(ref) || ks[len(ks)-1] != ref[len(ref)-1] {
					t.Errorf("%s differs", f.name)
				}
			}
		}
	}
}
