package secusers

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// UsersPerBlock is how many consecutive users, in the API's order, one
// stored block of a filter holds. A page of the default size (100) at any
// pageIndex is then one block, or two when an After position cuts it.
const UsersPerBlock = 100

// BlockFilters returns the filters whose pages the stores keep in blocks:
// every security user (the filter of a request without status) and each
// single status. A page of one of them is a read of one or two stored
// blocks instead of a hundred rows; other filters read rows.
func BlockFilters() []StatusSet {
	filters := []StatusSet{AllStatusBits}
	for _, st := range AllStatuses() {
		filters = append(filters, StatusSetOf(st))
	}
	return filters
}

// Blocked reports whether a filter's mask (UserQuery.Statuses.FilterMask())
// is one of BlockFilters.
func Blocked(mask StatusSet) bool {
	_, one := mask.Only()
	return one || mask == AllStatusBits
}

// AppendBlockUser appends u's record to a block. A record is the user's
// position and page fields, each length-prefixed or fixed-width, so that a
// block decodes without parsing JSON:
//
//	uvarint len, sort key | uvarint len, id | uint16 status |
//	varint last password change (Unix ms, or noPasswordChange) |
//	varint start date | varint end date | uvarint len, fields
func AppendBlockUser(block []byte, u PageUser) []byte {
	block = appendBytes(block, []byte(u.Key.SortKey))
	block = appendBytes(block, []byte(u.Key.ID))
	block = binary.LittleEndian.AppendUint16(block, uint16(u.Status))
	changed := int64(noPasswordChange)
	if !u.LastPasswordChange.IsZero() {
		changed = u.LastPasswordChange.UnixMilli()
	}
	block = binary.AppendVarint(block, changed)
	block = binary.AppendVarint(block, u.StartDate)
	block = binary.AppendVarint(block, u.EndDate)
	return appendBytes(block, u.Fields)
}

// noPasswordChange stands for an unknown last password change in a block:
// no Unix millisecond a directory reports is this far in the past.
const noPasswordChange = -1 << 62

func appendBytes(block, b []byte) []byte {
	block = binary.AppendUvarint(block, uint64(len(b)))
	return append(block, b...)
}

// DecodeBlock appends the users of a block to users, in its order. Their
// Fields are slices of block, not copies. A block that does not decode is
// damaged: the error says where.
func DecodeBlock(users []PageUser, block []byte) ([]PageUser, error) {
	d := blockDecoder{b: block}
	for len(d.b) > 0 {
		var u PageUser
		u.Key.SortKey = string(d.bytes())
		u.Key.ID = string(d.bytes())
		u.Status = StatusSet(d.uint16())
		if changed := d.varint(); changed != noPasswordChange {
			u.LastPasswordChange = FromMillis(changed)
		}
		u.StartDate = d.varint()
		u.EndDate = d.varint()
		u.Fields = d.bytes()
		if d.bad {
			return users, fmt.Errorf("a stored block of users is damaged at byte %d", len(block)-len(d.b))
		}
		users = append(users, u)
	}
	return users, nil
}

// blockDecoder reads a block's records; bad is set, and stays set, once a
// read runs past the end.
type blockDecoder struct {
	b   []byte
	bad bool
}

func (d *blockDecoder) bytes() []byte {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.bad, d.b = true, nil
		return nil
	}
	out := d.b[k : k+int(n) : k+int(n)]
	d.b = d.b[k+int(n):]
	return out
}

func (d *blockDecoder) uint16() uint16 {
	if len(d.b) < 2 {
		d.bad, d.b = true, nil
		return 0
	}
	v := binary.LittleEndian.Uint16(d.b)
	d.b = d.b[2:]
	return v
}

func (d *blockDecoder) varint() int64 {
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[k:]
	return v
}

