package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// timed runs a command to completion and returns its wall-clock time. Its
// stdout goes to stdout (the log when nil), its stderr to the log.
func (b *bench) timed(logName string, stdout io.Writer, name string, args ...string) (time.Duration, error) {
	log, err := b.logFile(logName)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	fmt.Fprintf(log, "$ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Stderr = log
	cmd.Stdout = log
	if stdout != nil {
		cmd.Stdout = stdout
	}
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%s %s: %w (see bench/out/logs/%s.log)", name, firstArg(args), err, logName)
	}
	return d, nil
}

// output runs a command and returns its stdout, its stderr going to the log.
func (b *bench) output(logName, name string, args ...string) (string, time.Duration, error) {
	var out bytes.Buffer
	d, err := b.timed(logName, io.MultiWriter(&out, logTee{b, logName}), name, args...)
	return out.String(), d, err
}

// logTee appends stdout to the command's log too, so the log tells the whole story.
type logTee struct {
	b    *bench
	name string
}

func (t logTee) Write(p []byte) (int, error) {
	f, err := os.OpenFile(t.b.cfg.out+"/logs/"+t.name+".log", os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		f.Write(p)
		f.Close()
	}
	return len(p), nil
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// psql runs one SQL statement on database db and returns its unaligned output.
func (b *bench) psql(db, sql string) (string, error) {
	out, err := exec.Command("psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql, b.dbURL(db)).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql %q: %w: %s", sql, err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

func (b *bench) psqlInt(db, sql string) (int, error) {
	s, err := b.psql(db, sql)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("psql %q: %q is not a number", sql, s)
	}
	return n, nil
}

// freshDB drops and creates database name.
func (b *bench) freshDB(name string) error {
	if _, err := b.psql("postgres", "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return err
	}
	_, err := b.psql("postgres", "CREATE DATABASE "+name)
	return err
}

// server is a running `badiamap serve`.
type server struct {
	cmd     *exec.Cmd
	base    string        // http://127.0.0.1:PORT
	startup time.Duration // from exec to the first 200 from /healthz
	log     *os.File
}

// startServer runs `badiamap serve ARGS --addr` on a free port and waits
// for /healthz to answer.
func (b *bench) startServer(logName string, args ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	log, err := b.logFile(logName)
	if err != nil {
		return nil, err
	}
	// Benchmarks measure throughput from one address: no rate limit.
	args = append([]string{"serve", "--addr", addr, "--log-format", "text", "--rate-limit", "0"}, args...)
	fmt.Fprintf(log, "$ %s %s\n", b.cfg.bin, strings.Join(args, " "))
	cmd := exec.Command(b.cfg.bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: log}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	client := &http.Client{Timeout: time.Second}
	deadline := start.Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			log.Close()
			return nil, fmt.Errorf("badiamap serve exited before answering: %v (see bench/out/logs/%s.log)", err, logName)
		default:
		}
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.startup = time.Since(start)
				go func() { <-exited }() // reap it when stopped
				return s, nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	log.Close()
	return nil, fmt.Errorf("badiamap serve did not answer /healthz within 5 minutes")
}

// stop ends the server with SIGTERM, as an operator would.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	for i := 0; i < 100; i++ {
		if err := s.cmd.Process.Signal(syscall.Signal(0)); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	s.log.Close()
}

// memKB reads a field (VmHWM: peak RSS, VmRSS: current) of the server's
// /proc status, in kB.
func (s *server) memKB(field string) (int, error) {
	return procStatusKB(s.cmd.Process.Pid, field)
}

func procStatusKB(pid int, field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.Atoi(f[0])
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// csvRecords counts the records of a CSV stream after its header.
func csvRecords(r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	n := -1
	for {
		_, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return max(n, 0), nil
		}
		if err != nil {
			return 0, err
		}
		n++
	}
}

// warmFile reads a file once so every tool that reads it next finds it in
// the page cache: no tool pays for the disk and the others not.
func warmFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}
