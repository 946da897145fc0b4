package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/paging"
	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/secusers"
)

// Config is what the handler needs from the server.
type Config struct {
	Store    secusers.Store
	Verifier secusers.TokenVerifier
	// BaseURL is the public base URL that nextLink starts with, e.g.
	// "http://127.0.0.1:8080", without a trailing slash. The server knows
	// it, the request may not: behind a proxy the Host header is the proxy's.
	BaseURL string
	// Now is the clock; age is derived from it. Default time.Now.
	Now func() time.Time
	// Logger receives the details of failed requests, logged with the
	// request's context: wrapped by reqlog.NewHandler (the server wraps
	// its logger), it adds the request id. Default slog.Default().
	Logger *slog.Logger
	// StoreTimeout bounds the store calls of one request, together: a
	// store that does not answer in time is a 503 with Retry-After, not a
	// request left hanging. Default DefaultStoreTimeout.
	StoreTimeout time.Duration
	// Pager reads the pages. Default paging.New(Store); servers that share
	// one store may share one Pager, and with it its anchors.
	Pager *paging.Pager
	// Limiter limits each app's requests (keyed by client id); nil means
	// no limit. A refused request is a 429 with Retry-After.
	Limiter ratelimit.Limiter
	// RecentReads is how long the store's answers about an app, its
	// credentials, a customer, its groups and a tenant are reused, so that
	// a request with a known token reads only its page; a change to them
	// takes effect on every server within it. Default DefaultRecentReads;
	// negative reads them per request.
	RecentReads time.Duration
}

// DefaultStoreTimeout is the StoreTimeout of a Config that sets none: well
// above a page's cost, well below a client's patience.
const DefaultStoreTimeout = 5 * time.Second

// Handler serves the security-users endpoint and the overview endpoints
// of a tenant's history and of the changes of statuses.
type Handler struct {
	store        secusers.Store
	pager        *paging.Pager
	verifier     secusers.TokenVerifier
	baseURL      string
	now          func() time.Time
	logger       *slog.Logger
	storeTimeout time.Duration
	limiter      ratelimit.Limiter
	recent       *recentReads
	// The endpoints the handler serves: each runs its steps in order, the
	// first error ending the request, then answers.
	users, history, tenantChanges, changes endpoint
}

// call is the state of one request as the steps fill it in.
type call struct {
	r          *http.Request
	token      secusers.AccessToken
	app        secusers.App
	customerID string // canonical (lower-case) GUID
	tenantID   string // canonical (lower-case) GUID
	query      Query
	// The overview endpoints' parameters, and the tenants whose changes
	// a changes request reads (one for a tenant's; those in scope for
	// the cross-tenant one).
	history   historyQuery
	changes   changesQuery
	tenantIDs []string
}

// step is one stage of the request pipeline.
type step func(ctx context.Context, c *call) error

// The endpoint's path (spec §1), served with and without partnerPrefix:
// the reference's table names the path without "/partner", its request
// sample has it.
const usersPath = "/external/v3/um/customers/{customerId}/tenants/{tenantId}/overview/security/users/batch"

