package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
	"github.com/portico/portico/views"
)

// multipartSlack is what a multipart envelope may add to the size limit of
// the files it carries (boundaries, part headers, small fields).
const multipartSlack = 64 << 10

// ImportStore is what the import endpoint needs from persistence.
type ImportStore interface {
	FindSubsidiary(ctx context.Context, slug string) (models.Subsidiary, error)
	ImportVersion(ctx context.Context, subsidiary string, imp models.VersionImport) (models.ImportResult, error)
	// AppendAudit records the import in the audit trail.
	AppendAudit(ctx context.Context, e models.AuditEvent) (models.AuditEvent, error)
}

// APIVersionsHandler serves the admin JSON API for API versions.
type APIVersionsHandler struct {
	st      ImportStore
	errs    *ErrorRenderer
	lim     openapi.Limits
	baseURL string
}

// NewAPIVersionsHandler returns the version import endpoint over st.
// Uploads are bounded by lim; links in responses are prefixed with baseURL.
func NewAPIVersionsHandler(st ImportStore, errs *ErrorRenderer, lim openapi.Limits, baseURL string) *APIVersionsHandler {
	return &APIVersionsHandler{st: st, errs: errs, lim: lim, baseURL: baseURL}
}

// Routes registers the version endpoints under /api/v1. The caller applies
// the admin guard.
func (h *APIVersionsHandler) Routes(r chi.Router) {
	r.Post("/subsidiaries/{subsidiary}/versions", h.create)
}

// create imports an API version from the request body: a raw document
// (JSON or YAML), a zip bundle, or a multipart form with one or more files.
// It answers 201 with what was imported, or 200 when the same document was
// already stored for that version.
func (h *APIVersionsHandler) create(w http.ResponseWriter, r *http.Request) {
	sub := chi.URLParam(r, "subsidiary")
	opts, err := parseImportOptions(r.URL.Query(), h.lim)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	// Refuse an unknown subsidiary before reading and parsing the upload.
	if _, err := h.st.FindSubsidiary(r.Context(), sub); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	bundle, err := h.readBundle(w, r)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	imp, err := openapi.PrepareImport(r.Context(), bundle, opts)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	res, err := h.st.ImportVersion(r.Context(), sub, imp)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if err := h.audit(r, res); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	body := newImportResponse(res, h.baseURL)
	status := http.StatusCreated
	if res.Unchanged {
		status = http.StatusOK
	}
	w.Header().Set("Location", body.Links.Reference)
	writeJSON(w, status, body)
}

// audit records the import ("api.import") with who made it: the signed-in
// user, or "bootstrap-token" for the admin token. A failure is an error
// although the version is stored: importing the same document again
// answers "unchanged" and records the event then.
func (h *APIVersionsHandler) audit(r *http.Request, res models.ImportResult) error {
	actor := ActorFrom(r)
	after, err := json.Marshal(map[string]any{
		"api": res.API.Slug, "version": res.Version.Version, "state": res.Version.State,
		"document_sha256": res.Version.DocumentHash, "created_api": res.CreatedAPI, "unchanged": res.Unchanged,
	})
	if err != nil {
		return err
	}
	_, err = h.st.AppendAudit(r.Context(), models.AuditEvent{
		ActorID: actor.UserID, ActorEmail: actor.Email, Subsidiary: res.Subsidiary, Action: "api.import",
		Target: "api:" + res.Subsidiary + "/" + res.API.Slug + "@" + res.Version.Slug, After: string(after),
		RequestID: actor.RequestID, ClientIP: actor.ClientIP,
	})
	return err
}

