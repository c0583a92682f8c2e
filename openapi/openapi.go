// Package openapi loads, validates and digests OpenAPI documents (2.0, 3.0
// and 3.1, JSON or YAML, single files or multi-file bundles) for the catalog.
//
// Everything here works on bytes already in memory or read through a
// sandbox: external $refs resolve only to files of the uploaded bundle, never
// to URLs or to files outside it, and they are checked by their text before
// anything is read. Every read is bounded by Limits. kin-openapi only ever
// sees one self-contained JSON document written by this package, with
// external references disallowed.
package openapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi/reference"
)

// Limits bound what an upload may cost.
type Limits struct {
	MaxBytes int64 // total bytes of all files in a bundle; default 10 MiB
	MaxFiles int   // files in a bundle; default 500
	MaxDepth int   // nesting depth of any document; default 200 (UK OB has depth-33 inline schemas; dereferenced docs go deeper)
}

// DefaultLimits returns the limits used when none are configured: 10 MiB,
// 500 files, nesting 200 deep.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 10 << 20, MaxFiles: 500, MaxDepth: 200}
}

// orDefault fills the zero fields of lim with the defaults.
func (lim Limits) orDefault() Limits {
	d := DefaultLimits()
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = d.MaxBytes
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = d.MaxFiles
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = d.MaxDepth
	}
	return lim
}

// Bundle is an uploaded document: the root file and the files its external
// $refs may reach.
type Bundle struct {
	Root  string            // slash path of the root document within Files
	Files []models.SpecFile // as uploaded
}

// SingleFile returns the bundle of one uploaded document called name.
func SingleFile(name string, data []byte) Bundle {
	p, ok := cleanBundlePath(name)
	if !ok {
		p = "openapi"
		if looksLikeJSON(data) {
			p += ".json"
		} else {
			p += ".yaml"
		}
		if base := lastSegment(name); base != "" && base != "." && base != ".." {
			p = base
		}
	}
	return Bundle{Root: p, Files: []models.SpecFile{{Path: p, Content: data}}}
}

