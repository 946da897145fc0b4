package fakegraph

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const withSignIn = "/v1.0/users?$select=id,signInActivity"

func TestFaultAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		endpoint   Endpoint
		fault      Fault
		path       string
		status     int
		code       string
		retryAfter string
	}{
		{"429 with Retry-After", ReadUsers, Throttled(2 * time.Second), "/v1.0/users", 429, "TooManyRequests", "2"},
		{"429 rounds Retry-After up", ReadUsers, Throttled(1500 * time.Millisecond), "/v1.0/users", 429, "TooManyRequests", "2"},
		{"429 without Retry-After", ReadRiskyUsers, Throttled(0), readPaths[ReadRiskyUsers], 429, "TooManyRequests", ""},
		{"503", ReadDevices, Unavailable(time.Second), readPaths[ReadDevices], 503, "serviceNotAvailable", "1"},
		{"503 without Retry-After", ReadDomains, Unavailable(0), readPaths[ReadDomains], 503, "serviceNotAvailable", ""},
		{"500", ReadDeleted, ServerError(500), readPaths[ReadDeleted], 500, "UnknownError", ""},
		{"unlicensed signInActivity", ReadUsers, Unlicensed(ReadUsers), withSignIn, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", ""},
		{"unlicensed signInActivity as 400", ReadUsers, UnlicensedBadRequest(ReadUsers), withSignIn, 400, "Request_UnsupportedQuery", ""},
		{"unlicensed registrations", ReadRegistrations, Unlicensed(ReadRegistrations), readPaths[ReadRegistrations], 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", ""},
		{"unlicensed risky users", ReadRiskyUsers, Unlicensed(ReadRiskyUsers), readPaths[ReadRiskyUsers], 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", ""},
		{"unlicensed devices", ReadDevices, Unlicensed(ReadDevices), readPaths[ReadDevices], 403, "Forbidden", ""},
		{"unlicensed devices as Intune's 400", ReadDevices, UnlicensedBadRequest(ReadDevices), readPaths[ReadDevices], 400, "BadRequest", ""},
		{"permission not granted", ReadDomains, Denied(ReadDomains), readPaths[ReadDomains], 403, "Authorization_RequestDenied", ""},
		{"every read", AllReads, Unavailable(0), readPaths[ReadDeleted], 503, "serviceNotAvailable", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 20)
			tok := f.token()
			f.server.SetFault(tc.endpoint, tc.fault)
			resp, body := f.get(tc.path, tok)
			e := graphErr(t, body)
			if resp.StatusCode != tc.status || e.Error.Code != tc.code {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, e.Error.Code, tc.status, tc.code)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After: got %q, want %q", got, tc.retryAfter)
			}
			if tc.status == 400 && tc.endpoint == ReadUsers && !strings.Contains(e.Error.Message, "signInActivity") {
				t.Errorf("message %q does not name signInActivity", e.Error.Message)
			}
		})
	}
}

// TestUnlicensedSignInActivityOnly: the users read works without
// signInActivity in a tenant that lacks P1.
func TestUnlicensedSignInActivityOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 20)
	tok := f.token()
	f.server.SetFault(ReadUsers, Unlicensed(ReadUsers))
	if resp, body := f.get("/v1.0/users?$select=id,accountEnabled", tok); resp.StatusCode != http.StatusOK {
		t.Errorf("without signInActivity: got %d %s, want 200", resp.StatusCode, body)
	}
	if resp, _ := f.get(withSignIn, tok); resp.StatusCode != http.StatusForbidden {
		t.Errorf("with signInActivity: got %d, want 403", resp.StatusCode)
	}
}

// TestFaultSchedules: which requests fail, counted from SetFault.
func TestFaultSchedules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault Fault
		want  string // one letter a request: o ok, x failed
	}{
		{"every request", Throttled(0), "xxxxxx"},
		{"the third only", Throttled(0).Nth(3), "ooxooo"},
		{"a storm of four then recovery", Unavailable(time.Second).Storm(4), "xxxxoo"},
		{"breaks after two", ServerError(502).After(2), "ooxxxx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 20)
			tok := f.token()
			f.get("/v1.0/users", tok) // before the fault: not counted by it
			f.server.SetFault(ReadUsers, tc.fault)
			var got strings.Builder
			for range len(tc.want) {
				if resp, _ := f.get("/v1.0/users", tok); resp.StatusCode == http.StatusOK {
					got.WriteByte('o')
				} else {
					got.WriteByte('x')
				}
			}
			if got.String() != tc.want {
				t.Errorf("got %s, want %s", got.String(), tc.want)
			}
		})
	}
}

