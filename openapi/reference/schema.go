package reference

import (
	"bytes"
	"cmp"
	"encoding/json"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/models"
)

// maxDepth bounds the nesting of one tree. Documents nested deeper than
// this (inline, without $ref) show a truncated node there.
const maxDepth = 12

// walk is the state of one descent into a schema tree.
type walk struct {
	stack []*openapi3.Schema // schemas being expanded, outermost first
	names []string           // their names, where named
	depth int
	// expand says whether a named schema at this position is expanded in
	// place. Only the top of a tree (and positions that merely wrap it: the
	// items of a top-level array, the single member of an allOf/anyOf/oneOf,
	// the variants of a oneOf/anyOf at the top of a body) expands
	// named schemas; deeper ones link to their definition, except leaves
	// (enums, strings with a pattern, ...), which are shown in place.
	expand bool
}

func (w walk) onStack(s *openapi3.Schema, name string) bool {
	for i, x := range w.stack {
		if x == s || (name != "" && w.names[i] == name) {
			return true
		}
	}
	return false
}

func (w walk) push(s *openapi3.Schema, name string) walk {
	return walk{
		stack:  append(w.stack[:len(w.stack):len(w.stack)], s),
		names:  append(w.names[:len(w.names):len(w.names)], name),
		depth:  w.depth + 1,
		expand: false,
	}
}

// tree returns the schema tree shown for a body or parameter.
func (b *builder) tree(sr *openapi3.SchemaRef) *models.RefSchema {
	return b.node(sr, walk{expand: true})
}

// rootTree returns the definition of a named schema, expanded one level.
// Definitions are shared between the Schemas section and every body that
// refers to the schema directly.
func (b *builder) rootTree(s *openapi3.Schema, name string) *models.RefSchema {
	if t, ok := b.rootTrees[s]; ok {
		return t
	}
	t := b.expand(s, name, walk{expand: true})
	b.rootTrees[s] = t
	return t
}

func (b *builder) node(sr *openapi3.SchemaRef, w walk) *models.RefSchema {
	if sr == nil || sr.Value == nil {
		return &models.RefSchema{}
	}
	s := sr.Value
	name := b.nameOf(sr)
	if w.onStack(s, name) {
		n := &models.RefSchema{Ref: name, Cycle: true}
		b.fill(n, s)
		n.DescriptionHTML = ""
		return n
	}
	if name != "" {
		if w.expand && len(w.stack) == 0 {
			return b.rootTree(s, name)
		}
		if !w.expand && !isLeafSchema(s) {
			n := &models.RefSchema{Ref: name, Collapsed: true}
			b.fill(n, s)
			n.Enum, n.Constraints = nil, nil
			return n
		}
	}
	if w.depth >= maxDepth {
		n := &models.RefSchema{Ref: name, Truncated: true}
		b.fill(n, s)
		return n
	}
	return b.expand(s, name, w)
}

// expand describes s with its children.
func (b *builder) expand(s *openapi3.Schema, name string, w walk) *models.RefSchema {
	if inner := singleMember(s); inner != nil {
		// anyOf: [$ref: X] with a description or nullable next to it is how
		// 3.0 documents annotate a reference; show X with the annotations.
		iw := w.push(s, name)
		iw.expand = w.expand
		c := *b.node(inner, iw)
		overlay(&c, s, b)
		if c.Ref == "" {
			c.Ref = name
		}
		return &c
	}

	n := &models.RefSchema{Ref: name}
	cw := w.push(s, name)
	if len(s.AllOf) > 0 {
		if m, order, extends, ok := b.mergeAllOf(s, cw); ok {
			b.fill(n, m)
			n.Extends = extends
			b.children(n, m, order, cw, w)
			return n
		}
		b.fill(n, s)
		n.Composition = "allOf"
		for _, v := range s.AllOf {
			n.Variants = append(n.Variants, b.node(v, cw))
		}
		b.children(n, s, b.propOrder(s), cw, w)
		return n
	}
	b.fill(n, s)
	b.children(n, s, b.propOrder(s), cw, w)
	return n
}

