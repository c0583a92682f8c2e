package openapi

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/portico/portico/models"
)

// maxDetails bounds the located problems listed in one refusal.
const maxDetails = 100

// problem is one located reason to refuse a document.
type problem struct {
	file    string
	line    int
	pointer string
	msg     string
}

func (p problem) String() string {
	var b strings.Builder
	b.WriteString(p.file)
	if p.line > 0 {
		if p.file == "" {
			b.WriteString("line ")
		} else {
			b.WriteString(":")
		}
		b.WriteString(strconv.Itoa(p.line))
	}
	if p.pointer != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("#")
		b.WriteString(p.pointer)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.msg)
	return b.String()
}

// refusal turns problems into the Invalid error users see: a summary and one
// detail per problem.
func refusal(summary string, probs []problem) error {
	details := make([]string, 0, min(len(probs), maxDetails+1))
	for i, p := range probs {
		if i == maxDetails {
			details = append(details, fmt.Sprintf("… and %d more problems", len(probs)-maxDetails))
			break
		}
		details = append(details, p.String())
	}
	msg := summary
	if len(probs) == 1 {
		msg = summary + " " + details[0]
	} else if len(probs) > 1 {
		msg = fmt.Sprintf("%s %d problems, the first: %s", summary, len(probs), details[0])
	}
	return &models.Error{Kind: models.Invalid, Message: msg, Details: details}
}

// errNotInBundle is returned by a fileSet reader for a file the bundle lacks.
var errNotInBundle = errors.New("not in bundle")

// fileSet parses the files of a bundle on demand, so that only files that
// are actually referenced are read.
type fileSet struct {
	read  func(path string) ([]byte, error) // errNotInBundle, a *models.Error (TooLarge), or another error
	opt   parseOptions
	paths []string
	data  [][]byte
	trees []*node // nil when the file could not be parsed
	fmts  []string
	index map[string]int32
	probs []problem
	fatal error                    // stops everything: a limit was exceeded
	keys  map[*node]map[string]int // member index of large objects that references point into
}

func newFileSet(read func(string) ([]byte, error), lim Limits) *fileSet {
	return &fileSet{read: read, opt: parseOptions{maxDepth: lim.MaxDepth}, index: make(map[string]int32)}
}

func (fs *fileSet) problem(file int32, line int32, pointer, msg string) {
	fs.probs = append(fs.probs, problem{file: fs.paths[file], line: int(line), pointer: pointer, msg: msg})
}

// open returns the index of the parsed file p. ok is false when the file is
// missing or cannot be parsed (the parse problem is recorded once).
func (fs *fileSet) open(p string) (idx int32, found, ok bool) {
	if i, seen := fs.index[p]; seen {
		return i, true, fs.trees[i] != nil
	}
	if fs.fatal != nil {
		return 0, false, false
	}
	data, err := fs.read(p)
	if err != nil {
		if !errors.Is(err, errNotInBundle) {
			fs.fatal = err
		}
		return 0, false, false
	}
	i := int32(len(fs.paths))
	fs.index[p] = i
	fs.paths = append(fs.paths, p)
	fs.data = append(fs.data, data)
	opt := fs.opt
	opt.file = i
	tree, format, err := parseDocument(data, opt)
	fs.trees = append(fs.trees, tree)
	fs.fmts = append(fs.fmts, format)
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			fs.probs = append(fs.probs, problem{file: p, line: pe.line, msg: pe.msg})
		} else {
			fs.probs = append(fs.probs, problem{file: p, msg: "the file cannot be parsed"})
		}
		return i, true, false
	}
	return i, true, true
}

// seg is one step of the path from a file's root to the value being walked;
// pointers are only rendered when a problem needs one.
type seg struct {
	parent *seg
	key    string
	idx    int // -1 for object keys
}

func (s *seg) pointer() string { return joinPointer(s.tokens()) }

func segsOf(pointer string) *seg {
	var s *seg
	for _, t := range splitPointer(pointer) {
		s = &seg{parent: s, key: t, idx: -1}
	}
	return s
}

