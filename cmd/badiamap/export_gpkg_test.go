package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestExportGPKG: `badiamap export --format gpkg` on the embedded store
// holding the demo and 2,000 UCDP events writes a GeoPackage that GDAL opens
// without a warning, with as many incidents as the CSV export of the same
// filter, both region layers and the filter in its metadata; without --out
// it is a usage error, and a failed export leaves no file.
func TestExportGPKG(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Fatal("ogrinfo (gdal-bin) is not installed")
	}
	c := cli{t, buildBinary(t), ""}
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	c.ok("demo", "--data-dir", data)
	header, records := ucdpRecords(t)
	part := filepath.Join(dir, "part.csv")
	f, err := os.Create(part)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(records[:2000])
	f.Close()
	c.ok("import", "--data-dir", data, part)

	filter := []string{"--governorate", "SY04", "--from", "2016-01-01"}
	rows, err := csv.NewReader(strings.NewReader(c.ok(append([]string{"export", "--data-dir", data, "--format", "csv"}, filter...)...))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := len(rows) - 1
	if want < 10 {
		t.Fatalf("the filter matches %d incidents: too few to tell", want)
	}

	out := filepath.Join(dir, "homs.gpkg")
	_, errs, status := c.run(append([]string{"export", "--data-dir", data, "--format", "gpkg", "--out", out}, filter...)...)
	if status != 0 || !strings.Contains(errs, "exported "+strconv.Itoa(want)+" incidents") {
		t.Fatalf("export --format gpkg: exit %d, %s", status, errs)
	}
	info, err := exec.Command("ogrinfo", "-ro", "-al", "-so", out).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, info)
	}
	if strings.Contains(string(info), "Warning") || strings.Contains(string(info), "ERROR") {
		t.Errorf("ogrinfo warns:\n%s", info)
	}
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`Layer name: (\w+)[\s\S]*?Feature Count: (\d+)`).FindAllStringSubmatch(string(info), -1) {
		counts[m[1]], _ = strconv.Atoi(m[2])
	}
	if counts["incidents"] != want || counts["governorates"] != 14 || counts["badia_regions"] == 0 {
		t.Errorf("layers %v, want %d incidents, 14 governorates and the Badia regions", counts, want)
	}
	if !strings.Contains(string(info), "FILTER=from=2016-01-01&governorate=SY04") {
		t.Errorf("the filter is not in the metadata:\n%s", info)
	}

	if _, errs, status := c.run("export", "--data-dir", data, "--format", "gpkg"); status != 2 || !strings.Contains(errs, "--out") {
		t.Errorf("gpkg without --out: exit %d, %q; want a usage error asking for --out", status, errs)
	}
	bad := filepath.Join(dir, "bad.gpkg")
	if _, _, status := c.run("export", "--data-dir", data, "--format", "gpkg", "--out", bad, "--from", "2024-13-01"); status == 0 {
		t.Error("a bad filter exported")
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*bad.gpkg*"))
	if len(left) > 0 {
		t.Errorf("a failed export left %v", left)
	}
}