// children adds properties, items, additional properties and variants of s
// to n. cw is the walk for children, w the walk of n itself.
func (b *builder) children(n *models.RefSchema, s *openapi3.Schema, order []string, cw, w walk) {
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	for _, p := range order {
		n.Properties = append(n.Properties, models.RefProperty{
			Name:     p,
			Required: required[p],
			Schema:   b.node(s.Properties[p], cw),
		})
	}
	if s.Items != nil {
		iw := cw
		iw.expand = w.expand // an array of X at the top shows X
		n.Items = b.node(s.Items, iw)
	}
	if ap := s.AdditionalProperties; ap.Schema != nil {
		n.AdditionalProperties = b.node(ap.Schema, cw)
	} else if ap.Has != nil && *ap.Has {
		n.AdditionalProperties = &models.RefSchema{}
	}
	vw := cw
	vw.expand = w.expand && len(w.stack) == 0 // variants of a oneOf at the top of a body
	switch {
	case len(s.OneOf) > 0:
		n.Composition = "oneOf"
		for _, v := range s.OneOf {
			n.Variants = append(n.Variants, b.node(v, vw))
		}
	case len(s.AnyOf) > 0:
		n.Composition = "anyOf"
		for _, v := range s.AnyOf {
			n.Variants = append(n.Variants, b.node(v, vw))
		}
	case s.Not != nil && n.Composition == "":
		n.Composition = "not"
		n.Variants = []*models.RefSchema{b.node(s.Not, cw)}
	}
	if d := s.Discriminator; d != nil && d.PropertyName != "" {
		rd := &models.RefDiscriminator{PropertyName: d.PropertyName}
		for _, k := range sortedKeys(d.Mapping) {
			rd.Mapping = append(rd.Mapping, models.RefKV{Key: k, Value: b.nameForRef(d.Mapping[k].Ref)})
		}
		if len(rd.Mapping) == 0 {
			for _, v := range slices.Concat(s.OneOf, s.AnyOf) {
				if nm := b.nameOf(v); nm != "" {
					rd.Mapping = append(rd.Mapping, models.RefKV{Key: nm, Value: nm})
				}
			}
		}
		n.Discriminator = rd
	}
}

// singleMember returns the only member of a composition that wraps one
// schema and adds nothing structural itself.
func singleMember(s *openapi3.Schema) *openapi3.SchemaRef {
	if len(s.Properties) > 0 || s.Items != nil || s.AdditionalProperties.Schema != nil || s.Not != nil || s.Discriminator != nil {
		return nil
	}
	if t := nonNullTypes(s); len(t) > 0 && !(len(t) == 1 && t[0] == "object") {
		return nil
	}
	switch {
	case len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) != 1:
		return nil
	case len(s.AllOf) == 1:
		return s.AllOf[0]
	case len(s.AnyOf) == 1:
		return s.AnyOf[0]
	default:
		return s.OneOf[0]
	}
}

// overlay applies what a wrapping schema says about its single member.
func overlay(n *models.RefSchema, s *openapi3.Schema, b *builder) {
	if s.Description != "" {
		n.DescriptionHTML = b.markdown(s.Description)
	}
	if s.Title != "" {
		n.Title = s.Title
	}
	if s.Nullable || s.Type.Includes(openapi3.TypeNull) {
		n.Nullable = true
	}
	n.ReadOnly = n.ReadOnly || s.ReadOnly
	n.WriteOnly = n.WriteOnly || s.WriteOnly
	n.Deprecated = n.Deprecated || s.Deprecated
	if s.Default != nil {
		n.Default = jsonText(s.Default)
	}
	if s.Example != nil {
		n.Example = shortExample(s.Example)
	}
}

