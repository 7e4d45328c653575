package web

import (
	"container/list"
	"sync"
)

// tileEntry is one built tile as it is cached and served.
type tileEntry struct {
	gz   []byte // gzipped MVT, when cached; nil for an empty tile
	raw  []byte // the MVT as built, when the cache is off
	etag string // strong: a hash of the uncompressed bytes
	size int    // uncompressed bytes
}

// tileCache is an LRU of built tiles bounded in bytes. Its keys hold the
// data version they were built at; the first put or get at a newer version
// empties it, so no tile outlives the data it was cut from.
type tileCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	version  int64
	order    *list.List // front: most recently used
	byKey    map[string]*list.Element
	hits     int64
	misses   int64
}

type cacheItem struct {
	key   string
	entry *tileEntry
	cost  int64
}

// entryOverhead is a rough per-entry cost of the map, list and strings.
const entryOverhead = 160

func newTileCache(maxBytes int64) *tileCache {
	return &tileCache{maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// sync drops everything when version is newer than what the cache holds.
func (c *tileCache) sync(version int64) bool {
	if version == c.version {
		return true
	}
	if version < c.version {
		return false // a reader that saw an older version: neither serve nor store
	}
	c.version = version
	c.order.Init()
	clear(c.byKey)
	c.bytes = 0
	return true
}

func (c *tileCache) get(version int64, key string) (*tileEntry, bool) {
	if c == nil || c.maxBytes <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(version) {
		return nil, false
	}
	el, ok := c.byKey[key]
	if !ok {
		c.misses++
		return nil, false
	}
	c.hits++
	c.order.MoveToFront(el)
	return el.Value.(*cacheItem).entry, true
}

func (c *tileCache) put(version int64, key string, e *tileEntry) {
	if c == nil || c.maxBytes <= 0 {
		return
	}
	cost := int64(len(e.gz)+2*len(key)+len(e.etag)) + entryOverhead
	if cost > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(version) {
		return
	}
	if el, ok := c.byKey[key]; ok {
		c.bytes -= el.Value.(*cacheItem).cost
		c.order.Remove(el)
	}
	c.byKey[key] = c.order.PushFront(&cacheItem{key: key, entry: e, cost: cost})
	c.bytes += cost
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		it := last.Value.(*cacheItem)
		c.order.Remove(last)
		delete(c.byKey, it.key)
		c.bytes -= it.cost
	}
}

// stats is what the cache holds now, for tests and metrics.
func (c *tileCache) stats() (entries int, bytes, hits, misses int64) {
	if c == nil {
		return 0, 0, 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey), c.bytes, c.hits, c.misses
}
