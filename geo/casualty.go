package geo

// CasualtyGroup is one count of Casualties, under the name every response,
// file, tile and filter gives it. CasualtyGroups is the one list of them.
type CasualtyGroup struct {
	Name        string // military, militia, ... as the API, files and tiles name it
	Description string
	// PartOf names the group this one is a subset of ("" for none): militia
	// of military; children, women and truffle gatherers of civilians.
	PartOf string
	// Killed marks the groups of the dead (not injured and abducted).
	Killed bool
	// Victim says a filter may ask for incidents with someone of this group
	// among the dead (the victim parameter).
	Victim bool
	// HXL is the group's hashtag and attributes in the Humanitarian Exchange
	// Language row of CSV downloads.
	HXL   string
	field func(*Casualties) *int
}

// Of is the count of group g in c.
func (g CasualtyGroup) Of(c Casualties) int { return *g.field(&c) }

// Field is the count of group g in c, to set it.
func (g CasualtyGroup) Field(c *Casualties) *int { return g.field(c) }

// CasualtyGroups lists the counts of Casualties in the order every response
// lists them.
var CasualtyGroups = []CasualtyGroup{
	{Name: "military", Description: "state forces and allied militia killed", Killed: true, PartOf: "", Victim: true, HXL: "#affected+killed+military",
		field: func(c *Casualties) *int { return &c.Military }},
	{Name: "militia", Description: "of which allied militia", Killed: true, PartOf: "military", Victim: true, HXL: "#affected+killed+military+militia",
		field: func(c *Casualties) *int { return &c.Militia }},
	{Name: "isis", Description: "ISIS members killed", Killed: true, PartOf: "", Victim: true, HXL: "#affected+killed+isis",
		field: func(c *Casualties) *int { return &c.ISIS }},
	{Name: "other_armed", Description: "other armed groups killed", Killed: true, PartOf: "", Victim: false, HXL: "#affected+killed+armed+other",
		field: func(c *Casualties) *int { return &c.OtherArmed }},
	{Name: "civilians", Description: "civilians killed", Killed: true, PartOf: "", Victim: true, HXL: "#affected+killed+civilians",
		field: func(c *Casualties) *int { return &c.Civilians }},
	{Name: "children", Description: "of which children", Killed: true, PartOf: "civilians", Victim: true, HXL: "#affected+killed+civilians+children",
		field: func(c *Casualties) *int { return &c.Children }},
	{Name: "women", Description: "of which women", Killed: true, PartOf: "civilians", Victim: true, HXL: "#affected+killed+civilians+women",
		field: func(c *Casualties) *int { return &c.Women }},
	{Name: "truffle_gatherers", Description: "of which truffle gatherers", Killed: true, PartOf: "civilians", Victim: true, HXL: "#affected+killed+civilians+truffle",
		field: func(c *Casualties) *int { return &c.TruffleGatherers }},
	{Name: "unknown", Description: "killed, group not known", Killed: true, PartOf: "", Victim: false, HXL: "#affected+killed+unknown",
		field: func(c *Casualties) *int { return &c.Unknown }},
	{Name: "injured", Description: "injured", Killed: false, PartOf: "", Victim: false, HXL: "#affected+injured",
		field: func(c *Casualties) *int { return &c.Injured }},
	{Name: "abducted", Description: "abducted", Killed: false, PartOf: "", Victim: false, HXL: "#affected+abducted",
		field: func(c *Casualties) *int { return &c.Abducted }},
}

// CasualtyGroupNamed is the group called name, and false when none is.
func CasualtyGroupNamed(name string) (CasualtyGroup, bool) {
	for _, g := range CasualtyGroups {
		if g.Name == name {
			return g, true
		}
	}
	return CasualtyGroup{}, false
}

// KilledGroups are the groups that partition the dead: Casualties.Killed
// is their sum.
var KilledGroups = func() []CasualtyGroup {
	var out []CasualtyGroup
	for _, g := range CasualtyGroups {
		if g.Killed && g.PartOf == "" {
			out = append(out, g)
		}
	}
	return out
}()

// Values are c's counts in CasualtyGroups order.
func (c Casualties) Values() []int {
	out := make([]int, len(CasualtyGroups))
	for i, g := range CasualtyGroups {
		out[i] = g.Of(c)
	}
	return out
}

// Map is c's counts by group name.
func (c Casualties) Map() map[string]int {
	out := make(map[string]int, len(CasualtyGroups))
	for _, g := range CasualtyGroups {
		out[g.Name] = g.Of(c)
	}
	return out
}
