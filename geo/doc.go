// Package geo is the domain of badiamap: incidents in the Syrian Badia, the
// regions they are joined to, the filter every endpoint shares, and the Store
// interface that PostGIS and the embedded store both implement.
//
// It is pure Go on orb and imports no server, driver or SQL.
package geo
