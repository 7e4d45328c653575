package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// featureCounter is a Writer that counts the occurrences of a feature's
// opening bytes in a stream (and its bytes), cheaply enough that the client
// does not slow the server it measures. Strings inside a JSON document
// escape their quotes, so the pattern cannot occur inside a property value.
type featureCounter struct {
	pat   []byte
	tail  []byte // the last len(pat)-1 bytes seen, for a match across writes
	n     int
	bytes int64
	end   []byte // the last 4 KiB, where the foreign members after "features" are
}

func newFeatureCounter(pat string) *featureCounter { return &featureCounter{pat: []byte(pat)} }

func (c *featureCounter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	k := len(c.pat) - 1
	if len(c.tail) > 0 {
		head := p[:min(k, len(p))]
		joint := append(append([]byte{}, c.tail...), head...)
		c.n += bytes.Count(joint, c.pat)
	}
	c.n += bytes.Count(p, c.pat)
	if len(p) >= k {
		c.tail = append(c.tail[:0], p[len(p)-k:]...)
	} else {
		c.tail = append(c.tail, p...)
		if len(c.tail) > k {
			c.tail = c.tail[len(c.tail)-k:]
		}
	}
	c.end = append(c.end, p...)
	if len(c.end) > 8192 {
		c.end = append(c.end[:0], c.end[len(c.end)-4096:]...)
	}
	return len(p), nil
}

var numberReturnedRE = regexp.MustCompile(`"numberReturned":\s*(\d+)`)

// numberReturned is the count the server wrote after the features, or -1.
func (c *featureCounter) numberReturned() int {
	m := numberReturnedRE.FindSubmatch(c.end)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// strictFeatureCount decodes a whole FeatureCollection, checking that it is
// valid JSON and every feature a Point Feature, and returns how many.
func strictFeatureCount(r io.Reader) (int, error) {
	dec := json.NewDecoder(r)
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type     string `json:"type"`
			Geometry struct {
				Type        string    `json:"type"`
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"features"`
	}
	if err := dec.Decode(&fc); err != nil {
		return 0, fmt.Errorf("not a valid JSON document: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return 0, fmt.Errorf("type %q, want FeatureCollection", fc.Type)
	}
	for i, f := range fc.Features {
		if f.Type != "Feature" || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 || len(f.Properties) == 0 {
			return 0, fmt.Errorf("feature %d is not a Point Feature with properties", i)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return 0, errors.New("bytes after the FeatureCollection")
	}
	return len(fc.Features), nil
}
