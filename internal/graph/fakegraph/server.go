package fakegraph

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/graph"
)

// Server is the fake Graph and login endpoint for one tenant. It is an
// http.Handler (httptest.NewServer(fakegraph.NewServer(t)) works) and can
// listen by itself with Start. All its methods are safe for concurrent use.
type Server struct {
	mux           *http.ServeMux
	now           func() time.Time
	tokenLifetime time.Duration
	baseURL       string
	pageSizes     map[Endpoint]int
	emptyLastPage bool
	tokenKey      []byte // signs access tokens; random per server
	pageKey       []byte // authenticates skiptokens; derived from the tenant

	mu      sync.Mutex
	tenant  *Tenant // SetTenant replaces it
	secrets map[string]string
	certs   map[string][]*x509.Certificate
	faults  map[Endpoint]*activeFault
	delays  map[Endpoint]time.Duration
	stats   map[Endpoint]Stats

	httpServer *http.Server
	url        string
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock that issues and checks access tokens.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithTokenLifetime sets expires_in of the tokens issued (default 3599s,
// Entra's); a short one exercises a client's refresh.
func WithTokenLifetime(d time.Duration) Option { return func(s *Server) { s.tokenLifetime = d } }

// WithBaseURL sets the URL that @odata.nextLink, @odata.context and the
// accepted scope start with, for a server behind a proxy; by default it is
// taken from each request's Host.
func WithBaseURL(u string) Option { return func(s *Server) { s.baseURL = strings.TrimSuffix(u, "/") } }

// WithPageSize sets the default page size of a read (its size without $top).
func WithPageSize(e Endpoint, n int) Option { return func(s *Server) { s.pageSizes[e] = n } }

// WithEmptyLastPage makes a collection that ends exactly on a page boundary
// answer one more, empty page, as Graph sometimes does: a client must not
// take an empty page for an error.
func WithEmptyLastPage() Option { return func(s *Server) { s.emptyLastPage = true } }

// NewServer serves t. Register a client with RegisterSecret or
// RegisterCertificate before asking for tokens.
func NewServer(t *Tenant, opts ...Option) *Server {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	pageKey := sha256.Sum256([]byte("fakegraph skiptoken " + t.EntraTenantID))
	s := &Server{
		tenant:        t,
		mux:           http.NewServeMux(),
		now:           time.Now,
		tokenLifetime: 3599 * time.Second,
		pageSizes:     map[Endpoint]int{},
		tokenKey:      key,
		pageKey:       pageKey[:],
		secrets:       map[string]string{},
		certs:         map[string][]*x509.Certificate{},
		faults:        map[Endpoint]*activeFault{},
		delays:        map[Endpoint]time.Duration{},
		stats:         map[Endpoint]Stats{},
	}
	for _, o := range opts {
		o(s)
	}
	s.routes()
	return s
}

// Tenant returns the tenant the server serves.
func (s *Server) Tenant() *Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenant
}

// RegisterSecret lets clientID obtain tokens with client_secret.
func (s *Server) RegisterSecret(clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[clientID] = secret
}

// RegisterCertificate lets clientID obtain tokens with a client assertion
// signed by the certificate's key; a client may have several certificates,
// as during a rotation.
func (s *Server) RegisterCertificate(clientID string, cert *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certs[clientID] = append(s.certs[clientID], cert)
}

// ServeHTTP serves the login endpoint and the reads.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Start listens on addr ("127.0.0.1:0" for any free port) and serves in the
// background; it returns the base URL, which is both the Graph URL and the
// login URL.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.httpServer = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	go func() { _ = s.httpServer.Serve(ln) }()
	return s.url, nil
}

// URL is the base URL after Start.
func (s *Server) URL() string { return s.url }

// Close stops a server started with Start, waiting up to ctx for requests
// under way.
func (s *Server) Close(ctx context.Context) error {
	if s.httpServer == nil {
		return nil
	}
	err := s.httpServer.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return s.httpServer.Close()
	}
	return err
}

