package tenantsync

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// The spool's record of a user is its fields in a fixed order: the lengths
// of its texts (uvarint) and then their bytes, the status (uvarint), a flags
// byte, the last password change when the flags say there is one (seconds
// and nanoseconds, UTC), then startDate and endDate (varint). It decodes
// with one allocation for all the texts, several times faster than gob or
// JSON, which counts: the spool is decoded while the store holds its write
// lock.

// Flags of a spooled user.
const (
	flagTestUser    = 1 << 0
	flagPasswordSet = 1 << 1
)

// maxSpoolTexts bounds the texts of a record read back, so that a damaged
// file cannot make the decoder allocate without end; stored texts are much
// shorter (secusers.MaxFieldLength each).
const maxSpoolTexts = 1 << 20

// texts lists the user's text fields in the record's order.
func texts(u *secusers.User) [14]*string {
	return [14]*string{&u.ID, &u.UserPrincipalName, &u.Mail, &u.DisplayName, &u.FirstName, &u.LastName,
		&u.EmployeeID, &u.Location, &u.Department, &u.Mobile, &u.JobTitle, &u.OfficePhone, &u.Company, &u.CountryRegion}
}

// appendUser appends u's record to b.
func appendUser(b []byte, u secusers.User) []byte {
	ts := texts(&u)
	for _, s := range ts {
		b = binary.AppendUvarint(b, uint64(len(*s)))
	}
	for _, s := range ts {
		b = append(b, *s...)
	}
	b = binary.AppendUvarint(b, uint64(u.Status))
	var flags byte
	if u.IsTestUser {
		flags |= flagTestUser
	}
	if !u.LastPasswordChange.IsZero() {
		flags |= flagPasswordSet
	}
	b = append(b, flags)
	if flags&flagPasswordSet != 0 {
		b = binary.AppendVarint(b, u.LastPasswordChange.Unix())
		b = binary.AppendUvarint(b, uint64(u.LastPasswordChange.Nanosecond()))
	}
	b = binary.AppendVarint(b, u.StartDate)
	return binary.AppendVarint(b, u.EndDate)
}

// decoder reads records back.
type decoder struct {
	r   *bufio.Reader
	buf []byte // reused for each record's texts; string() copies out of it
}

// user reads the next record.
func (d *decoder) user() (secusers.User, error) {
	var u secusers.User
	if err := d.texts(texts(&u)); err != nil {
		return u, err
	}
	status, err := binary.ReadUvarint(d.r)
	if err != nil {
		return u, err
	}
	u.Status = secusers.StatusSet(status)
	flags, err := d.r.ReadByte()
	if err != nil {
		return u, err
	}
	u.IsTestUser = flags&flagTestUser != 0
	if flags&flagPasswordSet != 0 {
		sec, err := binary.ReadVarint(d.r)
		if err != nil {
			return u, err
		}
		nsec, err := binary.ReadUvarint(d.r)
		if err != nil {
			return u, err
		}
		u.LastPasswordChange = time.Unix(sec, int64(nsec)).UTC()
	}
	if u.StartDate, err = binary.ReadVarint(d.r); err != nil {
		return u, err
	}
	u.EndDate, err = binary.ReadVarint(d.r)
	return u, err
}

// texts reads the lengths and then the bytes of the texts, which become
// substrings of one string.
func (d *decoder) texts(ts [14]*string) error {
	var lens [len(ts)]uint64
	var total uint64
	for i := range lens {
		n, err := binary.ReadUvarint(d.r)
		if err != nil {
			return err
		}
		lens[i], total = n, total+n
	}
	if total > maxSpoolTexts {
		return fmt.Errorf("texts of %d bytes: the file is damaged", total)
	}
	if uint64(cap(d.buf)) < total {
		d.buf = make([]byte, total)
	}
	if _, err := io.ReadFull(d.r, d.buf[:total]); err != nil {
		return noEOF(err)
	}
	all := string(d.buf[:total])
	for i, n := range lens {
		*ts[i], all = all[:n], all[n:]
	}
	return nil
}

// noEOF turns an end of file inside a record into the error it is.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
