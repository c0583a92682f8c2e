// Package static holds the portal's built assets (Tailwind CSS, htmx, images),
// embedded into the binary so Portico runs without npm or a CDN.
package static

import "embed"

// FS holds app.css, app.js (copy buttons), htmx.min.js and the images. static/src holds the
// Tailwind input and is not served.
//
//go:embed app.css app.js htmx.min.js img
var FS embed.FS
