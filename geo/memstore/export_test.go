package memstore

import "os"

// SetTileWalkedHook makes f run between the two passes of every incidents
// tile (after its incidents are ranked, before their features are read)
// until restore is called.
func SetTileWalkedHook(f func()) (restore func()) {
	testHookTileWalked = f
	return func() { testHookTileWalked = nil }
}

// SetSnapshotTemp makes compactions write their new snapshot to the file
// create returns until restore is called.
func SetSnapshotTemp(create func(path string) (*os.File, error)) (restore func()) {
	old := createSnapshotTemp
	createSnapshotTemp = create
	return func() { createSnapshotTemp = old }
}

// WriteBeforeTheRule makes the store join as it did before the precision
// rule (the point's join only) and write no JOINRULE mark, until restore is
// called.
func WriteBeforeTheRule() (restore func()) {
	testHookPointJoinOnly = true
	return func() { testHookPointJoinOnly = false }
}
