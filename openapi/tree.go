package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The document tree: every file of a bundle is parsed once into nodes that
// keep key order and source lines, whatever the format. Everything else in
// the package (reference checks, bundling, locating errors, re-serializing)
// works on this tree, and kin-openapi only ever sees JSON written from it.

type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

func (k kind) String() string {
	switch k {
	case kNull:
		return "null"
	case kBool:
		return "a boolean"
	case kNumber:
		return "a number"
	case kString:
		return "a string"
	case kObject:
		return "an object"
	}
	return "a list"
}

// node is a JSON value with its origin.
type node struct {
	kind    kind
	text    string   // string value, number literal (JSON syntax), "true" or "false"
	members []member // kObject, in document order
	items   []*node  // kArray
	file    int32    // index of the source file in the parse set
	line    int32    // 1-based line where the value starts
}

type member struct {
	key  string
	line int32 // line of the key
	val  *node
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i := range n.members {
		if n.members[i].key == key {
			return n.members[i].val
		}
	}
	return nil
}

// member returns the member with key, or nil.
func (n *node) member(key string) *member {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i := range n.members {
		if n.members[i].key == key {
			return &n.members[i]
		}
	}
	return nil
}

// itemsOf returns the items of a list, or nil.
func (n *node) itemsOf() []*node {
	if n == nil || n.kind != kArray {
		return nil
	}
	return n.items
}

// membersOf returns the members of an object, or nil.
func (n *node) membersOf() []member {
	if n == nil || n.kind != kObject {
		return nil
	}
	return n.members
}

// str returns the text of a string node and whether n is one.
func (n *node) str() (string, bool) {
	if n == nil || n.kind != kString {
		return "", false
	}
	return n.text, true
}

// parseError is a syntax or structure problem in one file, with its line.
type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return e.msg }

// parseOptions bound a parse.
type parseOptions struct {
	maxDepth int
	file     int32
}

// looksLikeJSON reports whether data starts like a JSON object or array.
func looksLikeJSON(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && (data[0] == '{' || data[0] == '[')
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// parseDocument parses JSON or YAML into a tree. format is "json" or "yaml".
func parseDocument(data []byte, opt parseOptions) (root *node, format string, err error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", &parseError{line: 1, msg: "the file is empty"}
	}
	if looksLikeJSON(data) {
		root, jerr := parseJSON(data, opt)
		if jerr == nil {
			return root, "json", nil
		}
		var pe *parseError
		if errors.As(jerr, &pe) && pe.msg != "" && !strings.HasPrefix(pe.msg, "invalid JSON") {
			return nil, "", jerr // duplicate keys, depth: do not retry as YAML
		}
		// A flow-style YAML document also starts with "{"; accept it, but
		// report the JSON error if it is not YAML either.
		if root, yerr := parseYAML(data, opt); yerr == nil {
			return root, "yaml", nil
		}
		return nil, "", jerr
	}
	root, err = parseYAML(data, opt)
	return root, "yaml", err
}

// ---- JSON ----

type jsonParser struct {
	data  []byte
	pos   int
	line  int32
	opt   parseOptions
	depth int
}

func parseJSON(data []byte, opt parseOptions) (*node, error) {
	if !utf8.Valid(data) {
		return nil, &parseError{line: 1, msg: "invalid JSON: the file is not valid UTF-8"}
	}
	p := &jsonParser{data: data, line: 1, opt: opt}
	p.space()
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.data) {
		return nil, p.errf("invalid JSON: unexpected %s after the document", p.describe())
	}
	return n, nil
}

func (p *jsonParser) errf(format string, args ...any) error {
	return &parseError{line: int(p.line), msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) describe() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return strconv.QuoteRune(r)
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '\n':
			p.line++
		case ' ', '\t', '\r':
		default:
			return
		}
		p.pos++
	}
}

