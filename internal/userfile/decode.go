package userfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// member describes one member of a record: its bit in the set of members
// seen, and what the error says when its value has the wrong type.
type member struct {
	bit  uint32
	want string
}

// lastChangeName is the one member that may be null.
const lastChangeName = "lastPasswordChangeDateTime"

// members lists the record's members by their exact JSON names.
// encoding/json matches names case-insensitively and lets a repeated name
// win silently; the reader checks names against this table instead, so that
// a record has one spelling and one value per field.
var members = func() map[string]member {
	const str = "a string"
	wants := []struct{ name, want string }{
		{"id", str}, {"userPrincipalName", str}, {"mail", str}, {"displayName", str}, {"firstName", str},
		{"lastName", str}, {"employeeId", str}, {"location", str}, {"department", str}, {"mobile", str},
		{"jobTitle", str}, {"officePhone", str}, {"company", str}, {"countryRegion", str},
		{"status", "an integer from 0 to 511 (the status bit set)"},
		{"isTestUser", "true or false"},
		{"startDate", "an integer (Unix time in milliseconds)"},
		{"endDate", "an integer (Unix time in milliseconds)"},
		{lastChangeName, `an RFC 3339 date-time string, "" or null`},
	}
	m := make(map[string]member, len(wants))
	for i, w := range wants {
		m[w.name] = member{bit: 1 << i, want: w.want}
	}
	return m
}()

// decodeRecord reads one JSON object holding only known members, each once
// and with the right type, and nothing after it. Members may be missing
// (they default to "", 0 and false) except id.
//
// The work is split for speed, since an import reads hundreds of thousands
// of lines: json.Unmarshal validates the line and fills the record in one
// pass, and checkMembers then walks the already-valid line's top-level
// names, which is cheap. Only a failing line pays for a precise message.
func decodeRecord(line []byte) (record, time.Time, error) {
	var rec record
	err := json.Unmarshal(line, &rec)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return rec, time.Time{}, syntaxError(line, syntax)
	}
	// The line is valid JSON now; its member names come before its types.
	if merr := checkMembers(line); merr != nil {
		return rec, time.Time{}, merr
	}
	if err != nil {
		return rec, time.Time{}, typeError(err)
	}
	lastChange, err := parseLastChange(rec.LastPasswordChangeDateTime)
	return rec, lastChange, err
}

// checkMembers checks the member names and nulls of line, a valid JSON value.
func checkMembers(line []byte) error {
	var seen uint32
	err := scanMembers(line, func(name []byte, null bool) error {
		m, ok := members[string(name)]
		switch {
		case !ok:
			return secusers.Errorf(secusers.Invalid, "unknown field %q", shorten(string(name)))
		case seen&m.bit != 0:
			return secusers.Errorf(secusers.Invalid, "field %q appears twice", name)
		case null && string(name) != lastChangeName:
			// The API never sends null for these, so null is a mistake
			// here rather than "unknown".
			return secusers.Errorf(secusers.Invalid, "%s must be %s, not null", name, m.want)
		}
		seen |= m.bit
		return nil
	})
	if err != nil {
		return err
	}
	if seen&members["id"].bit == 0 {
		return secusers.Errorf(secusers.Invalid, "id is required")
	}
	return nil
}

// typeError describes a value of the wrong type.
func typeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if m, ok := members[te.Field]; ok {
			return secusers.Errorf(secusers.Invalid, "%s must be %s, got %s", te.Field, m.want, te.Value)
		}
		return secusers.Errorf(secusers.Invalid, "a record must be a JSON object, got %s", te.Value)
	}
	return secusers.Errorf(secusers.Invalid, "invalid record: %v", err)
}

// syntaxError describes malformed JSON: data after a complete value, or
// the column where the JSON went wrong.
func syntaxError(line []byte, err *json.SyntaxError) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	var first json.RawMessage
	if dec.Decode(&first) == nil {
		if first[0] != '{' {
			return secusers.Errorf(secusers.Invalid, "a record must be a JSON object")
		}
		return secusers.Errorf(secusers.Invalid, "unexpected data after the record")
	}
	if err.Offset >= int64(len(bytes.TrimRight(line, " \t\r"))) {
		return secusers.Errorf(secusers.Invalid, "invalid JSON: the record ends early")
	}
	return secusers.Errorf(secusers.Invalid, "invalid JSON at column %d: %v", err.Offset, err)
}

// parseLastChange reads the password change time; "" means unknown.
func parseLastChange(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, secusers.Errorf(secusers.Invalid, "lastPasswordChangeDateTime must be an RFC 3339 date-time such as 2026-01-31T09:30:00Z, got %q", shorten(s))
	}
	return t.UTC(), nil
}
