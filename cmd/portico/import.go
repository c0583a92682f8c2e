package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

// importFlags are the flags of `portico import` beyond the store's.
type importFlags struct {
	subsidiary string
	api        string
	state      string
	audience   string
	bundle     string
	root       string
	baseURL    string
	maxBytes   int64
	upstream   string
	basePath   string
}

func runImport(ctx context.Context, args []string, e env) error {
	var f importFlags
	cfg, fs, err := loadConfig("import", args, e, func(c *Config, fs *flag.FlagSet) {
		c.storeFlags(fs)
		fs.StringVar(&f.subsidiary, "subsidiary", "", "slug of the subsidiary that publishes the API (required)")
		fs.StringVar(&f.api, "api", "", "API slug; default: info.x-portico.api, else derived from info.title")
		fs.StringVar(&f.state, "state", "", "lifecycle state: draft, in_review, published, deprecated, retired; default: info.x-portico.state, else published")
		fs.StringVar(&f.audience, "audience", "", "public, partner or internal; default: info.x-portico.audience, else public")
		fs.StringVar(&f.bundle, "bundle", "", "directory that external $refs of a FILE may reach; default: the file's directory")
		fs.StringVar(&f.root, "root", "", "root document inside a DIR or ZIP bundle; default: detected")
		fs.StringVar(&f.baseURL, "base-url", c.PublicURL(), "portal URL used in the links printed after import")
		fs.Int64Var(&f.maxBytes, "max-spec-bytes", c.MaxSpecBytes, "largest document or bundle accepted, in bytes")
		fs.StringVar(&f.upstream, "upstream", "", "URL of the backend the gateway forwards the imported version to; default: none (the gateway's mock answers)")
		fs.StringVar(&f.basePath, "base-path", "", "path the gateway serves the imported version at; default /{subsidiary}/{api}/v{major}")
	})
	if err != nil {
		return err
	}
	files := fs.Args()
	switch {
	case f.subsidiary == "":
		return errors.New("import: --subsidiary is required (see `portico subsidiary list`)")
	case len(files) == 0:
		return errors.New("import: name at least one OpenAPI document, directory or zip file")
	case f.state != "" && !models.State(f.state).Valid():
		return fmt.Errorf("import: --state %q is not one of draft, in_review, published, deprecated, retired", f.state)
	case f.audience != "" && !models.Audience(f.audience).Valid():
		return fmt.Errorf("import: --audience %q is not one of public, partner, internal", f.audience)
	case (f.upstream != "" || f.basePath != "") && len(files) != 1:
		return errors.New("import: --upstream and --base-path apply to one imported version: name one document")
	case f.api != "" && models.Slugify(f.api) != f.api:
		return fmt.Errorf("import: --api %q is not a valid slug (lower case letters, digits and dashes, e.g. %q)", f.api, models.Slugify(f.api))
	}
	st, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()

	lim := openapi.DefaultLimits()
	lim.MaxBytes = f.maxBytes
	opts := openapi.ImportOptions{APISlug: f.api, State: models.State(f.state), Audience: models.Audience(f.audience), Limits: lim}
	refused := 0
	for _, path := range files {
		res, warnings, err := importOne(ctx, st, f, path, opts)
		if err != nil {
			refused++
			fmt.Fprintf(e.stderr, "refused %s: %s\n", path, describeError(err))
			continue
		}
		printImport(e.stdout, path, res, warnings, strings.TrimRight(f.baseURL, "/"))
		if f.upstream != "" || f.basePath != "" {
			g, err := st.UpdateVersionGateway(ctx, cliActor(), []string{models.GlobalDomain}, res.Version.ID, models.VersionGateway{BasePath: f.basePath, UpstreamURL: f.upstream})
			if err != nil {
				return fmt.Errorf("import: %s was stored, but its gateway settings were not: %s", path, describeError(err))
			}
			fmt.Fprintf(e.stdout, "  gateway: base path %s, upstream %s\n", orDefault(g.BasePath, "(default)"), orDefault(g.UpstreamURL, "(none: the mock answers)"))
		}
	}
	if refused > 0 {
		return fmt.Errorf("import: %d of %d documents refused; nothing was stored for them", refused, len(files))
	}
	return nil
}

