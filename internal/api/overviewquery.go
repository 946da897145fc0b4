package api

import (
	"slices"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// The query strings of the overview endpoints (overview-api.md §3, §4) are
// read like the security-users endpoint's (scanQuery): names in any letter
// case, unknown names ignored, a single-valued parameter at most once, and
// the first bad value reported with a message that names the parameter and
// what it accepts.

// The history's bounds (overview-api.md §3).
const (
	// defaultHistoryDays is the span of a request without from: the last
	// 30 days, today included.
	defaultHistoryDays = 30
	// maxHistoryDays is the most days one request may span, both ends
	// included: the days kept by default (serve --history-days).
	maxHistoryDays = 400
)

// DefaultChangesSince is how far back a changes request without since
// reads (overview-api.md §4: the last 24 hours).
const DefaultChangesSince = 24 * time.Hour

// dateLayout is the form of from, to and a history point's date.
const dateLayout = time.DateOnly

var (
	msgFrom          = "from must be a date YYYY-MM-DD (a UTC day), such as 2026-12-02"
	msgTo            = "to must be a date YYYY-MM-DD (a UTC day), such as 2026-12-02"
	msgFromOnce      = "from must be given at most once, as a date YYYY-MM-DD"
	msgToOnce        = "to must be given at most once, as a date YYYY-MM-DD"
	msgSince         = "since must be an RFC 3339 time, such as 2026-12-02T04:00:00Z (escape the + of an offset as %2B)"
	msgSinceOnce     = "since must be given at most once, as an RFC 3339 time"
	msgCustomerIDs   = "customerId must be a list of customer ids (GUIDs), as repeated customerId parameters or separated by commas"
	msgGroupIDs      = "groupId must be a list of customer group ids (GUIDs), as repeated groupId parameters or separated by commas"
	msgChangeSkip    = "skipToken must be passed unchanged, as the nextLink of the same request carries it"
	msgChangeDelta   = "deltaToken must be passed unchanged, as the deltaLink of the same request carries it"
	msgSkipTokenOne  = "skipToken must be given at most once, as a nextLink carries it"
	msgDeltaTokenOne = "deltaToken must be given at most once, as a deltaLink carries it"
	msgBothTokens    = "give skipToken or deltaToken, not both: each is the position a nextLink or a deltaLink resumes from"
)

// historyQuery is the parsed query string of a history request: the UTC
// days from From to To, both included.
type historyQuery struct {
	From, To time.Time
}

// parseHistoryQuery reads from and to (YYYY-MM-DD, UTC days). Without to,
// it is today (now's UTC day); without from, the 30 days up to to. from
// after to, or a span of more than 400 days, is a 400 that says which
// dates it got.
func parseHistoryQuery(rawQuery string, now time.Time) (historyQuery, error) {
	var p historyParser
	if err := scanQuery(rawQuery, p.add); err != nil {
		return historyQuery{}, err
	}
	if p.err != "" {
		return historyQuery{}, secusers.Errorf(secusers.Invalid, "%s", p.err)
	}
	q := historyQuery{From: p.from, To: p.to}
	to := q.To.Format(dateLayout)
	if !p.seenTo {
		// Say so when to was not given: the client may not know that a
		// from alone is measured against today.
		q.To = secusers.DayOf(now)
		to = q.To.Format(dateLayout) + ", today by default"
	}
	if !p.seenFrom {
		q.From = q.To.AddDate(0, 0, 1-defaultHistoryDays)
	}
	if q.From.After(q.To) {
		return historyQuery{}, secusers.Errorf(secusers.Invalid, "from (%s) must not be after to (%s)", q.From.Format(dateLayout), to)
	}
	if days := q.days(); days > maxHistoryDays {
		return historyQuery{}, secusers.Errorf(secusers.Invalid,
			"from (%s) to (%s) is %d days; a request may span at most %d days, both ends included",
			q.From.Format(dateLayout), to, days, maxHistoryDays)
	}
	return q, nil
}

// days counts the days from From to To, both included.
func (q historyQuery) days() int64 {
	return secusers.DayNumber(q.To) - secusers.DayNumber(q.From) + 1
}

type historyParser struct {
	from, to         time.Time
	seenFrom, seenTo bool
	err              string
}

func (p *historyParser) add(name, value string) {
	if p.err != "" {
		return
	}
	switch {
	case asciiEqualFold(name, "from"):
		p.from, p.err = bindDate(value, &p.seenFrom, msgFrom, msgFromOnce)
	case asciiEqualFold(name, "to"):
		p.to, p.err = bindDate(value, &p.seenTo, msgTo, msgToOnce)
	}
}

// bindDate parses a date parameter that may appear once.
func bindDate(value string, seen *bool, msg, msgOnce string) (time.Time, string) {
	if *seen {
		return time.Time{}, msgOnce
	}
	*seen = true
	d, err := time.Parse(dateLayout, strings.TrimSpace(value))
	if err != nil {
		return time.Time{}, msg
	}
	return d, ""
}

// changesQuery is the parsed query string of a changes request.
type changesQuery struct {
	// Since keeps the changes of generations made current at or after it:
	// the since parameter, or DefaultChangesSince before now. A token
	// overrides it: the token's position already lies past it.
	Since time.Time
	// PageSize is the most changes a page holds, 1 … 1000.
	PageSize int
	// Token is the decoded skipToken or deltaToken, nil without either.
	// The handler checks it against the request (changeToken.validFor).
	Token *changeToken
	// Delta reports that Token came as a deltaToken.
	Delta bool
	// CustomerIDs and GroupIDs narrow a cross-tenant request: canonical
	// (lower-case) GUIDs, sorted, without repeats; nil when not given.
	CustomerIDs, GroupIDs []string
}

// parseChangesQuery reads since, pageSize, and the skipToken or deltaToken
// of a link; a cross-tenant request also reads customerId and groupId,
// which a tenant's request ignores, as it ignores any unknown parameter.
func parseChangesQuery(rawQuery string, now time.Time, crossTenant bool) (changesQuery, error) {
	p := changesParser{q: changesQuery{PageSize: defaultPageSize}, crossTenant: crossTenant}
	if err := scanQuery(rawQuery, p.add); err != nil {
		return changesQuery{}, err
	}
	if p.err == "" && p.seenSkip && p.seenDelta {
		p.err = msgBothTokens
	}
	if p.err != "" {
		return changesQuery{}, secusers.Errorf(secusers.Invalid, "%s", p.err)
	}
	if !p.seenSince {
		p.q.Since = now.Add(-DefaultChangesSince)
	}
	p.q.CustomerIDs, p.q.GroupIDs = sortedSet(p.q.CustomerIDs), sortedSet(p.q.GroupIDs)
	return p.q, nil
}

type changesParser struct {
	q                                        changesQuery
	crossTenant                              bool
	seenSince, seenSize, seenSkip, seenDelta bool
	err                                      string
}

func (p *changesParser) add(name, value string) {
	if p.err != "" {
		return
	}
	switch {
	case asciiEqualFold(name, "since"):
		p.q.Since, p.err = bindSince(value, &p.seenSince)
	case asciiEqualFold(name, "pageSize"):
		p.q.PageSize, p.err = bindInt(value, maxPageSize, &p.seenSize, msgPageSize, msgPageSizeOnce)
	case asciiEqualFold(name, "skipToken"):
		p.q.Token, p.err = bindChangeToken(value, &p.seenSkip, msgChangeSkip, msgSkipTokenOne)
	case asciiEqualFold(name, "deltaToken"):
		p.q.Token, p.err = bindChangeToken(value, &p.seenDelta, msgChangeDelta, msgDeltaTokenOne)
		p.q.Delta = true
	case p.crossTenant && asciiEqualFold(name, "customerId"):
		p.q.CustomerIDs, p.err = bindGUIDs(p.q.CustomerIDs, value, msgCustomerIDs)
	case p.crossTenant && asciiEqualFold(name, "groupId"):
		p.q.GroupIDs, p.err = bindGUIDs(p.q.GroupIDs, value, msgGroupIDs)
	}
}

// bindSince parses since, which may appear once.
func bindSince(value string, seen *bool) (time.Time, string) {
	if *seen {
		return time.Time{}, msgSinceOnce
	}
	*seen = true
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(value))
	if err != nil {
		return time.Time{}, msgSince
	}
	return t, ""
}

