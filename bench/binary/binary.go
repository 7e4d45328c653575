// Package binary builds the badiamap binary the benchmarks run, so each
// measures the real server the way a deployment starts it.
package binary

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles ./cmd/badiamap (run from the repository's root) into a new
// temporary directory named after bench, and returns the binary's path.
func Build(bench string) (string, error) {
	dir, err := os.MkdirTemp("", "bench-"+bench+"-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "badiamap")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/badiamap").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/badiamap: %w\n%s", err, out)
	}
	return bin, nil
}