func (p *jsonParser) value() (*node, error) {
	if p.pos >= len(p.data) {
		return nil, p.errf("invalid JSON: unexpected end of file")
	}
	line := p.line
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &node{kind: kString, text: s, file: p.opt.file, line: line}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", kBool)
	case c == 'f':
		return p.literal("false", kBool)
	case c == 'n':
		return p.literal("null", kNull)
	}
	return nil, p.errf("invalid JSON: unexpected %s", p.describe())
}

func (p *jsonParser) literal(word string, k kind) (*node, error) {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return nil, p.errf("invalid JSON: unexpected %s", p.describe())
	}
	p.pos += len(word)
	n := &node{kind: k, file: p.opt.file, line: p.line}
	if k == kBool {
		n.text = word
	}
	return n, nil
}

func (p *jsonParser) number() (*node, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - s
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if digits() == 0 {
		return nil, p.errf("invalid JSON: malformed number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return nil, p.errf("invalid JSON: malformed number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, p.errf("invalid JSON: malformed number")
		}
	}
	p.pos = i
	return &node{kind: kNumber, text: string(d[start:i]), file: p.opt.file, line: p.line}, nil
}

func (p *jsonParser) string() (string, error) {
	d := p.data
	start := p.pos + 1
	escaped := false
	for i := start; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			p.pos = i + 1
			if !escaped {
				return string(d[start:i]), nil
			}
			var s string
			if err := json.Unmarshal(d[start-1:i+1], &s); err != nil {
				return "", p.errf("invalid JSON: malformed string escape")
			}
			return s, nil
		case c == '\\':
			escaped = true
			i++ // skip the escaped character; \uXXXX is checked by json.Unmarshal
		case c < 0x20:
			return "", p.errf("invalid JSON: control character or line break inside a string")
		}
	}
	return "", p.errf("invalid JSON: unterminated string")
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > p.opt.maxDepth {
		return &parseError{line: int(p.line), msg: fmt.Sprintf("the document nests deeper than %d levels", p.opt.maxDepth)}
	}
	return nil
}

func (p *jsonParser) object() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	n := &node{kind: kObject, file: p.opt.file, line: p.line}
	p.pos++ // {
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return n, nil
	}
	var seen map[string]int32
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errf("invalid JSON: expected a quoted key, found %s", p.describe())
		}
		keyLine := p.line
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		if first, dup := checkDup(n.members, &seen, key, keyLine); dup {
			return nil, &parseError{line: int(keyLine), msg: fmt.Sprintf("duplicate key %q (first defined at line %d)", key, first)}
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errf("invalid JSON: expected ':' after key %q, found %s", key, p.describe())
		}
		p.pos++
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: key, line: keyLine, val: v})
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ',' {
			p.pos++
			p.space()
			continue
		}
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			p.depth--
			return n, nil
		}
		return nil, p.errf("invalid JSON: expected ',' or '}', found %s", p.describe())
	}
}

func (p *jsonParser) array() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	n := &node{kind: kArray, file: p.opt.file, line: p.line}
	p.pos++ // [
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return n, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ',' {
			p.pos++
			p.space()
			continue
		}
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			p.depth--
			return n, nil
		}
		return nil, p.errf("invalid JSON: expected ',' or ']', found %s", p.describe())
	}
}

// checkDup reports whether key is already a key of the object being built
// (and the line where), else records it. Small objects are scanned; larger
// ones get an index.
func checkDup(members []member, index *map[string]int32, key string, line int32) (int32, bool) {
	if *index == nil {
		for i := range members {
			if members[i].key == key {
				return members[i].line, true
			}
		}
		if len(members) >= 16 {
			*index = make(map[string]int32, 2*len(members))
			for i := range members {
				(*index)[members[i].key] = members[i].line
			}
			(*index)[key] = line
		}
		return 0, false
	}
	if first, ok := (*index)[key]; ok {
		return first, true
	}
	(*index)[key] = line
	return 0, false
}

