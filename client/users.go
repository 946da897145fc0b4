package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// The API's page sizes.
const (
	DefaultPageSize = 100  // what the server serves when no size is asked
	MaxPageSize     = 1000 // the largest page the server serves
)

// User is one security user, with every field of the API.
type User struct {
	ID                string // the directory object id, a GUID
	UserPrincipalName string
	Mail              string
	DisplayName       string
	FirstName         string
	LastName          string
	EmployeeID        string
	Location          string
	Department        string
	Mobile            string
	JobTitle          string
	// Status holds the user's findings; never empty for a security user.
	Status     StatusSet
	IsTestUser bool
	// Age is the password's age in whole days when the server answered; 0
	// when unknown.
	Age int64
	// StartDate and EndDate are the scheduled sign-in enforcement window,
	// in UTC; zero when not set. The wire's Unix milliseconds become
	// time.Time here, so that "not set" is IsZero and not a date in 1970,
	// and they go back to the same milliseconds in JSON.
	StartDate     time.Time
	EndDate       time.Time
	OfficePhone   string
	Company       string
	CountryRegion string
}

// wireUser is a user as the API sends it.
type wireUser struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`
	DisplayName       string `json:"displayName"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	EmployeeID        string `json:"employeeId"`
	Location          string `json:"location"`
	Department        string `json:"department"`
	Mobile            string `json:"mobile"`
	JobTitle          string `json:"jobTitle"`
	Status            int64  `json:"status"`
	IsTestUser        bool   `json:"isTestUser"`
	Age               int64  `json:"age"`
	StartDate         int64  `json:"startDate"`
	EndDate           int64  `json:"endDate"`
	OfficePhone       string `json:"officePhone"`
	Company           string `json:"company"`
	CountryRegion     string `json:"countryRegion"`
}

// UnmarshalJSON reads a user in the API's form.
func (u *User) UnmarshalJSON(b []byte) error {
	var w wireUser
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Status < 0 || w.Status > 0xffff {
		return fmt.Errorf("user %s: status %d is not a status bit set", w.ID, w.Status)
	}
	*u = User{
		ID: w.ID, UserPrincipalName: w.UserPrincipalName, Mail: w.Mail, DisplayName: w.DisplayName,
		FirstName: w.FirstName, LastName: w.LastName, EmployeeID: w.EmployeeID, Location: w.Location,
		Department: w.Department, Mobile: w.Mobile, JobTitle: w.JobTitle, Status: StatusSet(w.Status),
		IsTestUser: w.IsTestUser, Age: w.Age, StartDate: fromMillis(w.StartDate), EndDate: fromMillis(w.EndDate),
		OfficePhone: w.OfficePhone, Company: w.Company, CountryRegion: w.CountryRegion,
	}
	return nil
}

// MarshalJSON writes the user in the API's form, so that a program can
// pass users on exactly as the API sent them.
func (u User) MarshalJSON() ([]byte, error) {
	// An Encoder, to keep "&" and "<" as they are: the output goes to
	// programs and files, not into HTML.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(wireUser{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, DisplayName: u.DisplayName,
		FirstName: u.FirstName, LastName: u.LastName, EmployeeID: u.EmployeeID, Location: u.Location,
		Department: u.Department, Mobile: u.Mobile, JobTitle: u.JobTitle, Status: int64(u.Status),
		IsTestUser: u.IsTestUser, Age: u.Age, StartDate: toMillis(u.StartDate), EndDate: toMillis(u.EndDate),
		OfficePhone: u.OfficePhone, Company: u.Company, CountryRegion: u.CountryRegion,
	})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Page is one page of security users, as the API answers it.
type Page struct {
	Data     []User   `json:"data"`
	Metadata Metadata `json:"metadata"`
	// NextLink is the absolute URL of the next page with the same filter,
	// "" on the last page; pass it to NextPage.
	NextLink string `json:"nextLink,omitempty"`
}

// Metadata describes a page.
type Metadata struct {
	PageIndex int `json:"pageIndex"` // the page served, from 1
	PageSize  int `json:"pageSize"`  // the page size served
	// TotalCount is how many users match the filter, on all pages.
	TotalCount int64 `json:"totalCount"`
}

// PageOptions selects a page. The zero value is the server's first page of
// DefaultPageSize users with any status.
type PageOptions struct {
	// PageIndex is the page to get, from 1; the first when 0.
	PageIndex int
	// PageSize is how many users a page holds, 1 … MaxPageSize; the
	// server's default when 0 (AllSecurityUsers and Pages use MaxPageSize
	// then, to make the fewest requests).
	PageSize int
	// Statuses, when not empty, selects the users that have any of them;
	// when empty, every user that has at least one status.
	Statuses StatusSet
}

