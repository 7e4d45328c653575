package memstore

// SetTileWalkedHook makes f run between the two passes of every incidents
// tile (after its incidents are ranked, before their features are read)
// until restore is called.
func SetTileWalkedHook(f func()) (restore func()) {
	testHookTileWalked = f
	return func() { testHookTileWalked = nil }
}
