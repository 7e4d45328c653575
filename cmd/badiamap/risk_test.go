package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRiskBacktestCommand runs `risk backtest` on the whole UCDP release in
// an embedded store: the summary reports the model and both baselines on
// the train and the held-out seasons, with the verdict.
func TestRiskBacktestCommand(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	data := filepath.Join(t.TempDir(), "store")
	c.ok("boundaries", "load", "--data-dir", data)
	c.ok("import", "--data-dir", data, ucdpPath())
	out := c.ok("risk", "backtest", "--data-dir", data)
	for _, want := range []string{
		"| train (2016-2017) | **model** |", "| train (2016-2017) | last month only |", "| train (2016-2017) | all history, no decay |",
		"| held-out (2018-2019) | **model** |", "| held-out (2018-2019) | last month only |", "| held-out (2018-2019) | all history, no decay |",
		"top 5% | top 10% | top 20%", "Held-out seasons 2018-2019", "| 2019-04 | held-out |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the backtest does not print %q:\n%s", want, out)
		}
	}
	if _, errs, status := c.run("risk", "backtest", "--data-dir", data, "--train", "twenty"); status != 2 || !strings.Contains(errs, "not a year") {
		t.Errorf("--train twenty: exit %d, %s; want a usage error naming the year", status, errs)
	}
}
