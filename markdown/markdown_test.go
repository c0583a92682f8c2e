package markdown

import (
	"strings"
	"testing"
)

func TestRenderKeepsFormattingAndDropsActiveContent(t *testing.T) {
	r := New()
	tests := []struct {
		name      string
		in        string
		want      []string
		forbidden []string
	}{
		{"emphasis and code", "Use **bold** and `code`.", []string{"<strong>bold</strong>", "<code>code</code>"}, nil},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
		{"script tag dropped", "hi <script>alert(1)</script>", []string{"hi"}, []string{"<script", "alert(1)</script>"}},
		{"event handler dropped", `<img src="x" onerror="alert(1)">`, nil, []string{"onerror"}},
		{"javascript link neutralised", "[click](javascript:alert(1))", nil, []string{"javascript:"}},
		{"iframe dropped", `<iframe src="https://evil.example"></iframe>`, nil, []string{"<iframe"}},
		{"external link gets nofollow", "[docs](https://example.com)", []string{`rel="nofollow`, `href="https://example.com"`}, nil},
		{"blank input", "   ", nil, []string{"<p>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Render(tc.in)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q) = %q, want it to contain %q", tc.in, got, w)
				}
			}
			for _, f := range tc.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("Render(%q) = %q, must not contain %q", tc.in, got, f)
				}
			}
		})
	}
}
