package paging

import (
	"context"
	"fmt"

	"github.com/secusers/secusers/internal/secusers"
)

// anchorSet is every every-th position of a tenant's matching users, read
// at one version of the tenant's users. keys[i] is the position of the user
// at offset i*every (the (i*every+1)-th user).
type anchorSet struct {
	keys    []secusers.UserKey
	version int64
	every   int64
}

// query returns the read of limit users from offset: after the nearest
// anchor below offset, skipping the rest. Reading after anchor i starts at
// offset i*every+1, hence the -1s. It reports false when no anchor helps
// (none below offset), and the query is then a plain offset read, which is
// right at any version.
//
// Past the last anchor the read starts after the last one: it then skips at
// most every users before it runs out, whatever offset is, and still
// counts the true total.
func (a *anchorSet) query(statuses secusers.StatusSet, offset int64, limit int) (secusers.UserQuery, bool) {
	q := secusers.UserQuery{Statuses: statuses, Offset: offset, Limit: limit}
	if offset < 1 || len(a.keys) == 0 {
		return q, false
	}
	i := min((offset-1)/a.every, int64(len(a.keys)-1))
	q.After = &a.keys[i]
	q.Offset = offset - i*a.every - 1
	return q, true
}

// anchors returns the tenant's anchors under the filter, from the cache or
// read from the store. Concurrent misses of one key share one read. The
// read is detached from ctx: a large tenant's anchors may take longer than
// one request may wait, and they serve the requests that come after it; a
// request whose ctx ends first gets its ctx's error and leaves the read to
// finish into the cache.
func (p *Pager) anchors(ctx context.Context, k cacheKey) (*anchorSet, error) {
	if a, ok := p.cache.get(k); ok {
		return a, nil
	}
	ch := p.builds.DoChan(k.String(), func() (any, error) {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.buildTimeout)
		defer cancel()
		a, err := p.readAnchors(bctx, k)
		if err != nil {
			return nil, err
		}
		p.cache.add(k, a)
		return a, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*anchorSet), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readAnchors reads the anchors from the store and checks that they are in
// the API's order: out-of-order anchors would serve wrong pages silently.
func (p *Pager) readAnchors(ctx context.Context, k cacheKey) (*anchorSet, error) {
	p.reads.Add(1)
	keys, version, err := p.store.SecurityUserKeys(ctx, k.tenantID, k.statuses, p.every)
	if err != nil {
		return nil, fmt.Errorf("read anchors of tenant %s: %w", k.tenantID, err)
	}
	for i := 1; i < len(keys); i++ {
		if !keys[i-1].Less(keys[i]) {
			return nil, fmt.Errorf("read anchors of tenant %s: anchor %d is not after anchor %d", k.tenantID, i, i-1)
		}
	}
	keys, every := thin(keys, int64(p.every), p.maxAnchors)
	return &anchorSet{keys: keys, version: version, every: every}, nil
}

// thin keeps every m-th of keys, spaced every users apart, so that at most
// max remain, and returns them with their spacing. The store reads every
// matching user to find the anchors whatever their spacing, so a fine
// spacing costs nothing there; thinning afterwards bounds the memory of a
// large set while a small one, such as a rare status's, keeps the fine
// spacing that makes its deep pages skip few users. (The users a read
// skips are index entries of every user, matching or not, so a rare
// status's skip of n matching users is a long one.)
func thin(keys []secusers.UserKey, every int64, max int) ([]secusers.UserKey, int64) {
	m := (len(keys) + max - 1) / max
	if m <= 1 {
		return keys, every
	}
	out := make([]secusers.UserKey, 0, (len(keys)+m-1)/m)
	for i := 0; i < len(keys); i += m {
		out = append(out, keys[i])
	}
	return out, every * int64(m)
}