// New returns the handler for cfg. Store and Verifier are required.
func New(cfg Config) *Handler {
	h := &Handler{
		store:        cfg.Store,
		pager:        cfg.Pager,
		verifier:     cfg.Verifier,
		baseURL:      strings.TrimRight(cfg.BaseURL, "/"),
		now:          cfg.Now,
		logger:       cfg.Logger,
		storeTimeout: cfg.StoreTimeout,
		limiter:      cfg.Limiter,
	}
	if h.pager == nil {
		h.pager = paging.New(cfg.Store)
	}
	recentTTL := cfg.RecentReads
	if recentTTL == 0 {
		recentTTL = DefaultRecentReads
	}
	h.recent = newRecentReads(cfg.Store, recentTTL)
	if h.storeTimeout <= 0 {
		h.storeTimeout = DefaultStoreTimeout
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	// Who is calling comes before what they ask for, so that an anonymous
	// caller learns nothing about the request; the rate limit comes as soon
	// as the caller is known and before any store read, so that an app over
	// its limit costs the database nothing; the token's credential is
	// checked with its app, both read anew within RecentReads, so that
	// disabling the app or removing the credential ends the token within
	// that time on every server; the customer's
	// owner comes before its scope, because the 403 of the scope is only for
	// the app's own partner's customers (spec §4) and must not reveal
	// others'; the scope comes before the tenant, so that every tenant id
	// under a customer out of scope gets the same 403 and an app cannot tell
	// that customer's real tenants from made-up ids.
	//
	// The overview endpoints (overview-api.md) take the same steps up to
	// the permission, then their own; there a customer outside the scope
	// is simply not there, a 404 like any unknown customer
	// (hideOutOfScope).
	caller := []step{h.authenticate, h.limit, h.loadApp, h.checkCredential, h.authorize}
	h.users = endpoint{
		steps:   append(slices.Clip(caller), h.parse, h.findCustomer, h.checkCustomerScope, h.findTenant),
		respond: h.respondUsers,
	}
	h.history = endpoint{
		steps:   append(slices.Clip(caller), h.parseHistory, h.findCustomer, h.hideOutOfScope, h.findTenant),
		respond: h.respondHistory,
	}
	h.tenantChanges = endpoint{
		steps:   append(slices.Clip(caller), h.parseTenantChanges, h.findCustomer, h.hideOutOfScope, h.findTenant),
		respond: h.respondChanges,
	}
	h.changes = endpoint{
		steps:   append(slices.Clip(caller), h.parseChanges, h.resolveScope),
		respond: h.respondChanges,
	}
	return h
}

// Register adds the paths of the security-users endpoint and of the
// overview endpoints (history and changes) to mux, each with and without
// "/partner". The patterns carry no method, so that the handler answers
// every other method with the spec's 405 and JSON body instead of the
// mux's plain-text one.
func (h *Handler) Register(mux *http.ServeMux) {
	for path, e := range map[string]*endpoint{
		usersPath: &h.users, historyPath: &h.history, tenantChangesPath: &h.tenantChanges, changesPath: &h.changes,
	} {
		mux.HandleFunc(path, h.serve(e))
		mux.HandleFunc(partnerPrefix+path, h.serve(e))
	}
}

// endpoint is one of the handler's endpoints: the steps a request passes,
// and what answers it once they all have.
type endpoint struct {
	steps   []step
	respond func(ctx context.Context, w http.ResponseWriter, c *call) error
}

// serve returns the http.HandlerFunc of an endpoint.
func (h *Handler) serve(e *endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			h.fail(w, r, errMethodNotAllowed)
			return
		}
		// One deadline for every store call of the request (the
		// verifier's too), so that the request as a whole cannot
		// outlast it.
		ctx, cancel := context.WithTimeout(r.Context(), h.storeTimeout)
		defer cancel()
		c := &call{r: r}
		err := h.run(ctx, c, e.steps)
		if err == nil {
			err = e.respond(ctx, w, c)
		}
		if err != nil {
			h.fail(w, r, deadlineError(ctx, err))
		}
	}
}

