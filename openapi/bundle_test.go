package openapi

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

func filePaths(b Bundle) []string {
	var out []string
	for _, f := range b.Files {
		out = append(out, f.Path)
	}
	slices.Sort(out)
	return out
}

// writeTree writes files (slash path → content) under a new temp directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(p)), c)
	}
	return dir
}

const tinyDoc = "openapi: 3.0.0\ninfo: {title: Tiny, version: 1}\npaths: {}\n"

func TestReadDirFindsTheRootAndOnlyReachableFiles(t *testing.T) {
	specs := specsDir(t)
	tests := []struct {
		name  string
		dir   string // a corpus directory, or "" to write files
		files map[string]string
		root  string
		want  Bundle
		err   string
	}{
		{name: "Swagger 2.0 split across files", dir: "oai-examples/v2.0/petstore-separate",
			want: Bundle{Root: "spec/swagger.yaml", Files: []models.SpecFile{{Path: "common/Error.yaml"}, {Path: "spec/NewPet.yaml"}, {Path: "spec/Pet.yaml"}, {Path: "spec/parameters.yaml"}, {Path: "spec/swagger.yaml"}}}},
		{name: "openapi.yaml at the top", dir: "oasdiff/ref-chain-example/base",
			want: Bundle{Root: "openapi.yaml", Files: []models.SpecFile{{Path: "openapi.yaml"}, {Path: "schemas/pet.yaml"}}}},
		{name: "unreferenced files are left out", files: map[string]string{
			"openapi.yaml": tinyDoc + "components:\n  schemas:\n    A: {$ref: 'a.yaml'}\n", "a.yaml": "type: string\n",
			"unused.yaml": "type: string\n", "README.md": "# hi\n", ".git/config.yaml": "x: 1\n"},
			want: Bundle{Root: "openapi.yaml", Files: []models.SpecFile{{Path: "a.yaml"}, {Path: "openapi.yaml"}}}},
		{name: "the one document declaring openapi", files: map[string]string{"api/payments.yaml": tinyDoc, "api/common.yaml": "type: string\n"},
			want: Bundle{Root: "api/payments.yaml", Files: []models.SpecFile{{Path: "api/payments.yaml"}}}},
		{name: "root named explicitly", files: map[string]string{"a.yaml": tinyDoc, "b.yaml": tinyDoc}, root: "./b.yaml",
			want: Bundle{Root: "b.yaml", Files: []models.SpecFile{{Path: "b.yaml"}}}},
		{name: "two candidate documents", files: map[string]string{"a.yaml": tinyDoc, "b.json": `{"swagger":"2.0"}`},
			err: "The bundle holds several OpenAPI documents (a.yaml, b.json); name the root."},
		{name: "two openapi files at the same depth", files: map[string]string{"x/openapi.yaml": tinyDoc, "y/openapi.json": "{}"},
			err: "The bundle holds several possible root documents (x/openapi.yaml, y/openapi.json); name the root."},
		{name: "no document", files: map[string]string{"README.md": "hi"}, err: "The bundle holds no JSON or YAML document."},
		{name: "root escaping the directory", files: map[string]string{"a.yaml": tinyDoc}, root: "../a.yaml",
			err: `The root document "../a.yaml" must be a relative path inside the directory.`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(specs, tc.dir)
			if tc.files != nil {
				dir = writeTree(t, tc.files)
			}
			b, err := ReadDir(dir, tc.root, DefaultLimits())
			if tc.err != "" {
				assertRefused(t, err, models.Invalid, tc.err, "", 0)
				return
			}
			if err != nil {
				t.Fatalf("%v %v", err, models.DetailsOf(err))
			}
			if b.Root != tc.want.Root || !reflect.DeepEqual(filePaths(b), filePaths(tc.want)) {
				t.Errorf("bundle %s %v, want %s %v", b.Root, filePaths(b), tc.want.Root, filePaths(tc.want))
			}
			for _, f := range b.Files {
				disk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
				if err != nil || !bytes.Equal(disk, f.Content) {
					t.Errorf("%s is not the file as on disk", f.Path)
				}
			}
		})
	}
}

