package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIllustrativeDemo: the demo's incidents are marked illustrative in the
// data (not by their ids), the mark survives export and import, an import
// of real data beside them says so, and `demo --remove` takes them out and
// nothing else.
func TestIllustrativeDemo(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	c.ok("demo", "--data-dir", data)

	// Export, then import the file into a second store under other ids.
	exported := c.ok("export", "--data-dir", data, "--format", "geojson")
	var fc struct {
		Type     string           `json:"type"`
		Features []map[string]any `json:"features"`
	}
	if err := json.Unmarshal([]byte(exported), &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("export: %v", err)
	}
	for i := range fc.Features {
		delete(fc.Features[i], "id")
		p := fc.Features[i]["properties"].(map[string]any)
		if p["illustrative"] != true {
			t.Fatalf("demo incident %v is not marked illustrative in the export", p["external_id"])
		}
		p["external_id"] = "copy:" + p["external_id"].(string)
	}
	copied, _ := json.Marshal(fc)
	file := filepath.Join(dir, "copy.geojson")
	if err := os.WriteFile(file, copied, 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	c.ok("import", "--data-dir", other, file)
	back := c.ok("export", "--data-dir", other, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(back)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "illustrative" {
			col = i
		}
	}
	if col < 0 || len(rows) != len(fc.Features)+1 {
		t.Fatalf("re-export: %d rows, illustrative column %d", len(rows), col)
	}
	for _, r := range rows[1:] {
		if r[col] != "true" {
			t.Fatalf("%s lost its illustrative mark through export and import", r[1])
		}
	}

	// Real data lands beside the demo: the import says so.
	header, records := ucdpRecords(t)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(records[:50])
	w.Flush()
	real := filepath.Join(dir, "real.csv")
	os.WriteFile(real, b.Bytes(), 0o644)
	_, errs, status := c.run("import", "--data-dir", data, real)
	if status != 0 || !strings.Contains(errs, "illustrative demo incidents") || !strings.Contains(errs, "demo --remove") {
		t.Errorf("importing real data beside the demo: exit %d, stderr %q; want a note naming demo --remove", status, errs)
	}
	out := c.ok("demo", "--remove", "--data-dir", data)
	if !strings.Contains(out, "removed 117 illustrative demo incidents; 50 incidents remain") {
		t.Errorf("demo --remove said %q", out)
	}
	left := c.ok("export", "--data-dir", data, "--format", "csv")
	if n := strings.Count(left, "\n") - 1; n != 50 || strings.Contains(left, "sohr-demo:") {
		t.Errorf("after demo --remove the store holds %d rows (demo rows left: %v)", n, strings.Contains(left, "sohr-demo:"))
	}
}
