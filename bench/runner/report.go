package main

import (
	"fmt"
	"strings"
	"time"
)

// report collects the tables the run prints.
type report struct {
	notes    []string
	sections []*section
}

// section is one table with its notes.
type section struct {
	title  string
	header []string
	rows   [][]string
	notes  []string
}

func newReport() *report { return &report{} }

func (r *report) note(format string, a ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, a...))
}

func (r *report) section(title string, header ...string) *section {
	s := &section{title: title, header: header}
	r.sections = append(r.sections, s)
	return s
}

func (s *section) row(cells ...string) { s.rows = append(s.rows, cells) }

func (s *section) note(format string, a ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, a...))
}

func (r *report) markdown() string {
	var b strings.Builder
	for _, s := range r.sections {
		fmt.Fprintf(&b, "### %s\n\n", s.title)
		b.WriteString("| " + strings.Join(s.header, " | ") + " |\n")
		b.WriteString("|" + strings.Repeat("---|", len(s.header)) + "\n")
		for _, row := range s.rows {
			for len(row) < len(s.header) {
				row = append(row, "")
			}
			b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		}
		b.WriteString("\n")
		for _, n := range s.notes {
			b.WriteString("- " + n + "\n")
		}
		if len(s.notes) > 0 {
			b.WriteString("\n")
		}
	}
	for _, n := range r.notes {
		b.WriteString("- " + n + "\n")
	}
	return b.String()
}

// thousands writes n with comma separators: 1,000,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	out = append([]string{s}, out...)
	if neg {
		return "-" + strings.Join(out, ",")
	}
	return strings.Join(out, ",")
}

func secs(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func rate(n int, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return thousands(int(float64(n)/d.Seconds() + 0.5))
}

func mb(kb int) string { return fmt.Sprintf("%.0f MB", float64(kb)/1024) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func failed(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return "FAILED: " + strings.ReplaceAll(s, "|", "/")
}
