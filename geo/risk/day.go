package risk

import (
	"context"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// StaleAfterDays is how many days after the latest incident in the store a
// reference day may fall before its answer is stale: past it, the window
// holds little or nothing the store knows of, and a low score says "no
// data", not "safe".
const StaleAfterDays = 30

// DaySource says where a reference day came from.
type DaySource string

const (
	DayRequested      DaySource = "requested"       // the request named it
	DayLatestIncident DaySource = "latest incident" // the default: the latest incident's date
	DayToday          DaySource = "today"           // the default when the store holds no incident
)

// DayChoice is the reference day of an answer and whether the data reach it.
type DayChoice struct {
	Day    time.Time
	Source DaySource
	// Latest is the start date of the latest incident in the store, zero
	// when the store holds none.
	Latest time.Time
	// Stale is set when Day is more than StaleAfterDays after Latest, or
	// the store holds no incident; Message then says why it matters.
	Stale   bool
	Message string
}

// ChooseDay picks the reference day: requested when it is not zero, else
// the latest incident's date, else (an empty store) today. The answer is
// stale when its day lies more than StaleAfterDays after the latest
// incident, or there is no incident at all.
func ChooseDay(requested, latest, today time.Time) DayChoice {
	c := DayChoice{Day: Day(requested), Source: DayRequested}
	if !latest.IsZero() {
		c.Latest = Day(latest)
	}
	switch {
	case !requested.IsZero():
	case !latest.IsZero():
		c.Day, c.Source = c.Latest, DayLatestIncident
	default:
		c.Day, c.Source = Day(today), DayToday
	}
	if c.Latest.IsZero() {
		c.Stale = true
		c.Message = "the store holds no incident: every score is 0, which means no data, not safety"
		return c
	}
	if after := daysBetween(c.Latest, c.Day); after > StaleAfterDays {
		c.Stale = true
		c.Message = fmt.Sprintf("%s is %d days after the latest incident in the store (%s): the model sees nothing after that date, "+
			"so a low level here means no data, not safety", c.Day.Format(geo.DateLayout), after, c.Latest.Format(geo.DateLayout))
	}
	return c
}

// LatestStore is a store that can name the start date of its latest
// incident without reading every incident (both stores can).
type LatestStore interface {
	// LatestIncidentDate is the start date of the latest incident held,
	// zero when there is none.
	LatestIncidentDate(ctx context.Context) (time.Time, error)
}

// LatestIncidentDate is the start date of the latest incident in the store,
// zero when it holds none: from LatestStore when the store is one, else
// from its monthly totals.
func LatestIncidentDate(ctx context.Context, store geo.Store) (time.Time, error) {
	if ls, ok := store.(LatestStore); ok {
		return ls.LatestIncidentDate(ctx)
	}
	months, err := store.Stats(ctx, geo.IncidentFilter{}, geo.ByMonth)
	if err != nil {
		return time.Time{}, fmt.Errorf("latest incident date: %w", err)
	}
	if len(months) == 0 {
		return time.Time{}, nil
	}
	return Day(months[len(months)-1].LastDate), nil
}

// ReferenceDay asks the store for its latest incident and chooses the
// reference day by ChooseDay.
func ReferenceDay(ctx context.Context, store geo.Store, requested, today time.Time) (DayChoice, error) {
	latest, err := LatestIncidentDate(ctx, store)
	if err != nil {
		return DayChoice{}, err
	}
	return ChooseDay(requested, latest, today), nil
}