// isLeafSchema reports whether s has nothing to expand, so showing it in
// place costs no more than a link.
func isLeafSchema(s *openapi3.Schema) bool {
	return len(s.Properties) == 0 && s.Items == nil && s.AdditionalProperties.Schema == nil &&
		len(s.AllOf) == 0 && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && s.Not == nil
}

// mergeAllOf merges the members of s.AllOf into one schema: properties in
// member order, then s's own; required lists joined; other keywords taken
// from s, else from the first member that has them. It fails when members
// disagree on the type, and the caller shows the members as variants.
func (b *builder) mergeAllOf(s *openapi3.Schema, w walk) (*openapi3.Schema, []string, []string, bool) {
	if w.depth > maxDepth {
		return nil, nil, nil, false // allOf nested this deep: show the members
	}
	m := *s
	m.AllOf = nil
	m.Properties = openapi3.Schemas{}
	m.Required = nil
	var order, extends []string
	seen := map[string]bool{}
	addProps := func(src *openapi3.Schema, names []string, override bool) {
		for _, p := range names {
			if !seen[p] {
				seen[p] = true
				order = append(order, p)
				m.Properties[p] = src.Properties[p]
			} else if override {
				m.Properties[p] = src.Properties[p]
			}
		}
		for _, r := range src.Required {
			if !slices.Contains(m.Required, r) {
				m.Required = append(m.Required, r)
			}
		}
	}
	for _, e := range s.AllOf {
		if e == nil || e.Value == nil {
			continue
		}
		ev := e.Value
		ename := b.nameOf(e)
		if w.onStack(ev, ename) {
			if ename != "" {
				extends = append(extends, ename)
			}
			continue // a member that includes s itself adds nothing new
		}
		if ename != "" {
			extends = append(extends, ename)
		}
		evOrder := b.propOrder(ev)
		if len(ev.AllOf) > 0 {
			inner, innerOrder, innerExt, ok := b.mergeAllOf(ev, w.push(ev, ename))
			if !ok {
				return nil, nil, nil, false
			}
			ev, evOrder = inner, innerOrder
			extends = append(extends, innerExt...)
		}
		if t := nonNullTypes(ev); len(t) > 0 {
			if mt := nonNullTypes(&m); len(mt) == 0 {
				m.Type = ev.Type
			} else if !slices.Equal(mt, t) {
				return nil, nil, nil, false
			}
		}
		addProps(ev, evOrder, false)
		if m.Items == nil {
			m.Items = ev.Items
		}
		if m.AdditionalProperties.Schema == nil && m.AdditionalProperties.Has == nil {
			m.AdditionalProperties = ev.AdditionalProperties
		}
		if len(m.OneOf) == 0 {
			m.OneOf = ev.OneOf
		}
		if len(m.AnyOf) == 0 {
			m.AnyOf = ev.AnyOf
		}
		if m.Not == nil {
			m.Not = ev.Not
		}
		if m.Discriminator == nil {
			m.Discriminator = ev.Discriminator
		}
		if m.Description == "" && ename == "" {
			m.Description = ev.Description
		}
		if m.Format == "" {
			m.Format = ev.Format
		}
		if len(m.Enum) == 0 {
			m.Enum = ev.Enum
		}
		m.ReadOnly = m.ReadOnly || ev.ReadOnly
		m.WriteOnly = m.WriteOnly || ev.WriteOnly
		m.Deprecated = m.Deprecated || ev.Deprecated
		mergeConstraints(&m, ev)
	}
	addProps(s, b.propOrder(s), true)
	if len(m.Properties) == 0 {
		m.Properties = nil
	}
	return &m, order, extends, true
}

