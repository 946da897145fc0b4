package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/api"
	"github.com/secusers/secusers/internal/paging"
	"github.com/secusers/secusers/internal/secusers"
)

// walkPages is how many consecutive pages the nextLink case follows before
// it starts over at the first page.
const walkPages = 100

// The cases' names, in the table's order.
var (
	caseFirst  = "first page"
	caseRare   = "first page, status=" + rareStatus.String()
	caseMiddle = "middle page by pageIndex"
	caseWalk   = "nextLink walk, " + strconv.Itoa(walkPages) + " pages"
	caseToken  = "token endpoint"
	pageCases  = []string{caseFirst, caseRare, caseMiddle, caseWalk}
)

// pageCase is one kind of page request, measured over HTTP and in process.
type pageCase struct {
	name string
	q    api.Query
	walk bool // follow nextLink from q's page for walkPages pages
}

// storeResult is everything measured on one store.
type storeResult struct {
	store   string
	dataset string // how the dataset came to be and what it holds
	middle  int    // the pageIndex of the middle page
	// loadBefore and loadAfter are the machine's load average when the
	// measurements began and ended.
	loadBefore, loadAfter string
	floor                 loadResult // the floor, measured right before the page cases
	floorBytes            int        // the size of the page the floor served
	http                  map[string]loadResult
	inproc                map[string]loadResult
	soak                  *soakResult // nil when not run
	// server is the server process's memory at the end, read before it is
	// stopped: its peak over the run and its resident set then;
	// serverMemErr says why it is unknown.
	server       procMem
	serverMemErr error
	serverLog    string // a summary of the server's log
}

// runCases measures the floor, then every case against the server srv,
// each page case over HTTP and then in process, so that both see the same
// caches; then the token endpoint, then the soak.
func runCases(ctx context.Context, cfg config, ws workspace, ds *dataset, srv *child, res *storeResult, log io.Writer) error {
	hc := newHTTPClient(srv.base, cfg.clients)
	defer hc.close()
	if err := hc.fetchToken(ctx, ds.secret); err != nil {
		return err
	}
	res.http, res.inproc = map[string]loadResult{}, map[string]loadResult{}
	res.middle = int((ds.securityUsers+int64(cfg.pageSize)-1)/int64(cfg.pageSize)/2) + 1
	path := "/partner/external/v3/um/customers/" + bigCustomerID + "/tenants/" + bigTenantID + "/overview/security/users/batch"
	pager := paging.New(ds.store)
	cases := []pageCase{
		{name: caseFirst, q: api.Query{PageIndex: 1, PageSize: cfg.pageSize}},
		{name: caseRare, q: api.Query{PageIndex: 1, PageSize: cfg.pageSize, Statuses: secusers.StatusSetOf(rareStatus)}},
		{name: caseMiddle, q: api.Query{PageIndex: res.middle, PageSize: cfg.pageSize}},
		{name: caseWalk, q: api.Query{PageIndex: 1, PageSize: cfg.pageSize}, walk: true},
	}
	firstURL := func(c pageCase) string { return hc.base + path + "?" + queryString(c.q) }
	if err := measureFloor(ctx, cfg, ws, hc, firstURL(cases[0]), res, log); err != nil {
		return err
	}
	for _, c := range cases {
		first := firstURL(c)
		var err error
		if res.http[c.name], err = measure(ctx, cfg, res.store, log, "HTTP", c, srv.cpuTime, func() op { return hc.pageOp(first, c.walk) }); err != nil {
			return err
		}
		fmt.Fprintf(log, "%s: after HTTP %s%s\n", res.store, c.name, memoryNote(srv))
		link := srv.base + path // the server's issuer: its own URL
		if res.inproc[c.name], err = measure(ctx, cfg, res.store, log, "in-process", c, cpuTime, func() op { return inprocOp(pager, link, c) }); err != nil {
			return err
		}
	}
	var err error
	if res.http[caseToken], err = measure(ctx, cfg, res.store, log, "HTTP", pageCase{name: caseToken}, srv.cpuTime, func() op { return hc.tokenOp(ds.secret) }); err != nil {
		return err
	}
	fmt.Fprintf(log, "%s: after HTTP %s%s\n", res.store, caseToken, memoryNote(srv))
	if cfg.soak <= 0 {
		return nil
	}
	return soak(ctx, cfg, res, log, srv, hc, func() []op {
		ops := make([]op, len(cases))
		for i, c := range cases {
			ops[i] = hc.pageOp(firstURL(c), c.walk)
		}
		return ops
	})
}