// ---- YAML ----

// yamlConverter turns a yaml.v3 node graph into a tree, expanding aliases
// and merge keys within a budget so that alias bombs are refused early.
type yamlConverter struct {
	opt     parseOptions
	budget  int // values still allowed after alias expansion
	anchors map[*yaml.Node]*converted
	active  map[*yaml.Node]bool
}

type converted struct {
	n     *node
	size  int // values in the expanded subtree
	depth int // nesting depth of the expanded subtree
}

func parseYAML(data []byte, opt parseOptions) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &parseError{line: 1, msg: "the file is empty"}
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &parseError{line: extra.Line, msg: fmt.Sprintf("the file holds more than one YAML document (a second one starts at line %d)", extra.Line)}
	} else if err != io.EOF {
		return nil, yamlError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &parseError{line: 1, msg: "the file is empty"}
		}
		root = root.Content[0]
	}
	// Expanded aliases may add at most ten times the written values (and at
	// least a million) before the document is taken for an alias bomb.
	written := countYAML(root, 0)
	c := &yamlConverter{
		opt:     opt,
		budget:  max(10*written, 1_000_000),
		anchors: make(map[*yaml.Node]*converted),
		active:  make(map[*yaml.Node]bool),
	}
	cv, err := c.convert(root, 1)
	if err != nil {
		return nil, err
	}
	return cv.n, nil
}

// countYAML counts the values written in the file (aliases count once).
func countYAML(n *yaml.Node, depth int) int {
	if depth > 20000 {
		return 0 // yaml.v3 bounds depth itself; this only guards the recursion
	}
	total := 1
	for _, c := range n.Content {
		total += countYAML(c, depth+1)
	}
	return total
}

var yamlLineRE = strings.NewReplacer("yaml: ", "")

// yamlError turns a yaml.v3 error into a parseError with its line.
func yamlError(err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = yamlLineRE.Replace(msg)
	line := 0
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		line, _ = strconv.Atoi(rest[:j])
		if strings.HasPrefix(rest[j:], ": ") && i == 0 {
			msg = rest[j+2:]
		}
	}
	return &parseError{line: line, msg: "invalid YAML: " + msg}
}

func (c *yamlConverter) spend(n int, line int) error {
	c.budget -= n
	if c.budget < 0 {
		return &parseError{line: line, msg: "YAML aliases expand the document to too many values (an alias bomb?)"}
	}
	return nil
}

func (c *yamlConverter) tooDeep(line int) error {
	return &parseError{line: line, msg: fmt.Sprintf("the document nests deeper than %d levels", c.opt.maxDepth)}
}

func (c *yamlConverter) convert(y *yaml.Node, depth int) (*converted, error) {
	if depth > c.opt.maxDepth {
		return nil, c.tooDeep(y.Line)
	}
	if y.Kind == yaml.AliasNode {
		target := y.Alias
		if target == nil {
			return nil, &parseError{line: y.Line, msg: "unknown YAML alias"}
		}
		if c.active[target] {
			return nil, &parseError{line: y.Line, msg: "the YAML alias refers to a value that contains it"}
		}
		cv, err := c.convert(target, depth)
		if err != nil {
			return nil, err
		}
		if depth-1+cv.depth > c.opt.maxDepth {
			return nil, c.tooDeep(y.Line)
		}
		// The shared subtree counts again for every use.
		if err := c.spend(cv.size, y.Line); err != nil {
			return nil, err
		}
		return cv, nil
	}
	if y.Anchor != "" {
		if cv, ok := c.anchors[y]; ok {
			return cv, nil
		}
		c.active[y] = true
		defer delete(c.active, y)
	}
	cv, err := c.convertValue(y, depth)
	if err != nil {
		return nil, err
	}
	if y.Anchor != "" {
		c.anchors[y] = cv
	}
	return cv, nil
}

