package handlers

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
	"github.com/portico/portico/views"
)

// latestVersion is the version segment that stands for the current version
// of an API, so links to "the latest reference" keep working.
const latestVersion = "latest"

// VersionStore is what the API reference pages and document downloads need
// from persistence.
type VersionStore interface {
	FindAPIProduct(ctx context.Context, subsidiary, api string) (models.APIProduct, error)
	FindVersion(ctx context.Context, subsidiary, api, version string) (models.APIProduct, models.APIVersion, error)
	VersionDocument(ctx context.Context, versionID int64) ([]byte, error)
	ReferenceModelStore
}

// VersionHandler serves the API reference of a version and its OpenAPI
// document.
type VersionHandler struct {
	st    VersionStore
	pages *pageRenderer
	refs  *referenceCache
}

// NewVersionHandler returns the reference and download handler over st.
// Decoded reference models are cached, cacheSize at most (0 means 64).
func NewVersionHandler(st VersionStore, pages *pageRenderer, lim openapi.Limits, cacheSize int) *VersionHandler {
	return &VersionHandler{
		st:    st,
		pages: pages,
		refs:  newReferenceCache(st, lim, cacheSize, pages.errs.log),
	}
}

// Routes registers the reference page and the document downloads.
func (h *VersionHandler) Routes(r chi.Router) {
	r.Get("/apis/{subsidiary}/{api}/{version}", h.show)
	r.Get("/apis/{subsidiary}/{api}/{version}/openapi.json", h.document("json"))
	r.Get("/apis/{subsidiary}/{api}/{version}/openapi.yaml", h.document("yaml"))
}

// show renders the API reference of one version. "latest" redirects to the
// current version.
func (h *VersionHandler) show(w http.ResponseWriter, r *http.Request) {
	sub, api, ver := chi.URLParam(r, "subsidiary"), chi.URLParam(r, "api"), chi.URLParam(r, "version")
	if ver == latestVersion {
		h.redirectLatest(w, r, sub, api, "")
		return
	}
	p, v, err := h.findVisibleVersion(r, sub, api, ver)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	ref, err := h.refs.get(r.Context(), v)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	meta := h.pages.meta(r, p.API.Name+" "+v.Version+" reference", "apis")
	meta.Description = p.API.Summary
	h.pages.render(w, r, http.StatusOK, views.ReferencePage(meta, views.ReferenceView{Product: p, Version: v, Ref: ref}))
}

// document serves a version's OpenAPI document in format ("json" or
// "yaml"), converted from the stored form when needed. The ETag is the
// document hash, so clients revalidate without downloading again.
func (h *VersionHandler) document(format string) http.HandlerFunc {
	contentType := map[string]string{"json": "application/json", "yaml": "application/yaml"}[format]
	return func(w http.ResponseWriter, r *http.Request) {
		sub, api, ver := chi.URLParam(r, "subsidiary"), chi.URLParam(r, "api"), chi.URLParam(r, "version")
		if ver == latestVersion {
			h.redirectLatest(w, r, sub, api, format)
			return
		}
		p, v, err := h.findVisibleVersion(r, sub, api, ver)
		if err != nil {
			h.pages.errs.Render(w, r, err)
			return
		}
		hd := w.Header()
		hd.Set("ETag", `"`+v.DocumentHash+"-"+format+`"`)
		hd.Set("Cache-Control", "max-age=300")
		if p.API.Audience == models.AudienceInternal {
			// Only staff may read it: no shared cache may keep a copy.
			hd.Set("Cache-Control", "private, max-age=300")
		}
		if etagMatches(r.Header.Get("If-None-Match"), hd.Get("ETag")) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		doc, err := h.st.VersionDocument(r.Context(), v.ID)
		if err != nil {
			h.pages.errs.Render(w, r, err)
			return
		}
		if looksJSON(doc) != (format == "json") {
			if doc, err = openapi.ConvertDocument(doc, format); err != nil {
				h.pages.errs.Render(w, r, err)
				return
			}
		}
		name := downloadName(p.Subsidiary.Slug, p.API.Slug, v.Slug, format)
		hd.Set("Content-Type", contentType)
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		http.ServeContent(w, r, name, v.CreatedAt, bytes.NewReader(doc))
	}
}

// redirectLatest sends the reader to the current version's reference (or
// document, when format is set).
func (h *VersionHandler) redirectLatest(w http.ResponseWriter, r *http.Request, sub, api, format string) {
	p, err := findVisibleProduct(r, h.st, sub, api)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	cur, ok := currentVersion(p.Versions)
	if !ok {
		h.pages.errs.Render(w, r, models.Errorf(models.NotFound, "%s has no published version yet.", p.API.Name))
		return
	}
	to := views.ReferenceURL(p.Subsidiary.Slug, p.API.Slug, cur.Slug)
	if format != "" {
		to = views.DocumentURL(p.Subsidiary.Slug, p.API.Slug, cur.Slug, format)
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.Redirect(w, r, to, http.StatusFound)
}

// findVisibleVersion returns the API product and its version if the viewer
// may see the API; NotFound otherwise (see findVisibleProduct).
func (h *VersionHandler) findVisibleVersion(r *http.Request, sub, api, ver string) (models.APIProduct, models.APIVersion, error) {
	p, v, err := h.st.FindVersion(r.Context(), sub, api, ver)
	if err != nil {
		return p, v, err
	}
	if !ViewerFrom(r.Context()).MaySee(p.API.Audience) {
		return models.APIProduct{}, models.APIVersion{}, hiddenAPI(sub, api)
	}
	return p, v, nil
}

// looksJSON reports whether a document is JSON rather than YAML.
func looksJSON(doc []byte) bool {
	t := bytes.TrimLeft(doc, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	return len(t) > 0 && t[0] == '{'
}

// downloadName is the file name offered for a document: slugs only, so it
// is safe in a header and on any file system.
func downloadName(sub, api, version, format string) string {
	name := models.Slugify(sub) + "-" + models.Slugify(api)
	if v := models.VersionSlug(version); v != "" {
		name += "-" + v
	}
	return name + "." + format
}

// etagMatches reports whether an If-None-Match header matches etag.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