func lastSegment(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// ImportOptions override what the document's info.x-portico says.
type ImportOptions struct {
	APISlug  string          // "" = from info.x-portico.api, else models.Slugify(info.title)
	State    models.State    // "" = from info.x-portico.state, else models.StatePublished
	Audience models.Audience // "" = from info.x-portico.audience, else models.AudiencePublic
	Featured *bool           // nil = from info.x-portico.featured
	Limits   Limits          // zero value = DefaultLimits()
}

// Importer prepares documents for the catalog with one Markdown renderer for
// all the render models it builds. It is safe for concurrent use.
type Importer struct {
	md *markdown.Renderer
}

// NewImporter returns an Importer that renders Markdown with md.
func NewImporter(md *markdown.Renderer) *Importer {
	return &Importer{md: md}
}

// defaultImporter serves the package-level functions; the renderer it holds
// is immutable once built.
var defaultImporter = sync.OnceValue(func() *Importer { return NewImporter(markdown.New()) })

// PrepareImport loads, validates and digests a bundle into everything the
// store needs. It never touches the network or any file outside the bundle,
// and it is pure: it returns a complete value or an error. Refusals are
// *models.Error: Invalid (Details lists one located problem per line, such as
// "spec/swagger.yaml:12 #/paths/~1pets/get/parameters/0: parameter must
// contain exactly one of content and schema") or TooLarge. It uses a shared
// Importer; see Importer.PrepareImport.
func PrepareImport(ctx context.Context, b Bundle, opts ImportOptions) (models.VersionImport, error) {
	return defaultImporter().PrepareImport(ctx, b, opts)
}

// BuildRenderModel rebuilds the encoded render model of a stored bundle (used
// when models.ReferenceModelVersion changed). It does not validate again.
func BuildRenderModel(ctx context.Context, b Bundle, lim Limits) ([]byte, error) {
	return defaultImporter().BuildRenderModel(ctx, b, lim)
}

// PrepareImport is the package-level PrepareImport with this importer's
// renderer.
func (im *Importer) PrepareImport(ctx context.Context, b Bundle, opts ImportOptions) (models.VersionImport, error) {
	if err := opts.validate(); err != nil {
		return models.VersionImport{}, err
	}
	l, err := load(ctx, b, opts.Limits.orDefault())
	if err != nil {
		return models.VersionImport{}, err
	}
	warnings := l.normalize()
	if probs := l.structuralProblems(ctx); len(probs) > 0 {
		return models.VersionImport{}, refusal(fmt.Sprintf("The document is not valid OpenAPI %s:", l.version), probs)
	}
	meta, err := l.portico()
	if err != nil {
		return models.VersionImport{}, err
	}
	meta.apply(opts)
	version := l.infoString("version")
	var probs []problem
	if meta.api == "" {
		probs = append(probs, l.infoProblem("title", fmt.Sprintf("the title %q gives no usable API slug; set info.x-portico.api or pass one", l.title())))
	}
	if models.VersionSlug(version) == "" {
		probs = append(probs, l.infoProblem("version", fmt.Sprintf("the version %q gives no usable URL segment", version)))
	}
	if len(probs) > 0 {
		return models.VersionImport{}, refusal("The document cannot be listed:", probs)
	}
	if err := ctx.Err(); err != nil {
		return models.VersionImport{}, err
	}
	warnings = append(warnings, l.contentWarnings(ctx)...)
	if err := ctx.Err(); err != nil {
		return models.VersionImport{}, err
	}
	model, err := im.renderModel(l)
	if err != nil {
		return models.VersionImport{}, fmt.Errorf("prepare import: %w", err)
	}
	doc, err := l.document()
	if err != nil {
		return models.VersionImport{}, fmt.Errorf("prepare import: %w", err)
	}
	return models.VersionImport{
		APISlug:        meta.api,
		APIName:        l.title(),
		APISummary:     meta.summary,
		APIDescription: meta.description,
		Audience:       meta.audience,
		Tags:           l.tags(meta.tags),
		Featured:       meta.featured,
		Version:        version,
		VersionSlug:    models.VersionSlug(version),
		State:          meta.state,
		OpenAPIVersion: l.version,
		Format:         l.fs.fmts[l.root],
		RootPath:       l.fs.paths[l.root],
		Files:          l.files,
		Document:       doc,
		DocumentHash:   BundleHash(l.files),
		Title:          l.title(),
		Description:    l.infoString("description"),
		Servers:        l.servers(),
		Operations:     l.operations(),
		Warnings:       warnings,
		RenderModel:    model,
	}, nil
}

// validate checks the options a caller passes.
func (o ImportOptions) validate() error {
	var details []string
	if o.APISlug != "" && models.Slugify(o.APISlug) != o.APISlug {
		details = append(details, fmt.Sprintf("The API slug %q is not a slug (lower-case letters, digits and single dashes, for example %q).", o.APISlug, models.Slugify(o.APISlug)))
	}
	if o.State != "" && !o.State.Valid() {
		details = append(details, fmt.Sprintf("The state %q is not one of draft, in_review, published, deprecated, retired.", o.State))
	}
	if o.Audience != "" && !o.Audience.Valid() {
		details = append(details, fmt.Sprintf("The audience %q is not one of public, partner, internal.", o.Audience))
	}
	if len(details) == 0 {
		return nil
	}
	return &models.Error{Kind: models.Invalid, Message: strings.Join(details, " "), Details: details}
}

// BuildRenderModel is the package-level BuildRenderModel with this
// importer's renderer.
func (im *Importer) BuildRenderModel(ctx context.Context, b Bundle, lim Limits) ([]byte, error) {
	l, err := load(ctx, b, lim.orDefault())
	if err != nil {
		return nil, err
	}
	l.normalize()
	model, err := im.renderModel(l)
	if err != nil {
		return nil, fmt.Errorf("build render model: %w", err)
	}
	return model, nil
}

// renderModel builds and encodes the reference page model. A Swagger 2.0
// document is rendered from its 3.0 conversion but shown as the 2.0 it is.
func (im *Importer) renderModel(l *loaded) ([]byte, error) {
	ref := reference.Build(l.doc, im.md)
	ref.OpenAPIVersion = l.version
	return reference.Encode(ref)
}

// ConvertDocument re-serializes a single document as "json" (indented by two
// spaces) or "yaml", preserving key order. It returns an Invalid error when
// doc cannot be parsed or format is neither.
func ConvertDocument(doc []byte, format string) ([]byte, error) {
	if format != "json" && format != "yaml" {
		return nil, models.Errorf(models.Invalid, "Unknown document format %q: use json or yaml.", format)
	}
	tree, _, err := parseDocument(doc, parseOptions{maxDepth: 10000})
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			return nil, refusal("The document cannot be read:", []problem{{line: pe.line, msg: pe.msg}})
		}
		return nil, fmt.Errorf("convert document: %w", err)
	}
	if format == "yaml" {
		out, err := toYAML(tree)
		if err != nil {
			return nil, fmt.Errorf("convert document: %w", err)
		}
		return out, nil
	}
	var buf bytes.Buffer
	writeJSON(&buf, tree, "  ", 0)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// BundleHash is the hex SHA-256 identifying a bundle: of the file's bytes
