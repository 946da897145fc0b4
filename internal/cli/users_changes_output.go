package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/secusers/secusers/client"
)

// changeWriter writes changes in one output form as they come, so that a
// long feed is never held in memory. Like userWriter, it writes nothing
// before the first change, closes what it opened on end or abort, and
// abort leaves the exit status to tell that the output is cut short.
type changeWriter interface {
	change(ch client.Change) error
	end() error
	abort() error
}

func newChangeWriter(output string, w io.Writer, allTenants bool) changeWriter {
	switch output {
	case outputJSON:
		return &changeJSONWriter{w: w}
	case outputCSV:
		return &changeCSVWriter{w: csv.NewWriter(w)}
	}
	return &changeTableWriter{w: w, tenants: allTenants}
}

// changeJSONWriter streams one JSON array of the API's change objects.
type changeJSONWriter struct {
	w io.Writer
	n int
}

func (j *changeJSONWriter) change(ch client.Change) error {
	var b bytes.Buffer
	b.WriteString(",\n")
	if j.n == 0 {
		b.Reset()
		b.WriteString("[\n")
	}
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ch); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // the Encoder's newline; a comma may follow
	j.n++
	_, err := j.w.Write(b.Bytes())
	return err
}

func (j *changeJSONWriter) end() error {
	tail := "\n]\n"
	if j.n == 0 {
		tail = "[]\n"
	}
	_, err := io.WriteString(j.w, tail)
	return err
}

func (j *changeJSONWriter) abort() error {
	if j.n == 0 {
		return nil
	}
	return j.end()
}

// changeCSVHeader is the CSV header row: the API's field names.
var changeCSVHeader = []string{
	"id", "time", "customerId", "tenantId", "userId", "displayName", "userPrincipalName", "status", "name", "change",
}

// changeCSVWriter writes a header row and one row per change.
type changeCSVWriter struct {
	w      *csv.Writer
	headed bool
}

func (c *changeCSVWriter) head() error {
	if c.headed {
		return nil
	}
	c.headed = true
	return c.w.Write(changeCSVHeader)
}

func (c *changeCSVWriter) change(ch client.Change) error {
	if err := c.head(); err != nil {
		return err
	}
	// Directory text goes through safeCell; the rest is the SDK's own.
	s := safeCell
	return c.w.Write([]string{
		s(ch.ID), csvDate(ch.Time), s(ch.CustomerID), s(ch.TenantID), s(ch.UserID), s(ch.DisplayName),
		s(ch.UserPrincipalName), strconv.Itoa(int(ch.Status)), ch.Status.String(), ch.Change(),
	})
}

func (c *changeCSVWriter) end() error {
	if err := c.head(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *changeCSVWriter) abort() error {
	c.w.Flush()
	return c.w.Error()
}

// tableChunk is how many rows the table aligns at a time: enough to look
// like one table, few enough to show a long feed as it comes.
const tableChunk = 500

// changeTableWriter writes aligned columns for people to read, with the
// tenant's column only across tenants.
type changeTableWriter struct {
	w       io.Writer
	tenants bool
	tw      *tabwriter.Writer
	n       int
}

func (t *changeTableWriter) change(ch client.Change) error {
	if t.tw == nil {
		t.tw = tabwriter.NewWriter(t.w, 0, 4, 2, ' ', 0)
		if t.n == 0 {
			t.row("TIME", "CHANGE", "STATUS", "DISPLAY NAME", "USER PRINCIPAL NAME", "TENANT")
		}
	}
	t.row(ch.Time.UTC().Format(time.DateTime), ch.Change(), ch.Status.String(), ch.DisplayName, ch.UserPrincipalName, ch.TenantID)
	if t.n++; t.n%tableChunk == 0 {
		return t.flush()
	}
	return nil
}

// row writes one line, without the tenant's column when it reads one
// tenant; every cell made printable.
func (t *changeTableWriter) row(cells ...string) {
	if !t.tenants {
		cells = cells[:len(cells)-1]
	}
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, printable(c))
	}
	fmt.Fprintln(t.tw)
}

func (t *changeTableWriter) flush() error {
	if t.tw == nil {
		return nil
	}
	err := t.tw.Flush()
	t.tw = nil
	return err
}

func (t *changeTableWriter) end() error {
	if err := t.flush(); err != nil {
		return err
	}
	noun := "changes"
	if t.n == 1 {
		noun = "change"
	}
	_, err := fmt.Fprintf(t.w, "%d %s\n", t.n, noun)
	return err
}

// abort shows the rows read, without the count line, which would read as
// a complete listing.
func (t *changeTableWriter) abort() error { return t.flush() }
