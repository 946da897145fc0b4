package api

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// Query is the parsed query string of a security-users request.
type Query struct {
	// PageIndex is the 1-based page number, 1 … 2147483647.
	PageIndex int
	// PageSize is the number of users per page, 1 … 1000.
	PageSize int
	// Statuses selects users having any of them; empty selects every
	// security user.
	Statuses secusers.StatusSet
	// Cursor is the decoded skipToken of a nextLink, nil without one.
	Cursor *Cursor
}

// The paging bounds of the spec (§1). pageIndex stops at the largest Int32
// because the reference platform binds it to a .NET int.
const (
	defaultPageIndex = 1
	maxPageIndex     = math.MaxInt32
	defaultPageSize  = 100
	maxPageSize      = 1000
)

// maxQueryParams mirrors net/url's limit on the number of parameters, so
// that a query string url.ParseQuery refuses is refused here as well.
const maxQueryParams = 10000

// The messages of the 400 responses. Each names the parameter and what it
// accepts, so a partner can fix the call from the message alone.
var (
	msgMalformed     = "the query string is malformed: use name=value pairs separated by & with valid %-escapes"
	msgTooManyParams = "the query string is malformed: it has more than " + strconv.Itoa(maxQueryParams) + " parameters"
	msgPageIndex     = "pageIndex must be an integer from 1 to " + strconv.Itoa(maxPageIndex)
	msgPageSize      = "pageSize must be an integer from 1 to " + strconv.Itoa(maxPageSize)
	msgPageIndexOnce = "pageIndex must be given at most once, as an integer from 1 to " + strconv.Itoa(maxPageIndex)
	msgPageSizeOnce  = "pageSize must be given at most once, as an integer from 1 to " + strconv.Itoa(maxPageSize)
	msgStatus        = statusMessage()
	msgSkipToken     = "skipToken must be the value a nextLink carries, unchanged"
	msgSkipTokenLong = "skipToken must be at most " + strconv.Itoa(maxSkipTokenLength) + " characters, the value a nextLink carries, unchanged"
	msgSkipTokenOnce = "skipToken must be given at most once, as a nextLink carries it"
)

func statusMessage() string {
	names := make([]string, 0, secusers.NumStatuses)
	for _, s := range secusers.AllStatuses() {
		names = append(names, s.String())
	}
	return "status must be a list of status numbers 0–" + strconv.Itoa(secusers.NumStatuses-1) +
		" or names (" + strings.Join(names, ", ") + "), as repeated status parameters or separated by commas"
}

// ParseQuery parses the raw query string of a security-users request with
// net/url's syntax (pairs separated by "&", "+" for space, %-escapes; a
// semicolon separator is malformed), matching parameter names without regard
// to letter case and ignoring unknown ones.
//
// Besides the spec's pageIndex, pageSize and status it reads skipToken, the
// opaque cursor this server puts in nextLink (see Cursor): at most once, at
// most 4,096 characters, and exactly as a nextLink carries it, or the
// request is a 400 that names it. A token that is well formed but made for
// another request is not an error here; the handler then serves the page by
// pageIndex, as if the token were absent.
//
// Every error is a *secusers.Error of kind Invalid whose message names the
// parameter and the values it accepts. A malformed query string is reported before any
// bad value, wherever it is, because url.ParseQuery would refuse it whole.
func ParseQuery(rawQuery string) (Query, error) {
	p := queryParser{q: Query{PageIndex: defaultPageIndex, PageSize: defaultPageSize}}
	if err := scanQuery(rawQuery, p.add); err != nil {
		return Query{}, err
	}
	if p.err != "" {
		return Query{}, secusers.Errorf(secusers.Invalid, "%s", p.err)
	}
	return p.q, nil
}

// scanQuery splits a raw query string into its unescaped pairs and hands
// each to add, in order; it fails only on a malformed query string, which
// it reports before any bad value the pairs may hold. Every query parser
// of the API goes through it, so that all endpoints read the same syntax.
func scanQuery(rawQuery string, add func(name, value string)) error {
	if strings.Count(rawQuery, "&") >= maxQueryParams {
		return secusers.Errorf(secusers.Invalid, "%s", msgTooManyParams)
	}
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if strings.Contains(pair, ";") {
			return secusers.Errorf(secusers.Invalid, "%s", msgMalformed)
		}
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return secusers.Errorf(secusers.Invalid, "%s", msgMalformed)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return secusers.Errorf(secusers.Invalid, "%s", msgMalformed)
		}
		add(name, value)
	}
	return nil
}

// queryParser binds parameters one by one, remembering the first bad value
// so that parsing can go on to look for a malformed pair further on.
type queryParser struct {
	q                            Query
	seenIndex, seenSz, seenToken bool
	err                          string
}

func (p *queryParser) add(name, value string) {
	if p.err != "" {
		return
	}
	switch {
	case asciiEqualFold(name, "pageIndex"):
		p.q.PageIndex, p.err = bindInt(value, maxPageIndex, &p.seenIndex, msgPageIndex, msgPageIndexOnce)
	case asciiEqualFold(name, "pageSize"):
		p.q.PageSize, p.err = bindInt(value, maxPageSize, &p.seenSz, msgPageSize, msgPageSizeOnce)
	case asciiEqualFold(name, "status"):
		set, ok := parseStatusList(value)
		if !ok {
			p.err = msgStatus
		}
		p.q.Statuses |= set
	case asciiEqualFold(name, "skipToken"):
		p.q.Cursor, p.err = bindCursor(value, &p.seenToken)
	}
}

// bindCursor decodes the skipToken, which may appear once for the same
// reason as the paging parameters.
func bindCursor(value string, seen *bool) (*Cursor, string) {
	if *seen {
		return nil, msgSkipTokenOnce
	}
	*seen = true
	if len(value) > maxSkipTokenLength {
		return nil, msgSkipTokenLong
	}
	c, ok := decodeCursor(value)
	if !ok {
		return nil, msgSkipToken
	}
	return &c, ""
}

// bindInt parses a paging parameter that may appear once. A repeated one is
// refused rather than resolved by first-wins or last-wins: the client meant
// one of them, and guessing which would serve the wrong page silently.
func bindInt(value string, max int, seen *bool, msg, msgOnce string) (int, string) {
	if *seen {
		return 0, msgOnce
	}
	*seen = true
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 || n > max {
		return 0, msg
	}
	return n, ""
}

// parseStatusList reads one status value: a comma list of numbers or names,
// each trimmed of surrounding spaces. An empty value or item is refused, as
// the spec says: it is more likely a client bug than a wish for "any".
func parseStatusList(value string) (secusers.StatusSet, bool) {
	var set secusers.StatusSet
	for {
		item, rest, more := strings.Cut(value, ",")
		st, ok := secusers.ParseStatus(strings.TrimSpace(item))
		if !ok {
			return 0, false
		}
		set = set.With(st)
		if !more {
			return set, true
		}
		value = rest
	}
}

// asciiEqualFold compares s with an ASCII name ignoring ASCII letter case.
// Unicode folding is deliberately not used, so that "ſtatus" (long s) is an
// unknown parameter rather than status.
func asciiEqualFold(s, name string) bool {
	if len(s) != len(name) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lower(name[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
