package openapi

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/getkin/kin-openapi/openapi3"
)

// PatternMatchTimeout bounds one match of a pattern that needs the
// backtracking engine, so a hostile pattern cannot stall a request.
const PatternMatchTimeout = 100 * time.Millisecond

// CompilePattern compiles a schema "pattern" the way OpenAPI means it: an
// ECMAScript regular expression. Patterns Go's RE2 engine accepts are
// compiled by it (linear time); the others, such as UK Open Banking's
// look-ahead ^(?!\s)(.*)(\S)$, by regexp2 in ECMAScript mode with a match
// timeout (a match that times out does not match). It has the signature of
// kin-openapi's openapi3.RegexCompilerFunc, so the gateway can pass it to
// request validation (openapi3.SetSchemaRegexCompiler).
func CompilePattern(expr string) (openapi3.RegexMatcher, error) {
	return compilePattern(expr)
}

func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	if re, err := regexp.Compile(goRegexp(expr)); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(expr, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = PatternMatchTimeout
	return ecmaMatcher{re}, nil
}

type ecmaMatcher struct{ re *regexp2.Regexp }

func (m ecmaMatcher) MatchString(s string) bool {
	ok, err := m.re.MatchString(s)
	return err == nil && ok
}

var unicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// goRegexp rewrites ECMAScript's \uXXXX escapes into Go's \x{XXXX}.
func goRegexp(expr string) string {
	if !strings.Contains(expr, `\u`) {
		return expr
	}
	return unicodeEscape.ReplaceAllString(expr, `\x{$1}`)
}

// patternErrorText describes why a pattern does not compile, without
// internals.
func patternErrorText(err error) string {
	msg := err.Error()
	var se interface{ Unwrap() error }
	if errors.As(err, &se) && se.Unwrap() != nil {
		msg = se.Unwrap().Error()
	}
	return cleanMessage(strings.TrimPrefix(msg, "error parsing regexp: "))
}
