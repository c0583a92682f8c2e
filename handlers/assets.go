package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/static"
)

// assets serves the embedded static files (CSS, htmx, images).
type assets struct {
	fsys    fs.FS
	etags   map[string]string // file name → strong ETag of its content
	version string            // digest of all files, the default cache-busting token
	files   http.Handler
	errs    *ErrorRenderer
}

// newAssets indexes static.FS: one ETag per file and a version over all of
// them, so a new build gets new asset URLs.
func newAssets(errs *ErrorRenderer) *assets {
	a := &assets{fsys: static.FS, etags: map[string]string{}, errs: errs}
	all := sha256.New()
	var names []string
	_ = fs.WalkDir(a.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(a.fsys, n)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		a.etags[n] = `"` + hex.EncodeToString(sum[:8]) + `"`
		all.Write([]byte(n))
		all.Write(sum[:])
	}
	a.version = hex.EncodeToString(all.Sum(nil)[:6])
	a.files = http.StripPrefix("/static/", http.FileServerFS(a.fsys))
	return a
}

// Routes registers /static/*.
func (a *assets) Routes(r chi.Router) {
	r.Get("/static/*", a.serve)
}

// serve serves one file. Versioned URLs (?v=…) are cached for a year, since
// their content never changes; others are revalidated with the ETag.
// Directories are not listed.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	etag, ok := a.etags[name]
	if !ok {
		a.errs.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("ETag", etag)
	if r.URL.Query().Get("v") != "" {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	a.files.ServeHTTP(w, r)
}