func (c *yamlConverter) convertValue(y *yaml.Node, depth int) (*converted, error) {
	line := int32(y.Line)
	switch y.Kind {
	case yaml.ScalarNode:
		if err := c.spend(0, y.Line); err != nil {
			return nil, err
		}
		return &converted{n: scalarNode(y, c.opt.file), size: 1, depth: 1}, nil
	case yaml.SequenceNode:
		n := &node{kind: kArray, file: c.opt.file, line: line, items: make([]*node, 0, len(y.Content))}
		cv := &converted{n: n, size: 1, depth: 1}
		for _, item := range y.Content {
			ci, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, ci.n)
			cv.size += ci.size
			cv.depth = max(cv.depth, ci.depth+1)
		}
		return cv, nil
	case yaml.MappingNode:
		n := &node{kind: kObject, file: c.opt.file, line: line, members: make([]member, 0, len(y.Content)/2)}
		cv := &converted{n: n, size: 1, depth: 1}
		var seen map[string]int32
		var merges []*yaml.Node
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				merges = append(merges, v)
				continue
			}
			key, err := yamlKey(k)
			if err != nil {
				return nil, err
			}
			if first, dup := checkDup(n.members, &seen, key, int32(k.Line)); dup {
				return nil, &parseError{line: k.Line, msg: fmt.Sprintf("duplicate key %q (first defined at line %d)", key, first)}
			}
			cvv, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: key, line: int32(k.Line), val: cvv.n})
			cv.size += cvv.size
			cv.depth = max(cv.depth, cvv.depth+1)
		}
		// Merge keys (<<: *base) add the keys the mapping does not set itself.
		for _, m := range merges {
			sources := []*yaml.Node{m}
			if m.Kind == yaml.SequenceNode {
				sources = m.Content
			}
			for _, src := range sources {
				cs, err := c.convert(src, depth)
				if err != nil {
					return nil, err
				}
				if cs.n.kind != kObject {
					return nil, &parseError{line: src.Line, msg: "the YAML merge key must refer to a mapping"}
				}
				for _, mm := range cs.n.members {
					if n.member(mm.key) == nil {
						n.members = append(n.members, mm)
					}
				}
				cv.size += cs.size
				cv.depth = max(cv.depth, cs.depth)
				if err := c.spend(cs.size, src.Line); err != nil {
					return nil, err
				}
			}
		}
		return cv, nil
	}
	return nil, &parseError{line: y.Line, msg: "unsupported YAML construct"}
}

// yamlKey returns the text of a mapping key. Keys are compared as strings, as
// in JSON: 200 and "200" are the same key.
func yamlKey(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", &parseError{line: k.Line, msg: "a mapping key is not a plain value (complex YAML keys are not supported)"}
	}
	if k.ShortTag() == "!!null" {
		return "null", nil
	}
	return k.Value, nil
}

// scalarNode converts a YAML scalar by its resolved tag (YAML 1.2 core
// schema, as yaml.v3 resolves it). Timestamps stay strings as written.
func scalarNode(y *yaml.Node, file int32) *node {
	n := &node{kind: kString, text: y.Value, file: file, line: int32(y.Line)}
	switch y.ShortTag() {
	case "!!null":
		n.kind, n.text = kNull, ""
	case "!!bool":
		if b, err := strconv.ParseBool(strings.ToLower(y.Value)); err == nil {
			n.kind, n.text = kBool, strconv.FormatBool(b)
		}
	case "!!int":
		if isJSONNumber(y.Value) {
			n.kind = kNumber
		} else if i, err := strconv.ParseInt(strings.ReplaceAll(y.Value, "_", ""), 0, 64); err == nil {
			n.kind, n.text = kNumber, strconv.FormatInt(i, 10)
		}
	case "!!float":
		if isJSONNumber(y.Value) {
			n.kind = kNumber
		} else if f, err := strconv.ParseFloat(strings.ReplaceAll(y.Value, "_", ""), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			n.kind, n.text = kNumber, strconv.FormatFloat(f, 'g', -1, 64)
		}
	}
	return n
}