// parseImportOptions reads the query parameters that override what the
// document says: api (slug), state, audience and featured.
func parseImportOptions(vals url.Values, lim openapi.Limits) (openapi.ImportOptions, error) {
	opts := openapi.ImportOptions{Limits: lim}
	var problems []string
	if s := vals.Get("api"); s != "" {
		if models.Slugify(s) != s {
			problems = append(problems, "api: must be a slug of lower-case letters, digits and single dashes, for example \"payments\".")
		} else {
			opts.APISlug = s
		}
	}
	if s := vals.Get("state"); s != "" {
		if st := models.State(s); st.Valid() {
			opts.State = st
		} else {
			problems = append(problems, "state: must be one of draft, in_review, published, deprecated, retired.")
		}
	}
	if s := vals.Get("audience"); s != "" {
		if a := models.Audience(s); a.Valid() {
			opts.Audience = a
		} else {
			problems = append(problems, "audience: must be one of public, partner, internal.")
		}
	}
	if s := vals.Get("featured"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			problems = append(problems, "featured: must be true or false.")
		} else {
			opts.Featured = &b
		}
	}
	if len(problems) > 0 {
		return opts, &models.Error{Kind: models.Invalid, Message: "The query parameters are not valid.", Details: problems}
	}
	return opts, nil
}

// readBundle reads the uploaded document or bundle, bounded by the size
// limit.
func (h *APIVersionsHandler) readBundle(w http.ResponseWriter, r *http.Request) (openapi.Bundle, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		return openapi.Bundle{}, unsupportedMedia()
	}
	root := strings.TrimSpace(r.URL.Query().Get("root"))
	switch mt {
	case "application/json", "application/vnd.oai.openapi+json",
		"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/vnd.oai.openapi":
		data, err := h.readAll(w, r, h.lim.MaxBytes)
		if err != nil {
			return openapi.Bundle{}, err
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return openapi.Bundle{}, models.Errorf(models.Invalid, "The request body is empty: send the OpenAPI document as the body.")
		}
		ext := ".yaml"
		if strings.HasSuffix(mt, "json") {
			ext = ".json"
		}
		return openapi.SingleFile("openapi"+ext, data), nil
	case "application/zip", "application/x-zip-compressed":
		data, err := h.readAll(w, r, h.lim.MaxBytes)
		if err != nil {
			return openapi.Bundle{}, err
		}
		return openapi.ReadZip(data, root, h.lim)
	case "multipart/form-data":
		return h.readMultipart(w, r, root)
	}
	return openapi.Bundle{}, unsupportedMedia()
}

func unsupportedMedia() error {
	return &statusError{status: http.StatusUnsupportedMediaType,
		msg: "Send the document as application/json, application/yaml, application/zip (a bundle) or multipart/form-data (field \"file\")."}
}

// readAll reads the whole body, at most limit bytes.
func (h *APIVersionsHandler) readAll(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, h.readError(err)
	}
	return data, nil
}

func (h *APIVersionsHandler) readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(h.lim.MaxBytes)
	}
	return models.Errorf(models.Invalid, "The upload could not be read completely.")
}

func tooLarge(limit int64) error {
	return models.Errorf(models.TooLarge, "The upload is larger than the limit of %s.", formatBytes(limit))
}

// readMultipart reads a multipart form: one or more "file" parts and an
// optional "root" field naming the root document among them. A single zip
// file is read as a bundle.
func (h *APIVersionsHandler) readMultipart(w http.ResponseWriter, r *http.Request, root string) (openapi.Bundle, error) {
	r.Body = http.MaxBytesReader(w, r.Body, h.lim.MaxBytes+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return openapi.Bundle{}, models.Errorf(models.Invalid, "The multipart body is malformed.")
	}
	var files []models.SpecFile
	var total int64
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return openapi.Bundle{}, h.multipartError(err)
		}
		switch part.FormName() {
		case "file":
			data, err := io.ReadAll(part)
			if err != nil {
				return openapi.Bundle{}, h.multipartError(err)
			}
			total += int64(len(data))
			if total > h.lim.MaxBytes {
				return openapi.Bundle{}, tooLarge(h.lim.MaxBytes)
			}
			if h.lim.MaxFiles > 0 && len(files) >= h.lim.MaxFiles {
				return openapi.Bundle{}, models.Errorf(models.TooLarge, "The upload has more than %d files.", h.lim.MaxFiles)
			}
			files = append(files, models.SpecFile{Path: partName(part, data, len(files)), Content: data})
		case "root":
			v, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return openapi.Bundle{}, h.multipartError(err)
			}
			root = strings.TrimSpace(string(v))
		}
		_ = part.Close()
	}
	switch {
	case len(files) == 0:
		return openapi.Bundle{}, models.Errorf(models.Invalid, "The form has no \"file\" field: send the document as the \"file\" field.")
	case len(files) == 1 && isZip(files[0]):
		return openapi.ReadZip(files[0].Content, root, h.lim)
	case len(files) == 1:
		return openapi.Bundle{Root: files[0].Path, Files: files}, nil
	}
	if root == "" {
		return openapi.Bundle{}, models.Errorf(models.Invalid, "Several files were sent: name the root document with the \"root\" field.")
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Path] {
			return openapi.Bundle{}, models.Errorf(models.Invalid, "Two files are named %q.", f.Path)
		}
		seen[f.Path] = true
	}
	if !seen[root] {
		return openapi.Bundle{}, models.Errorf(models.Invalid, "The root document %q is not among the uploaded files.", root)
	}
	return openapi.Bundle{Root: root, Files: files}, nil
}

