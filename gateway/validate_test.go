package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const accountsDoc = `{"openapi":"3.0.3","info":{"title":"Accounts","version":"2.1.0"},"paths":{
 "/accounts":{
  "get":{"operationId":"listAccounts","parameters":[{"name":"limit","in":"query","schema":{"type":"integer","maximum":100}}],"responses":{"200":{"description":"ok"}}},
  "post":{"operationId":"createAccount","requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1}}}}}},"responses":{"201":{"description":"made"}}}},
 "/accounts/{id}":{"get":{"operationId":"getAccount","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],"responses":{"200":{"description":"ok"}}}},
 "/accounts/{id}/close":{"post":{"operationId":"closeAccount","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],"responses":{"200":{"description":"ok"}}}}}}`

func TestValidationRefusesRequestsTheDocumentDoesNotAllow(t *testing.T) {
	var gotBody string
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		_, _ = io.WriteString(w, "{}")
	})
	w := newWorld(t, up.URL)
	w.snap.Routes[0].Validate = true
	w.snap.Routes[0].Document = json.RawMessage(accountsDoc)
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()
	jsonKeys := w.keys()
	jsonKeys["Content-Type"] = "application/json"
	for _, c := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"path parameter not an integer", "GET", "/bank/accounts/v2/accounts/abc", "", 400},
		{"query parameter above its maximum", "GET", "/bank/accounts/v2/accounts?limit=500", "", 400},
		{"body without a required property", "POST", "/bank/accounts/v2/accounts", `{}`, 400},
		{"no body", "POST", "/bank/accounts/v2/accounts", "", 400},
		{"valid read", "GET", "/bank/accounts/v2/accounts/42", "", 200},
		{"valid query", "GET", "/bank/accounts/v2/accounts?limit=5", "", 200},
		{"valid body", "POST", "/bank/accounts/v2/accounts", `{"name":"savings"}`, 200},
	} {
		before := up.n.Load()
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		resp, text := call(t, srv, c.method, c.path, jsonKeys, body)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, text, c.status)
			continue
		}
		if c.status == 400 {
			var p problem
			if err := json.Unmarshal([]byte(text), &p); err != nil || p.Type != problemBase+"invalid-request" || len(p.Errors) == 0 {
				t.Errorf("%s: problem %s", c.name, text)
			}
			if up.n.Load() != before {
				t.Errorf("%s: the invalid request reached the upstream", c.name)
			}
			if strings.Contains(text, w.appKey) {
				t.Errorf("%s: the problem echoes the key", c.name)
			}
		}
		if c.status == 200 && c.body != "" && gotBody != c.body {
			t.Errorf("%s: the upstream got body %q", c.name, gotBody)
		}
	}
	// A body of a media type the operation does not take: refused (415
	// when the validator says so, else 400) and never forwarded.
	plain := w.keys()
	plain["Content-Type"] = "text/plain"
	before := up.n.Load()
	resp, text := call(t, srv, "POST", "/bank/accounts/v2/accounts", plain, strings.NewReader("name=x"))
	if resp.StatusCode != 415 && resp.StatusCode != 400 || !strings.Contains(text, "Content-Type") || up.n.Load() != before {
		t.Errorf("text/plain body: %d %s", resp.StatusCode, text)
	}
	// Errors name where the problem is.
	resp, text = call(t, srv, "GET", "/bank/accounts/v2/accounts/abc", w.keys(), nil)
	var p problem
	if err := json.Unmarshal([]byte(text), &p); err != nil || len(p.Errors) != 1 || p.Errors[0].In != "path" || p.Errors[0].Name != "id" {
		t.Errorf("a bad path parameter: %d %s", resp.StatusCode, text)
	}
	// A chunked body is validated and forwarded whole, with a Content-Length.
	req, _ := http.NewRequest("POST", srv.URL+"/bank/accounts/v2/accounts", io.MultiReader(strings.NewReader(`{"name":`), strings.NewReader(`"chunked"}`)))
	for k, v := range jsonKeys {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || gotBody != `{"name":"chunked"}` || up.last(t).ContentLength != int64(len(gotBody)) {
		t.Errorf("chunked valid body: %d, upstream got %q (Content-Length %d)", resp.StatusCode, gotBody, up.last(t).ContentLength)
	}
}

// The UK Open Banking payment initiation document loads, and a consent
// request without its mandatory parts is refused with the reasons.
func TestValidationWithTheOpenBankingPaymentsDocument(t *testing.T) {
	dir := os.Getenv("PORTICO_SPECS_DIR")
	if dir == "" {
		dir = "/work/shared/specs"
	}
	doc, err := os.ReadFile(filepath.Join(dir, "openbanking-uk", "payment-initiation-openapi-v4.0-update4.json"))
	if err != nil {
		t.Skipf("no Open Banking document: %v", err)
	}
	var parsed struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		t.Fatal(err)
	}
	var ops []Operation
	for path, item := range parsed.Paths {
		for method, op := range item {
			switch method {
			case "get", "post", "put", "patch", "delete":
				ops = append(ops, Operation{ID: op.OperationID, Method: strings.ToUpper(method), Path: path})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path+ops[i].Method < ops[j].Path+ops[j].Method })
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Routes[0].Validate = true
	w.snap.Routes[0].Document = doc
	w.snap.Routes[0].Operations = ops
	g := w.gateway(t, Options{})
	srv := httptest.NewServer(g)
	defer srv.Close()
	hdr := w.keys()
	hdr["Content-Type"] = "application/json"
	resp, text := call(t, srv, "POST", "/bank/accounts/v2/domestic-payment-consents", hdr, strings.NewReader(`{"Data":{}}`))
	var p problem
	if resp.StatusCode != 400 || json.Unmarshal([]byte(text), &p) != nil || len(p.Errors) == 0 {
		t.Fatalf("an incomplete payment consent: %d %s", resp.StatusCode, text)
	}
	if up.n.Load() != 0 {
		t.Error("the incomplete consent reached the upstream")
	}
	// A second snapshot with the same document reuses the parsed one.
	next := *w.snap
	next.Revision = 2
	if err := g.Swap(&next); err != nil {
		t.Fatal(err)
	}
}