// isJSONNumber reports whether s is a number literal in JSON syntax.
func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	p := &jsonParser{data: []byte(s), line: 1}
	if s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		return false
	}
	if _, err := p.number(); err != nil {
		return false
	}
	return p.pos == len(s)
}

// ---- writing ----

// writeJSON appends n as JSON; indent "" writes it compact.
func writeJSON(buf *bytes.Buffer, n *node, indent string, level int) {
	switch n.kind {
	case kNull:
		buf.WriteString("null")
	case kBool, kNumber:
		buf.WriteString(n.text)
	case kString:
		writeJSONString(buf, n.text)
	case kObject:
		if len(n.members) == 0 {
			buf.WriteString("{}")
			return
		}
		buf.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(buf, indent, level+1)
			writeJSONString(buf, m.key)
			buf.WriteByte(':')
			if indent != "" {
				buf.WriteByte(' ')
			}
			writeJSON(buf, m.val, indent, level+1)
		}
		newline(buf, indent, level)
		buf.WriteByte('}')
	case kArray:
		if len(n.items) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(buf, indent, level+1)
			writeJSON(buf, it, indent, level+1)
		}
		newline(buf, indent, level)
		buf.WriteByte(']')
	}
}

func newline(buf *bytes.Buffer, indent string, level int) {
	if indent == "" {
		return
	}
	buf.WriteByte('\n')
	for range level {
		buf.WriteString(indent)
	}
}

const hexDigits = "0123456789abcdef"

func writeJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			buf.WriteString(`\u00`)
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&0xF])
		}
		start = i + 1
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}

// toJSON returns n as compact JSON.
func toJSON(n *node) []byte {
	var buf bytes.Buffer
	writeJSON(&buf, n, "", 0)
	return buf.Bytes()
}

// toYAMLNode converts n into a yaml.v3 node for encoding.
func toYAMLNode(n *node) *yaml.Node {
	switch n.kind {
	case kNull:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case kBool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: n.text}
	case kNumber:
		tag := "!!float"
		if !strings.ContainsAny(n.text, ".eE") {
			tag = "!!int"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: n.text}
	case kString:
		y := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.text}
		if strings.Contains(n.text, "\n") && !strings.ContainsAny(n.text, "\r\t") && utf8.ValidString(n.text) {
			y.Style = yaml.LiteralStyle
		}
		return y
	case kObject:
		y := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 0, 2*len(n.members))}
		for _, m := range n.members {
			y.Content = append(y.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: m.key}, toYAMLNode(m.val))
		}
		return y
	}
	y := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: make([]*yaml.Node, 0, len(n.items))}
	for _, it := range n.items {
		y.Content = append(y.Content, toYAMLNode(it))
	}
	return y
}

// toYAML returns n as a YAML document with two-space indentation.
func toYAML(n *node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(toYAMLNode(n)); err != nil {
		return nil, fmt.Errorf("encode yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// ---- JSON pointers ----

// escapePointer escapes one reference token (RFC 6901).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// splitPointer splits "/a/b~1c" into its unescaped tokens.
func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = unescapePointer(s)
	}
	return parts
}

// joinPointer builds a pointer from unescaped tokens.
func joinPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapePointer(t))
	}
	return b.String()
}

// step returns the child of n named by one pointer token, and the line of
// that child's key or item.
func step(n *node, tok string) (*node, int32) {
	switch n.kind {
	case kObject:
		if m := n.member(tok); m != nil {
			return m.val, m.line
		}
	case kArray:
		i, err := strconv.Atoi(tok)
		if err == nil && i >= 0 && i < len(n.items) && strconv.Itoa(i) == tok {
			return n.items[i], n.items[i].line
		}
	}
	return nil, 0
}