// child returns the value under one pointer token. Large objects (a
// components map with thousands of schemas) get an index, so that resolving
// many references stays linear.
func (fs *fileSet) child(n *node, tok string) *node {
	if n.kind != kObject || len(n.members) < 32 {
		next, _ := step(n, tok)
		return next
	}
	idx, ok := fs.keys[n]
	if !ok {
		if fs.keys == nil {
			fs.keys = make(map[*node]map[string]int)
		}
		idx = make(map[string]int, len(n.members))
		for i, m := range n.members {
			idx[m.key] = i
		}
		fs.keys[n] = idx
	}
	if i, ok := idx[tok]; ok {
		return n.members[i].val
	}
	return nil
}

// maxRefHops bounds how many $refs a pointer may pass through.
const maxRefHops = 64

// resolve walks pointer in file, following $refs met on the way (a pointer
// into a value that is itself a reference). It returns the value and its
// file, or a message saying where it fails.
func (fs *fileSet) resolve(file int32, pointer string) (*node, int32, string) {
	n := fs.trees[file]
	toks := splitPointer(pointer)
	hops := 0
	for i := 0; i < len(toks); i++ {
		next := fs.child(n, toks[i])
		if next == nil {
			refNode := n.get("$ref")
			ref, isRef := refNode.str()
			if !isRef || n.member(toks[i]) != nil {
				return nil, 0, fmt.Sprintf("nothing at %s in %s", joinPointer(toks[:i+1]), fs.paths[file])
			}
			if hops++; hops > maxRefHops {
				return nil, 0, "too many nested $refs"
			}
			tpath, tptr, msg := resolveRef(fs.paths[file], ref)
			if msg != "" {
				return nil, 0, fmt.Sprintf("the $ref %q it passes through: %s", ref, msg)
			}
			tf, found, ok := fs.open(tpath)
			if !found {
				return nil, 0, fmt.Sprintf("file %s is not in the bundle", tpath)
			}
			if !ok {
				return nil, 0, fmt.Sprintf("file %s cannot be parsed", tpath)
			}
			target, tfile, msg := fs.resolve(tf, tptr)
			if msg != "" {
				return nil, 0, msg
			}
			n, file = target, tfile
			i-- // retry the token on the referenced value
			continue
		}
		n = next
	}
	return n, file, ""
}

// placeKey identifies a referenced value turned into a component.
type placeKey struct {
	file    int32
	pointer string
	bucket  string
}

type placement struct {
	key    placeKey
	name   string
	target *node
	c      ctx
}

// bundler turns the root document and the files it references into one
// self-contained document: references to values in other files become
// components of the root (schemas, parameters, responses, ...) and other
// references (path items, values where OpenAPI defines no $ref) are
// inlined. References within the root stay as written. It never reads a file
// outside the bundle: every reference is checked by its text first.
type bundler struct {
	fs       *fileSet
	root     int32
	v2       bool
	placed   map[placeKey]string // → pointer of the component in the result
	insitu   map[placeKey]bool   // components of the root that are themselves a $ref to another file
	names    map[string]map[string]bool
	queue    []placement
	inlining map[placeKey]bool
}

