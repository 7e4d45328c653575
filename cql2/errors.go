package cql2

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bounds on everything a client controls. Errors that hit one name it.
const (
	MaxInputBytes  = 256 << 10 // a filter, text or JSON
	MaxDepth       = 32        // nesting of expressions (parentheses count)
	MaxNodes       = 1000      // expression nodes; a geometry counts once
	MaxListLen     = 500       // values in one IN list
	MaxVertices    = 10000     // coordinates in all geometry literals together
	MaxStringBytes = 1024      // one string literal or property name
	maxJSONDepth   = 2*MaxDepth + 8
)

// Error is every error this package returns for bad input: a parse error, a
// check error, or a limit. It says where (Pos) and what, in words a person can
// act on; for text input it carries the line, column and a caret excerpt.
type Error struct {
	Pos  Pos
	Msg  string // what is wrong
	Hint string // what would be right, or ""
	// Line and Col (1-based, Col in characters) locate Pos.Offset in text
	// input; both are 0 for a JSON path.
	Line, Col int
	// Excerpt is the input line around the offset and a caret under it.
	Excerpt string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	b.WriteString(" at ")
	b.WriteString(e.Where())
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	if e.Excerpt != "" {
		b.WriteString("\n")
		b.WriteString(e.Excerpt)
	}
	return b.String()
}

// Where is the position in words: "1:7" (line:column) for text, the path for
// JSON.
func (e *Error) Where() string {
	switch {
	case e.Pos.JSON() && e.Pos.Path == "":
		return "the top level"
	case e.Pos.JSON():
		return e.Pos.Path
	case e.Line > 0:
		return fmt.Sprintf("%d:%d", e.Line, e.Col)
	}
	return fmt.Sprintf("byte %d", e.Pos.Offset)
}

// errorf builds an Error without locating it in the input; locate does that
// once the input is at hand.
func errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (e *Error) hint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// locate fills Line, Col and Excerpt for text input.
func (e *Error) locate(src string) *Error {
	if e.Pos.JSON() || src == "" {
		return e
	}
	off := min(max(e.Pos.Offset, 0), len(src))
	lineStart := strings.LastIndexByte(src[:off], '\n') + 1
	lineEnd := len(src)
	if i := strings.IndexByte(src[off:], '\n'); i >= 0 {
		lineEnd = off + i
	}
	e.Line = strings.Count(src[:off], "\n") + 1
	e.Col = utf8.RuneCountInString(src[lineStart:off]) + 1
	// Show at most 30 characters either side, so a long filter stays readable.
	before := []rune(src[lineStart:off])
	after := []rune(src[off:lineEnd])
	pre := ""
	if len(before) > 30 {
		before = before[len(before)-30:]
		pre = "..."
	}
	post := ""
	if len(after) > 30 {
		after = after[:30]
		post = "..."
	}
	line := pre + string(before) + string(after) + post
	line = strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, line)
	e.Excerpt = "  " + line + "\n  " + strings.Repeat(" ", utf8.RuneCountInString(pre)+len(before)) + "^"
	return e
}