// TestSwagger2SplitAcrossFiles checks the case kin-openapi's converter gets
// wrong on its own: a parameter defined in another file.
func TestSwagger2SplitAcrossFiles(t *testing.T) {
	b, err := ReadDir(filepath.Join(specsDir(t), "oai-examples/v2.0/petstore-separate"), "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	l, err := load(context.Background(), b, DefaultLimits())
	if err != nil {
		t.Fatalf("%v %v", err, models.DetailsOf(err))
	}
	op := l.doc.Paths.Find("/pets").Get
	var tags *struct{ typ, items string }
	for _, p := range op.Parameters {
		if p.Value.Name == "tags" && p.Value.Schema != nil {
			s := p.Value.Schema.Value
			tags = &struct{ typ, items string }{strings.Join(s.Type.Slice(), ","), strings.Join(s.Items.Value.Type.Slice(), ",")}
		}
	}
	if tags == nil || tags.typ != "array" || tags.items != "string" {
		t.Errorf("the tags parameter is %+v, want an array of strings", tags)
	}
	if got := l.doc.Components.Schemas["NewPet"].Value.AllOf[0].Ref; got != "#/components/schemas/Pet" {
		t.Errorf("NewPet's allOf refers to %q", got)
	}
	imp, err := PrepareImport(context.Background(), b, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc := string(imp.Document)
	for _, want := range []string{"swagger: \"2.0\"", "definitions:\n  Pet:", "  Error:", "  NewPet:", "parameters:\n  tagsParam:", "$ref: '#/parameters/tagsParam'", "$ref: '#/definitions/Error'"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the single-file document lacks %q", want)
		}
	}
	if strings.Contains(doc, ".yaml") {
		t.Errorf("the single-file document still refers to files:\n%s", doc)
	}
	// The single-file form imports on its own, to the same operations.
	again, err := PrepareImport(context.Background(), SingleFile("swagger.yaml", imp.Document), ImportOptions{})
	if err != nil {
		t.Fatalf("%v %v", err, models.DetailsOf(err))
	}
	if !reflect.DeepEqual(again.Operations, imp.Operations) {
		t.Errorf("operations differ: %v / %v", again.Operations, imp.Operations)
	}
	if imp.DocumentHash != BundleHash(b.Files) || again.DocumentHash == imp.DocumentHash {
		t.Errorf("hashes %s %s", imp.DocumentHash, again.DocumentHash)
	}
}

func TestBundlingKeepsNamesApartAndRefusesCycles(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    []string // in the single-file document
		refused string
	}{
		{
			name: "a component name already taken",
			files: map[string]string{
				"openapi.yaml":    strings.Replace(tinyDoc, "3.0.0", "3.1.0", 1) + "components:\n  schemas:\n    Pet: {type: string}\n    Owner:\n      type: object\n      properties:\n        pet: {$ref: 'models/Pet.yaml'}\n",
				"models/Pet.yaml": "type: object\nproperties:\n  self: {$ref: '#'}\n  tag: {$ref: '#/$defs/Tag'}\n$defs:\n  Tag: {type: string}\n",
			},
			want: []string{"    Pet:\n      type: string", "$ref: '#/components/schemas/Pet_2'", "    Pet_2:\n      type: object", "self:\n          $ref: '#/components/schemas/Pet_2'", "tag:\n          $ref: '#/components/schemas/Tag'", "    Tag:\n      type: string"},
		},
		{
			name: "a path item in another file, with refs back into the root",
			files: map[string]string{
				"openapi.yaml": "openapi: 3.0.0\ninfo: {title: T, version: 1}\npaths:\n  /a: {$ref: 'paths/a.yaml'}\ncomponents:\n  schemas:\n    A: {type: string}\n",
				"paths/a.yaml": "get:\n  responses:\n    '200':\n      description: ok\n      content:\n        application/json:\n          schema: {$ref: '../openapi.yaml#/components/schemas/A'}\n",
			},
			want: []string{"paths:\n  /a:\n    get:", "schema:\n                $ref: '#/components/schemas/A'"},
		},
		{
			name: "discriminator mappings to other files",
			files: map[string]string{
				"openapi.yaml": tinyDoc + "components:\n  schemas:\n    Pet:\n      oneOf: [{$ref: 'pets.yaml#/Dog'}, {$ref: 'pets.yaml#/Cat'}]\n      discriminator:\n        propertyName: kind\n        mapping: {dog: 'pets.yaml#/Dog', cat: 'pets.yaml#/Cat', bird: Bird}\n    Bird: {type: object}\n",
				"pets.yaml":    "Dog: {type: object, properties: {kind: {type: string}}}\nCat: {type: object, properties: {kind: {type: string}}}\n",
			},
			want: []string{"dog: '#/components/schemas/Dog'", "cat: '#/components/schemas/Cat'", "bird: Bird", "    Dog:\n      type: object"},
		},
		{
			name: "a path item that includes itself",
			files: map[string]string{
				"openapi.yaml": "openapi: 3.0.0\ninfo: {title: T, version: 1}\npaths:\n  /a: {$ref: 'a.yaml'}\n",
				"a.yaml":       "$ref: 'b.yaml'\n",
				"b.yaml":       "$ref: 'a.yaml'\n",
			},
			refused: `b.yaml:1: $ref "a.yaml" is circular: it includes itself`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadDir(writeTree(t, tc.files), "openapi.yaml", DefaultLimits())
			if err == nil {
				var imp models.VersionImport
				imp, err = PrepareImport(context.Background(), b, ImportOptions{})
				for _, w := range tc.want {
					if !strings.Contains(string(imp.Document), w) {
						t.Errorf("document lacks %q:\n%s", w, imp.Document)
					}
				}
			}
			if tc.refused != "" {
				assertRefused(t, err, models.Invalid, "The document cannot be read:", tc.refused, -1)
			} else if err != nil {
				t.Fatalf("%v %v", err, models.DetailsOf(err))
			}
		})
	}
}

