package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi/reference"
	"github.com/portico/portico/openapi/reference/reftest"
)

// renderReference renders the reference page of ref, decoded from its
// stored form as the handler does, and parses the HTML.
func renderReference(t testing.TB, v ReferenceView) (*goquery.Document, string) {
	t.Helper()
	if v.Ref != nil {
		enc, err := reference.Encode(v.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if v.Ref, err = reference.Decode(enc); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := ReferencePage(PageMeta{Title: "Reference"}, v).Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, html
}

// TestReferencePageCorpus renders real documents and checks what readers
// and outside checks rely on: one data-testid="operation" element per
// operation (and "webhook" per webhook) with its anchor as id and a visible
// "#" link to it, unique ids,
// internal links that all land somewhere, a curl sample per operation and
// a sidebar that reaches every operation.
func TestReferencePageCorpus(t *testing.T) {
	files := []struct {
		file     string
		swagger2 bool
	}{
		{"oai-examples/v3.0/petstore.yaml", false},
		{"oai-examples/v3.1/webhook-example.yaml", false},
		{"oai-examples/v3.0/callback-example.yaml", false},
		{"oasdiff/openapi31-base.yaml", false},
		{"oasdiff/circular1.yaml", false},
		{"kin-openapi-testdata/recursiveRef/openapi.yml", false},
		{"openbanking-uk/account-info-openapi-v4.0-update4.yaml", false},
		{"openbanking-uk/account-info-swagger-v2.0.0.yaml", true},
		{"berlin-group/psd2-api-1.3.6-20200327-wso2.yaml", false},
		{reftest.Stripe, false},
	}
	md := markdown.New()
	for _, f := range files {
		t.Run(f.file, func(t *testing.T) {
			ref := reference.Build(reftest.Load(t, f.file, f.swagger2), md)
			doc, _ := renderReference(t, ReferenceView{Ref: ref})

			if n := doc.Find(`[data-testid="operation"]`).Length(); n != ref.OperationCount() {
				t.Errorf("%d operation elements, want %d", n, ref.OperationCount())
			}
			if n := doc.Find(`[data-testid="webhook"]`).Length(); n != len(ref.Webhooks) {
				t.Errorf("%d webhook elements, want %d", n, len(ref.Webhooks))
			}
			ops := doc.Find(`[data-testid="operation"], [data-testid="webhook"]`)
			ids := map[string]bool{}
			doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
				id, _ := s.Attr("id")
				if ids[id] {
					t.Errorf("id %q appears twice", id)
				}
				ids[id] = true
			})
			wantAnchors := map[string]bool{}
			for _, g := range ref.Groups {
				for _, o := range g.Operations {
					wantAnchors[o.Anchor] = true
				}
			}
			for _, o := range ref.Webhooks {
				wantAnchors[o.Anchor] = true
			}
			ops.Each(func(_ int, s *goquery.Selection) {
				id, _ := s.Attr("id")
				if !wantAnchors[id] {
					t.Errorf("operation element has id %q, which is no operation anchor", id)
				}
				link := s.Find(`a[href="#` + id + `"]`)
				if link.Length() != 1 || strings.TrimSpace(link.Text()) != "#" {
					t.Errorf("operation %q has no visible # link to itself", id)
				}
				if s.Find("h3").Length() == 0 {
					t.Errorf("operation %q has no heading", id)
				}
			})
			broken := 0
			// Links the page makes (not those inside the document's own
			// Markdown, which may point at the publisher's site).
			doc.Find(`a[href^="#"]`).Not(`.ref-md a, .prose a`).Each(func(_ int, s *goquery.Selection) {
				href, _ := s.Attr("href")
				if !ids[href[1:]] && href != "#main" {
					if broken < 5 {
						t.Errorf("link to %q lands nowhere", href)
					}
					broken++
				}
			})
			curls := doc.Find(`[data-testid="curl-sample"]`)
			if curls.Length() != ref.OperationCount() {
				t.Errorf("%d curl samples, want %d", curls.Length(), ref.OperationCount())
			}
			curls.Each(func(_ int, s *goquery.Selection) {
				if code := s.Find("pre code").Text(); !strings.HasPrefix(code, "curl -X ") {
					t.Errorf("curl sample = %.80q", code)
				}
			})
			nav := doc.Find(`nav[data-testid="reference-nav"]`)
			if nav.Length() != 1 {
				t.Fatalf("%d reference-nav elements", nav.Length())
			}
			for a := range wantAnchors {
				if nav.Find(`a[href="#`+a+`"]`).Length() != 1 {
					t.Errorf("sidebar has no link to %q", a)
				}
			}
		})
	}
}