// bundle returns the self-contained form of the root document. Problems
// are recorded in the file set.
func (b *bundler) bundle() *node {
	b.placed = make(map[placeKey]string)
	b.insitu = make(map[placeKey]bool)
	b.names = make(map[string]map[string]bool)
	b.inlining = make(map[placeKey]bool)
	root := b.fs.trees[b.root]
	// Components of the root that are only a $ref to another file take that
	// file's content in place, so they keep their names.
	for bk := range bucketContexts(b.v2) {
		names := make(map[string]bool)
		b.names[bk] = names
		holder := lookupPath(root, bk)
		if holder == nil || holder.kind != kObject {
			continue
		}
		for _, m := range holder.members {
			names[m.key] = true
			ref, ok := m.val.get("$ref").str()
			if !ok || len(m.val.members) != 1 {
				continue
			}
			tpath, tptr, msg := resolveRef(b.fs.paths[b.root], ref)
			if msg != "" || tpath == b.fs.paths[b.root] {
				continue
			}
			tf, _, ok := b.fs.open(tpath)
			if !ok {
				continue
			}
			key := placeKey{file: tf, pointer: tptr, bucket: bk}
			if _, dup := b.placed[key]; !dup {
				b.placed[key] = "/" + bk + "/" + escapePointer(m.key)
				b.insitu[key] = true
			}
		}
	}
	out := b.transform(root, cDoc, b.root, nil)
	var added map[string][]member
	for i := 0; i < len(b.queue); i++ {
		p := b.queue[i]
		content := b.transform(p.target, p.c, p.key.file, segsOf(p.key.pointer))
		if added == nil {
			added = make(map[string][]member)
		}
		added[p.key.bucket] = append(added[p.key.bucket], member{key: p.name, line: content.line, val: content})
	}
	if len(added) > 0 && out != nil && out.kind == kObject {
		out = appendComponents(out, added)
	}
	return out
}

// lookupPath returns the value at a slash path of plain keys ("components/schemas").
func lookupPath(n *node, p string) *node {
	for _, k := range strings.Split(p, "/") {
		n = n.get(k)
	}
	return n
}

// appendComponents returns a copy of doc with members added to the buckets.
func appendComponents(doc *node, added map[string][]member) *node {
	keys := make([]string, 0, len(added))
	for k := range added {
		keys = append(keys, k)
	}
	// Deterministic order: the order of bucketContexts is random, so sort.
	sortStrings(keys)
	for _, bk := range keys {
		doc = withPath(doc, strings.Split(bk, "/"), added[bk])
	}
	return doc
}

