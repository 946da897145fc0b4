package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The bounds of a history request, as the server applies them.
const (
	// DefaultHistoryDays is the span the server serves when neither from
	// nor to is given: the last 30 days, today included.
	DefaultHistoryDays = 30
	// MaxHistoryDays is the most days one request may span, both ends
	// included; a longer span is ErrBadRequest.
	MaxHistoryDays = 400
)

// History is a tenant's history: its state at the end of each UTC day that
// had data.
type History struct {
	// From and To are the days served, both included, as UTC midnights:
	// the ones asked for, or the server's defaults.
	From, To time.Time
	// Points has one point per day that had data, oldest first; a day
	// without data (before the tenant's first sync, or a day no sync or
	// import ran and none had run before) has none.
	Points []HistoryPoint
}

// HistoryPoint is a tenant's state at the end of one UTC day (for today:
// now), from the last sync or import that made its data current by then.
type HistoryPoint struct {
	// Date is the day's midnight, UTC.
	Date time.Time
	// SecurityUsers counts the users with at least one status.
	SecurityUsers int64
	// Counts holds, for every status this SDK knows, the users having it:
	// a user with two statuses counts in both. A status a newer server
	// added is left out until the SDK knows its name.
	Counts map[Status]int64
}

// wireHistory is a history as the API sends it.
type wireHistory struct {
	Data []struct {
		Date          string           `json:"date"`
		SecurityUsers int64            `json:"securityUsers"`
		Counts        map[string]int64 `json:"counts"`
	} `json:"data"`
	Metadata struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"metadata"`
}

// UnmarshalJSON reads a history in the API's form.
func (h *History) UnmarshalJSON(b []byte) error {
	var w wireHistory
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var err error
	out := History{Points: make([]HistoryPoint, len(w.Data))}
	if out.From, err = parseDate("metadata.from", w.Metadata.From); err != nil {
		return err
	}
	if out.To, err = parseDate("metadata.to", w.Metadata.To); err != nil {
		return err
	}
	for i, p := range w.Data {
		pt := HistoryPoint{SecurityUsers: p.SecurityUsers, Counts: make(map[Status]int64, NumStatuses)}
		if pt.Date, err = parseDate("date", p.Date); err != nil {
			return err
		}
		for _, st := range AllStatuses() {
			pt.Counts[st] = 0
		}
		for name, n := range p.Counts {
			if st, err := ParseStatus(name); err == nil && st < NumStatuses {
				pt.Counts[st] = n
			}
		}
		out.Points[i] = pt
	}
	*h = out
	return nil
}

func parseDate(field, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a date YYYY-MM-DD", field, s)
	}
	return d, nil
}

// History returns the tenant's history over the days from from to to, both
// included: the calendar dates of from and to as they read in their own
// location (time.Time.Format(time.DateOnly)), taken as UTC days. A zero to
// is today (UTC); a zero from, the DefaultHistoryDays days up to to. A span
// of more than MaxHistoryDays days, or from after to, is ErrBadRequest.
func (c *Client) History(ctx context.Context, customerID, tenantID string, from, to time.Time) (*History, error) {
	if strings.TrimSpace(customerID) == "" || strings.TrimSpace(tenantID) == "" {
		return nil, errors.New("client: a customer id and a tenant id are required")
	}
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.Format(time.DateOnly))
	}
	if !to.IsZero() {
		q.Set("to", to.Format(time.DateOnly))
	}
	target, err := c.apiURL(tenantPath(customerID, tenantID)+"/history", q)
	if err != nil {
		return nil, err
	}
	var h History
	if err := c.get(ctx, target, &h); err != nil {
		return nil, err
	}
	return &h, nil
}
