package incidentfile

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/badiamap/badiamap/geo"
)

// drainChecked reads everything and checks what a Reader promises: every
// incident is valid, every rejected row has a reason and a line that does
// not go backwards, and nothing panics.
func drainChecked(t *testing.T, rd *Reader) []geo.Incident {
	var incs []geo.Incident
	lastLine := 0
	for n := 0; n < 1_000_000; n++ {
		inc, rowErr, err := rd.Next()
		if err == io.EOF {
			return incs
		}
		if err != nil {
			return incs // fatal errors are allowed; panics are not
		}
		if rowErr != nil {
			if len(rowErr.Reasons) == 0 || rowErr.Line < 1 || rowErr.Line < lastLine {
				t.Fatalf("bad RowError %+v after line %d", rowErr, lastLine)
			}
			lastLine = rowErr.Line
			continue
		}
		if errs := inc.Validate(geo.ValidateOptions{}); len(errs) > 0 {
			t.Fatalf("reader returned an invalid incident %+v: %v", inc, errs)
		}
		incs = append(incs, inc)
	}
	t.Fatal("the reader never reached the end")
	return nil
}

// reread writes incs as GeoJSON and reads them back: what any reader
// accepted must survive our own format unchanged.
func reread(t *testing.T, incs []geo.Incident) {
	var buf bytes.Buffer
	w := NewGeoJSONWriter(&buf, nil)
	for i := range incs {
		if err := w.Write(&incs[i]); err != nil {
			t.Fatalf("writing %+v: %v", incs[i], err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rd, err := Open(&buf, Options{KeepStoreFields: true})
	if err != nil {
		t.Fatalf("our own GeoJSON does not open: %v\n%s", err, buf.Bytes())
	}
	back := drainChecked(t, rd)
	if len(back) != len(incs) {
		t.Fatalf("%d of %d incidents came back", len(back), len(incs))
	}
	for i := range incs {
		if !reflect.DeepEqual(back[i], incs[i]) {
			t.Fatalf("incident changed through GeoJSON:\n got %+v\nwant %+v", back[i], incs[i])
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	var own bytes.Buffer
	w := NewCSVWriter(&own, true)
	for _, inc := range handBuilt() {
		w.Write(&inc)
	}
	w.Close()
	f.Add(own.Bytes())
	f.Add([]byte("event_id_cnty,event_date,event_type,actor1,actor2,latitude,longitude,fatalities,admin1\n" +
		"SYR1,15 January 2024,Battles,Islamic State (Syria),,34.55,38.28,3,Homs\n"))
	f.Add([]byte("id,type_of_violence,side_a,side_b,date_prec,date_start,date_end,where_prec,adm_1,latitude,longitude,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,low,high,source_office,source_date,source_headline\n" +
		"1,1,Government of Syria,IS,1,2016-01-01,2016-01-01,1,Homs Governorate,34.5,38.2,1,2,0,0,3,3,3,SOHR;Airwars,2016-01-01;2016-01-02,a &#8220;b&#8221;;c\n"))
	f.Add([]byte("\xef\xbb\xbfexternal_id,date_start,longitude,latitude\n\"x\",2024-01-01,38,34\n\"x\",2024-01-01,38,34\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := Open(bytes.NewReader(data), Options{})
		if err != nil {
			return
		}
		reread(t, drainChecked(t, rd))
	})
}

func FuzzReadGeoJSON(f *testing.F) {
	var own bytes.Buffer
	w := NewGeoJSONWriter(&own, map[string]any{"name": "x"})
	for _, inc := range handBuilt() {
		w.Write(&inc)
	}
	w.CloseWithMembers(map[string]any{"numberReturned": 2})
	f.Add(own.Bytes())
	f.Add([]byte(`{"features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[38,34]},"properties":{"external_id":"a","date_start":"2024-01-01","children":"1e3"}}],"type":"FeatureCollection"}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"x","geometry":null,"properties":{"external_id":1,"date_start":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := Open(bytes.NewReader(data), Options{KeepStoreFields: true})
		if err != nil {
			return
		}
		reread(t, drainChecked(t, rd))
	})
}