// for a single file; for several, over the files sorted by path, each as
// path, NUL, content, NUL.
func BundleHash(files []models.SpecFile) string {
	h := sha256.New()
	if len(files) == 1 {
		h.Write(files[0].Content)
		return hex.EncodeToString(h.Sum(nil))
	}
	sorted := slices.Clone(files)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for _, f := range sorted {
		h.Write([]byte(f.Path))
		h.Write([]byte{0})
		h.Write(f.Content)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// loaded is a parsed, bundled and loaded document.
type loaded struct {
	files   []models.SpecFile // the bundle, paths normalised
	fs      *fileSet
	root    int32
	tree    *node // the self-contained document as written (2.0 stays 2.0)
	v2      bool
	version string // "2.0", "3.0.3", ... as written
	doc     *openapi3.T
}

func (l *loaded) is31() bool { return strings.HasPrefix(l.version, "3.1") }

var openAPIVersion = regexp.MustCompile(`^3\.[01](\.\d+)?(-[0-9A-Za-z.-]+)?$`)

// load normalises the bundle, parses and bundles its documents and loads
// the result with kin-openapi.
func load(ctx context.Context, b Bundle, lim Limits) (*loaded, error) {
	files, rootPath, err := normalizeBundle(b, lim)
	if err != nil {
		return nil, err
	}
	byPath := make(map[string][]byte, len(files))
	for _, f := range files {
		byPath[f.Path] = f.Content
	}
	fs := newFileSet(func(p string) ([]byte, error) {
		data, ok := byPath[p]
		if !ok {
			return nil, errNotInBundle
		}
		return data, nil
	}, lim)
	l := &loaded{files: files, fs: fs}
	root, _, ok := fs.open(rootPath)
	if !ok {
		return nil, refusal("The document cannot be read:", fs.probs)
	}
	l.root = root
	if err := l.detectVersion(); err != nil {
		return nil, err
	}
	bd := &bundler{fs: fs, root: root, v2: l.v2}
	tree := bd.bundle()
	if fs.fatal != nil {
		return nil, fs.fatal
	}
	if len(fs.probs) > 0 {
		return nil, refusal("The document cannot be read:", fs.probs)
	}
	l.tree = normalizeVersionField(tree)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := l.loadKin(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// normalizeBundle checks the bundle against the limits and cleans its paths.
func normalizeBundle(b Bundle, lim Limits) ([]models.SpecFile, string, error) {
	if len(b.Files) == 0 {
		return nil, "", models.Errorf(models.Invalid, "The upload holds no document.")
	}
	if len(b.Files) > lim.MaxFiles {
		return nil, "", models.Errorf(models.TooLarge, "The bundle has %d files; the limit is %d.", len(b.Files), lim.MaxFiles)
	}
	var total int64
	for _, f := range b.Files {
		total += int64(len(f.Content))
	}
	if total > lim.MaxBytes {
		return nil, "", tooLarge(total, lim.MaxBytes)
	}
	files := make([]models.SpecFile, len(b.Files))
	seen := make(map[string]bool, len(b.Files))
	for i, f := range b.Files {
		p, ok := cleanBundlePath(f.Path)
		if !ok {
			return nil, "", models.Errorf(models.Invalid, "The bundle holds a file with a path that is not allowed: %q (paths must be relative and stay inside the bundle).", f.Path)
		}
		if seen[p] {
			return nil, "", models.Errorf(models.Invalid, "The bundle holds %s twice.", p)
		}
		seen[p] = true
		files[i] = models.SpecFile{Path: p, Content: f.Content}
	}
	root := b.Root
	if root == "" && len(files) == 1 {
		root = files[0].Path
	}
	rp, ok := cleanBundlePath(root)
	if !ok || !seen[rp] {
		if root == "" {
			return nil, "", models.Errorf(models.Invalid, "The bundle has %d files; name the root document.", len(files))
		}
		return nil, "", models.Errorf(models.Invalid, "The root document %s is not in the bundle.", root)
	}
	return files, rp, nil
}

// tooLarge is the TooLarge refusal for size; it states size and limit.
func tooLarge(size, limit int64) error {
	return models.Errorf(models.TooLarge, "The document is %s; the limit is %s.", formatBytes(size), formatBytes(limit))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1<<20))) + " MiB"
	case n >= 1<<10:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1<<10))) + " KiB"
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// detectVersion reads the openapi or swagger field of the root.
func (l *loaded) detectVersion() error {
	root := l.fs.trees[l.root]
	path := l.fs.paths[l.root]
	fail := func(line int32, pointer, msg string) error {
		return refusal("The document was refused:", []problem{{file: path, line: int(line), pointer: pointer, msg: msg}})
	}
	if root.kind != kObject {
		return fail(root.line, "", fmt.Sprintf("not an OpenAPI document: the top level is %s, not an object", root.kind))
	}
	versionText := func(n *node) (string, bool) {
		if n == nil || (n.kind != kString && n.kind != kNumber) {
			return "", false
		}
		return n.text, true
	}
	if m := root.member("openapi"); m != nil {
		v, ok := versionText(m.val)
		if !ok || !openAPIVersion.MatchString(v) {
			return fail(m.line, "/openapi", fmt.Sprintf("OpenAPI version %q is not supported; Portico reads 2.0, 3.0 and 3.1", v))
		}
		l.version = v
		return nil
	}
	if m := root.member("swagger"); m != nil {
		v, ok := versionText(m.val)
		if !ok || v != "2.0" {
			return fail(m.line, "/swagger", fmt.Sprintf("Swagger version %q is not supported; Portico reads 2.0, 3.0 and 3.1", v))
		}
		l.version, l.v2 = "2.0", true
		return nil
	}
	return fail(root.line, "", `not an OpenAPI document: it has neither an "openapi" nor a "swagger" field at the top level`)
}

