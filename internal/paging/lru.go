package paging

import (
	"container/list"
	"strconv"
	"sync"

	"github.com/secusers/secusers/internal/secusers"
)

// cacheKey names one set of anchors: a tenant under one filter. Each filter
// has its own positions, since each selects a different sequence of users.
type cacheKey struct {
	tenantID string
	statuses secusers.StatusSet
}

// String is the key's name in the singleflight group.
func (k cacheKey) String() string {
	return k.tenantID + "/" + strconv.FormatUint(uint64(k.statuses), 10)
}

// lru is a bounded cache of anchor sets that evicts the least recently used
// one, so that a server walking many tenants keeps only the busy ones.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *lruItem, the most recently used first
	items map[cacheKey]*list.Element
}

type lruItem struct {
	key cacheKey
	val *anchorSet
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: make(map[cacheKey]*list.Element)}
}

func (c *lru) get(k cacheKey) (*anchorSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruItem).val, true
}

func (c *lru) add(k cacheKey, v *anchorSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		e.Value.(*lruItem).val = v
		c.order.MoveToFront(e)
		return
	}
	c.items[k] = c.order.PushFront(&lruItem{key: k, val: v})
	for c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*lruItem).key)
	}
}

// remove drops k only while it still holds v: a request that found v stale
// must not drop the fresh set another request has built since.
func (c *lru) remove(k cacheKey, v *anchorSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok && e.Value.(*lruItem).val == v {
		c.order.Remove(e)
		delete(c.items, k)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
