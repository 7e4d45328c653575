// Package risk is badiamap's truffle-picking risk model: a hexagonal grid
// over the Badia (laid out exactly as PostGIS ST_HexagonGrid lays it out in
// EPSG:3857, so a cell has the same (i, j) everywhere), a score per cell for
// a reference date that sums the recent incidents around it, weighted by
// kind, severity, distance and age, and four levels cut from the score.
//
// It is pure Go on orb and package geo. Every store can be scored through
// ScanScores, which streams the incidents it selects into a Scorer; a store
// that scores in SQL (PostGIS) implements ScoreStore and is held to the same
// answers by the tests. Compute scores a slice already in memory (the
// backtest).
// docs/RISK.md documents every parameter and its default.
package risk
