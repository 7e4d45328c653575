// Package idset remembers a large number of external ids and the row each
// came on, for the duplicate checks of an import. It holds them without Go
// pointers (the ids in one byte arena, a map from their hash to their slot),
// so a million ids cost the garbage collector nothing to scan and far less
// memory than a map of strings.
package idset

import "hash/maphash"

// Set is a set of ids, each with the int64 it was added with.
type Set struct {
	hash   func(string) uint64
	arena  []byte   // every id, one after another
	ends   []uint64 // ends[i] is where id i ends in arena
	vals   []int64  // vals[i] was added with id i
	byHash map[uint64]uint32
	// collided holds the rare ids whose hash another id already has.
	collided map[string]uint32
}

// New returns an empty set.
func New() *Set {
	seed := maphash.MakeSeed()
	return &Set{hash: func(id string) uint64 { return maphash.String(seed, id) }, byHash: make(map[uint64]uint32)}
}

// Len is how many ids the set holds.
func (s *Set) Len() int { return len(s.ends) }

func (s *Set) id(i uint32) string {
	start := uint64(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return string(s.arena[start:s.ends[i]])
}

// Get returns the value id was added with, and whether it is in the set.
func (s *Set) Get(id string) (int64, bool) {
	i, ok := s.byHash[s.hash(id)]
	if !ok {
		return 0, false
	}
	if s.id(i) == id {
		return s.vals[i], true
	}
	if j, ok := s.collided[id]; ok {
		return s.vals[j], true
	}
	return 0, false
}

// Add puts id in the set with val, and reports false (changing nothing) when
// it is already there.
func (s *Set) Add(id string, val int64) bool {
	h := s.hash(id)
	i, taken := s.byHash[h]
	if taken {
		if s.id(i) == id {
			return false
		}
		if _, ok := s.collided[id]; ok {
			return false
		}
	}
	s.arena = append(s.arena, id...)
	s.ends = append(s.ends, uint64(len(s.arena)))
	s.vals = append(s.vals, val)
	slot := uint32(len(s.ends) - 1)
	if !taken {
		s.byHash[h] = slot
		return true
	}
	if s.collided == nil {
		s.collided = make(map[string]uint32)
	}
	s.collided[id] = slot
	return true
}