// TestStormThenWalk: a client that retries 429s walks every page; the
// counters show the storm.
func TestStormThenWalk(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 250)
	tok := f.token()
	f.server.SetFault(AllReads, Throttled(0).Storm(5))
	items := 0
	for u := "/v1.0/users?$top=100"; u != ""; {
		resp, body := f.get(u, tok)
		if resp.StatusCode == http.StatusTooManyRequests {
			continue
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		items += len(page.Value)
		u = page.NextLink
	}
	got := f.server.Stats(ReadUsers)
	if items != 250 || got.Throttled != 5 || got.OK != 3 || got.Requests != 8 {
		t.Errorf("got %d items, stats %+v; want 250 items, 8 requests: 5 throttled, 3 OK", items, got)
	}
	f.server.ResetStats()
	if got := f.server.Stats(AllReads); got != (Stats{}) {
		t.Errorf("after ResetStats: %+v", got)
	}
}

func TestClearFault(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 20)
	tok := f.token()
	f.server.SetFault(ReadUsers, Throttled(0))
	f.server.SetFault(AllReads, Unavailable(0))
	f.server.ClearFault(ReadUsers)
	if resp, _ := f.get("/v1.0/users", tok); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after clearing the users fault: got %d, want the all-reads 503", resp.StatusCode)
	}
	f.server.ClearFaults()
	if resp, _ := f.get("/v1.0/users", tok); resp.StatusCode != http.StatusOK {
		t.Errorf("after ClearFaults: got %d, want 200", resp.StatusCode)
	}
}

func TestTokenFault(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 5)
	f.server.SetFault(Token, Throttled(3*time.Second).Nth(1))
	resp, err := http.Post(f.http.URL+"/"+f.tenant.EntraTenantID+"/oauth2/v2.0/token", "application/x-www-form-urlencoded",
		strings.NewReader("grant_type=client_credentials&client_id="+testClient+"&client_secret="+testSecret+"&scope=https://graph.microsoft.com/.default"))
	if err != nil {
		t.Fatal(err)
	}
	var e entraErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 429 || e.Error != "temporarily_unavailable" || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("got %d %+v Retry-After %q, want 429 temporarily_unavailable 3", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}
	f.token() // the second request succeeds
	if got := f.server.Stats(Token); got.Throttled != 1 || got.OK != 1 {
		t.Errorf("token stats %+v, want 1 throttled, 1 OK", got)
	}
	if got := f.server.Stats(AllReads); got.Requests != 0 {
		t.Errorf("token requests counted as reads: %+v", got)
	}
}

func TestSlowPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 20)
	tok := f.token()
	f.server.SetDelay(ReadUsers, 150*time.Millisecond)
	start := time.Now()
	f.get("/v1.0/users", tok)
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("slow read took %v, want >= 150ms", took)
	}
	start = time.Now()
	f.get("/v1.0/domains", tok)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("another read took %v: the delay leaked", took)
	}
	// A client that gives up is not kept waiting.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.http.URL+"/v1.0/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("a request slower than its deadline succeeded")
	}
	f.server.SetDelay(ReadUsers, 0)
	start = time.Now()
	f.get("/v1.0/users", tok)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("after removing the delay: took %v", took)
	}
}

// TestFaultsWhileServing switches faults while pages are served; run with
// -race.
func TestFaultsWhileServing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 500)
	tok := f.token()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				f.server.SetFault(AllReads, Throttled(0).Nth(2))
			} else {
				f.server.ClearFault(AllReads)
			}
			f.server.Stats(AllReads)
		}
	})
	for range 4 {
		wg.Go(func() {
			for _, e := range Reads {
				f.get(readPaths[e], tok)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
}