func TestReferencePageShowsOperationParts(t *testing.T) {
	ref := reference.Build(reftest.Load(t, "oai-examples/v3.0/petstore.yaml", false), markdown.New())
	doc, _ := renderReference(t, ReferenceView{Ref: ref})

	list := doc.Find(`[data-testid="operation"][id="operation/listPets"]`)
	if got := strings.Join(strings.Fields(list.Find("h3").Text()), " "); got != "List all pets" {
		t.Errorf("heading = %q", got)
	}
	if got := list.Find(".ref-method").Text(); got != "GET" {
		t.Errorf("method badge = %q", got)
	}
	if got := list.Find("code").First().Text(); got != "/pets" {
		t.Errorf("path = %q", got)
	}
	if !strings.Contains(list.Text(), "Query parameters") || list.Find(".ref-row code").First().Text() != "limit" {
		t.Error("query parameter limit not shown")
	}
	tree := list.Find(`[data-testid="schema-tree"]`).First()
	for _, name := range []string{"id", "name", "tag"} {
		if tree.Find(`.ref-row > code:contains("`+name+`")`).Length() == 0 {
			t.Errorf("response schema tree lacks property %q", name)
		}
	}
	if ex := list.Find(`[data-testid="operation-example"]`); ex.Length() != 1 || !strings.Contains(ex.Text(), "generated from the schema") {
		t.Errorf("examples = %q, want one marked as generated", ex.Text())
	}
	if defs := doc.Find(`[data-testid="schema-def"]`); defs.Length() != 3 {
		t.Errorf("%d schema definitions, want 3", defs.Length())
	}
	if doc.Find(`[data-testid="reference-overview"] h2`).Text() != "Overview" {
		t.Error("overview section missing")
	}
}

func TestReferencePageShowsCallbacksAndWebhooks(t *testing.T) {
	ref := reference.Build(reftest.Load(t, "oai-examples/v3.0/callback-example.yaml", false), markdown.New())
	doc, _ := renderReference(t, ReferenceView{Ref: ref})
	cb := doc.Find(`[data-testid="operation"] [data-testid="callback"]`)
	if cb.Length() != 1 || !strings.Contains(cb.Find("summary").Text(), "{$request.query.callbackUrl}/data") {
		t.Errorf("callbacks = %q", cb.Text())
	}

	ref = reference.Build(reftest.Load(t, "oai-examples/v3.1/webhook-example.yaml", false), markdown.New())
	doc, _ = renderReference(t, ReferenceView{Ref: ref})
	hooks := doc.Find(`section#webhooks [data-testid="webhook"]`)
	if hooks.Length() != 1 || hooks.Find("code").First().Text() != "newPet" || hooks.Find(`[data-testid="curl-sample"]`).Length() != 0 {
		t.Errorf("webhooks section = %q", hooks.Text())
	}
}

func TestReferencePageHeader(t *testing.T) {
	ref := reference.Build(reftest.Load(t, "oai-examples/v3.0/petstore.yaml", false), markdown.New())
	sunset := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	product := models.APIProduct{
		API:        models.API{Name: "Pet Store", Slug: "pets", Audience: models.AudiencePartner},
		Subsidiary: models.Subsidiary{Name: "Meridian Bank", Slug: "bank"},
		Versions: []models.APIVersion{
			{ID: 3, Version: "3.0.0", Slug: "3.0.0", State: models.StatePublished},
			{ID: 2, Version: "2.0.0", Slug: "2.0.0", State: models.StateDeprecated},
			{ID: 1, Version: "1.0.0", Slug: "1.0.0", State: models.StateRetired},
		},
	}
	tests := []struct {
		name       string
		version    models.APIVersion
		wantBanner string
	}{
		{"published has no banner", product.Versions[0], ""},
		{"deprecated says when it retires and where to go", models.APIVersion{ID: 2, Version: "2.0.0", Slug: "2.0.0", State: models.StateDeprecated, SunsetAt: &sunset}, "This version is deprecated. It keeps working for now but gets no new features. It will be retired on 31 March 2027; from then on the gateway refuses its calls. Move to version 3.0.0."},
		{"retired says calls are refused", product.Versions[2], "This version is retired. The gateway refuses its calls (410 Gone). This reference stays available for your records. Use version 3.0.0 instead."},
		{"draft is a preview", models.APIVersion{Version: "4.0.0", Slug: "4.0.0", State: models.StateDraft}, "This version is not published. You see it because you may review it. Developers outside your team cannot."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := renderReference(t, ReferenceView{Product: product, Version: tc.version, Ref: ref})
			var parts []string
			doc.Find(`[data-testid="state-banner"] p`).Each(func(_ int, s *goquery.Selection) {
				parts = append(parts, strings.Join(strings.Fields(s.Text()), " "))
			})
			banner := strings.Join(parts, " ")
			if banner != tc.wantBanner {
				t.Errorf("banner = %q, want %q", banner, tc.wantBanner)
			}
			if got := strings.Join(strings.Fields(doc.Find("h1").Text()), " "); got != "Pet Store API reference" {
				t.Errorf("h1 = %q", got)
			}
			if got := doc.Find(`[data-testid="state-badge"]`).First().Text(); got != tc.version.State.Label() {
				t.Errorf("state badge = %q, want %q", got, tc.version.State.Label())
			}
			base := "/apis/bank/pets/" + tc.version.Slug
			for testid, href := range map[string]string{"download-json": base + "/openapi.json", "download-yaml": base + "/openapi.yaml"} {
				if got, _ := doc.Find(`[data-testid="` + testid + `"]`).Attr("href"); got != href {
					t.Errorf("%s href = %q, want %q", testid, got, href)
				}
			}
			if doc.Find(`a[href="/apis/bank/pets"]`).Length() == 0 {
				t.Error("no link back to the API product page")
			}
		})
	}
}

