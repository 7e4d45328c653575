// Package risk is badiamap's truffle-picking risk model: a hexagonal grid
// over the Badia (laid out exactly as PostGIS ST_HexagonGrid lays it out in
// EPSG:3857, so a cell has the same (i, j) everywhere), a score per cell for
// a reference date that sums the recent, precisely located incidents around
// it (Scored), weighted by kind, severity, distance and age, in units of one
// fatal clash at the cell's centre on the day, and four levels cut from the
// score; outside the grid a place is NotAssessed.
//
// The reference day defaults to the store's latest incident (ReferenceDay),
// and an answer far past it is stale. Backtest replays the truffle seasons
// against two baselines, Search chooses the parameters on the train seasons
// only, and HeldOutSkill states how the chosen model did on the held-out ones.
//
// It is pure Go on orb and package geo. Every store can be scored through
// ScanScores, which streams the incidents it selects into a Scorer; a store
// that scores in SQL (PostGIS) implements ScoreStore and is held to the same
// answers by the tests. Compute scores a slice already in memory (the
// backtest). docs/RISK.md documents every parameter, its default and the
// backtest.
package risk
