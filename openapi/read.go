package openapi

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/portico/portico/models"
)

// A bundle is read by following references from its root: only files that
// are actually referenced are read, each reference is checked by its text
// before anything is opened, and every file is opened through os.Root (or
// looked up in the zip), so neither "..", absolute paths nor symbolic links
// reach outside the bundle.

// ReadFile reads the document at path; external refs may reach only files
// under bundleDir ("" = path's directory). Only files actually referenced are
// read and included. Refusals are *models.Error: Invalid (with located
// Details) or TooLarge.
func ReadFile(path, bundleDir string, lim Limits) (Bundle, error) {
	lim = lim.orDefault()
	abs, err := filepath.Abs(path)
	if err != nil {
		return Bundle{}, models.Errorf(models.Invalid, "Cannot read %s: the path is not valid.", path)
	}
	if bundleDir == "" {
		bundleDir = filepath.Dir(abs)
	}
	dir, err := filepath.Abs(bundleDir)
	if err != nil {
		return Bundle{}, models.Errorf(models.Invalid, "Cannot read the bundle directory %s: the path is not valid.", bundleDir)
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return Bundle{}, models.Errorf(models.Invalid, "%s is not inside the bundle directory %s.", path, bundleDir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Bundle{}, models.Errorf(models.Invalid, "Cannot open the bundle directory %s: %s.", bundleDir, osProblem(err))
	}
	defer root.Close()
	return readBundle(filepath.ToSlash(rel), rootReader(root, lim), lim)
}

// ReadDir reads a directory bundle; root "" = auto-detect (the one shallowest
// openapi.* or swagger.* file, else the single document declaring openapi or
// swagger). Only reachable files are included. Refusals are *models.Error:
// Invalid or TooLarge.
func ReadDir(dir, root string, lim Limits) (Bundle, error) {
	lim = lim.orDefault()
	r, err := os.OpenRoot(dir)
	if err != nil {
		return Bundle{}, models.Errorf(models.Invalid, "Cannot open the directory %s: %s.", dir, osProblem(err))
	}
	defer r.Close()
	read := rootReader(r, lim)
	if root == "" {
		detect := rootReader(r, lim)
		var candidates []string
		err := fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != "." && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if isDocumentName(p) {
				if len(candidates) >= maxCandidates(lim) {
					return errTooManyCandidates
				}
				candidates = append(candidates, p)
			}
			return nil
		})
		if errors.Is(err, errTooManyCandidates) {
			return Bundle{}, models.Errorf(models.TooLarge, "The directory %s holds more than %d JSON or YAML files; name the root document.", dir, maxCandidates(lim))
		}
		if err != nil {
			return Bundle{}, models.Errorf(models.Invalid, "Cannot list the directory %s: %s.", dir, osProblem(err))
		}
		if root, err = detectRoot(candidates, detect, lim); err != nil {
			return Bundle{}, err
		}
	}
	p, ok := cleanBundlePath(root)
	if !ok {
		return Bundle{}, models.Errorf(models.Invalid, "The root document %q must be a relative path inside the directory.", root)
	}
	return readBundle(p, read, lim)
}

