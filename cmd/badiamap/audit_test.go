package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWritesAudited: on the embedded store, every data write the commands
// and serve make leaves exactly one audit entry, by who made it and naming
// the write: serve's automatic loads by serve:boundaries and serve:demo,
// `badiamap import FILE` by the person running it with import:FILE as its
// target, `boundaries load` and `demo --remove` by that person too; an
// import that is refused leaves none.
func TestWritesAudited(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	startServeLogged(t, c, []string{"BADIAMAP_NO_DEMO="}, "--data-dir", data).stop()

	header, records := ucdpRecords(t)
	writeUCDP := func(name string, rows [][]string) string {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(header)
		w.WriteAll(rows)
		w.Flush()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	c.ok("import", "--data-dir", data, writeUCDP("events.csv", records[:20]))
	bad := append([]string(nil), records[20]...)
	for i, h := range header {
		if h == "latitude" {
			bad[i] = "NaN"
		}
	}
	if _, errs, status := c.run("import", "--data-dir", data, writeUCDP("refused.csv", [][]string{records[21], bad})); status == 0 {
		t.Fatalf("an import with a NaN latitude succeeded: %s", errs)
	}
	c.ok("boundaries", "load", "--data-dir", data)
	c.ok("demo", "--remove", "--data-dir", data)

	me := cliUser(t)
	regions := "regions:badia,governorate"
	want := []struct{ actor, action, target, detail string }{
		{"serve:boundaries", "regions_replace", regions, `"rejoined":0`},
		{"serve:demo", "import", "import:demo", `"inserted":117`},
		{"serve:demo", "reports_upsert", "reports", `"inserted":1`},
		{me, "import", "import:events.csv", `"command":"import","inserted":20`},
		{me, "regions_replace", regions, `"command":"boundaries load"`},
		{me, "incidents_remove", "incidents", `"command":"demo --remove","removed":117`},
	}
	out := c.ok("audit", "--data-dir", data)
	lines := strings.Split(strings.TrimSpace(out), "\n")[1:] // after the header
	if len(lines) != len(want) {
		t.Fatalf("%d audit entries, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		f := strings.Split(line, "\t") // ID AT ACTOR ACTION TARGET CLIENT DETAIL (escaped)
		w := want[i]
		if len(f) != 7 || f[2] != w.actor || f[3] != w.action || f[4] != w.target {
			t.Errorf("entry %d: %q, want %s %s %s", i+1, line, w.actor, w.action, w.target)
			continue
		}
		if detail, err := strconv.Unquote(`"` + f[6] + `"`); err != nil || !strings.Contains(detail, w.detail) {
			t.Errorf("entry %d: detail %q (%v), want %s in it", i+1, f[6], err, w.detail)
		}
	}
}
