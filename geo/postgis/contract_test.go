package postgis_test

import (
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/storetest"
)

// TestContract holds the PostGIS store to the contract every store shares,
// each store on a fresh, migrated database.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) geo.Store { return newStore(t) })
}

func TestContractTilesAtScale(t *testing.T) {
	storetest.RunTileScale(t, func(t *testing.T) geo.Store { return newStore(t) })
}