// ReadZip reads a zip bundle from memory. Entries named with "..", absolute
// paths or backslashes, symbolic links and encrypted entries are refused;
// sizes are checked as declared before decompressing and again while
// reading, so a zip bomb costs no more than lim.MaxBytes. root "" =
// auto-detect as in ReadDir.
func ReadZip(data []byte, root string, lim Limits) (Bundle, error) {
	lim = lim.orDefault()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Bundle{}, models.Errorf(models.Invalid, "The upload is not a readable zip file.")
	}
	if len(zr.File) > maxCandidates(lim) {
		return Bundle{}, models.Errorf(models.TooLarge, "The zip holds %d entries; the limit is %d.", len(zr.File), maxCandidates(lim))
	}
	entries := make(map[string]*zip.File)
	var candidates []string
	for _, f := range zr.File {
		name := f.Name
		if strings.HasSuffix(name, "/") && f.Mode().IsDir() {
			continue
		}
		clean, ok := cleanBundlePath(name)
		if !ok || strings.Contains(name, `\`) || clean != strings.TrimPrefix(name, "./") {
			return Bundle{}, models.Errorf(models.Invalid, "The zip holds an entry with a name that is not allowed: %q (names must be relative paths without \"..\").", name)
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			return Bundle{}, models.Errorf(models.Invalid, "The zip holds a symbolic link, %s; links are not allowed in a bundle.", name)
		}
		if f.Flags&0x1 != 0 {
			return Bundle{}, models.Errorf(models.Invalid, "The zip entry %s is encrypted.", name)
		}
		if _, dup := entries[clean]; dup {
			return Bundle{}, models.Errorf(models.Invalid, "The zip holds %s twice.", clean)
		}
		entries[clean] = f
		if isDocumentName(clean) {
			candidates = append(candidates, clean)
		}
	}
	newReader := func() func(string) ([]byte, error) {
		var total int64
		return countFiles(func(p string) ([]byte, error) {
			f, ok := entries[p]
			if !ok {
				return nil, errNotInBundle
			}
			if f.UncompressedSize64 > uint64(lim.MaxBytes-total) {
				return nil, tooLarge(total+int64(min(f.UncompressedSize64, uint64(1<<62))), lim.MaxBytes)
			}
			rc, err := f.Open()
			if err != nil {
				return nil, models.Errorf(models.Invalid, "The zip entry %s cannot be read.", p)
			}
			defer rc.Close()
			b, err := io.ReadAll(io.LimitReader(rc, lim.MaxBytes-total+1))
			if err != nil {
				return nil, models.Errorf(models.Invalid, "The zip entry %s cannot be read: it is damaged.", p)
			}
			total += int64(len(b))
			if total > lim.MaxBytes {
				return nil, tooLarge(total, lim.MaxBytes)
			}
			return b, nil
		}, lim)
	}
	read := newReader()
	if root == "" {
		if root, err = detectRoot(candidates, newReader(), lim); err != nil {
			return Bundle{}, err
		}
	}
	p, ok := cleanBundlePath(root)
	if !ok {
		return Bundle{}, models.Errorf(models.Invalid, "The root document %q must be a relative path inside the zip.", root)
	}
	return readBundle(p, read, lim)
}

// errTooManyCandidates stops listing a directory that is far too large.
var errTooManyCandidates = errors.New("too many files")

// maxCandidates bounds the files looked at when listing a directory or a
// zip: more than the files a bundle may hold, for READMEs and the like, but
// not a whole disk.
func maxCandidates(lim Limits) int { return 4 * lim.MaxFiles }

// isDocumentName reports whether a file name looks like a JSON or YAML file.
func isDocumentName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// rootReader reads files inside an os.Root within the size limit.
func rootReader(r *os.Root, lim Limits) func(string) ([]byte, error) {
	var total int64
	read := func(p string) ([]byte, error) {
		f, err := r.Open(filepath.FromSlash(p))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errNotInBundle
			}
			return nil, models.Errorf(models.Invalid, "Cannot read %s: %s.", p, osProblem(err))
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
			return nil, models.Errorf(models.Invalid, "Cannot read %s: it is not a regular file.", p)
		}
		b, err := io.ReadAll(io.LimitReader(f, lim.MaxBytes-total+1))
		if err != nil {
			return nil, models.Errorf(models.Invalid, "Cannot read %s: %s.", p, osProblem(err))
		}
		total += int64(len(b))
		if total > lim.MaxBytes {
			return nil, tooLarge(total, lim.MaxBytes)
		}
		return b, nil
	}
	return countFiles(read, lim)
}

// countFiles refuses reading more than lim.MaxFiles files.
func countFiles(read func(string) ([]byte, error), lim Limits) func(string) ([]byte, error) {
	n := 0
	return func(p string) ([]byte, error) {
		b, err := read(p)
		if err == nil {
			if n++; n > lim.MaxFiles {
				return nil, models.Errorf(models.TooLarge, "The bundle references more than %d files; the limit is %d.", lim.MaxFiles, lim.MaxFiles)
			}
		}
		return b, err
	}
}

// osProblem describes a file system error without internals.
func osProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case strings.Contains(err.Error(), "path escapes"):
		return "the path leads outside the bundle"
	}
	return "it cannot be read"
}

// readBundle reads the root and every file it reaches.
func readBundle(rootPath string, read func(string) ([]byte, error), lim Limits) (Bundle, error) {
	files := newFileSet(read, lim)
	idx, found, ok := files.open(rootPath)
	if files.fatal != nil {
		return Bundle{}, files.fatal
	}
	if !found {
		return Bundle{}, models.Errorf(models.Invalid, "The root document %s does not exist in the bundle.", rootPath)
	}
	if !ok {
		return Bundle{}, refusal("The document cannot be read:", files.probs)
	}
	l := &loaded{fs: files, root: idx}
	if err := l.detectVersion(); err != nil {
		return Bundle{}, err
	}
	bd := &bundler{fs: files, root: idx, v2: l.v2}
	bd.bundle()
	if files.fatal != nil {
		return Bundle{}, files.fatal
	}
	if len(files.probs) > 0 {
		return Bundle{}, refusal("The document cannot be read:", files.probs)
	}
	b := Bundle{Root: rootPath}
	for i, p := range files.paths {
		b.Files = append(b.Files, models.SpecFile{Path: p, Content: files.data[i]})
	}
	return b, nil
}

// detectRoot picks the root among candidate file paths: the one shallowest
// file named openapi.* or swagger.*, else the one document that declares
// openapi or swagger at its top level.
func detectRoot(candidates []string, read func(string) ([]byte, error), lim Limits) (string, error) {
	if len(candidates) == 0 {
		return "", models.Errorf(models.Invalid, "The bundle holds no JSON or YAML document.")
	}
	sort.Strings(candidates)
	depth := func(p string) int { return strings.Count(p, "/") }
	var named []string
	for _, p := range candidates {
		base := strings.ToLower(strings.TrimSuffix(path.Base(p), path.Ext(p)))
		if base != "openapi" && base != "swagger" {
			continue
		}
		switch {
		case len(named) == 0 || depth(p) == depth(named[0]):
			named = append(named, p)
		case depth(p) < depth(named[0]):
			named = []string{p}
		}
	}
	if len(named) == 1 {
		return named[0], nil
	}
	if len(named) > 1 {
		return "", models.Errorf(models.Invalid, "The bundle holds several possible root documents (%s); name the root.", strings.Join(named, ", "))
	}
	var declaring []string
	for _, p := range candidates {
		data, err := read(p)
		if err != nil {
			var me *models.Error
			if errors.As(err, &me) && me.Kind == models.TooLarge {
				return "", models.Errorf(models.TooLarge, "The bundle is too large to look for its root document (limit %s); name the root.", formatBytes(lim.MaxBytes))
			}
			continue
		}
		tree, _, err := parseDocument(data, parseOptions{maxDepth: lim.MaxDepth})
		if err != nil {
			continue
		}
		if tree.get("openapi") != nil || tree.get("swagger") != nil {
			declaring = append(declaring, p)
		}
	}
	switch len(declaring) {
	case 1:
		return declaring[0], nil
	case 0:
		return "", models.Errorf(models.Invalid, "The bundle holds no OpenAPI document (no file declares openapi or swagger).")
	}
	return "", models.Errorf(models.Invalid, "The bundle holds several OpenAPI documents (%s); name the root.", strings.Join(declaring, ", "))
}
