// Package binary builds and stops the badiamap binary the benchmarks run,
// so each measures the real server the way a deployment runs it.
package binary

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
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

// Stop asks a server started from the binary to shut down (SIGTERM, as a
// service manager would) and kills it if it has not exited within 10 s;
// done is closed once its Wait has returned.
func Stop(cmd *exec.Cmd, done <-chan struct{}) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