// run passes the request through the steps.
func (h *Handler) run(ctx context.Context, c *call, steps []step) error {
	for _, s := range steps {
		if err := s(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// respondUsers reads and writes the security-users page.
func (h *Handler) respondUsers(ctx context.Context, w http.ResponseWriter, c *call) error {
	page, err := h.list(ctx, c)
	if err != nil {
		return err
	}
	return h.writePage(w, c, page)
}

// list reads the requested page: after the skipToken's position when the
// token was made for this very request and the users are still at the
// version the token saw, else by pageIndex. Both give the same page; the
// first is faster to find.
func (h *Handler) list(ctx context.Context, c *call) (secusers.UserPage, error) {
	q := c.query
	var after *secusers.UserKey
	if cur := q.Cursor; cur != nil && cur.Check == cursorCheck(c.tenantID, q) {
		after = &cur.After
	}
	page, err := h.pager.Page(ctx, c.tenantID, q.Statuses, q.PageIndex, q.PageSize, after)
	if err == nil && after != nil && page.Version != q.Cursor.Version {
		// The tenant's users were replaced since the token was made: the
		// user after its position is no longer the first of this page.
		page, err = h.pager.Page(ctx, c.tenantID, q.Statuses, q.PageIndex, q.PageSize, nil)
	}
	switch {
	case secusers.IsKind(err, secusers.NotFound):
		// The tenant was deleted since findTenant: the same 404 as ever.
		return page, notFoundError(c, err)
	case err != nil:
		return page, fmt.Errorf("list security users of tenant %s: %w", c.tenantID, err)
	}
	return page, nil
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, h.logger, h.now(), err)
}

// parse reads the path's GUIDs and the query. It runs after authorization,
// so that an anonymous caller learns nothing, not even that a GUID is bad.
func (h *Handler) parse(_ context.Context, c *call) error {
	if err := parsePath(c); err != nil {
		return err
	}
	q, err := ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		return err
	}
	c.query = q
	return nil
}

// parsePath reads the customer's and the tenant's GUIDs of the path.
func parsePath(c *call) error {
	var ok bool
	if c.customerID, ok = secusers.ParseGUID(c.r.PathValue("customerId")); !ok {
		return secusers.Errorf(secusers.Invalid, "customerId must be a GUID (8-4-4-4-12 hexadecimal digits)")
	}
	if c.tenantID, ok = secusers.ParseGUID(c.r.PathValue("tenantId")); !ok {
		return secusers.Errorf(secusers.Invalid, "tenantId must be a GUID (8-4-4-4-12 hexadecimal digits)")
	}
	return nil
}

// findCustomer makes sure the customer is the app's partner's. Every way
// of failing gives the same 404 as a tenant that is not the customer's, so
// that a partner cannot probe for other partners' customers or tenants.
func (h *Handler) findCustomer(ctx context.Context, c *call) error {
	cust, err := h.recent.customers.get(ctx, c.customerID)
	switch {
	case secusers.IsKind(err, secusers.NotFound):
		return notFoundError(c, err)
	case err != nil:
		return fmt.Errorf("load customer %s: %w", c.customerID, err)
	case cust.PartnerID != c.app.PartnerID:
		return notFoundError(c, fmt.Errorf("the customer is partner %s's, the app partner %s's", cust.PartnerID, c.app.PartnerID))
	}
	return nil
}

// findTenant makes sure the tenant is the customer's, with the same 404 as
// findCustomer's.
func (h *Handler) findTenant(ctx context.Context, c *call) error {
	ten, err := h.recent.tenants.get(ctx, c.tenantID)
	switch {
	case secusers.IsKind(err, secusers.NotFound):
		return notFoundError(c, err)
	case err != nil:
		return fmt.Errorf("load tenant %s: %w", c.tenantID, err)
	case ten.CustomerID != c.customerID:
		return notFoundError(c, fmt.Errorf("the tenant is customer %s's", ten.CustomerID))
	}
	return nil
}

// notFoundError is the one 404 of the endpoint, whatever was not found;
// cause, if any, is kept for the log.
func notFoundError(c *call, cause error) error {
	return secusers.Wrap(secusers.NotFound, cause, fmt.Sprintf("customer %s has no tenant %s", c.customerID, c.tenantID))
}

// checkCustomerScope refuses customers of the app's partner outside the
// app's customer scope. Group membership is read only for group scopes, and
// anew within RecentReads, so that it is the groups as they are now.
func (h *Handler) checkCustomerScope(ctx context.Context, c *call) error {
	var groupIDs []string
	if c.app.Scope.Kind == secusers.ScopeGroups {
		var err error
		if groupIDs, err = h.recent.groups.get(ctx, c.customerID); err != nil {
			return fmt.Errorf("load groups of customer %s: %w", c.customerID, err)
		}
	}
	if !c.app.Scope.Covers(c.customerID, groupIDs) {
		return secusers.Errorf(secusers.Forbidden, "customer %s is outside the customer scope of this app", c.customerID)
	}
	return nil
}
