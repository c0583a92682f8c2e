package reference

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
)

// buildYAML loads an inline document with kin-openapi and builds its model.
func buildYAML(t *testing.T, src string) *models.Reference {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(src))
	if err != nil {
		t.Fatalf("load document: %v", err)
	}
	return Build(doc, markdown.New())
}

// findOp returns the operation with the given anchor.
func findOp(t *testing.T, ref *models.Reference, anchor string) models.RefOperation {
	t.Helper()
	for _, g := range ref.Groups {
		for _, o := range g.Operations {
			if o.Anchor == anchor {
				return o
			}
		}
	}
	for _, o := range ref.Webhooks {
		if o.Anchor == anchor {
			return o
		}
	}
	t.Fatalf("no operation with anchor %q", anchor)
	return models.RefOperation{}
}

// findDef returns the definition of a named schema.
func findDef(t *testing.T, ref *models.Reference, name string) *models.RefSchema {
	t.Helper()
	for _, d := range ref.Schemas {
		if d.Name == name {
			return d.Schema
		}
	}
	t.Fatalf("no schema definition %q", name)
	return nil
}

// prop returns the named property of s.
func prop(t *testing.T, s *models.RefSchema, name string) models.RefProperty {
	t.Helper()
	if s == nil {
		t.Fatalf("no schema, looking for property %q", name)
	}
	for _, p := range s.Properties {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("schema has no property %q (has %v)", name, propNames(s))
	return models.RefProperty{}
}

func propNames(s *models.RefSchema) []string {
	var out []string
	for _, p := range s.Properties {
		out = append(out, p.Name)
	}
	return out
}

// eachOperation calls f for every operation and webhook of ref.
func eachOperation(ref *models.Reference, f func(o *models.RefOperation)) {
	for gi := range ref.Groups {
		for oi := range ref.Groups[gi].Operations {
			f(&ref.Groups[gi].Operations[oi])
		}
	}
	for i := range ref.Webhooks {
		f(&ref.Webhooks[i])
	}
}

// eachTree calls f for every schema tree root of ref: parameters, bodies,
// response headers and bodies, and definitions.
func eachTree(ref *models.Reference, f func(s *models.RefSchema)) {
	eachOperation(ref, func(o *models.RefOperation) {
		for _, p := range o.Parameters {
			f(p.Schema)
		}
		if o.RequestBody != nil {
			for _, c := range o.RequestBody.Contents {
				f(c.Schema)
			}
		}
		for _, r := range o.Responses {
			for _, h := range r.Headers {
				f(h.Schema)
			}
			for _, c := range r.Contents {
				f(c.Schema)
			}
		}
	})
	for _, d := range ref.Schemas {
		f(d.Schema)
	}
}

// walkTree calls f for every node under s with its depth.
func walkTree(s *models.RefSchema, depth int, f func(s *models.RefSchema, depth int)) {
	if s == nil {
		return
	}
	f(s, depth)
	for _, p := range s.Properties {
		walkTree(p.Schema, depth+1, f)
	}
	walkTree(s.Items, depth+1, f)
	walkTree(s.AdditionalProperties, depth+1, f)
	for _, v := range s.Variants {
		walkTree(v, depth+1, f)
	}
}