type zipEntry struct {
	name    string
	content string
	mode    fs.FileMode
	flags   uint16
}

func makeZip(t *testing.T, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lyingZip holds one entry that declares 100 bytes but inflates to size.
func lyingZip(t *testing.T, size int) []byte {
	t.Helper()
	var deflated bytes.Buffer
	inner := zip.NewWriter(&deflated)
	w, err := inner.CreateHeader(&zip.FileHeader{Name: "x", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, size)
	if _, err := w.Write(zeros); err != nil {
		t.Fatal(err)
	}
	inner.Close()
	rz, _ := zip.NewReader(bytes.NewReader(deflated.Bytes()), int64(deflated.Len()))
	raw, _ := rz.File[0].OpenRaw()
	var compressed bytes.Buffer
	compressed.ReadFrom(raw)

	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	rw, err := zw.CreateRaw(&zip.FileHeader{Name: "openapi.yaml", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(zeros),
		CompressedSize64: uint64(compressed.Len()), UncompressedSize64: 100})
	if err != nil {
		t.Fatal(err)
	}
	rw.Write(compressed.Bytes())
	zw.Close()
	return out.Bytes()
}

func TestReadZip(t *testing.T) {
	sep := filepath.Join(specsDir(t), "oai-examples/v2.0/petstore-separate")
	var petstore []zipEntry
	for _, p := range []string{"spec/swagger.yaml", "spec/parameters.yaml", "spec/Pet.yaml", "spec/NewPet.yaml", "common/Error.yaml"} {
		data, err := os.ReadFile(filepath.Join(sep, p))
		if err != nil {
			t.Fatal(err)
		}
		petstore = append(petstore, zipEntry{name: "petstore/" + p, content: string(data)})
	}
	petstore = append(petstore, zipEntry{name: "petstore/", mode: fs.ModeDir | 0o755}, zipEntry{name: "petstore/README.md", content: "# Petstore"})
	big := strings.Repeat("x", 2<<20)
	tests := []struct {
		name    string
		zip     []byte
		lim     Limits
		root    string
		files   int
		kind    models.Kind
		refused string
	}{
		{name: "a bundle in a folder", zip: makeZip(t, petstore), files: 5, root: "petstore/spec/swagger.yaml"},
		{name: "more files than allowed", zip: makeZip(t, petstore), lim: Limits{MaxFiles: 3}, kind: models.TooLarge,
			refused: "The bundle references more than 3 files; the limit is 3."},
		{name: "an entry climbing out", zip: makeZip(t, []zipEntry{{name: "openapi.yaml", content: tinyDoc}, {name: "../evil.yaml", content: "x: 1"}}), kind: models.Invalid,
			refused: `The zip holds an entry with a name that is not allowed: "../evil.yaml"`},
		{name: "an absolute entry", zip: makeZip(t, []zipEntry{{name: "/etc/passwd", content: "root"}}), kind: models.Invalid,
			refused: `The zip holds an entry with a name that is not allowed: "/etc/passwd"`},
		{name: "a backslash entry", zip: makeZip(t, []zipEntry{{name: `..\evil.yaml`, content: "x: 1"}}), kind: models.Invalid,
			refused: `The zip holds an entry with a name that is not allowed: "..\\evil.yaml"`},
		{name: "a symbolic link", zip: makeZip(t, []zipEntry{{name: "openapi.yaml", content: "/etc/passwd", mode: fs.ModeSymlink | 0o777}}), kind: models.Invalid,
			refused: "The zip holds a symbolic link, openapi.yaml; links are not allowed in a bundle."},
		{name: "an encrypted entry", zip: makeZip(t, []zipEntry{{name: "openapi.yaml", content: tinyDoc, flags: 1}}), kind: models.Invalid,
			refused: "The zip entry openapi.yaml is encrypted."},
		{name: "declared larger than the limit", zip: makeZip(t, []zipEntry{{name: "openapi.yaml", content: big}}), lim: Limits{MaxBytes: 1 << 20}, kind: models.TooLarge,
			refused: "The document is 2 MiB; the limit is 1 MiB."},
		{name: "inflating beyond its declared size", zip: lyingZip(t, 16<<20), kind: models.Invalid,
			refused: "The zip entry openapi.yaml cannot be read: it is damaged."},
		{name: "not a zip", zip: []byte("PK but not really"), kind: models.Invalid, refused: "The upload is not a readable zip file."},
		{name: "far too many entries", zip: makeZip(t, petstore), lim: Limits{MaxFiles: 1}, kind: models.TooLarge, refused: "The zip holds 7 entries; the limit is 4."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadZip(tc.zip, "", tc.lim)
			if tc.refused != "" {
				assertRefused(t, err, tc.kind, tc.refused, "", 0)
				return
			}
			if err != nil {
				t.Fatalf("%v %v", err, models.DetailsOf(err))
			}
			if b.Root != tc.root || len(b.Files) != tc.files {
				t.Errorf("root %q, files %v", b.Root, filePaths(b))
			}
			if _, err := PrepareImport(context.Background(), b, ImportOptions{}); err != nil {
				t.Errorf("%v %v", err, models.DetailsOf(err))
			}
		})
	}
}

func TestReadDirRefusesHugeDirectories(t *testing.T) {
	files := map[string]string{}
	for i := range 9 {
		files[fmt.Sprintf("d/f%d.yaml", i)] = "a: 1\n"
	}
	_, err := ReadDir(writeTree(t, files), "", Limits{MaxFiles: 2})
	assertRefused(t, err, models.TooLarge, "holds more than 8 JSON or YAML files; name the root document.", "", 0)
}

func TestReadFileBundleDirectory(t *testing.T) {
	sep := filepath.Join(specsDir(t), "oai-examples/v2.0/petstore-separate")
	root := filepath.Join(sep, "spec/swagger.yaml")
	b, err := ReadFile(root, sep, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if b.Root != "spec/swagger.yaml" || len(b.Files) != 5 {
		t.Errorf("bundle %s %v", b.Root, filePaths(b))
	}
	// Without the bundle directory, ../common/Error.yaml is outside.
	_, err = ReadFile(root, "", DefaultLimits())
	assertRefused(t, err, models.Invalid, "The document cannot be read: 4 problems",
		`swagger.yaml:44 #/paths/~1pets/get/responses/default/schema: $ref "../common/Error.yaml": it points outside the uploaded bundle`, 4)
	_, err = ReadFile(root, filepath.Join(sep, "common"), DefaultLimits())
	assertRefused(t, err, models.Invalid, "is not inside the bundle directory", "", 0)
	_, err = ReadFile(filepath.Join(sep, "nope.yaml"), "", DefaultLimits())
	assertRefused(t, err, models.Invalid, "The root document nope.yaml does not exist in the bundle.", "", 0)
}

func TestPrepareImportChecksTheBundle(t *testing.T) {
	doc := []byte(tinyDoc)
	tests := []struct {
		name    string
		b       Bundle
		lim     Limits
		kind    models.Kind
		refused string
	}{
		{"no files", Bundle{}, Limits{}, models.Invalid, "The upload holds no document."},
		{"too many files", Bundle{Root: "a.yaml", Files: []models.SpecFile{{Path: "a.yaml", Content: doc}, {Path: "b.yaml", Content: doc}}}, Limits{MaxFiles: 1}, models.TooLarge,
			"The bundle has 2 files; the limit is 1."},
		{"a path climbing out", Bundle{Root: "a.yaml", Files: []models.SpecFile{{Path: "a.yaml", Content: doc}, {Path: "../b.yaml", Content: doc}}}, Limits{}, models.Invalid,
			`a path that is not allowed: "../b.yaml"`},
		{"the same file twice", Bundle{Root: "a.yaml", Files: []models.SpecFile{{Path: "a.yaml", Content: doc}, {Path: "./a.yaml", Content: doc}}}, Limits{}, models.Invalid,
			"The bundle holds a.yaml twice."},
		{"root missing", Bundle{Root: "c.yaml", Files: []models.SpecFile{{Path: "a.yaml", Content: doc}, {Path: "b.yaml", Content: doc}}}, Limits{}, models.Invalid,
			"The root document c.yaml is not in the bundle."},
		{"root not named", Bundle{Files: []models.SpecFile{{Path: "a.yaml", Content: doc}, {Path: "b.yaml", Content: doc}}}, Limits{}, models.Invalid,
			"The bundle has 2 files; name the root document."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prepare(t, tc.b, ImportOptions{Limits: tc.lim})
			assertRefused(t, err, tc.kind, tc.refused, "", 0)
		})
	}
}
