package secusers

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func blockUsers(n int) []PageUser {
	users := make([]PageUser, n)
	for i := range users {
		users[i] = PageUser{
			Key:    UserKey{SortKey: fmt.Sprintf("user %05d", i), ID: fmt.Sprintf("id-%d", i)},
			Status: StatusSet(i % 512), StartDate: int64(i) * 1000, EndDate: -int64(i),
			Fields: []byte(fmt.Sprintf(`"id":"id-%d"`+"\x1f\x1f\"\"", i)),
		}
		if i%3 == 0 {
			users[i].LastPasswordChange = FromMillis(1_600_000_000_000 + int64(i))
		}
	}
	return users
}

// TestBlocksRoundTrip builds the blocks of 250 users and reads every page
// of every size back from them, from positions and after keys.
func TestBlocksRoundTrip(t *testing.T) {
	users := blockUsers(250)
	var blocks [][]byte
	var lasts []UserKey
	b := NewBlockBuilder(func(n int64, last UserKey, count int, data []byte) error {
		if int(n) != len(blocks) || count != min(UsersPerBlock, len(users)-int(n)*UsersPerBlock) {
			t.Errorf("block %d of %d users, want block %d", n, count, len(blocks))
		}
		blocks, lasts = append(blocks, append([]byte(nil), data...)), append(lasts, last)
		return nil
	})
	for _, u := range users {
		if err := b.Add(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 || lasts[1] != users[199].Key || lasts[2] != users[249].Key {
		t.Fatalf("got %d blocks, the second ending at %v", len(blocks), lasts[1])
	}
	read := func(first, last int64) []PageUser {
		var out []PageUser
		for i := first; i <= last && i < int64(len(blocks)); i++ {
			var err error
			if out, err = DecodeBlock(out, blocks[i]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	if diff := cmp.Diff(users, read(0, 2)); diff != "" {
		t.Fatalf("decoded blocks (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		from  int64
		limit int
	}{{0, 100}, {100, 100}, {50, 100}, {240, 100}, {249, 1}, {250, 10}, {0, 1000}, {99, 2}} {
		first, last, skip := BlockRange(tc.from, tc.limit)
		got := PageFromBlocks(read(first, last), nil, skip, tc.limit)
		want := users[min(int(tc.from), len(users)):min(int(tc.from)+tc.limit, len(users))]
		if diff := cmp.Diff(want, got, cmpEmptyPage); diff != "" {
			t.Errorf("from %d, limit %d (-want +got):\n%s", tc.from, tc.limit, diff)
		}
	}
	// After a key: the first block with a later user, then on.
	after := users[149].Key
	got := PageFromBlocks(read(1, 2), &after, 10, 20)
	if diff := cmp.Diff(users[160:180], got); diff != "" {
		t.Errorf("after user 149, skipping 10 (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		after       UserKey
		skip, limit int
		blocks      int64 // decoded from block 1
		want        bool
	}{
		{users[149].Key, 0, 50, 1, true}, {users[149].Key, 0, 51, 1, false}, {users[149].Key, 10, 50, 2, true},
		{users[99].Key, 0, 100, 1, true}, {users[99].Key, 0, 101, 1, false},
	} {
		if got := PageComplete(read(1, tc.blocks), &tc.after, tc.skip, tc.limit); got != tc.want {
			t.Errorf("PageComplete(blocks 1..%d, after %v, skip %d, limit %d) = %v, want %v", tc.blocks, tc.after, tc.skip, tc.limit, got, tc.want)
		}
	}
	between := UserKey{SortKey: "user 00199 ", ID: ""} // after user 199, before 200
	if got := PageFromBlocks(read(1, 2), &between, 0, 1); len(got) != 1 || got[0].Key != users[200].Key {
		t.Errorf("after a key between users: got %v, want user 200", got)
	}
}

var cmpEmptyPage = cmp.Transformer("empty", func(p []PageUser) []PageUser {
	if len(p) == 0 {
		return nil
	}
	return p
})

func TestDecodeBlockRefusesDamage(t *testing.T) {
	block := AppendBlockUser(nil, blockUsers(1)[0])
	for cut := 1; cut < len(block); cut++ {
		if _, err := DecodeBlock(nil, block[:cut]); err == nil {
			t.Errorf("a block cut at byte %d of %d decoded", cut, len(block))
		}
	}
	if _, err := DecodeBlock(nil, append(block, 0xff, 0xff)); err == nil {
		t.Error("a block with trailing garbage decoded")
	}
}

func TestBlocked(t *testing.T) {
	for mask, want := range map[StatusSet]bool{
		AllStatusBits: true, StatusSetOf(HighRisk): true, StatusSetOf(TestUser): true,
		StatusSetOf(HighRisk, Inactive): false, 0: false,
	} {
		if got := Blocked(mask); got != want {
			t.Errorf("Blocked(%d) = %v, want %v", mask, got, want)
		}
	}
}

// FuzzDecodeBlock checks that no bytes, however damaged, make DecodeBlock
// panic or return users past the damage, and that a block it decodes
// encodes back to the same bytes.
func FuzzDecodeBlock(f *testing.F) {
	var block []byte
	for _, u := range blockUsers(3) {
		block = AppendBlockUser(block, u)
	}
	f.Add(block)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		users, err := DecodeBlock(nil, data)
		if err != nil {
			return
		}
		var again []byte
		for _, u := range users {
			again = AppendBlockUser(again, u)
		}
		if string(again) != string(data) && len(users) > 0 {
			// Varints have several encodings of one value: decode the
			// re-encoding and compare users instead of bytes.
			back, err := DecodeBlock(nil, again)
			if err != nil {
				t.Fatalf("a re-encoded block does not decode: %v", err)
			}
			if diff := cmp.Diff(users, back); diff != "" {
				t.Fatalf("users differ after a round trip (-first +second):\n%s", diff)
			}
		}
	})
}

// TestBlockUsersIsBounded: the capacity a block read allocates follows the
// page's size, never its offset or position.
func TestBlockUsersIsBounded(t *testing.T) {
	far := int64(1) << 40
	after := UserKey{SortKey: "k"}
	for _, q := range []UserQuery{
		{Limit: 100}, {Limit: 1000, Offset: far}, {Limit: 100, Position: &far},
		{Limit: 100, After: &after, Offset: far}, {Limit: 1, After: &after},
	} {
		if n := BlockUsers(q); n < q.Limit || n > q.Limit+3*UsersPerBlock {
			t.Errorf("BlockUsers(%+v) = %d, want between %d and %d", q, n, q.Limit, q.Limit+3*UsersPerBlock)
		}
	}
}
