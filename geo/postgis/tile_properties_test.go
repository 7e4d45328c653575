package postgis

import (
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
)

// Every field TileJSON announces for incidents has its SQL expression, and
// no expression names a field TileJSON does not know.
func TestTileIncidentPropertiesCoverIncidentFields(t *testing.T) {
	if len(tileIncidentProperties) != len(geo.AllIncidentProperties) {
		t.Errorf("%d SQL properties, %d incident fields", len(tileIncidentProperties), len(geo.AllIncidentProperties))
	}
	for _, name := range geo.AllIncidentProperties {
		if _, ok := tileIncidentProperties[name]; !ok {
			t.Errorf("incident field %s has no SQL expression", name)
		}
	}
	q, err := tilePointsQuery([]string{"killed", "notes"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q, ", i.killed AS killed, i.notes AS notes") || strings.Contains(q, "AS sources") {
		t.Errorf("query for killed, notes selects something else:\n%s", q)
	}
	if _, err := tilePointsQuery([]string{"id; DROP TABLE incidents"}); err == nil {
		t.Error("an unknown property was accepted")
	}
}