// bindChangeToken decodes a skipToken or deltaToken, which may appear
// once, as the link carries it.
func bindChangeToken(value string, seen *bool, msg, msgOnce string) (*changeToken, string) {
	if *seen {
		return nil, msgOnce
	}
	*seen = true
	tok, ok := decodeChangeToken(value)
	if !ok {
		return nil, msg
	}
	return &tok, ""
}

// bindGUIDs adds the GUIDs of a comma list to ids. An empty value or item
// is refused, as an empty status is: more likely a client's bug than a
// wish for "any".
func bindGUIDs(ids []string, value, msg string) ([]string, string) {
	for item := range strings.SplitSeq(value, ",") {
		id, ok := secusers.ParseGUID(strings.TrimSpace(item))
		if !ok {
			return ids, msg
		}
		ids = append(ids, id)
	}
	return ids, ""
}

// sortedSet returns ids sorted and without repeats, so that the same
// filter in another order or with a repeat is the same request (and the
// same token check); nil stays nil.
func sortedSet(ids []string) []string {
	if ids == nil {
		return nil
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// changeScope names the request a change token continues: the tenant, or
// the cross-tenant filters. Only what decides which changes are read is in
// it; the page size may change between pages.
func changeScope(c *call) string {
	if c.tenantID != "" {
		return "tenant:" + c.customerID + "/" + c.tenantID
	}
	return "all:" + strings.Join(c.changes.CustomerIDs, ",") + ";" + strings.Join(c.changes.GroupIDs, ",")
}
