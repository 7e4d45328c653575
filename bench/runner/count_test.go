package main

import (
	"fmt"
	"strings"
	"testing"
)

// The streaming count must see a feature split across two writes at any
// byte, and agree with a full JSON decode of the same document.
func TestFeatureCounterAcrossWrites(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	const n = 7
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":%d,"geometry":{"type":"Point","coordinates":[38.1,34.5]},"properties":{"notes":"a \"type\":\"Feature\", quoted"}}`, i)
	}
	b.WriteString(`],"numberReturned":7}`)
	doc := b.String()
	strict, err := strictFeatureCount(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if strict != n {
		t.Fatalf("strict count %d, want %d", strict, n)
	}
	for split := 0; split <= len(doc); split++ {
		c := newFeatureCounter(ourFeature)
		c.Write([]byte(doc[:split]))
		c.Write([]byte(doc[split:]))
		if c.n != strict || c.numberReturned() != strict || c.bytes != int64(len(doc)) {
			t.Fatalf("split at %d: counted %d, numberReturned %d, bytes %d; want %d, %d", split, c.n, c.numberReturned(), c.bytes, strict, len(doc))
		}
	}
	// Byte by byte.
	c := newFeatureCounter(ourFeature)
	for i := 0; i < len(doc); i++ {
		c.Write([]byte{doc[i]})
	}
	if c.n != strict {
		t.Fatalf("byte by byte: counted %d, want %d", c.n, strict)
	}
}

func TestStrictCountRejectsBrokenJSON(t *testing.T) {
	if _, err := strictFeatureCount(strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature"`)); err == nil {
		t.Fatal("a truncated download was accepted")
	}
}