// normalizeVersionField turns `swagger: 2.0` written as a YAML number into
// the string kin-openapi expects.
func normalizeVersionField(doc *node) *node {
	for i, m := range doc.members {
		if (m.key == "openapi" || m.key == "swagger") && m.val.kind == kNumber {
			cp := &node{kind: kObject, file: doc.file, line: doc.line, members: slices.Clone(doc.members)}
			cp.members[i].val = &node{kind: kString, text: m.val.text, file: m.val.file, line: m.val.line}
			return cp
		}
	}
	return doc
}

// refuseURIs is the loader's reader of external references. The bundler has
// already replaced every external reference, so reaching it means a
// reference slipped through: refuse, whatever IsExternalRefsAllowed says.
func refuseURIs(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
	return nil, fmt.Errorf("external reference %q not allowed", u.Redacted())
}

// newLoader returns a kin-openapi loader that can read nothing but the
// document it is given.
func newLoader(ctx context.Context) *openapi3.Loader {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.ReadFromURIFunc = refuseURIs
	loader.Context = ctx
	return loader
}

// loadKin loads the bundled tree with kin-openapi (converting 2.0 to 3.0).
func (l *loaded) loadKin(ctx context.Context) error {
	data := toJSON(l.tree)
	loader := newLoader(ctx)
	var err error
	if perr := l.guard(func() {
		if l.v2 {
			var doc2 openapi2.T
			if err = json.Unmarshal(data, &doc2); err == nil {
				l.doc, err = openapi2conv.ToV3WithLoader(&doc2, loader, nil)
			}
		} else {
			l.doc, err = loader.LoadFromData(data)
		}
	}); perr != nil {
		return perr
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return refusal(fmt.Sprintf("The document does not have the structure of OpenAPI %s:", l.version),
			[]problem{{file: l.fs.paths[l.root], msg: cleanMessage(kinLoadMessage(err))}})
	}
	return nil
}

