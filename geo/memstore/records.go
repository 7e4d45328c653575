package memstore

import "iter"

// recordChunkBits sets a chunk of the record table at 16,384 records.
const recordChunkBits = 14

// recordTable holds every incident's record by id, in chunks that never
// move once made: it grows without copying what it holds. (One slice grew
// by copying all of it: at a million incidents the first new incident
// after opening held the write lock, and every reader behind it, for 2 s.)
// A record's pointer stays valid for the table's life.
type recordTable struct {
	chunks [][]record
	n      int
}

// len is how many ids the table holds: 1 to len.
func (t *recordTable) len() int { return t.n }

// at is the record of id (1 to len).
func (t *recordTable) at(id uint32) *record {
	i := int(id) - 1
	return &t.chunks[i>>recordChunkBits][i&(1<<recordChunkBits-1)]
}

// add puts r at id len+1.
func (t *recordTable) add(r record) {
	if t.n>>recordChunkBits == len(t.chunks) {
		t.chunks = append(t.chunks, make([]record, 0, 1<<recordChunkBits))
	}
	c := &t.chunks[len(t.chunks)-1]
	*c = append(*c, r)
	t.n++
}

// all yields every record with its index (its id - 1), in id order.
func (t *recordTable) all() iter.Seq2[int, *record] {
	return func(yield func(int, *record) bool) {
		for c, chunk := range t.chunks {
			for j := range chunk {
				if !yield(c<<recordChunkBits+j, &chunk[j]) {
					return
				}
			}
		}
	}
}
