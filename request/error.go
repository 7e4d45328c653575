package request

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Error is a parameter the grammar cannot accept: an unknown name, a repeated
// single value or a value out of its grammar.
type Error struct {
	Param   string // the parameter at fault
	Value   string // the value given, cut to a readable length ("" for an unknown parameter)
	Reason  string // what is wrong, as a sentence fragment
	Accepts string // what the parameter accepts
	// Position is where in the value the error lies ("" when it is the
	// whole value): line:column of a cql2-text filter, a path such as
	// args[1].args[0] into a cql2-json one.
	Position string
}

func (e *Error) Error() string { return e.Describe("parameter " + strconv.Quote(e.Param)) }

// Describe is the error's message with the parameter called label (the
// command line says "flag --event-type" where the API says "parameter
// "event_type"").
func (e *Error) Describe(label string) string {
	msg := fmt.Sprintf("%s: %s", label, e.Reason)
	if e.Accepts != "" {
		msg += "; it accepts " + e.Accepts
	}
	return msg
}

func paramErr(param, value, reason, accepts string) *Error {
	return &Error{Param: param, Value: Clip(value, 80), Reason: reason, Accepts: accepts}
}

// Clip shortens s to at most n runes, so an error never echoes a huge input.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