// versionImporter is what importing needs from the store.
type versionImporter interface {
	ImportVersion(ctx context.Context, subsidiary string, imp models.VersionImport) (models.ImportResult, error)
}

// importOne reads, prepares and stores one document, directory or zip.
func importOne(ctx context.Context, st versionImporter, f importFlags, path string, opts openapi.ImportOptions) (models.ImportResult, []models.SpecWarning, error) {
	b, err := readBundle(path, f, opts.Limits)
	if err != nil {
		return models.ImportResult{}, nil, err
	}
	imp, err := openapi.PrepareImport(ctx, b, opts)
	if err != nil {
		return models.ImportResult{}, nil, err
	}
	res, err := st.ImportVersion(ctx, f.subsidiary, imp)
	return res, imp.Warnings, err
}

// readBundle reads path as a single document, a directory or a zip file.
func readBundle(path string, f importFlags, lim openapi.Limits) (openapi.Bundle, error) {
	info, err := os.Stat(path)
	if err != nil {
		return openapi.Bundle{}, models.Errorf(models.Invalid, "cannot read %s: %s", path, describeOSError(err))
	}
	switch {
	case info.IsDir():
		return openapi.ReadDir(path, f.root, lim)
	case strings.EqualFold(filepath.Ext(path), ".zip"):
		if info.Size() > lim.MaxBytes {
			return openapi.Bundle{}, models.Errorf(models.TooLarge, "%s is %d bytes; the limit is %d bytes (--max-spec-bytes)", path, info.Size(), lim.MaxBytes)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return openapi.Bundle{}, models.Errorf(models.Invalid, "cannot read %s: %s", path, describeOSError(err))
		}
		return openapi.ReadZip(data, f.root, lim)
	}
	return openapi.ReadFile(path, f.bundle, lim)
}

func describeOSError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// describeError renders an error for the terminal: the user-safe message and
// every located detail; unexpected errors keep their text (the operator is
// the user here).
func describeError(err error) string {
	if models.KindOf(err) == models.Internal {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(models.MessageOf(err))
	for _, d := range models.DetailsOf(err) {
		b.WriteString("\n  - ")
		b.WriteString(d)
	}
	return b.String()
}

// userError turns a store error into a command error with its details.
func userError(err error) error {
	return errors.New(describeError(err))
}

func printImport(w io.Writer, path string, res models.ImportResult, warnings []models.SpecWarning, baseURL string) {
	v := res.Version
	verb := "imported"
	if res.Unchanged {
		verb = "unchanged"
	}
	fmt.Fprintf(w, "%s %s/%s %s (%s, OpenAPI %s, %d operations) from %s\n",
		verb, res.Subsidiary, res.API.Slug, v.Version, v.State, v.OpenAPIVersion, v.OperationCount, path)
	if v.State.Listed() {
		fmt.Fprintf(w, "  reference: %s/apis/%s/%s/%s\n", baseURL, res.Subsidiary, res.API.Slug, v.Slug)
	} else {
		fmt.Fprintf(w, "  not listed in the catalog while %s\n", v.State.Label())
	}
	if len(warnings) > 0 {
		fmt.Fprintf(w, "  %d warnings:\n", len(warnings))
		const shown = 20
		for i, wr := range warnings {
			if i == shown {
				fmt.Fprintf(w, "  - … and %d more\n", len(warnings)-shown)
				break
			}
			where := wr.Where()
			if where != "" {
				where += ": "
			}
			fmt.Fprintf(w, "  - %s%s\n", where, wr.Message)
		}
	}
}

func subsidiaryFromFlags(slug, name, description string) models.Subsidiary {
	return models.Subsidiary{Slug: strings.TrimSpace(slug), Name: strings.TrimSpace(name), Description: description}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