func (s *Server) routes() {
	s.mux.HandleFunc("/{tenant}/oauth2/v2.0/token", s.serveToken)
	handleRead(s, readSpec{ReadDomains, "/v1.0/domains", "domains", 100, 999}, domainSchema,
		func(t *Tenant) Collection[graph.Domain] { return t.Domains })
	handleRead(s, readSpec{ReadUsers, "/v1.0/users", "users", 100, 999}, userSchema,
		func(t *Tenant) Collection[graph.User] { return t.Users })
	handleRead(s, readSpec{ReadRegistrations, "/v1.0/reports/authenticationMethods/userRegistrationDetails",
		"reports/authenticationMethods/userRegistrationDetails", 1000, 999}, registrationSchema,
		func(t *Tenant) Collection[Registration] { return t.Registrations })
	handleRead(s, readSpec{ReadRiskyUsers, "/v1.0/identityProtection/riskyUsers", "identityProtection/riskyUsers", 100, 500},
		riskySchema, func(t *Tenant) Collection[RiskyUser] { return t.RiskyUsers })
	handleRead(s, readSpec{ReadDevices, "/v1.0/deviceManagement/managedDevices", "deviceManagement/managedDevices", 1000, 1000},
		deviceSchema, func(t *Tenant) Collection[Device] { return t.Devices })
	handleRead(s, readSpec{ReadDeleted, "/v1.0/directory/deletedItems/microsoft.graph.user", "users", 100, 999},
		deletedSchema, func(t *Tenant) Collection[graph.User] { return t.Deleted })
	handleRead(s, readSpec{ReadPolicies, "/v1.0/identity/conditionalAccess/policies", "identity/conditionalAccess/policies", 100, 999},
		policySchema, func(t *Tenant) Collection[graph.ConditionalAccessPolicy] { return t.Policies })
	handleReadOf(s, readSpec{ReadGroupMembers, "/v1.0/groups/{id}/transitiveMembers/microsoft.graph.user", "users", 100, 999},
		memberSchema, groupMembers)
	handleRead(s, readSpec{ReadRoleAssignments, "/v1.0/roleManagement/directory/roleAssignments", "roleManagement/directory/roleAssignments", 100, 999},
		roleAssignmentSchema, func(t *Tenant) Collection[graph.RoleAssignment] { return t.RoleAssignments })
	s.mux.HandleFunc("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", s.serveSecurityDefaults)
	s.mux.HandleFunc("/", s.serveUnknown)
}

// serveUnknown answers paths the fake does not implement as Graph answers
// an unknown segment.
func (s *Server) serveUnknown(w http.ResponseWriter, r *http.Request) {
	rq := s.begin(w, r, "")
	if !strings.HasPrefix(r.URL.Path, "/v1.0/") && !strings.HasPrefix(r.URL.Path, "/beta/") {
		rq.answer(http.StatusNotFound)
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	rq.writeGraphError(badRequest("BadRequest", "Resource not found for the segment '"+segs[len(segs)-1]+"'."))
}

// request is one request being answered: where to write, and the ids Graph
// and Entra echo in headers and error bodies.
type request struct {
	s                          *Server
	w                          http.ResponseWriter
	r                          *http.Request
	endpoint                   Endpoint
	requestID, clientRequestID string
}

func (s *Server) begin(w http.ResponseWriter, r *http.Request, e Endpoint) *request {
	rq := &request{s: s, w: w, r: r, endpoint: e, requestID: uuid.NewString()}
	rq.clientRequestID = r.Header.Get("client-request-id")
	if rq.clientRequestID == "" {
		rq.clientRequestID = rq.requestID
	}
	w.Header().Set("request-id", rq.requestID)
	w.Header().Set("client-request-id", rq.clientRequestID)
	if e != "" {
		s.countRequest(e)
	}
	return rq
}

// answer writes the status line and counts it.
func (rq *request) answer(status int) {
	if rq.endpoint != "" {
		rq.s.countAnswer(rq.endpoint, status)
	}
	rq.w.WriteHeader(status)
}

// wait sleeps the endpoint's delay; false when the client gave up first.
func (rq *request) wait() bool {
	d := rq.s.delayFor(rq.endpoint)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-rq.r.Context().Done():
		return false
	}
}

// base is the scheme and host that links and scopes start with.
func (rq *request) base() string {
	if rq.s.baseURL != "" {
		return rq.s.baseURL
	}
	scheme := "http"
	if rq.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + rq.r.Host
}