// guard runs a step of kin-openapi and turns a panic (a shape of document
// the library does not expect) into a refusal, so one upload cannot crash
// the server. The panic's text is not shown: it is about the library.
func (l *loaded) guard(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = refusal(fmt.Sprintf("The document cannot be processed as OpenAPI %s:", l.version),
				[]problem{{file: l.fs.paths[l.root], msg: "part of it has a shape the OpenAPI library cannot handle"}})
		}
	}()
	f()
	return nil
}

// kinLoadMessage drops Go type names from kin's decoding errors.
func kinLoadMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "failed to unmarshal data: ")
	msg = strings.ReplaceAll(msg, "Go struct field ", "field ")
	msg = strings.ReplaceAll(msg, "Go value of type ", "")
	return msg
}

// normalize fixes harmless violations kin-openapi would refuse, and warns
// about them: a 3.1 license with both url and identifier, and OAuth flows
// without their (required, possibly empty) scopes.
func (l *loaded) normalize() []models.SpecWarning {
	var warns []models.SpecWarning
	if info := l.doc.Info; info != nil && info.License != nil && info.License.URL != "" && info.License.Identifier != "" {
		info.License.Identifier = ""
		warns = append(warns, l.warningAt("license-conflict", []string{"info", "license"},
			"the license gives both url and identifier, which OpenAPI 3.1 does not allow; the url is kept"))
	}
	if c := l.doc.Components; c != nil {
		for _, name := range sortedKeys(c.SecuritySchemes) {
			ss := c.SecuritySchemes[name]
			if ss == nil || ss.Value == nil || ss.Value.Flows == nil {
				continue
			}
			f := ss.Value.Flows
			for _, fl := range []struct {
				kind string
				flow *openapi3.OAuthFlow
			}{{"implicit", f.Implicit}, {"password", f.Password}, {"clientCredentials", f.ClientCredentials}, {"authorizationCode", f.AuthorizationCode}} {
				if fl.flow != nil && fl.flow.Scopes == nil {
					fl.flow.Scopes = map[string]string{}
					warns = append(warns, l.warningAt("oauth-scopes-missing", []string{"components", "securitySchemes", name, "flows", fl.kind},
						fmt.Sprintf("the OAuth flow %s declares no scopes (the field is required); it is read as having none", fl.kind)))
				}
			}
		}
	}
	return warns
}

