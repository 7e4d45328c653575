package main

// The fault suite: `badiamap serve` as a process on a real PostGIS, under
// slow and stalled clients, storms of downloads and computations, a frozen
// database, bogus methods and hostile cells. Limits and timeouts are set
// small by flags so the suite takes seconds, not minutes.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/internal/pgtest"
)

// serveProc is a `badiamap serve` process of a test.
type serveProc struct {
	t    *testing.T
	addr string
	base string
	logs *lockedBuffer
}

// lockedBuffer collects a process's log while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `badiamap serve --addr ... args` on the database at dbURL
// and waits for /healthz; the process is stopped with SIGTERM when the test
// ends, and its log is shown when the test failed.
func startServe(t *testing.T, bin, dbURL string, args ...string) *serveProc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--demo=false"}, args...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "BADIAMAP_DATA_DIR="+t.TempDir())
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(40 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() || os.Getenv("DEBUG_SERVE") != "" {
			t.Logf("serve %v log:\n%s", args, tail(logs.String(), 60))
		}
	})
	s := &serveProc{t: t, addr: addr, base: "http://" + addr, logs: logs}
	client := &http.Client{Timeout: time.Second}
	for start := time.Now(); ; {
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-exited:
			t.Fatalf("serve exited:\n%s", logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("serve did not answer /healthz in a minute:\n%s", logs.String())
		}
	}
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// answer is one response of the suite, with its body read.
type answer struct {
	status     int
	retryAfter string
	ctype      string
	body       []byte
	took       time.Duration
	err        error
}

func fetch(client *http.Client, method, u string, body io.Reader) answer {
	start := time.Now()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return answer{err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), ctype: resp.Header.Get("Content-Type"),
		body: b, took: time.Since(start), err: err}
}

func (a answer) String() string {
	if a.err != nil {
		return fmt.Sprintf("error after %v: %v", a.took.Round(time.Millisecond), a.err)
	}
	return fmt.Sprintf("%d after %v (Retry-After %q): %s", a.status, a.took.Round(time.Millisecond), a.retryAfter, clip(string(a.body), 300))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// isProblem reports whether a is a problem+json answer of status with a
// Retry-After.
func (a answer) isRetryableProblem(status int) bool {
	return a.err == nil && a.status == status && a.retryAfter != "" && strings.HasPrefix(a.ctype, "application/problem+json")
}

// slowRead requests path on a raw connection with a small receive buffer
// and reads chunk bytes every interval until stop is closed or the body
// ends. It returns the status and how many body bytes it read.
func slowRead(addr, path string, chunk int, interval time.Duration, stop <-chan struct{}) (status int, n int64, err error) {
	conn, err := dialWAN(addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, chunk), nil)
	if err != nil {
		return 0, 0, err
	}
	buf := make([]byte, chunk)
	for {
		k, err := io.ReadFull(resp.Body, buf)
		n += int64(k)
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF && resp.StatusCode != http.StatusOK {
				err = nil
			}
			return resp.StatusCode, n, err
		}
		select {
		case <-stop:
			return resp.StatusCode, n, nil
		case <-time.After(interval):
		}
	}
}

// dialWAN connects to addr as a client across a network would: segments of
// an Ethernet path (loopback's 64 KB segments make a slow reader's window
// open in bursts far apart) and a small receive buffer (so the server, not
// the test's kernel, holds what the client has not read).
func dialWAN(addr string) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1400); serr == nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return d.Dial("tcp", addr)
}

// ucdpDatabase is a migrated database of the shared cluster holding every
// UCDP incident, imported by the binary.
func ucdpDatabase(t *testing.T, bin string) string {
	t.Helper()
	c := cli{t, bin, pgtest.NewDatabase(t)}
	c.ok("migrate")
	c.ok("import", ucdpPath())
	return c.url
}