// BlocksToRead returns the blocks to read for q's page, from first to last,
// and how many users of the first to pass over, when the read starts at a
// known position (q.Position, or q.Offset without After); ok is false when
// it starts after q.After, whose block the store must find first.
func BlocksToRead(q UserQuery) (first, last int64, skip int, ok bool) {
	switch {
	case q.Position != nil:
		first, last, skip = BlockRange(*q.Position, q.Limit)
	case q.After == nil:
		first, last, skip = BlockRange(q.Offset, q.Limit)
	default:
		return 0, 0, 0, false
	}
	return first, last, skip, true
}

// BlocksAfter returns how many blocks at most to read, from the first one
// with a user after q.After, for q's page: the users at or before the
// position in that block may take up to a whole block more. A reader stops
// as soon as it has the page (PageComplete).
func BlocksAfter(q UserQuery) int64 {
	return (q.Offset+int64(q.Limit)+UsersPerBlock-1)/UsersPerBlock + 1
}

// BlockUsers returns how many users a read of q's page from blocks decodes
// in the usual case, so that the reader allocates their slice once: the
// blocks of a known position, or the page and a block more after a
// position. It is a capacity, never a bound: a read after a position with
// a large Offset (a page past the end, found from an anchor) decodes more,
// and must not allocate for an Offset it will never reach.
func BlockUsers(q UserQuery) int {
	if first, last, _, ok := BlocksToRead(q); ok {
		return int(min(last-first+1, int64(q.Limit)/UsersPerBlock+2)) * UsersPerBlock
	}
	return q.Limit + 2*UsersPerBlock
}

// PageComplete reports whether users, decoded from consecutive blocks from
// the first with a user after after, hold the page that starts skip users
// after it and has limit users: the blocks after them need not be read.
func PageComplete(users []PageUser, after *UserKey, skip, limit int) bool {
	atOrBefore := 0
	if after != nil {
		atOrBefore = sort.Search(len(users), func(i int) bool { return after.Less(users[i].Key) })
	}
	return len(users)-atOrBefore >= skip+limit
}

// BlockRange returns the blocks that hold the users at positions from, from
// + 1, …, from + n - 1 of a filter (0-based), and how many users of the
// first block come before from.
func BlockRange(from int64, n int) (first, last int64, skip int) {
	first = from / UsersPerBlock
	last = (from + int64(n) - 1) / UsersPerBlock
	return first, last, int(from % UsersPerBlock)
}

// PageFromBlocks returns the page of limit users that starts skip users
// into the decoded users of consecutive blocks, after position after when
// it is not nil (users at or before it are passed over first).
func PageFromBlocks(users []PageUser, after *UserKey, skip, limit int) []PageUser {
	if after != nil {
		i := 0
		for i < len(users) && !after.Less(users[i].Key) {
			i++
		}
		users = users[i:]
	}
	if skip >= len(users) {
		return nil
	}
	users = users[skip:]
	return users[:min(limit, len(users))]
}

// BlockBuilder cuts a filter's users, given in the API's order, into
// blocks of UsersPerBlock and hands each to write with its number (from 0),
// its last user's position (a read after a position starts at the first
// block whose last user comes after it), its count of users and its bytes,
// which write must not keep: the builder reuses them.
type BlockBuilder struct {
	write func(block int64, last UserKey, users int, data []byte) error
	n     int64
	count int
	last  UserKey
	data  []byte
}

// NewBlockBuilder returns a builder that writes blocks with write.
func NewBlockBuilder(write func(block int64, last UserKey, users int, data []byte) error) *BlockBuilder {
	return &BlockBuilder{write: write}
}

// Add appends the next user in the API's order.
func (b *BlockBuilder) Add(u PageUser) error {
	b.last = u.Key
	b.data = AppendBlockUser(b.data, u)
	if b.count++; b.count == UsersPerBlock {
		return b.Flush()
	}
	return nil
}

// Flush writes the block in progress, if it has users.
func (b *BlockBuilder) Flush() error {
	if b.count == 0 {
		return nil
	}
	err := b.write(b.n, b.last, b.count, b.data)
	b.n, b.count, b.data = b.n+1, 0, b.data[:0]
	return err
}