// document returns the single-file form: the root as uploaded when no other
// file was needed, else the bundled document in the root's format.
func (l *loaded) document() ([]byte, error) {
	if len(l.fs.paths) == 1 {
		return l.fs.data[l.root], nil
	}
	if l.fs.fmts[l.root] == "json" {
		var buf bytes.Buffer
		writeJSON(&buf, l.tree, "  ", 0)
		buf.WriteByte('\n')
		return buf.Bytes(), nil
	}
	return toYAML(l.tree)
}

// infoString returns a text field of info as written (numbers included).
func (l *loaded) infoString(key string) string {
	n := l.tree.get("info").get(key)
	if n != nil && (n.kind == kString || n.kind == kNumber) {
		return n.text
	}
	return ""
}

func (l *loaded) title() string { return strings.TrimSpace(l.infoString("title")) }

// infoProblem locates a problem with an info field.
func (l *loaded) infoProblem(key, msg string) problem {
	return l.problemAt([]string{"info", key}, msg)
}

// servers lists the server URLs: 3.x servers as written; for 2.0, scheme,
// host and basePath (as converted).
func (l *loaded) servers() []string {
	var out []string
	for _, s := range l.doc.Servers {
		if s != nil && s.URL != "" && !slices.Contains(out, s.URL) {
			out = append(out, s.URL)
		}
	}
	return out
}

// operations lists every operation of paths, in document order.
func (l *loaded) operations() []models.OperationSummary {
	var ops []models.OperationSummary
	for _, pm := range l.tree.get("paths").membersOf() {
		if strings.HasPrefix(pm.key, "x-") {
			continue
		}
		item := l.deref(pm.val)
		for _, om := range item.membersOf() {
			if !httpMethods[om.key] {
				continue
			}
			op := om.val
			id, _ := op.get("operationId").str()
			summary, _ := op.get("summary").str()
			var tags []string
			for _, t := range op.get("tags").itemsOf() {
				if s, ok := t.str(); ok {
					tags = append(tags, s)
				}
			}
			ops = append(ops, models.OperationSummary{
				Method:      strings.ToUpper(om.key),
				Path:        pm.key,
				OperationID: id,
				Summary:     strings.TrimSpace(summary),
				Tags:        tags,
			})
		}
	}
	return ops
}

// tags returns the declared tag names, then tags only operations use, then
// extra, without duplicates (compared case-insensitively).
func (l *loaded) tags(extra []string) []string {
	var out []string
	seen := make(map[string]bool)
	add := func(t string) {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			return
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
	}
	for _, t := range l.tree.get("tags").itemsOf() {
		if s, ok := t.get("name").str(); ok {
			add(s)
		}
	}
	for _, op := range l.operations() {
		for _, t := range op.Tags {
			add(t)
		}
	}
	for _, t := range extra {
		add(t)
	}
	return out
}

// porticoMeta is info.x-portico with defaults applied.
type porticoMeta struct {
	api, summary, description string
	audience                  models.Audience
	state                     models.State
	tags                      []string
	featured                  bool
}

// apply lets the caller's options override the document's settings.
func (m *porticoMeta) apply(o ImportOptions) {
	if o.APISlug != "" {
		m.api = o.APISlug
	}
	if o.State != "" {
		m.state = o.State
	}
	if o.Audience != "" {
		m.audience = o.Audience
	}
	if o.Featured != nil {
		m.featured = *o.Featured
	}
}

