package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/bench/binary"
)

// storeServer is one `badiamap serve` child process on one store: run as a
// process of its own so that its peak RSS is the server's alone.
type storeServer struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	base    string
	startup time.Duration
}

// startServer starts `badiamap serve` with storeArgs and the given tile
// cache, and waits for /readyz to answer 200.
func startServer(bin string, storeArgs []string, cacheMB int, logFile string) (*storeServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	args := append([]string{"serve", "--addr", addr, "--demo=false", "--log-format", "text",
		"--tile-cache-mb", strconv.Itoa(cacheMB)}, storeArgs...)
	cmd := exec.Command(bin, args...)
	out, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &storeServer{cmd: cmd, done: make(chan struct{}), base: "http://" + addr}
	go func() { cmd.Wait(); out.Close(); close(s.done) }()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s.exited() {
			return nil, fmt.Errorf("badiamap serve %s exited (see %s)", strings.Join(storeArgs, " "), logFile)
		}
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.startup = time.Since(start)
				return s, nil
			}
		}
	}
	s.stop()
	return nil, fmt.Errorf("badiamap serve %s not ready after 5 minutes (see %s)", strings.Join(storeArgs, " "), logFile)
}

// peakRSS is VmHWM of the server process: the most it held resident since
// it started.
func (s *storeServer) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

func (s *storeServer) stop() { binary.Stop(s.cmd, s.done) }

func (s *storeServer) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// compareStores serves the tile list from each store in turn, one fresh
// `badiamap serve` per store and cache setting, and prints requests/s,
// p50/p99 and the server's peak RSS side by side.
func compareStores(_ context.Context, bin string, stores, cacheModes []string, pgURL, memDir string, tiles []tileXYZ) error {
	fmt.Printf("\none `badiamap serve` per row (a child process; peak RSS is its VmHWM at the end of the row); cache on: 512 MB, measured after one warming pass\n\n")
	fmt.Println(tableHead("store, cache", "server start-up", "server peak RSS"))
	for _, st := range stores {
		var storeArgs []string
		switch st {
		case "postgis":
			storeArgs = []string{"--store", "postgis", "--database-url", pgURL}
		case "memory":
			storeArgs = []string{"--store", "memory", "--data-dir", memDir}
		default:
			return fmt.Errorf("unknown store %q: want postgis or memory", st)
		}
		for _, mode := range cacheModes {
			cacheMB := 0
			switch mode {
			case "off":
			case "on":
				cacheMB = 512
			default:
				return fmt.Errorf("unknown cache mode %q: want off or on", mode)
			}
			srv, err := startServer(bin, storeArgs, cacheMB, filepath.Join(os.TempDir(), fmt.Sprintf("bench-tiles-%s-%s.log", st, mode)))
			if err != nil {
				return err
			}
			if mode == "on" {
				run(srv.base, tiles, 8) // warm the cache: the figure is for cached tiles
			}
			for _, conc := range []int{1, 8} {
				r := run(srv.base, tiles, conc)
				rss, err := srv.peakRSS()
				if err != nil {
					srv.stop()
					return err
				}
				fmt.Println(r.row(st+", "+mode, conc, srv.startup.Round(time.Millisecond).String(), fmt.Sprintf("%d MB", rss>>20)))
			}
			srv.stop()
		}
	}
	return nil
}
