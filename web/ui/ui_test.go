package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNotBuiltSaysHowToBuild(t *testing.T) {
	h := NewHandler(fstest.MapFS{".placeholder": {Data: []byte("x")}})
	res := get(t, h, "/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if b := body(t, res); !strings.Contains(b, "make ui") {
		t.Fatalf("page does not say how to build the map:\n%s", b)
	}
	if res := get(t, h, "/.placeholder", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("dot file served: status %d", res.StatusCode)
	}
	if res := get(t, h, "/app.js", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("missing app.js: status %d, want 404", res.StatusCode)
	}
}

func TestServesBuiltFilesWithETag(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":             {Data: []byte("<!doctype html><title>map</title>")},
		"app.js":                 {Data: []byte("console.log(1)")},
		"images/marker-icon.png": {Data: []byte("\x89PNG\r\n\x1a\n")},
	}
	h := NewHandler(fsys)
	res := get(t, h, "/", nil)
	if got := body(t, res); got != string(fsys["index.html"].Data) {
		t.Fatalf("/ served %q", got)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("index content type %q", ct)
	}
	res = get(t, h, "/app.js", nil)
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Fatalf("app.js content type %q", ct)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res = get(t, h, "/app.js", http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation with the same ETag: status %d, want 304", res.StatusCode)
	}
	if res := get(t, h, "/images/marker-icon.png", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("image: status %d", res.StatusCode)
	}
	if res := get(t, h, "/../../etc/passwd", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("path outside dist: status %d", res.StatusCode)
	}
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: status %d", rec.Code)
	}
}
