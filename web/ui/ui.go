// Package ui embeds the Leaflet web map (built from web/ui/src into
// web/ui/dist by `make ui`) and serves it over HTTP.
//
// dist/ is built, not committed: on a fresh clone it holds only a
// placeholder, and Handler then answers every page with a short note saying
// how to build the map, so the server still compiles and runs.
package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var embedded embed.FS

// FS is the built map: index.html, app.js, app.css and images/. It holds
// no index.html when the map has not been built.
func FS() fs.FS {
	sub, err := fs.Sub(embedded, "dist")
	if err != nil {
		// fs.Sub fails only on an invalid path name, and "dist" is valid.
		panic(err)
	}
	return sub
}

// Built reports whether the embedded map was built (dist/index.html exists).
func Built() bool {
	_, err := fs.Stat(FS(), "index.html")
	return err == nil
}

// Handler serves the embedded map: "/" is index.html, other paths are files
// of dist/. Mount it at the site root; API routes registered beside it take
// precedence in any router that matches the longest path.
func Handler() http.Handler { return NewHandler(FS()) }

// NewHandler serves the map held in fsys (laid out like dist/).
func NewHandler(fsys fs.FS) http.Handler {
	return &handler{fsys: fsys, etags: map[string]string{}}
}

// notBuiltPage is what every page shows until `make ui` has run.
const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>badiamap: map not built</title></head>
<body><h1>The map is not built</h1>
<p>This binary was compiled without the web map. Run <code>make ui</code> (it needs Node.js and npm),
then rebuild the binary. The API under <a href="/api/incidents">/api/</a> works without it.</p>
</body></html>
`

type handler struct {
	fsys fs.FS

	mu    sync.Mutex
	etags map[string]string // file name -> strong ETag of its content
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: the map is read with GET", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	if strings.HasPrefix(path.Base(name), ".") {
		http.NotFound(w, r)
		return
	}
	data, err := fs.ReadFile(h.fsys, name)
	if err != nil {
		if name == "index.html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				_, _ = w.Write([]byte(notBuiltPage))
			}
			return
		}
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", h.etag(name, data))
	// Revalidate every time: the files keep their names across builds, and
	// the ETag makes an unchanged file a 304.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

func (h *handler) etag(name string, data []byte) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t, ok := h.etags[name]; ok {
		return t
	}
	sum := sha256.Sum256(data)
	t := `"` + hex.EncodeToString(sum[:12]) + `"`
	h.etags[name] = t
	return t
}
