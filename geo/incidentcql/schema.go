package incidentcql

import "github.com/badiamap/badiamap/cql2"

// Schema is the queryables resource of OGC API - Features - Part 3: a JSON
// Schema of one object whose properties are the queryables, with their
// types, ranges and enums; id is the resource's URL.
func Schema(id, title string) map[string]any {
	props := map[string]any{}
	for _, p := range Properties {
		s := map[string]any{"title": p.Name, "description": p.Title}
		switch p.Type {
		case cql2.TypeString:
			s["type"] = "string"
			if len(p.Enum) > 0 {
				s["enum"] = p.Enum
			}
		case cql2.TypeInteger, cql2.TypeNumber:
			s["type"] = string(p.Type)
			if p.Minimum != nil {
				s["minimum"] = *p.Minimum
			}
			if p.Maximum != nil {
				s["maximum"] = *p.Maximum
			}
			if p.Nullable {
				s["type"] = []string{"integer", "null"}
			}
		case cql2.TypeBoolean:
			s["type"] = "boolean"
		case cql2.TypeDate:
			s["type"], s["format"] = "string", "date"
		case cql2.TypeTimestamp:
			s["type"], s["format"] = "string", "date-time"
		case cql2.TypeGeometry:
			// OGC API - Features - Part 5's role and format of a point.
			s["format"], s["x-ogc-role"] = "geometry-point", "primary-geometry"
		case cql2.TypeInterval:
			s["type"], s["minItems"], s["maxItems"] = "array", 2, 2
			s["items"] = map[string]any{"type": "string", "format": "date"}
			s["format"] = "interval"
		}
		props[p.Name] = s
	}
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  id,
		"type":                 "object",
		"title":                title,
		"properties":           props,
		"additionalProperties": false,
	}
}