// usersURL returns the URL of the endpoint for the tenant and options.
func (c *Client) usersURL(customerID, tenantID string, opts PageOptions) (string, error) {
	if strings.TrimSpace(customerID) == "" || strings.TrimSpace(tenantID) == "" {
		return "", errors.New("client: a customer id and a tenant id are required")
	}
	q := url.Values{}
	if opts.PageIndex != 0 {
		q.Set("pageIndex", strconv.Itoa(opts.PageIndex))
	}
	if opts.PageSize != 0 {
		q.Set("pageSize", strconv.Itoa(opts.PageSize))
	}
	if opts.Statuses != 0 {
		nums := make([]string, 0, opts.Statuses.Len())
		for _, st := range opts.Statuses.Statuses() {
			nums = append(nums, strconv.Itoa(int(st)))
		}
		q.Set("status", strings.Join(nums, ","))
	}
	return c.apiURL(tenantPath(customerID, tenantID)+"/users/batch", q)
}

// tenantPath is the escaped path of a tenant's overview endpoints, under
// which its users, history and changes are. Escaped segments, so that an
// id cannot change the path's shape.
func tenantPath(customerID, tenantID string) string {
	return "/partner/external/v3/um/customers/" + url.PathEscape(customerID) + "/tenants/" + url.PathEscape(tenantID) +
		"/overview/security"
}

// apiURL returns the URL of an endpoint: the base URL with the escaped
// path appended, and the query.
func (c *Client) apiURL(escapedPath string, q url.Values) (string, error) {
	u := *c.base
	u.RawPath = strings.TrimSuffix(c.base.EscapedPath(), "/") + escapedPath
	path, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return "", fmt.Errorf("client: %w", err)
	}
	u.Path = path
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// SecurityUsers returns one page of the tenant's security users, in the
// API's order (display name, case-insensitively, then id).
func (c *Client) SecurityUsers(ctx context.Context, customerID, tenantID string, opts PageOptions) (*Page, error) {
	target, err := c.usersURL(customerID, tenantID, opts)
	if err != nil {
		return nil, err
	}
	var p Page
	if err := c.get(ctx, target, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// NextPage returns the page a Page's NextLink names. It refuses a link to
// another scheme, host or port than the BaseURL's (ErrForeignNextLink):
// the request carries the bearer token, which must go nowhere else.
func (c *Client) NextPage(ctx context.Context, nextLink string) (*Page, error) {
	target, err := c.checkLink("nextLink", nextLink)
	if err != nil {
		return nil, err
	}
	var p Page
	if err := c.get(ctx, target, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Pages yields the pages of the tenant's security users from
// opts.PageIndex on, following nextLink until the last page. It stops
// after yielding an error. Breaking out of the loop makes no further
// request.
func (c *Client) Pages(ctx context.Context, customerID, tenantID string, opts PageOptions) iter.Seq2[*Page, error] {
	if opts.PageSize == 0 {
		opts.PageSize = MaxPageSize
	}
	return func(yield func(*Page, error) bool) {
		page, err := c.SecurityUsers(ctx, customerID, tenantID, opts)
		for {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || page.NextLink == "" {
				return
			}
			page, err = c.NextPage(ctx, page.NextLink)
		}
	}
}

// AllSecurityUsers yields every security user of the tenant that matches
// opts.Statuses (from page opts.PageIndex on), in the API's order, page by
// page, holding one page in memory. While the tenant's users are not
// replaced (by a sync or an import) meanwhile, each user comes exactly
// once. It stops after yielding an error; breaking out of the loop makes
// no further request.
func (c *Client) AllSecurityUsers(ctx context.Context, customerID, tenantID string, opts PageOptions) iter.Seq2[User, error] {
	return func(yield func(User, error) bool) {
		for page, err := range c.Pages(ctx, customerID, tenantID, opts) {
			if err != nil {
				yield(User{}, err)
				return
			}
			for _, u := range page.Data {
				if !yield(u, nil) {
					return
				}
			}
		}
	}
}

// Summary counts a tenant's security users per status.
type Summary struct {
	// Total is the number of security users: users with at least one
	// status. A user with several statuses counts once here and once
	// under each of its statuses.
	Total int64
	// Counts holds the count of every status the SDK knows, zeros
	// included.
	Counts map[Status]int64
}

// summaryConcurrency is how many of Summary's requests are in flight at
// once: enough to make it about as fast as one request, few enough not to
// spend an app's rate limit in a burst.
const summaryConcurrency = 4

// Summary counts the tenant's security users per status. It asks for one
// user per status and reads the total count of each answer, so it costs
// NumStatuses+1 small requests whatever the tenant's size. The counts are
// read by separate requests, so a sync that lands in between can make
// them disagree slightly.
func (c *Client) Summary(ctx context.Context, customerID, tenantID string) (*Summary, error) {
	statuses := AllStatuses()
	counts := make([]int64, len(statuses)+1) // the last one is the total
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(summaryConcurrency)
	for i := range counts {
		g.Go(func() error {
			opts := PageOptions{PageSize: 1}
			if i < len(statuses) {
				opts.Statuses = StatusSetOf(statuses[i])
			}
			p, err := c.SecurityUsers(gctx, customerID, tenantID, opts)
			if err != nil {
				return err
			}
			counts[i] = p.Metadata.TotalCount
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s := &Summary{Total: counts[len(statuses)], Counts: make(map[Status]int64, len(statuses))}
	for i, st := range statuses {
		s.Counts[st] = counts[i]
	}
	return s, nil
}