func mergeConstraints(m, e *openapi3.Schema) {
	if m.Min == nil {
		m.Min, m.ExclusiveMin = e.Min, e.ExclusiveMin
	}
	if m.Max == nil {
		m.Max, m.ExclusiveMax = e.Max, e.ExclusiveMax
	}
	if m.MultipleOf == nil {
		m.MultipleOf = e.MultipleOf
	}
	if m.MinLength == 0 {
		m.MinLength = e.MinLength
	}
	if m.MaxLength == nil {
		m.MaxLength = e.MaxLength
	}
	if m.Pattern == "" {
		m.Pattern = e.Pattern
	}
	if m.MinItems == 0 {
		m.MinItems = e.MinItems
	}
	if m.MaxItems == nil {
		m.MaxItems = e.MaxItems
	}
	m.UniqueItems = m.UniqueItems || e.UniqueItems
}

// propOrder returns the property names of s in document order when known,
// else required properties first, each part sorted by name.
func (b *builder) propOrder(s *openapi3.Schema) []string {
	if len(s.Properties) == 0 {
		return nil
	}
	names := make([]string, 0, len(s.Properties))
	known := false
	for k, v := range s.Properties {
		names = append(names, k)
		if v != nil && refLine(v) > 0 {
			known = true
		}
	}
	if known {
		slices.SortFunc(names, func(x, y string) int {
			if c := cmp.Compare(propLine(s.Properties[x]), propLine(s.Properties[y])); c != 0 {
				return c
			}
			return strings.Compare(x, y)
		})
		return names
	}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	slices.SortFunc(names, func(x, y string) int {
		if req[x] != req[y] {
			if req[x] {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	return names
}

func propLine(sr *openapi3.SchemaRef) int {
	if sr == nil {
		return 0
	}
	return refLine(sr)
}

// fill sets the scalar facts of s on n.
func (b *builder) fill(n *models.RefSchema, s *openapi3.Schema) {
	n.Type = typeLabel(s)
	n.Format = s.Format
	n.Title = s.Title
	n.DescriptionHTML = b.markdown(s.Description)
	n.Nullable = s.Nullable || s.Type.Includes(openapi3.TypeNull)
	n.ReadOnly = s.ReadOnly
	n.WriteOnly = s.WriteOnly
	n.Deprecated = s.Deprecated
	n.Enum = nil
	for _, e := range s.Enum {
		n.Enum = append(n.Enum, jsonText(e))
	}
	if s.Const != nil {
		n.Const = jsonText(s.Const)
	}
	if s.Default != nil {
		n.Default = jsonText(s.Default)
	}
	if s.Example != nil {
		n.Example = shortExample(s.Example)
	} else if len(s.Examples) > 0 {
		n.Example = shortExample(s.Examples[0])
	}
	n.Constraints = constraints(s)
}

// shortExample returns a one-line example for a schema node, or "" when the
// example is a structure (those are shown with the body examples).
func shortExample(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		return ""
	}
	t := jsonText(v)
	if len(t) > 200 {
		return ""
	}
	return t
}

func nonNullTypes(s *openapi3.Schema) []string {
	t := s.Type.Slice()
	if !slices.Contains(t, openapi3.TypeNull) {
		return t
	}
	out := make([]string, 0, len(t))
	for _, x := range t {
		if x != openapi3.TypeNull {
			out = append(out, x)
		}
	}
	return out
}

// typeLabel is the display type of s, without "null" (see Nullable).
func typeLabel(s *openapi3.Schema) string {
	if t := nonNullTypes(s); len(t) > 0 {
		return strings.Join(t, " | ")
	}
	switch {
	case len(s.Properties) > 0 || s.AdditionalProperties.Schema != nil:
		return "object"
	case s.Items != nil:
		return "array"
	case s.Const != nil:
		return jsonKind(s.Const)
	case len(s.Enum) > 0:
		return jsonKind(s.Enum[0])
	}
	if s.Type.Is(openapi3.TypeNull) {
		return "null"
	}
	return ""
}

// jsonKind is the JSON type of a value from the document.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, float32, int, int64:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return ""
}

func constraints(s *openapi3.Schema) []string {
	var out []string
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	if s.Min != nil {
		if s.ExclusiveMin.IsTrue() {
			out = append(out, "> "+num(*s.Min))
		} else {
			out = append(out, "≥ "+num(*s.Min))
		}
	}
	if v := s.ExclusiveMin.Value; v != nil {
		out = append(out, "> "+num(*v))
	}
	if s.Max != nil {
		if s.ExclusiveMax.IsTrue() {
			out = append(out, "< "+num(*s.Max))
		} else {
			out = append(out, "≤ "+num(*s.Max))
		}
	}
	if v := s.ExclusiveMax.Value; v != nil {
		out = append(out, "< "+num(*v))
	}
	if s.MultipleOf != nil {
		out = append(out, "multiple of "+num(*s.MultipleOf))
	}
	out = appendRange(out, "length", s.MinLength, s.MaxLength)
	if s.Pattern != "" {
		out = append(out, "pattern "+s.Pattern)
	}
	out = appendRange(out, "items", s.MinItems, s.MaxItems)
	if s.UniqueItems {
		out = append(out, "unique items")
	}
	out = appendRange(out, "properties", s.MinProps, s.MaxProps)
	if ap := s.AdditionalProperties; ap.Has != nil && !*ap.Has {
		out = append(out, "no additional properties")
	}
	return out
}

func appendRange(out []string, what string, lo uint64, hi *uint64) []string {
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	switch {
	case hi != nil && lo == *hi:
		return append(out, what+" "+u(lo))
	case hi != nil && lo > 0:
		return append(out, what+" "+u(lo)+"–"+u(*hi))
	case hi != nil:
		return append(out, "max "+what+" "+u(*hi))
	case lo > 0:
		return append(out, "min "+what+" "+u(lo))
	}
	return out
}

// jsonText renders a value from the document as compact JSON, without
// escaping HTML characters (views escape text).
func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// scalarText renders a parameter example: strings as they are, anything else
// as compact JSON.
func scalarText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonText(v)
}

// nameOf returns the name under which a referenced schema is defined in
// the page, registering schemas in other files of the bundle on first use.
// It returns "" for inline schemas.
func (b *builder) nameOf(sr *openapi3.SchemaRef) string {
	if sr == nil || sr.Ref == "" || sr.Value == nil {
		return ""
	}
	if n, ok := b.defByRef[sr.Ref]; ok {
		return n
	}
	if n, ok := b.defNames[sr.Value]; ok {
		return n
	}
	name := b.uniqueDefName(refBaseName(sr.Ref))
	e := &defEntry{name: name, schema: sr.Value}
	b.defs = append(b.defs, e)
	b.defIndex[name] = e
	b.defNames[sr.Value] = name
	return name
}

// nameForRef returns the schema name a discriminator mapping points to.
func (b *builder) nameForRef(ref string) string {
	if n, ok := b.defByRef[ref]; ok {
		return n
	}
	if strings.HasPrefix(ref, "#/") || strings.Contains(ref, "/") || strings.Contains(ref, ".") {
		return refBaseName(ref)
	}
	return ref // a bare schema name, as 3.0 allows
}

func (b *builder) uniqueDefName(base string) string {
	if base == "" {
		base = "schema"
	}
	name := base
	for i := 2; b.defIndex[name] != nil; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	return name
}

// refBaseName derives a readable name from a $ref: the last segment of its
// JSON pointer, else the file name without extension.
func refBaseName(ref string) string {
	file, frag, _ := strings.Cut(ref, "#")
	if frag != "" && frag != "/" {
		seg := frag[strings.LastIndex(frag, "/")+1:]
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		if seg != "" {
			return seg
		}
	}
	base := path.Base(file)
	if i := strings.LastIndex(base, "."); i > 0 {
		base = base[:i]
	}
	if base == "." || base == "/" {
		return ""
	}
	return base
}
