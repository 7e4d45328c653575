package web

import (
	"container/list"
	"sync"

	"github.com/badiamap/badiamap/geo"
)

// tileEntry is one built tile as it is cached and served.
type tileEntry struct {
	gz   []byte // gzipped MVT; nil for an empty tile or a client that takes no gzip
	raw  []byte // the MVT as built, kept only when the cache is off
	etag string // strong: a hash of the uncompressed bytes
	size int    // uncompressed bytes
}

// tileCache is an LRU of built tiles bounded in bytes. Every entry is valid
// at the data version the cache holds: when the data version moves on, the
// writes in between (geo.TileChangeLog) say which tiles changed and only
// those are dropped; a store that keeps no such log, or a write that
// changed everything (regions replaced), empties it.
type tileCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	version  int64      // the data version every entry is valid at
	order    *list.List // front: most recently used
	byKey    map[string]*list.Element
	hits     int64
	misses   int64
	dropped  int64 // entries dropped because a write changed their tile
}

type cacheItem struct {
	key       string
	tile      geo.TileAddr
	incidents bool // the tile draws incidents: incident writes may change it
	entry     *tileEntry
	cost      int64
}

// entryOverhead is a rough per-entry cost of the map, list and strings.
const entryOverhead = 160

func newTileCache(maxBytes int64) *tileCache {
	return &tileCache{maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *tileCache) on() bool { return c != nil && c.maxBytes > 0 }

// at is the data version the entries are valid at.
func (c *tileCache) at() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// advance makes the cache valid at ch.Version: the entries whose tile the
// writes in ch touched are dropped (every entry when ch.All).
func (c *tileCache) advance(ch geo.TileChanges) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch.Version <= c.version {
		return
	}
	c.version = ch.Version
	if ch.All {
		c.order.Init()
		clear(c.byKey)
		c.bytes = 0
		return
	}
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		it := el.Value.(*cacheItem)
		if it.incidents && ch.Touches(it.tile) {
			c.order.Remove(el)
			delete(c.byKey, it.key)
			c.bytes -= it.cost
			c.dropped++
		}
		el = next
	}
}

// get is the entry of key when the cache is valid at version.
func (c *tileCache) get(version int64, key string) (*tileEntry, bool) {
	if !c.on() {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return nil, false // a reader that saw another version: neither serve nor store
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

// put keeps e, built at version, when the cache is valid at that version.
func (c *tileCache) put(version int64, key string, tile geo.TileAddr, incidents bool, e *tileEntry) {
	if !c.on() {
		return
	}
	cost := int64(len(e.gz)+2*len(key)+len(e.etag)) + entryOverhead
	if cost > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return
	}
	if el, ok := c.byKey[key]; ok {
		c.bytes -= el.Value.(*cacheItem).cost
		c.order.Remove(el)
	}
	c.byKey[key] = c.order.PushFront(&cacheItem{key: key, tile: tile, incidents: incidents, entry: e, cost: cost})
	c.bytes += cost
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		it := last.Value.(*cacheItem)
		c.order.Remove(last)
		delete(c.byKey, it.key)
		c.bytes -= it.cost
	}
}

// tileCacheStats is what the cache holds now, for tests and metrics.
type tileCacheStats struct {
	Entries                  int
	Bytes, Hits, Misses      int64
	DroppedByWrites, Version int64
}

func (c *tileCache) stats() tileCacheStats {
	if c == nil {
		return tileCacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return tileCacheStats{len(c.byKey), c.bytes, c.hits, c.misses, c.dropped, c.version}
}
