package incidentfile

import "github.com/badiamap/badiamap/geo"

// FieldChange is one field two versions of an incident hold differently,
// written as the CSV writes it.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Changes lists the fields of Columns in which after differs from before
// (the ids and the store's timestamps aside), in column order.
func Changes(before, after *geo.Incident) []FieldChange {
	var out []FieldChange
	for _, c := range columns {
		switch c.name {
		case "id", "created_at", "updated_at":
			continue
		}
		if b, a := c.format(before), c.format(after); a != b {
			out = append(out, FieldChange{c.name, b, a})
		}
	}
	return out
}