func TestReferencePageWithoutModel(t *testing.T) {
	doc, _ := renderReference(t, ReferenceView{})
	if doc.Find(`[data-testid="empty-state"]`).Length() != 1 || doc.Find(`[data-testid="operation"]`).Length() != 0 {
		t.Error("a version without a model should show an empty state")
	}
}

// hostileDoc puts active content everywhere a document can put text.
const hostileDoc = `
openapi: 3.0.0
info:
  title: "<script>alert('title')</script>"
  version: "1\"><img src=x onerror=alert(1)>"
  termsOfService: "javascript:alert('tos')"
  contact: {name: "<script>c</script>", url: " javascript:alert('contact')"}
  description: "Hi <script>alert('desc')</script> [x](javascript:alert(1)) <img src=x onerror=alert(2)>"
servers:
  - url: "javascript:alert('server')"
tags:
  - name: "<b onmouseover=alert(3)>tag</b>"
    description: "<iframe src=https://evil.example></iframe>"
paths:
  "/x/{id}<script>":
    get:
      operationId: "\"><script>alert('opid')</script>"
      summary: "<svg onload=alert(4)>"
      externalDocs: {url: "javascript:alert(10)", description: "<script>alert(11)</script>"}
      tags: ["<b onmouseover=alert(3)>tag</b>"]
      parameters:
        - name: "id<script>"
          in: query
          example: "</code></pre><script>alert('example')</script>"
          schema:
            type: string
            enum: ["<img src=x onerror=alert(5)>"]
            pattern: "<script>"
      responses:
        "200":
          description: "<script>alert('response')</script>"
          content:
            application/json:
              example: {"</code><script>alert(6)</script>": "<script>alert(7)</script>"}
              schema:
                $ref: "#/components/schemas/Evil"
components:
  securitySchemes:
    "<script>s</script>":
      type: apiKey
      in: header
      name: "X-<script>"
  schemas:
    Evil:
      type: object
      description: "<script>alert('schema')</script>"
      properties:
        "<script>prop</script>":
          type: string
          default: "<script>alert(8)</script>"
          externalDocs: {url: "javascript:alert(9)"}
`

func TestReferencePageRendersHostileDocumentInert(t *testing.T) {
	loaded, err := openapi3.NewLoader().LoadFromData([]byte(hostileDoc))
	if err != nil {
		t.Fatal(err)
	}
	ref := reference.Build(loaded, markdown.New())
	doc, html := renderReference(t, ReferenceView{Ref: ref})

	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/static/") {
			t.Errorf("script element from the document: %q", s.Text())
		}
	})
	for _, tag := range []string{"iframe", "svg", "img"} {
		if n := doc.Find(tag).Length(); n > 0 && !(tag == "img" && doc.Find("img").Not(`[src^="/static/"]`).Length() == 0) {
			t.Errorf("%d <%s> elements from the document", n, tag)
		}
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s> has event handler %s=%q", s.Nodes[0].Data, a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("<%s> has %s=%q", s.Nodes[0].Data, a.Key, a.Val)
			}
		}
	})
	// The hostile text is still there for the reader, as text.
	for _, want := range []string{"<script>alert('title')</script>", "<svg onload=alert(4)>", `"<img src=x onerror=alert(5)>"`, "</code></pre><script>alert('example')</script>"} {
		if !strings.Contains(doc.Text(), want) {
			t.Errorf("page text lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>alert") {
		t.Error("raw <script>alert in the HTML")
	}
}
