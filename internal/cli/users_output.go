package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/secusers/secusers/client"
)

// userWriter writes users in one output form, a page at a time, so that
// listing every page holds one page in memory whatever the tenant's size.
//
// Nothing is written before the first page: a listing that fails before
// it (bad credentials, an unknown tenant) leaves stdout empty, rather than
// a stray "[" or header beside the error.
type userWriter interface {
	page(p *client.Page) error
	// end closes the output; last is the page listed when one page was
	// asked for, nil after --all.
	end(last *client.Page) error
	// abort closes what the pages so far opened, after a listing failed
	// midway, so that the output is well-formed and the exit status alone
	// says that it is cut short: a consumer's parser then fails on the
	// status (as `set -o pipefail` or a check of $? makes it), not on a
	// syntax error it would report as ours. It writes nothing when no page
	// was written.
	abort() error
}

func newUserWriter(output string, w io.Writer) userWriter {
	switch output {
	case outputJSON:
		return &jsonWriter{w: w}
	case outputCSV:
		return &csvWriter{w: csv.NewWriter(w)}
	}
	return &tableWriter{w: w}
}

// jsonWriter streams one JSON array of the API's user objects.
type jsonWriter struct {
	w      io.Writer
	opened bool // "[" is written
	n      int
}

func (j *jsonWriter) page(p *client.Page) error {
	var b bytes.Buffer
	if !j.opened {
		b.WriteByte('[')
		j.opened = true
	}
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, u := range p.Data {
		if j.n > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		if err := enc.Encode(u); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // the Encoder's newline; the comma goes first
		j.n++
	}
	_, err := j.w.Write(b.Bytes())
	return err
}

func (j *jsonWriter) end(*client.Page) error {
	tail := "\n]\n"
	if j.n == 0 {
		tail = "]\n"
	}
	if !j.opened {
		tail = "[" + tail
	}
	_, err := io.WriteString(j.w, tail)
	return err
}

func (j *jsonWriter) abort() error {
	if !j.opened {
		return nil
	}
	return j.end(nil)
}

// csvHeader is the CSV header row: the API's field names, with
// "statuses", the names, next to "status", the number.
var csvHeader = []string{
	"id", "userPrincipalName", "mail", "displayName", "firstName", "lastName", "employeeId",
	"location", "department", "mobile", "jobTitle", "statuses", "status", "isTestUser", "age",
	"startDate", "endDate", "officePhone", "company", "countryRegion",
}

// csvWriter writes a header row and one row per user.
type csvWriter struct {
	w      *csv.Writer
	headed bool // the header row is written
}

// head writes the header row before the first row, or at the end of a
// listing without users.
func (c *csvWriter) head() error {
	if c.headed {
		return nil
	}
	c.headed = true
	return c.write(csvHeader)
}

func (c *csvWriter) page(p *client.Page) error {
	if err := c.head(); err != nil {
		return err
	}
	for _, u := range p.Data {
		if err := c.write(csvRecord(u)); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) end(*client.Page) error {
	if err := c.head(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

// abort flushes the rows written; a CSV has nothing to close.
func (c *csvWriter) abort() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) write(rec []string) error { return c.w.Write(rec) }

// csvRecord is the user's row. Text from the directory goes through
// safeCell; the numbers, booleans and dates are the SDK's own output.
func csvRecord(u client.User) []string {
	s := safeCell
	return []string{
		s(u.ID), s(u.UserPrincipalName), s(u.Mail), s(u.DisplayName), s(u.FirstName), s(u.LastName), s(u.EmployeeID),
		s(u.Location), s(u.Department), s(u.Mobile), s(u.JobTitle), u.Status.Join(";"),
		strconv.Itoa(int(u.Status)), strconv.FormatBool(u.IsTestUser), strconv.FormatInt(u.Age, 10),
		csvDate(u.StartDate), csvDate(u.EndDate), s(u.OfficePhone), s(u.Company), s(u.CountryRegion),
	}
}

// csvDate is RFC 3339 in UTC, with the milliseconds the API has when they
// are not zero, or "" when not set.
func csvDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// safeCell defuses CSV formula injection (OWASP): a spreadsheet runs a
// cell that starts with = + - @ (or a tab or carriage return, which some
// strip first) as a formula, and directory data is written by whoever may
// edit a user's profile. Such a cell gets a ' in front, which spreadsheets
// read as "this is text". A cell that starts with ' gets one more, so the
// rule is reversible: drop the first ' of any cell that starts with one
// (unsafeCell).
func safeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r'", rune(v[0])) {
		return "'" + v
	}
	return v
}

// unsafeCell returns the value that safeCell wrote as cell.
func unsafeCell(cell string) string {
	return strings.TrimPrefix(cell, "'")
}

// tableWriter writes aligned columns for people to read. Each page is
// aligned on its own, so that --all holds one page, not the tenant.
type tableWriter struct {
	w       io.Writer
	written int
}

func (t *tableWriter) page(p *client.Page) error {
	tw := tabwriter.NewWriter(t.w, 0, 4, 2, ' ', 0)
	if t.written == 0 {
		fmt.Fprintln(tw, "DISPLAY NAME\tUSER PRINCIPAL NAME\tSTATUS\tPASSWORD AGE\tID")
	}
	for _, u := range p.Data {
		age := ""
		if u.Age > 0 {
			age = fmt.Sprintf("%d days", u.Age)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable(u.DisplayName), printable(u.UserPrincipalName),
			u.Status.Join(", "), age, printable(u.ID))
		t.written++
	}
	return tw.Flush()
}

// abort adds nothing: the table's count line would read as a complete
// listing, and the error that follows on stderr says what happened.
func (t *tableWriter) abort() error { return nil }

func (t *tableWriter) end(last *client.Page) error {
	if last == nil {
		_, err := fmt.Fprintf(t.w, "%d users\n", t.written)
		return err
	}
	m := last.Metadata
	pages := (m.TotalCount + int64(m.PageSize) - 1) / max(int64(m.PageSize), 1)
	msg := fmt.Sprintf("Page %d of %d (%d users)", m.PageIndex, pages, m.TotalCount)
	if last.NextLink != "" {
		msg += fmt.Sprintf("; --page %d for the next, --all for every page", m.PageIndex+1)
	}
	_, err := fmt.Fprintln(t.w, msg)
	return err
}
