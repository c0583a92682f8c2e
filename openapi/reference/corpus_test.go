package reference

import (
	"reflect"
	"strings"
	"testing"

	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi/reference/reftest"
)

// TestBuildCorpus builds the model of every document of the real-world
// corpus and checks what the page relies on: every operation is there once,
// trees are finite, anchors are unique, every link to a schema has a
// definition, every operation has a curl sample, and the model survives
// Encode/Decode unchanged.
func TestBuildCorpus(t *testing.T) {
	md := markdown.New()
	for _, c := range reftest.Corpus {
		t.Run(c.File, func(t *testing.T) {
			ref := Build(reftest.Load(t, c.File, c.Swagger2), md)

			if got := ref.OperationCount(); got != c.Ops {
				t.Errorf("operations = %d, want %d", got, c.Ops)
			}
			if got := len(ref.Webhooks); got != c.Webhooks {
				t.Errorf("webhooks = %d, want %d", got, c.Webhooks)
			}
			if ref.ModelVersion != models.ReferenceModelVersion {
				t.Errorf("model version = %d, want %d", ref.ModelVersion, models.ReferenceModelVersion)
			}

			anchors := map[string]bool{}
			addAnchor := func(a string) {
				if a == "" {
					t.Error("empty anchor")
				}
				if anchors[a] {
					t.Errorf("anchor %q used twice", a)
				}
				anchors[a] = true
			}
			for _, g := range ref.Groups {
				addAnchor(g.Anchor)
				if len(g.Operations) == 0 {
					t.Errorf("group %q has no operations", g.Tag)
				}
			}
			eachOperation(ref, func(o *models.RefOperation) {
				addAnchor(o.Anchor)
				if o.Method == "" || o.Path == "" {
					t.Errorf("operation %q lacks method or path", o.Anchor)
				}
			})
			for _, g := range ref.Groups {
				for _, o := range g.Operations {
					if !strings.HasPrefix(o.Curl, "curl ") || !strings.Contains(o.Curl, " -X "+o.Method+" ") {
						t.Errorf("%s %s: curl sample %q", o.Method, o.Path, o.Curl)
					}
				}
			}
			defs := map[string]bool{}
			for _, d := range ref.Schemas {
				addAnchor(d.Anchor)
				defs[d.Name] = true
			}
			for _, s := range ref.SecuritySchemes {
				addAnchor(s.Anchor)
			}

			nodes := 0
			eachTree(ref, func(root *models.RefSchema) {
				walkTree(root, 0, func(s *models.RefSchema, depth int) {
					nodes++
					if depth > maxDepth+1 {
						t.Fatalf("tree deeper than %d", maxDepth+1)
					}
					if s.Ref != "" && !defs[s.Ref] {
						t.Errorf("node refers to %q, which has no definition", s.Ref)
					}
					if (s.Collapsed || s.Cycle) && s.Ref == "" {
						t.Errorf("collapsed or cyclic node without a name")
					}
				})
			})
			if nodes > 100000 {
				t.Errorf("%d schema nodes: the model is not compact", nodes)
			}

			enc, err := Encode(ref)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			dec, err := Decode(enc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(ref, dec) {
				t.Error("Decode(Encode(ref)) differs from ref")
			}
		})
	}
}