// portico reads info.x-portico and fills in what it leaves out.
func (l *loaded) portico() (porticoMeta, error) {
	meta := porticoMeta{audience: models.AudiencePublic, state: models.StatePublished}
	x := l.tree.get("info").get("x-portico")
	var probs []problem
	bad := func(key, msg string) {
		probs = append(probs, l.problemAt([]string{"info", "x-portico", key}, msg))
	}
	if x != nil && x.kind != kObject {
		probs = append(probs, l.problemAt([]string{"info", "x-portico"}, "x-portico must be an object"))
		x = nil
	}
	text := func(key string) string {
		n := x.get(key)
		if n == nil || n.kind == kNull {
			return ""
		}
		s, ok := n.str()
		if !ok {
			bad(key, fmt.Sprintf("x-portico.%s must be a string", key))
		}
		return strings.TrimSpace(s)
	}
	if api := text("api"); api != "" {
		if models.Slugify(api) != api {
			bad("api", fmt.Sprintf("x-portico.api %q is not a slug (lower-case letters, digits and single dashes, for example %q)", api, models.Slugify(api)))
		}
		meta.api = api
	}
	meta.summary = text("summary")
	meta.description = text("description")
	if a := text("audience"); a != "" {
		if !models.Audience(a).Valid() {
			bad("audience", fmt.Sprintf("x-portico.audience %q is not one of public, partner, internal", a))
		}
		meta.audience = models.Audience(a)
	}
	if s := text("state"); s != "" {
		if !models.State(s).Valid() {
			bad("state", fmt.Sprintf("x-portico.state %q is not one of draft, in_review, published, deprecated, retired", s))
		}
		meta.state = models.State(s)
	}
	if n := x.get("tags"); n != nil && n.kind != kNull {
		if n.kind != kArray {
			bad("tags", "x-portico.tags must be a list of strings")
		}
		for _, t := range n.itemsOf() {
			s, ok := t.str()
			if !ok {
				bad("tags", "x-portico.tags must be a list of strings")
				break
			}
			meta.tags = append(meta.tags, s)
		}
	}
	if n := x.get("featured"); n != nil && n.kind != kNull {
		if n.kind != kBool {
			bad("featured", "x-portico.featured must be true or false")
		}
		meta.featured = n.text == "true"
	}
	if len(probs) > 0 {
		return meta, refusal("The document's x-portico settings are not valid:", probs)
	}
	if meta.api == "" {
		meta.api = models.Slugify(l.title())
	}
	if meta.description == "" {
		meta.description = l.infoString("description")
	}
	if meta.summary == "" {
		meta.summary = l.infoString("summary") // OpenAPI 3.1
	}
	if meta.summary == "" {
		meta.summary = summarize(l.infoString("description"))
	}
	return meta, nil
}

var (
	mdLink   = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdMarks  = strings.NewReplacer("**", "", "__", "", "`", "", "*", "", "#", "")
	mdSpaces = regexp.MustCompile(`\s+`)
	sentence = regexp.MustCompile(`^(.+?[.!?])(\s|$)`)
)

// maxSummary bounds a summary derived from a description.
const maxSummary = 200

// summarize derives a one-line plain-text summary from Markdown: the first
// sentence of the first paragraph of text (headings, tables, HTML and code
// skipped), at most maxSummary characters.
func summarize(desc string) string {
	var para []string
	for _, line := range strings.Split(strings.ReplaceAll(desc, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		skip := strings.HasPrefix(line, "#") || strings.HasPrefix(line, "<") || strings.HasPrefix(line, "|") ||
			strings.HasPrefix(line, "```") || strings.HasPrefix(line, "---") || strings.HasPrefix(line, "===")
		if line == "" || skip {
			if len(para) > 0 {
				break
			}
			continue
		}
		para = append(para, line)
	}
	text := mdLink.ReplaceAllString(strings.Join(para, " "), "$1")
	text = strings.TrimSpace(mdSpaces.ReplaceAllString(mdMarks.Replace(text), " "))
	if m := sentence.FindStringSubmatch(text); m != nil {
		text = m[1]
	}
	if r := []rune(text); len(r) > maxSummary {
		cut := string(r[:maxSummary])
		if i := strings.LastIndex(cut, " "); i > maxSummary/2 {
			cut = cut[:i]
		}
		text = strings.TrimRight(cut, " ,;:") + "…"
	}
	return text
}