func (h *APIVersionsHandler) multipartError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(h.lim.MaxBytes)
	}
	return models.Errorf(models.Invalid, "The multipart body is malformed.")
}

// partName is the bundle path of an uploaded file: its base name, or a
// name made up from its content when the client sent none.
func partName(p *multipart.Part, data []byte, i int) string {
	name := path.Base(strings.ReplaceAll(p.FileName(), "\\", "/"))
	if name != "" && name != "." && name != "/" && name != ".." {
		return name
	}
	ext := ".yaml"
	if looksJSON(data) {
		ext = ".json"
	}
	if i == 0 {
		return "openapi" + ext
	}
	return fmt.Sprintf("file%d%s", i+1, ext)
}

func isZip(f models.SpecFile) bool {
	return strings.HasSuffix(strings.ToLower(f.Path), ".zip") || bytes.HasPrefix(f.Content, []byte("PK\x03\x04"))
}

// formatBytes formats a size for people: "10 MiB", "512 KiB", "100 bytes".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// importResponse is the body of a successful import.
type importResponse struct {
	Subsidiary     string           `json:"subsidiary"`
	API            string           `json:"api"`
	Version        string           `json:"version"`
	VersionSlug    string           `json:"version_slug"`
	State          models.State     `json:"state"`
	OpenAPIVersion string           `json:"openapi_version"`
	DocumentSHA256 string           `json:"document_sha256"`
	CreatedAPI     bool             `json:"created_api"`
	Unchanged      bool             `json:"unchanged"`
	Operations     int              `json:"operations"`
	Warnings       []warningJSON    `json:"warnings"`
	Links          versionLinksJSON `json:"links"`
}

type warningJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Where   string `json:"where,omitempty"`
}

type versionLinksJSON struct {
	Product     string `json:"product"`
	Reference   string `json:"reference"`
	OpenAPIJSON string `json:"openapi_json"`
	OpenAPIYAML string `json:"openapi_yaml"`
}

func versionLinks(baseURL, sub, api, version string) versionLinksJSON {
	return versionLinksJSON{
		Product:     baseURL + views.ProductURL(sub, api),
		Reference:   baseURL + views.ReferenceURL(sub, api, version),
		OpenAPIJSON: baseURL + views.DocumentURL(sub, api, version, "json"),
		OpenAPIYAML: baseURL + views.DocumentURL(sub, api, version, "yaml"),
	}
}

func newImportResponse(res models.ImportResult, baseURL string) importResponse {
	v := res.Version
	out := importResponse{
		Subsidiary:     res.Subsidiary,
		API:            res.API.Slug,
		Version:        v.Version,
		VersionSlug:    v.Slug,
		State:          v.State,
		OpenAPIVersion: v.OpenAPIVersion,
		DocumentSHA256: v.DocumentHash,
		CreatedAPI:     res.CreatedAPI,
		Unchanged:      res.Unchanged,
		Operations:     v.OperationCount,
		Warnings:       []warningJSON{},
		Links:          versionLinks(baseURL, res.Subsidiary, res.API.Slug, v.Slug),
	}
	for _, w := range v.Warnings {
		out.Warnings = append(out.Warnings, warningJSON{Code: w.Code, Message: w.Message, Where: w.Where()})
	}
	return out
}