// measureFloor fetches the first page from the server once, starts the
// floor serving it, and measures the floor as the page cases are measured:
// same clients, same closed loop, same duration, on the same cores, each
// store's right before its own cases. The floor is stopped before the
// cases begin, so that it takes no memory or CPU from them.
func measureFloor(ctx context.Context, cfg config, ws workspace, hc *httpClient, first string, res *storeResult, log io.Writer) (err error) {
	var buf bytes.Buffer
	body, err := hc.get(ctx, first, &buf)
	if err != nil {
		return fmt.Errorf("the page for the floor: %w", err)
	}
	res.floorBytes = len(body)
	floor, err := startFloor(ctx, body, ws.dir, res.store)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, floor.stop()) }()
	fc := newHTTPClient(floor.base, cfg.clients)
	defer fc.close()
	res.floor, err = measure(ctx, cfg, res.store, log, "floor", pageCase{name: caseFirst}, floor.cpuTime, func() op { return fc.pageOp(floor.base+"/", false) })
	return err
}

// measure warms the case up, runs it, and returns its result. cpu is the
// clock of the process that serves the case.
func measure(ctx context.Context, cfg config, store string, log io.Writer, kind string, c pageCase, cpu func() time.Duration, newOp func() op) (loadResult, error) {
	w, err := closedLoop(ctx, cfg.clients, cfg.warmup, false, cpu, newOp)
	if err != nil {
		return loadResult{}, err
	}
	if w.failed > 0 { // not in the figures, but worth knowing: a cold server's answers
		fmt.Fprintf(log, "%s: %s %s: %d calls failed in the warm-up, the first with: %v\n", store, kind, c.name, w.failed, w.firstErr)
	}
	r, err := closedLoop(ctx, cfg.clients, cfg.duration, c.walk, cpu, newOp)
	if err != nil {
		return loadResult{}, err
	}
	s := summarise(r, 0)
	fmt.Fprintf(log, "%s: %s %s: %.0f/s, p50 %s, p99 %s, %d failed, in %v\n",
		store, kind, c.name, s.perSecond, ms(s.p50), ms(s.p99), r.failed, r.elapsed.Round(100*time.Millisecond))
	return r, nil
}

// queryString is the query of a page request, as a client writes it.
func queryString(q api.Query) string {
	s := "pageIndex=" + strconv.Itoa(q.PageIndex) + "&pageSize=" + strconv.Itoa(q.PageSize)
	for _, st := range q.Statuses.Statuses() {
		s += "&status=" + strconv.Itoa(int(st))
	}
	return s
}

// inprocOp reads pages as the handler does, through the pager, and encodes
// them into io.Discard: the endpoint's cost without HTTP, authentication or
// access checks. A walk continues from the last user of the previous page,
// the position the handler's nextLink carries. link is the path nextLink
// starts with, so that the encoded body is as long as the served one.
func inprocOp(pager *paging.Pager, link string, c pageCase) op {
	var after *secusers.UserKey
	pos := 0
	return func(ctx context.Context) (int, error) {
		q := c.q
		if c.walk {
			if after == nil {
				pos = 0
			}
			pos++
			q.PageIndex = c.q.PageIndex + pos - 1
		}
		page, err := pager.Page(ctx, bigTenantID, q.Statuses, q.PageIndex, q.PageSize, after)
		after = nil
		if err != nil {
			return 0, err
		}
		next := ""
		if int64(q.PageIndex)*int64(q.PageSize) < page.Total {
			next = link + "?" + queryString(api.Query{PageIndex: q.PageIndex + 1, PageSize: q.PageSize, Statuses: q.Statuses})
		}
		if err := api.EncodePage(io.Discard, page, q, next, time.Now()); err != nil {
			return 0, err
		}
		if !c.walk {
			return 0, nil
		}
		if next != "" && pos < walkPages && len(page.Users) > 0 {
			k := page.Users[len(page.Users)-1].Key
			after = &k
		}
		return pos, nil
	}
}

// httpClient is the partner's side: one keep-alive connection per client,
// at most, and the bearer token of the dataset's app.
type httpClient struct {
	base string
	hc   *http.Client
	auth string
}

