package memstore

import (
	"math"
	"slices"
	"sort"

	"github.com/badiamap/badiamap/geo"
)

// cursor yields candidate ids in ascending order: a superset of what the
// filter matches, taken from the smallest index that applies.
type cursor interface {
	next() (uint32, bool)
}

type rangeCursor struct{ at, last uint32 }

func (c *rangeCursor) next() (uint32, bool) {
	if c.at > c.last {
		return 0, false
	}
	c.at++
	return c.at - 1, true
}

// mergeCursor walks the union of ascending id lists.
type mergeCursor struct{ lists [][]uint32 }

func (c *mergeCursor) next() (uint32, bool) {
	best := -1
	for i, l := range c.lists {
		if len(l) > 0 && (best < 0 || l[0] < c.lists[best][0]) {
			best = i
		}
	}
	if best < 0 {
		return 0, false
	}
	id := c.lists[best][0]
	for i, l := range c.lists {
		if len(l) > 0 && l[0] == id {
			c.lists[i] = l[1:]
		}
	}
	return id, true
}

// candidates picks the smallest candidate set for f among every id, the
// per-governorate and per-region lists, and the point R-tree. It runs under
// the read lock; the lists it keeps are never changed in place.
func (s *Store) candidates(f *geo.IncidentFilter, after uint32) cursor {
	best := cursor(&rangeCursor{at: after + 1, last: uint32(s.recs.len())})
	bestN := s.recs.len() - int(after)
	fromLists := func(codes []string, index map[sym][]uint32) {
		var lists [][]uint32
		total := 0
		for _, c := range slices.Compact(slices.Sorted(slices.Values(codes))) {
			if c == "" {
				return // incidents joined to nothing are in no list
			}
			id, ok := s.syms.index[c]
			if !ok {
				continue
			}
			l := index[id]
			l = l[sort.Search(len(l), func(i int) bool { return l[i] > after }):]
			if len(l) > 0 {
				lists = append(lists, l)
				total += len(l)
			}
		}
		if total < bestN {
			best, bestN = &mergeCursor{lists: lists}, total
		}
	}
	if len(f.Governorates) > 0 {
		fromLists(f.Governorates, s.byGov)
	}
	if len(f.Regions) > 0 {
		fromLists(f.Regions, s.byRegion)
	}
	if b := f.BBox; b != nil {
		// float32 corners rounded outwards keep every point of the box.
		lo := [2]float32{down32(b.Min[0]), down32(b.Min[1])}
		hi := [2]float32{up32(b.Max[0]), up32(b.Max[1])}
		var ids []uint32
		small := true
		// Past a quarter of the other set, walking that set with the
		// prefilter's box test is about as quick, and holds no id list.
		limit := bestN / 4
		s.points.Search(lo, hi, func(_, _ [2]float32, id uint32) bool {
			if id > after {
				if len(ids) >= limit {
					small = false
					return false
				}
				ids = append(ids, id)
			}
			return true
		})
		if small {
			slices.Sort(ids)
			best = &mergeCursor{lists: [][]uint32{ids}}
		}
	}
	return best
}

func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}
