package cql2

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // plain identifier or keyword
	tQIdent         // "double quoted" identifier
	tString         // 'string', with '' unescaped
	tNumber         // unsigned numeric literal
	tPunct          // ( ) , + - * / % ^ = <> < > <= >=
)

type token struct {
	kind tokKind
	text string // identifier, unescaped string, number or punctuation
	off  int
}

// lexer splits cql2-text into tokens on demand.
type lexer struct {
	src string
	off int
}

func isIdentStart(r rune) bool {
	return r == '_' || r == ':' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '.' || ('0' <= r && r <= '9') ||
		unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == '\u203F' || r == '\u2040'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (l *lexer) next() (token, *Error) {
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		l.off++
	}
	start := l.off
	if l.off >= len(l.src) {
		return token{kind: tEOF, off: start}, nil
	}
	c := l.src[l.off]
	switch {
	case c == '\'':
		return l.str()
	case c == '"':
		end := strings.IndexByte(l.src[l.off+1:], '"')
		if end < 0 {
			return token{}, errorf(Pos{Offset: start}, "unterminated quoted property name").hint(`close it with "`)
		}
		name := l.src[l.off+1 : l.off+1+end]
		l.off += end + 2
		if err := checkName(name, Pos{Offset: start}); err != nil {
			return token{}, err
		}
		return token{kind: tQIdent, text: name, off: start}, nil
	case isDigit(c) || (c == '.' && l.off+1 < len(l.src) && isDigit(l.src[l.off+1])):
		return l.number()
	case c == '(' || c == ')' || c == ',' || c == '+' || c == '-' || c == '*' || c == '/' || c == '%' || c == '^' || c == '=':
		l.off++
		return token{kind: tPunct, text: string(c), off: start}, nil
	case c == '<':
		l.off++
		if l.off < len(l.src) && (l.src[l.off] == '>' || l.src[l.off] == '=') {
			l.off++
		}
		return token{kind: tPunct, text: l.src[start:l.off], off: start}, nil
	case c == '>':
		l.off++
		if l.off < len(l.src) && l.src[l.off] == '=' {
			l.off++
		}
		return token{kind: tPunct, text: l.src[start:l.off], off: start}, nil
	case c == '!' && strings.HasPrefix(l.src[l.off:], "!="):
		return token{}, errorf(Pos{Offset: start}, "unknown operator '!='").hint("CQL2 writes not-equal as <>")
	}
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	if isIdentStart(r) {
		l.off += size
		for l.off < len(l.src) {
			r, size := utf8.DecodeRuneInString(l.src[l.off:])
			if !isIdentPart(r) {
				break
			}
			l.off += size
		}
		if l.off-start > MaxStringBytes {
			return token{}, errorf(Pos{Offset: start}, "property name longer than %d bytes", MaxStringBytes)
		}
		return token{kind: tIdent, text: l.src[start:l.off], off: start}, nil
	}
	return token{}, errorf(Pos{Offset: start}, "unexpected character %q", r)
}

func (l *lexer) str() (token, *Error) {
	start := l.off
	var b strings.Builder
	i := l.off + 1
	for {
		j := strings.IndexByte(l.src[i:], '\'')
		if j < 0 {
			return token{}, errorf(Pos{Offset: start}, "unterminated string").hint("close it with ' (write a quote inside a string as '')")
		}
		b.WriteString(l.src[i : i+j])
		i += j + 1
		if i < len(l.src) && l.src[i] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		break
	}
	l.off = i
	s := b.String()
	if err := checkString(s, Pos{Offset: start}); err != nil {
		return token{}, err
	}
	return token{kind: tString, text: s, off: start}, nil
}

// number scans digits [. digits] [e [+-] digits], or . digits ...
func (l *lexer) number() (token, *Error) {
	start := l.off
	for l.off < len(l.src) && isDigit(l.src[l.off]) {
		l.off++
	}
	if l.off < len(l.src) && l.src[l.off] == '.' {
		l.off++
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.off++
		}
	}
	if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
		k := l.off + 1
		if k < len(l.src) && (l.src[k] == '+' || l.src[k] == '-') {
			k++
		}
		if k >= len(l.src) || !isDigit(l.src[k]) {
			return token{}, errorf(Pos{Offset: start}, "malformed number %q", l.src[start:min(k, len(l.src))]).hint("an exponent needs digits, as in 1.5E3")
		}
		for k < len(l.src) && isDigit(l.src[k]) {
			k++
		}
		l.off = k
	}
	if l.off < len(l.src) {
		r, _ := utf8.DecodeRuneInString(l.src[l.off:])
		if isIdentStart(r) {
			return token{}, errorf(Pos{Offset: start}, "malformed number %q", l.src[start:l.off+1]).hint("put a space between a number and a word")
		}
	}
	return token{kind: tNumber, text: l.src[start:l.off], off: start}, nil
}

// checkString rejects what no store can hold: strings too long, and control
// characters other than tab and line breaks (PostgreSQL refuses NUL).
func checkString(s string, pos Pos) *Error {
	if len(s) > MaxStringBytes {
		return errorf(pos, "string longer than %d bytes", MaxStringBytes)
	}
	for _, r := range s {
		if r < ' ' && r != '\t' && r != '\n' && r != '\r' {
			return errorf(pos, "string holds the control character %U", r).hint("remove it")
		}
	}
	return nil
}

// checkName rejects property names that cannot be written in cql2-text.
func checkName(name string, pos Pos) *Error {
	if name == "" {
		return errorf(pos, "empty property name")
	}
	if len(name) > MaxStringBytes {
		return errorf(pos, "property name longer than %d bytes", MaxStringBytes)
	}
	for _, r := range name {
		if r < ' ' || r == '"' {
			return errorf(pos, "property name %q holds the character %q", name, r)
		}
	}
	return nil
}
