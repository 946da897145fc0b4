package fakegraph

import (
	"net/http"
	"strconv"
	"strings"
)

// readSpec is where a read lives and how it pages.
type readSpec struct {
	endpoint Endpoint
	path     string
	context  string // what follows $metadata# in @odata.context
	pageSize int    // without $top
	maxTop   int
}

// signInMaxTop is Graph's largest users page when signInActivity is
// selected; a larger $top is refused (Microsoft's user-list reference; the
// cap was 120 in 2023).
const signInMaxTop = 500

// query is a read's parsed query string.
type query struct {
	sel    selection
	top    int // 0: not given
	offset int
}

// handleRead registers one of the six reads.
func handleRead[T any](s *Server, spec readSpec, sc *schema[T], items func(*Tenant) Collection[T]) {
	handleReadOf(s, spec, sc, func(t *Tenant, _ *http.Request) (Collection[T], *graphError) { return items(t), nil })
}

// handleReadOf is handleRead for a collection that the request's path
// names (a group's members): items finds it, or answers Graph's error.
func handleReadOf[T any](s *Server, spec readSpec, sc *schema[T], items func(*Tenant, *http.Request) (Collection[T], *graphError)) {
	if n, ok := s.pageSizes[spec.endpoint]; ok && n > 0 {
		spec.pageSize = n
	}
	s.mux.HandleFunc(spec.path, func(w http.ResponseWriter, r *http.Request) {
		rq := s.begin(w, r, spec.endpoint)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			rq.writeGraphError(&graphError{status: http.StatusMethodNotAllowed, code: "Request_BadRequest",
				message: "Specified HTTP method is not allowed for the request target."})
			return
		}
		if err := s.authorize(rq); err != nil {
			rq.writeGraphError(err)
			return
		}
		q, err := parseQuery(s, spec, sc, r)
		if err != nil {
			rq.writeGraphError(err)
			return
		}
		if !rq.wait() {
			return
		}
		if f := s.faultFor(spec.endpoint, func(p string) bool { return sc.selects(q.sel, p) }); f != nil {
			rq.writeGraphError(&graphError{status: f.Status, code: f.Code, message: f.Message, retryAfter: f.RetryAfter})
			return
		}
		c, gerr := items(s.Tenant(), r)
		if gerr != nil {
			rq.writeGraphError(gerr)
			return
		}
		writePage(rq, spec, sc, c, q)
	})
}

// parseQuery reads $select, $top and $skiptoken and refuses the OData
// options the fake does not implement rather than ignore them silently.
func parseQuery[T any](s *Server, spec readSpec, sc *schema[T], r *http.Request) (query, *graphError) {
	var q query
	// Graph takes $SELECT as $select.
	opts := map[string]string{}
	for k, v := range r.URL.Query() {
		switch lk := strings.ToLower(k); lk {
		case "$select", "$top", "$skiptoken":
			opts[lk] = v[0]
		case "$skip":
			return q, badRequest("Request_BadRequest", "'$skip' is not supported by the service.")
		default:
			if strings.HasPrefix(k, "$") {
				return q, badRequest("BadRequest", "Query option '"+k+"' is not supported by fakegraph.")
			}
		}
	}
	var err *graphError
	if q.sel, err = sc.parseSelect(opts["$select"]); err != nil {
		return q, err
	}
	if q.top, err = parseTop(spec, opts["$top"], sc.selects(q.sel, "signInActivity")); err != nil {
		return q, err
	}
	if raw := opts["$skiptoken"]; raw != "" {
		off, ok := s.openSkipToken(spec.endpoint, raw)
		if !ok {
			return q, badRequest("Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
		}
		q.offset = off
	}
	return q, nil
}

// parseTop reads $top (0 when absent) against the read's largest page, which
// for users drops to 500 with signInActivity.
func parseTop(spec readSpec, raw string, signIn bool) (int, *graphError) {
	if raw == "" {
		return 0, nil
	}
	capped := spec.endpoint == ReadUsers && signIn
	maxTop := spec.maxTop
	if capped {
		maxTop = signInMaxTop
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil || n < 1 || (n > maxTop && !capped):
		return 0, badRequest("Request_UnsupportedQuery", "Invalid page size specified: '"+raw+"'. Must be between 1 and "+strconv.Itoa(maxTop)+" inclusive.")
	case n > maxTop:
		return 0, badRequest("Request_UnsupportedQuery", "Cannot query data for more than "+strconv.Itoa(signInMaxTop)+" users at a time.")
	}
	return n, nil
}

// writePage writes one page: @odata.context, @odata.nextLink when more
// follow (before value, where Graph puts it) and the items.
func writePage[T any](rq *request, spec readSpec, sc *schema[T], c Collection[T], q query) {
	size := q.top
	if size == 0 {
		size = spec.pageSize
	}
	start := min(q.offset, c.Len)
	end := min(start+size, c.Len)
	more := end < c.Len || (rq.s.emptyLastPage && end == start+size && start < c.Len)

	h := rq.w.Header()
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("OData-Version", "4.0")
	rq.answer(http.StatusOK)
	if rq.r.Method == http.MethodHead {
		return
	}
	base := rq.base()
	e := newEnc(rq.w)
	e.raw(`{"@odata.context":`)
	ctx := base + "/v1.0/$metadata#" + spec.context
	if q.sel.selected != "" {
		ctx += "(" + q.sel.selected + ")"
	}
	e.str(ctx)
	if more {
		e.raw(`,"@odata.nextLink":`)
		e.str(nextLink(base+rq.r.URL.EscapedPath(), q, rq.s.sealSkipToken(spec.endpoint, end)))
	}
	e.raw(`,"value":[`)
	var v T // one item variable a page: it escapes into the writers
	for i := start; i < end; i++ {
		if i > start {
			e.raw(",")
		}
		v = c.At(i)
		sc.write(e, q.sel, &v)
		e.item()
	}
	e.raw("]}")
	_ = e.close() // the client went away: nothing to tell it
}

// nextLink repeats the request's $select and $top, as Graph's links do, with
// the token of the next page. Property names, numbers and base64url need no
// escaping.
func nextLink(url string, q query, token string) string {
	var b strings.Builder
	b.WriteString(url)
	b.WriteByte('?')
	if q.sel.selected != "" {
		b.WriteString("$select=" + q.sel.selected + "&")
	}
	if q.top != 0 {
		b.WriteString("$top=" + strconv.Itoa(q.top) + "&")
	}
	b.WriteString("$skiptoken=" + token)
	return b.String()
}