// withPath returns a copy of obj whose object at keys has ms appended,
// creating the objects on the way.
func withPath(obj *node, keys []string, ms []member) *node {
	cp := &node{kind: kObject, file: obj.file, line: obj.line, members: append([]member(nil), obj.members...)}
	if len(keys) == 0 {
		cp.members = append(cp.members, ms...)
		return cp
	}
	for i := range cp.members {
		if cp.members[i].key == keys[0] && cp.members[i].val.kind == kObject {
			cp.members[i].val = withPath(cp.members[i].val, keys[1:], ms)
			return cp
		}
	}
	empty := &node{kind: kObject, file: obj.file, line: obj.line}
	cp.members = append(cp.members, member{key: keys[0], line: obj.line, val: withPath(empty, keys[1:], ms)})
	return cp
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// transform returns n with its references rewritten, or n itself when
// nothing below it changes.
func (b *bundler) transform(n *node, c ctx, file int32, at *seg) *node {
	if n == nil || c == cData || b.fs.fatal != nil {
		return n
	}
	if want := wantKind(c); want != kNull && n.kind != want && !(c == cSchema && n.kind == kBool) {
		b.fs.problem(file, n.line, at.pointer(), fmt.Sprintf("must be %s, not %s", want, n.kind))
		return n
	}
	if c == cMapping && n.kind == kObject {
		return b.mapping(n, file, at)
	}
	switch n.kind {
	case kObject:
		if m := n.member("$ref"); m != nil {
			return b.ref(n, m, c, file, at)
		}
		var out []member
		named := namedFields(c)
		for i := range n.members {
			m := &n.members[i]
			if named && c != cOther { // cOther also holds maps: scopes, server variables, ...
				if canon, ok := fieldNames[strings.ToLower(m.key)]; ok && canon != m.key {
					// kin-openapi would read "Paths" or "$REF" as "paths" or "$ref".
					b.fs.problem(file, m.line, (&seg{parent: at, key: m.key, idx: -1}).pointer(), fmt.Sprintf("unknown field %q (did you mean %q?)", m.key, canon))
					continue
				}
			}
			nv := b.transform(m.val, child(c, m.key, b.v2), file, &seg{parent: at, key: m.key, idx: -1})
			if named && (nv.kind == kNumber || nv.kind == kBool) && stringFields[m.key] {
				// `version: 1.0` in YAML is a number; OpenAPI means the text.
				nv = &node{kind: kString, text: nv.text, file: nv.file, line: nv.line}
			}
			if nv != m.val {
				if out == nil {
					out = append([]member(nil), n.members...)
				}
				out[i].val = nv
			}
		}
		if out != nil {
			return &node{kind: kObject, members: out, file: n.file, line: n.line}
		}
	case kArray:
		ec := elem(c)
		if ec == cData {
			return n
		}
		var out []*node
		for i, it := range n.items {
			nv := b.transform(it, ec, file, &seg{parent: at, idx: i})
			if nv != it {
				if out == nil {
					out = append([]*node(nil), n.items...)
				}
				out[i] = nv
			}
		}
		if out != nil {
			return &node{kind: kArray, items: out, file: n.file, line: n.line}
		}
	}
	return n
}

// ref handles the object n holding a $ref in context c.
func (b *bundler) ref(n *node, m *member, c ctx, file int32, at *seg) *node {
	fail := func(format string, args ...any) *node {
		b.fs.problem(file, m.line, at.pointer(), fmt.Sprintf(format, args...))
		return n
	}
	ref, ok := m.val.str()
	if !ok {
		return fail("$ref must be a string, not %s", m.val.kind)
	}
	tpath, tptr, msg := resolveRef(b.fs.paths[file], ref)
	if msg != "" {
		return fail("$ref %q: %s", ref, msg)
	}
	tf, found, ok := b.fs.open(tpath)
	if !found {
		if b.fs.fatal != nil {
			return n
		}
		return fail("$ref %q: file %s is not in the bundle", ref, tpath)
	}
	if !ok {
		return n // the parse problem is already recorded
	}
	target, tfile, msg := b.fs.resolve(tf, tptr)
	if msg != "" {
		return fail("$ref %q does not resolve: %s", ref, msg)
	}
	if want := wantKind(c); want != kNull && target.kind != want && target.get("$ref") == nil && !(c == cSchema && target.kind == kBool) {
		return fail("$ref %q must point to %s, but points to %s", ref, want, target.kind)
	}
	bk := bucket(c, b.v2)
	if bk != "" && tf == b.root {
		// A value of the root: keep (or make) it an internal reference.
		if file == b.root && strings.HasPrefix(ref, "#") {
			return n
		}
		return withRef(n, "#"+tptr)
	}
	if bk == "" {
		key := placeKey{file: tf, pointer: tptr}
		if b.inlining[key] {
			return fail("$ref %q is circular: it includes itself", ref)
		}
		b.inlining[key] = true
		defer delete(b.inlining, key)
		return b.transform(target, c, tfile, segsOf(tptr))
	}
	key := placeKey{file: tf, pointer: tptr, bucket: bk}
	loc, ok := b.placed[key]
	if !ok {
		loc = b.place(key, target, c)
	}
	if b.insitu[key] && file == b.root && at.pointer() == loc {
		return b.transform(target, c, tfile, segsOf(tptr))
	}
	return withRef(n, "#"+loc)
}

// mapping rewrites the references among a discriminator's mapping values
// (plain schema names stay): they are strings, not $ref objects, but point
// at schemas like them.
func (b *bundler) mapping(n *node, file int32, at *seg) *node {
	var out []member
	for i, m := range n.members {
		ref, ok := m.val.str()
		if !ok || !strings.ContainsAny(ref, "/#") || (file == b.root && strings.HasPrefix(ref, "#")) {
			continue
		}
		refMember := member{key: "$ref", line: m.line, val: m.val}
		obj := &node{kind: kObject, file: n.file, line: m.line, members: []member{refMember}}
		res := b.ref(obj, &obj.members[0], cSchema, file, &seg{parent: at, key: m.key, idx: -1})
		if res == obj {
			continue
		}
		if out == nil {
			out = append([]member(nil), n.members...)
		}
		out[i].val = res.get("$ref")
	}
	if out == nil {
		return n
	}
	return &node{kind: kObject, file: n.file, line: n.line, members: out}
}

// stringFields are the fields OpenAPI defines as strings that YAML authors
// often leave unquoted (version: 1.0, title: 2048).
var stringFields = map[string]bool{
	"version": true, "title": true, "description": true, "summary": true, "operationId": true,
	"name": true, "url": true, "termsOfService": true, "email": true, "identifier": true,
	"format": true, "pattern": true, "host": true, "basePath": true, "tokenUrl": true,
	"authorizationUrl": true, "refreshUrl": true, "bearerFormat": true, "openIdConnectUrl": true,
	"externalValue": true, "operationRef": true, "propertyName": true,
}

// fieldNames maps the lower-case form of every field name OpenAPI (2.0 to
// 3.1) and its JSON Schema dialects define to its proper spelling.
var fieldNames = func() map[string]string {
	m := make(map[string]string)
	for _, f := range strings.Fields(`openapi swagger info servers paths webhooks components security tags
		externalDocs jsonSchemaDialect host basePath schemes consumes produces definitions parameters
		responses securityDefinitions title summary description termsOfService contact license version
		name url email identifier variables enum default get put post delete options head patch trace
		$ref operationId requestBody callbacks deprecated in required allowEmptyValue style explode
		allowReserved schema example examples content encoding headers links value externalValue
		operationRef server type format items collectionFormat maximum exclusiveMaximum minimum
		exclusiveMinimum maxLength minLength pattern maxItems minItems uniqueItems multipleOf properties
		additionalProperties allOf oneOf anyOf not discriminator readOnly writeOnly xml nullable
		maxProperties minProperties propertyName mapping flows flow authorizationUrl tokenUrl refreshUrl
		scopes scheme bearerFormat openIdConnectUrl implicit password clientCredentials authorizationCode
		schemas requestBodies securitySchemes pathItems contentType namespace prefix attribute wrapped
		const prefixItems contains patternProperties dependentSchemas propertyNames if then else
		unevaluatedItems unevaluatedProperties $defs $id $schema $anchor $comment contentEncoding
		contentMediaType contentSchema minContains maxContains dependentRequired additionalItems itemSchema`) {
		m[strings.ToLower(f)] = f
	}
	return m
}()

// namedFields reports whether the members of an object in context c are
// fields of an OpenAPI object (rather than names of paths, properties, ...).
func namedFields(c ctx) bool {
	switch c {
	case cDoc, cOther, cComponents, cPathItem, cOperation, cParam, cHeader, cRequestBody,
		cResponse, cMedia, cEncoding, cSchema, cExample, cSecScheme:
		return true
	}
	return false
}

// withRef returns a copy of the $ref object n pointing at ref; siblings of
// $ref are kept.
func withRef(n *node, ref string) *node {
	cp := &node{kind: kObject, file: n.file, line: n.line, members: append([]member(nil), n.members...)}
	for i := range cp.members {
		if cp.members[i].key == "$ref" {
			old := cp.members[i].val
			cp.members[i].val = &node{kind: kString, text: ref, file: old.file, line: old.line}
		}
	}
	return cp
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// place reserves a component name for a value of another file and queues
// its content; it returns the component's pointer.
func (b *bundler) place(key placeKey, target *node, c ctx) string {
	name := ""
	if toks := splitPointer(key.pointer); len(toks) > 0 {
		name = toks[len(toks)-1]
	} else {
		base := path.Base(b.fs.paths[key.file])
		name = strings.TrimSuffix(base, path.Ext(base))
	}
	name = strings.Trim(unsafeName.ReplaceAllString(name, "_"), "_")
	if name == "" {
		name = "Component"
	}
	used := b.names[key.bucket]
	unique := name
	for i := 2; used[unique]; i++ {
		unique = name + "_" + strconv.Itoa(i)
	}
	used[unique] = true
	loc := "/" + key.bucket + "/" + escapePointer(unique)
	b.placed[key] = loc
	b.queue = append(b.queue, placement{key: key, name: unique, target: target, c: c})
	return loc
}
