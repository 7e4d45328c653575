package memstore_test

import (
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/storetest"
)

func openTemp(t *testing.T) *memstore.Store {
	t.Helper()
	s, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) geo.Store { return openTemp(t) })
}

func TestContractTilesAtScale(t *testing.T) {
	storetest.RunTileScale(t, func(t *testing.T) geo.Store { return openTemp(t) })
}

func TestAccountsContract(t *testing.T) {
	storetest.RunAccounts(t, func(t *testing.T) geo.Store { return openTemp(t) })
}