// TestServeUnderLoad runs the faults of slow, stalled, greedy and hostile
// clients against servers on one database holding the UCDP incidents.
func TestServeUnderLoad(t *testing.T) {
	bin := buildBinary(t)
	dbURL := ucdpDatabase(t, bin)

	t.Run("slow readers and a risk storm leave lookups answering", func(t *testing.T) {
		s := startServe(t, bin, dbURL, "--max-downloads", "4", "--max-heavy", "2", "--rate-limit", "0", "--request-timeout", "5s")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		type readResult struct {
			status int
			n      int64
			err    error
		}
		reads := make(chan readResult, 16)
		for range 16 {
			wg.Go(func() {
				st, n, err := slowRead(s.addr, "/api/incidents.geojson", 1024, 250*time.Millisecond, stop)
				reads <- readResult{st, n, err}
			})
		}
		risks := make(chan answer, 16)
		riskClient := &http.Client{Timeout: 2 * time.Minute}
		for i := range 16 {
			wg.Go(func() {
				// Sixteen different days: no two can share a computation.
				day := time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i).Format(geo.DateLayout)
				risks <- fetch(riskClient, http.MethodGet, s.base+"/api/risk/zones?date="+day, nil)
			})
		}
		// The lookups a map makes, every 100 ms while the storm lasts.
		probe := &http.Client{Timeout: 10 * time.Second}
		var probes []answer
		for start := time.Now(); time.Since(start) < 8*time.Second; time.Sleep(100 * time.Millisecond) {
			probes = append(probes, fetch(probe, http.MethodGet, s.base+"/api/incidents?limit=1", nil))
			if len(probes)%10 == 0 {
				probes = append(probes, fetch(probe, http.MethodGet, s.base+"/readyz", nil))
			}
		}
		close(stop)
		wg.Wait()
		close(reads)
		close(risks)

		var slowest time.Duration
		for _, a := range probes {
			if a.err != nil || a.status != http.StatusOK {
				t.Errorf("a lookup during the storm: %v", a)
			}
			slowest = max(slowest, a.took)
		}
		streaming, busy := 0, 0
		for r := range reads {
			switch {
			case r.err != nil:
				t.Errorf("slow reader: %v", r.err)
			case r.status == http.StatusOK:
				streaming++
			case r.status == http.StatusServiceUnavailable:
				busy++
			default:
				t.Errorf("slow reader: status %d", r.status)
			}
		}
		computed, overran, refused := 0, 0, 0
		var longestRisk time.Duration
		for a := range risks {
			switch {
			case a.err == nil && a.status == http.StatusOK:
				computed++
				longestRisk = max(longestRisk, a.took)
			case a.isRetryableProblem(http.StatusServiceUnavailable) && bytes.Contains(a.body, []byte("deadline")):
				// Admitted, but a loaded machine ran it past --heavy-timeout.
				overran++
			case a.isRetryableProblem(http.StatusServiceUnavailable) && bytes.Contains(a.body, []byte("busy")):
				refused++
			default:
				t.Errorf("risk computation: %v", a)
			}
		}
		t.Logf("%d lookups, all 200, the slowest in %v; slow readers: %d streaming, %d answered 503 busy; risk: %d computed (the longest %v), %d past their deadline, %d answered 503 busy",
			len(probes), slowest.Round(time.Millisecond), streaming, busy, computed, longestRisk.Round(time.Millisecond), overran, refused)
		if streaming != 4 || busy != 12 {
			t.Errorf("slow readers: %d streamed and %d were refused, want 4 and 12 (--max-downloads 4)", streaming, busy)
		}
		if computed+overran == 0 || refused == 0 {
			t.Errorf("risk: %d admitted (%d past their deadline) and %d refused; want some of each with --max-heavy 2", computed+overran, overran, refused)
		}
		if strings.Contains(s.logs.String(), "write stall timeout") {
			t.Error("a slow reader that kept reading was cut for stalling")
		}
	})

	t.Run("a slow reader that keeps reading is not cut, and little is queued for it", func(t *testing.T) {
		s := startServe(t, bin, dbURL, "--rate-limit", "0", "--write-stall-timeout", "4s")
		stop := make(chan struct{})
		time.AfterFunc(12*time.Second, func() { close(stop) })
		status, read, err := slowRead(s.addr, "/api/incidents.geojson", 4096, 250*time.Millisecond, stop)
		if err != nil || status != http.StatusOK {
			t.Fatalf("slow reader: %d, %v", status, err)
		}
		// The server logs the request when the reader has left: how much
		// it wrote, of which the reader read some.
		var line map[string]any
		for start := time.Now(); line == nil && time.Since(start) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
			line = logLine(s.logs.String(), "/api/incidents.geojson")
		}
		if line == nil {
			t.Fatal("the download was not logged after its reader left")
		}
		written, _ := line["bytes"].(float64)
		t.Logf("a reader at 16 KB/s read %d KB in 12 s (--write-stall-timeout 4s); the server had written %d KB: %d KB queued for it",
			read>>10, int64(written)>>10, (int64(written)-read)>>10)
		if line["msg"] != "client left during the response" {
			t.Errorf("the slow reader's download ended with %q, want the client leaving", line["msg"])
		}
		// The kernel's send queue is held to sendQueueLimit: what is written
		// and not read is that, the reader's own buffer and what is in flight,
		// not the megabytes the kernel would grow it to.
		if queued := int64(written) - read; queued > 256<<10 {
			t.Errorf("%d KB written and not read: the send queue is not bounded", queued>>10)
		}
	})

	t.Run("a stalled client is cut and its slot freed", func(t *testing.T) {
		s := startServe(t, bin, dbURL, "--max-downloads", "1", "--rate-limit", "0", "--write-stall-timeout", "1s")
		conn, err := dialWAN(s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /api/incidents.geojson HTTP/1.1\r\nHost: %s\r\n\r\n", s.addr)
		// The headers, then nothing: the download holds the only slot.
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("the download to stall: %v %v", resp, err)
		}
		stalled := time.Now()
		// The stalled client holds the only download slot until it is cut.
		client := &http.Client{Timeout: 30 * time.Second}
		var freed time.Duration
		for {
			a := fetch(client, http.MethodGet, s.base+"/api/incidents.csv?governorate=SY04", nil)
			if a.err == nil && a.status == http.StatusOK {
				freed = time.Since(stalled)
				break
			}
			if !a.isRetryableProblem(http.StatusServiceUnavailable) {
				t.Fatalf("a download while the slot is held: %v", a)
			}
			if time.Since(stalled) > 20*time.Second {
				t.Fatal("the stalled client still holds the download slot after 20 s")
			}
		}
		// What the stalled client gets when it reads at last: a cut stream.
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.Copy(io.Discard, resp.Body)
		if err == nil {
			t.Error("the stalled client read a whole body: it was not cut")
		}
		if !strings.Contains(s.logs.String(), "write stall timeout") {
			t.Error("the log does not say the client was cut for stalling")
		}
		t.Logf("a client stalled with --write-stall-timeout 1s freed the download slot after %v", freed.Round(time.Millisecond))
	})

	t.Run("slow body is 408", func(t *testing.T) {
		s := startServe(t, bin, dbURL, "--body-read-timeout", "1s")
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "POST /api/risk/check HTTP/1.1\r\nHost: %s\r\nContent-Type: application/geo+json\r\nContent-Length: 100\r\n\r\n", s.addr)
		got := make(chan *http.Response, 1)
		go func() {
			resp, _ := http.ReadResponse(bufio.NewReader(conn), nil)
			got <- resp
		}()
		var resp *http.Response
	drip:
		for range 40 { // one byte every 250 ms: 10 s for the body
			select {
			case resp = <-got:
				break drip
			case <-time.After(250 * time.Millisecond):
				conn.Write([]byte("{"))
			}
		}
		if resp == nil {
			t.Fatalf("no answer while the body dripped for %v", time.Since(start))
		}
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("a body dripped a byte every 250 ms: status %d, want 408", resp.StatusCode)
		}
		t.Logf("a body dripping a byte every 250 ms was answered %d after %v (--body-read-timeout 1s)", resp.StatusCode, time.Since(start).Round(time.Millisecond))
	})

	t.Run("rate limit is 429 with Retry-After", func(t *testing.T) {
		s := startServe(t, bin, dbURL, "--rate-limit", "6", "--rate-burst", "2")
		client := &http.Client{Timeout: 30 * time.Second}
		var got []answer
		for range 3 {
			got = append(got, fetch(client, http.MethodGet, s.base+"/api/incidents.csv?governorate=SY04&from=2019-01-01", nil))
		}
		if got[0].status != http.StatusOK || got[1].status != http.StatusOK {
			t.Fatalf("the burst of 2: %v, %v", got[0], got[1])
		}
		if !got[2].isRetryableProblem(http.StatusTooManyRequests) {
			t.Fatalf("the third download in a row: %v, want 429 problem with Retry-After", got[2])
		}
		if n, err := strconv.Atoi(got[2].retryAfter); err != nil || n < 1 || n > 10 {
			t.Errorf("Retry-After %q: want the seconds until the next token (at 6 a minute, 10 at most)", got[2].retryAfter)
		}
		// Lookups are never rate limited.
		for range 5 {
			if a := fetch(client, http.MethodGet, s.base+"/api/incidents?limit=1", nil); a.status != http.StatusOK {
				t.Errorf("a lookup over the download limit: %v", a)
			}
		}
		t.Logf("third download: %d, Retry-After %s s", got[2].status, got[2].retryAfter)
	})

	t.Run("client abort is 499 and not an error", func(t *testing.T) {
		s := startServe(t, bin, dbURL)
		db := openDB(t, dbURL)
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		// The request's query waits on this lock until its client leaves.
		if _, err := tx.Exec(`LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/api/incidents?limit=5", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("answered %d while the table is locked", resp.StatusCode)
		}
		tx.Rollback()
		var line map[string]any
		for start := time.Now(); line == nil && time.Since(start) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
			line = logLine(s.logs.String(), "/api/incidents")
		}
		if line == nil {
			t.Fatal("no request line logged for the aborted request")
		}
		if line["status"] != float64(499) || line["level"] != "INFO" {
			t.Errorf("the aborted request was logged %v %v, want status 499 at INFO", line["level"], line["status"])
		}
		if strings.Contains(s.logs.String(), `"level":"ERROR"`) {
			t.Errorf("a client abort was logged at ERROR:\n%s", tail(s.logs.String(), 10))
		}
		metrics := fetch(http.DefaultClient, http.MethodGet, s.base+"/metrics", nil)
		if !strings.Contains(string(metrics.body), `badiamap_http_requests_total{method="GET",route="/api/incidents",status="499"} 1`) {
			t.Error("/metrics does not count the abort as 499")
		}
	})

	t.Run("bogus methods leave metrics small", func(t *testing.T) {
		s := startServe(t, bin, dbURL)
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := w; i < 5000; i += 8 {
					a := fetch(client, "BOGUS"+strconv.Itoa(i), s.base+"/api/incidents", nil)
					if a.err != nil || a.status < 400 || a.status >= 500 {
						t.Errorf("method BOGUS%d: %v", i, a)
						return
					}
				}
			})
		}
		wg.Wait()
		m := fetch(client, http.MethodGet, s.base+"/metrics", nil)
		t.Logf("/metrics after 5,000 made-up methods: %d bytes", len(m.body))
		if len(m.body) > 100<<10 {
			t.Errorf("/metrics is %d bytes after 5,000 made-up methods, want below 100 KB", len(m.body))
		}
		if !strings.Contains(string(m.body), `method="other"`) {
			t.Error(`/metrics has no method="other"`)
		}
	})

	t.Run("csv formula cells come out neutralized", func(t *testing.T) {
		hostile := map[string]string{
			"location_name": `=HYPERLINK("http://example.com/x","click")`,
			"perpetrator":   "+cmd|' /C calc'!A0",
			"target":        "@SUM(1+1)*cmd|' /C calc'!A0",
			"notes":         "-2+3+cmd|' /C calc'!A0",
		}
		incs, err := demo.Incidents()
		if err != nil {
			t.Fatal(err)
		}
		inc := incs[0]
		inc.ExternalID = "test:formula"
		inc.LocationName, inc.Perpetrator, inc.Target, inc.Notes = hostile["location_name"], hostile["perpetrator"], hostile["target"], hostile["notes"]
		file := filepath.Join(t.TempDir(), "formula.csv")
		var b bytes.Buffer
		w := incidentfile.NewCSVWriter(&b, false)
		if err := w.Write(&inc); err != nil {
			t.Fatal(err)
		}
		w.Close()
		os.WriteFile(file, b.Bytes(), 0o644)
		cli{t, bin, dbURL}.ok("import", file)

		s := startServe(t, bin, dbURL, "--rate-limit", "0")
		a := fetch(http.DefaultClient, http.MethodGet, s.base+"/api/incidents.csv?q="+url.QueryEscape("HYPERLINK"), nil)
		rows, err := csv.NewReader(bytes.NewReader(a.body)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("the CSV download: %v rows, %v: %s", len(rows), err, clip(string(a.body), 300))
		}
		for i, name := range rows[0] {
			want, ok := hostile[name]
			if !ok {
				if v := rows[1][i]; v != "" && strings.ContainsRune("=+@\t\r", rune(v[0])) {
					t.Errorf("column %s starts a formula: %q", name, v)
				}
				continue
			}
			if rows[1][i] != "'"+want {
				t.Errorf("column %s: %q, want %q", name, rows[1][i], "'"+want)
			}
		}
		// The store holds the text as imported; the JSON carries it as is.
		j := fetch(http.DefaultClient, http.MethodGet, s.base+"/api/incidents?q="+url.QueryEscape("HYPERLINK"), nil)
		if !strings.Contains(string(j.body), `"location_name":"=HYPERLINK(`) {
			t.Errorf("the GeoJSON does not carry the location name as imported: %s", clip(string(j.body), 400))
		}
	})
}