func newHTTPClient(base string, clients int) *httpClient {
	// A Transport of our own has no proxy, so every request goes to base,
	// which is on the loopback interface.
	tr := &http.Transport{
		MaxIdleConns:        clients,
		MaxIdleConnsPerHost: clients,
		MaxConnsPerHost:     clients,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &httpClient{base: base, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *httpClient) close() { c.hc.CloseIdleConnections() }

// fetchToken gets the access token that every page request carries, as a
// partner's tool does once an hour.
func (c *httpClient) fetchToken(ctx context.Context, secret string) error {
	var buf bytes.Buffer
	body, err := c.postToken(ctx, secret, &buf)
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return fmt.Errorf("token response %.200s: no access_token", body)
	}
	c.auth = "Bearer " + tok.AccessToken
	return nil
}

// tokenOp asks for a token with client_secret_post, as each call of a
// partner's tool without a token cache would.
func (c *httpClient) tokenOp(secret string) op {
	var buf bytes.Buffer
	return func(ctx context.Context) (int, error) {
		_, err := c.postToken(ctx, secret, &buf)
		return 0, err
	}
}

func (c *httpClient) postToken(ctx context.Context, secret string, buf *bytes.Buffer) ([]byte, error) {
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
		"scope": {secusers.PermissionReadUsers},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req, buf)
}

// pageOp requests first, or, in a walk, follows nextLink from first for
// walkPages pages and starts over.
func (c *httpClient) pageOp(first string, walk bool) op {
	var buf bytes.Buffer
	next, pos := "", 0
	return func(ctx context.Context) (int, error) {
		target := next
		if target == "" {
			target, pos = first, 0
		}
		pos++
		next = ""
		body, err := c.get(ctx, target, &buf)
		if err != nil || !walk {
			return 0, err
		}
		if pos < walkPages {
			if next, err = c.nextLink(body); err != nil {
				return 0, err
			}
		}
		return pos, nil
	}
}

func (c *httpClient) get(ctx context.Context, target string, buf *bytes.Buffer) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	return c.do(req, buf)
}

// do sends req and reads the whole body into buf: a response counts as
// received when its last byte is.
func (c *httpClient) do(req *http.Request, buf *bytes.Buffer) ([]byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %.300s", req.Method, req.URL.Path, resp.Status, buf.Bytes())
	}
	return buf.Bytes(), nil
}

// nextLinkKey is the body's last member's name.
var nextLinkKey = []byte(`"nextLink"`)

// nextLink returns the body's nextLink, or "" on the last page. It decodes
// only that member: decoding a page of users on the client would take the
// CPU the server shares with it, and the figures would be the client's. The
// last "nextLink" followed by a colon is the member: a string that merely
// reads "nextLink" is followed by a comma or a brace.
func (c *httpClient) nextLink(body []byte) (string, error) {
	i := bytes.LastIndex(body, nextLinkKey)
	if i < 0 {
		return "", nil
	}
	rest, ok := bytes.CutPrefix(bytes.TrimLeft(body[i+len(nextLinkKey):], " \t\r\n"), []byte(":"))
	if !ok {
		return "", nil
	}
	var link string
	if err := json.NewDecoder(bytes.NewReader(rest)).Decode(&link); err != nil {
		return "", fmt.Errorf("reading nextLink: %w", err)
	}
	// Follow links to this server only: the harness stays on loopback.
	if !strings.HasPrefix(link, c.base+"/") {
		return "", fmt.Errorf("nextLink %q leaves the server %s", link, c.base)
	}
	return link, nil
}

// serverRuntime reads the server's Go heap in use and its goroutine count
// off its /metrics, which the main address serves when there is no
// --ops-addr; zeros when they cannot be read.
func (c *httpClient) serverRuntime(ctx context.Context) (heap uint64, goroutines int) {
	var buf bytes.Buffer
	body, err := c.get(ctx, c.base+"/metrics", &buf)
	if err != nil {
		return 0, 0
	}
	h, _ := metricValue(string(body), "go_memstats_heap_inuse_bytes")
	g, _ := metricValue(string(body), "go_goroutines")
	return uint64(h), int(g)
}

// metricValue returns the value of the unlabelled sample name in
// Prometheus's text format ("name value [timestamp]").
func metricValue(text, name string) (float64, bool) {
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != name {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		return v, err == nil
	}
	return 0, false
}