// logLine is the last log record of a request to route (any message).
func logLine(logs, route string) map[string]any {
	var line map[string]any
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["route"] == route && m["status"] != nil {
			line = m
		}
	}
	return line
}

// TestFrozenDatabase stops every PostgreSQL process with SIGSTOP under a
// serving process: data endpoints answer 503 by their deadline, /readyz by
// its own, /healthz 200; after SIGCONT everything answers again.
func TestFrozenDatabase(t *testing.T) {
	bin := buildBinary(t)
	cluster := pgtest.StartCluster(t)
	c := cli{t, bin, cluster.URL}
	c.ok("migrate")
	header, records := ucdpRecords(t)
	file := filepath.Join(t.TempDir(), "part.csv")
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(records[:2000])
	w.Flush()
	os.WriteFile(file, b.Bytes(), 0o644)
	c.ok("import", file)

	// The risk zones of a day score some 4,000 cells: seconds on a loaded
	// two-core machine, so heavy work gets a longer deadline than downloads.
	const lookup, long, heavy = 2 * time.Second, 4 * time.Second, 30 * time.Second
	s := startServe(t, bin, cluster.URL, "--request-timeout", lookup.String(), "--download-timeout", long.String(),
		"--heavy-timeout", heavy.String(), "--rate-limit", "0", "--tile-cache-mb", "0")
	paths := map[string]time.Duration{
		"/api/incidents?limit=10":             lookup,
		"/api/incidents/1":                    lookup,
		"/api/stats?group=month":              lookup,
		"/api/regions?kind=badia":             lookup,
		"/ogc/collections/incidents/items":    lookup,
		"/tiles/incidents/6/38/25.mvt":        lookup,
		"/api/incidents.csv?governorate=SY04": long,
		"/api/risk/zones?date=2017-03-01":     heavy,
		"/api/risk/check?lon=38.3&lat=34.6":   lookup,
		"/api/reports":                        lookup,
	}
	ordered := make([]string, 0, len(paths))
	for p := range paths {
		ordered = append(ordered, p)
	}
	slices.Sort(ordered)
	client := &http.Client{Timeout: heavy + 15*time.Second}
	for _, p := range append(ordered, "/readyz") {
		if a := fetch(client, http.MethodGet, s.base+p, nil); a.err != nil || a.status != http.StatusOK && a.status != http.StatusNoContent {
			t.Fatalf("before the freeze %s: %v", p, a)
		}
	}

	cluster.Freeze()
	defer cluster.Thaw()
	frozen := time.Now()
	type result struct {
		path string
		a    answer
	}
	results := make(chan result, len(paths)+1)
	var wg sync.WaitGroup
	for _, p := range append(ordered, "/readyz") {
		wg.Go(func() {
			// The bar: the deadline, the driver's cancel grace and room for a
			// loaded machine; without the deadlines these hang until SIGCONT.
			limit := paths[p] + 3*time.Second
			if p == "/readyz" {
				limit = time.Second + 2*time.Second
			}
			a := fetch(&http.Client{Timeout: limit}, http.MethodGet, s.base+p, nil)
			results <- result{p, a}
		})
	}
	wg.Wait()
	close(results)
	var figures []string
	for r := range results {
		// The risk zones of that day were computed before the freeze: the
		// server may answer them from memory while its watch of the data
		// version still vouches for it (until it has heard nothing for a
		// poll and a half), without asking the database.
		if r.path == "/api/risk/zones?date=2017-03-01" && r.a.status == http.StatusOK && r.a.took < time.Second {
			figures = append(figures, fmt.Sprintf("%s 200 from memory in %v", r.path, r.a.took.Round(10*time.Millisecond)))
			continue
		}
		if !r.a.isRetryableProblem(http.StatusServiceUnavailable) {
			t.Errorf("database frozen, %s: %v", r.path, r.a)
			continue
		}
		if r.path == "/readyz" {
			var p struct{ Reason string }
			json.Unmarshal(r.a.body, &p)
			if p.Reason != "timeout" && p.Reason != "database_unreachable" {
				t.Errorf("/readyz reason %q", p.Reason)
			}
			if strings.Contains(string(r.a.body), "ping") || strings.Contains(string(r.a.body), "pq:") {
				t.Errorf("/readyz tells the internal error: %s", r.a.body)
			}
		}
		figures = append(figures, fmt.Sprintf("%s %v", r.path, r.a.took.Round(10*time.Millisecond)))
	}
	slices.Sort(figures)
	// By now (the downloads' deadline after the freeze) the watch no longer
	// vouches for the version it holds: a cached answer asks the database.
	var ready struct {
		Databases []struct {
			Name        string `json:"name"`
			DataVersion string `json:"data_version"`
		} `json:"databases"`
	}
	json.Unmarshal(fetch(&http.Client{Timeout: 3 * time.Second}, http.MethodGet, s.base+"/readyz", nil).body, &ready)
	if len(ready.Databases) == 0 || ready.Databases[0].DataVersion != "stale" {
		t.Errorf("database frozen for %v, /readyz: %+v, want the primary's data version stale", time.Since(frozen).Round(time.Millisecond), ready.Databases)
	}
	t.Logf("database frozen (deadlines: lookups %v, downloads %v, risk zones %v, /readyz 1s): 503 after %s", lookup, long, heavy, strings.Join(figures, "; "))
	if a := fetch(&http.Client{Timeout: time.Second}, http.MethodGet, s.base+"/healthz", nil); a.status != http.StatusOK {
		t.Errorf("database frozen, /healthz: %v", a)
	}

	cluster.Thaw()
	thawed := time.Now()
	for _, p := range append(ordered, "/readyz") {
		for {
			a := fetch(client, http.MethodGet, s.base+p, nil)
			if a.err == nil && (a.status == http.StatusOK || a.status == http.StatusNoContent) {
				break
			}
			if time.Since(thawed) > 30*time.Second {
				t.Fatalf("30 s after SIGCONT %s still fails: %v", p, a)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("frozen for %v; every path answered 200 again %v after SIGCONT", thawed.Sub(frozen).Round(time.Millisecond), time.Since(thawed).Round(time.Millisecond))
}

// TestServeNoMigrateNamesPendingMigrations serves an empty database with
// --no-migrate: /readyz says migrations_pending, data endpoints answer 503
// naming them instead of a 500.
func TestServeNoMigrateNamesPendingMigrations(t *testing.T) {
	bin := buildBinary(t)
	s := startServe(t, bin, pgtest.NewDatabase(t), "--no-migrate")
	client := &http.Client{Timeout: 10 * time.Second}
	r := fetch(client, http.MethodGet, s.base+"/readyz", nil)
	var p struct{ Reason string }
	json.Unmarshal(r.body, &p)
	if r.status != http.StatusServiceUnavailable || p.Reason != "migrations_pending" {
		t.Errorf("/readyz on an unmigrated database: %v", r)
	}
	for _, path := range []string{"/api/incidents", "/api/stats", "/api/incidents.csv", "/api/reports"} {
		a := fetch(client, http.MethodGet, s.base+path, nil)
		if !a.isRetryableProblem(http.StatusServiceUnavailable) || !strings.Contains(string(a.body), "0001_postgis") {
			t.Errorf("%s on an unmigrated database: %v", path, a)
		}
	}
}
