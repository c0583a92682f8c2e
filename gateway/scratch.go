package gateway

import (
	"net/netip"
	"strconv"
	"strings"
	"unsafe"

	"github.com/portico/portico/gateway/limits"
)

// scratch holds the header values a request makes (request ID, RateLimit,
// X-Forwarded-For, X-Forwarded-Host) in one allocation: their text is
// appended to buf and each string views its own, never rewritten, part of
// it.
type scratch struct {
	id, rl, forwardedFor, forwardedHost [1]string
	n                                   int
	buf                                 [160]byte
}

// str appends the bytes add wrote after the used part of buf, and returns
// them as a string; when they do not fit, it falls back to a heap string.
func (s *scratch) str(add func([]byte) []byte) string {
	b := add(s.buf[s.n:s.n])
	if len(b) == 0 {
		return ""
	}
	if unsafe.SliceData(b) != unsafe.SliceData(s.buf[s.n:]) {
		return string(b) // grown beyond buf: b is a fresh heap slice
	}
	s.n += len(b)
	return unsafe.String(&b[0], len(b))
}

func (s *scratch) requestID(prefix string, n uint64) []string {
	s.id[0] = s.str(func(b []byte) []byte { return strconv.AppendUint(append(b, prefix...), n, 16) })
	return s.id[:]
}

func (s *scratch) clientAddr(a netip.Addr) []string {
	s.forwardedFor[0] = s.str(a.AppendTo)
	return s.forwardedFor[:]
}

func (s *scratch) host(h string) []string {
	s.forwardedHost[0] = h
	return s.forwardedHost[:]
}

// rateLimitField is the text of a RateLimit field up to its remaining
// count, for example `"plan-12-second";r=`, taken from limits.HeaderValues
// so both always agree.
func rateLimitField(p *limits.Policy, rule limits.Rule) string {
	_, rv := limits.HeaderValues(p, limits.Decision{Rule: rule})
	if i := strings.LastIndex(rv, ";r="); i >= 0 {
		return rv[:i+3]
	}
	return ""
}

// ruleField is the RateLimit field prefix of one rule of one policy.
type ruleField struct {
	rule  limits.Rule
	field string
}

// ruleFields lists the fields of every rule of the subjects' policies.
func ruleFields(subjects []limits.Subject) []ruleField {
	var fs []ruleField
	for _, s := range subjects {
		for _, r := range s.Policy.Rules {
			if f := rateLimitField(s.Policy, r); f != "" {
				fs = append(fs, ruleField{r, f})
			}
		}
	}
	return fs
}

// field finds the prefix of the decision's rule (the most restrictive
// one); the first rule's when none matches.
func field(fs []ruleField, r limits.Rule) string {
	if len(fs) == 0 {
		return ""
	}
	f := fs[0].field
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].rule == r {
			f = fs[i].field
		}
	}
	return f
}

// rateLimit formats the RateLimit header of decision d under the field
// prefix (see rateLimitField), as limits.HeaderValues does.
func (s *scratch) rateLimit(prefix string, d limits.Decision) []string {
	t := int64(d.Reset / 1e9)
	if d.Reset%1e9 > 0 {
		t++ // whole seconds, rounded up
	}
	s.rl[0] = s.str(func(b []byte) []byte {
		b = strconv.AppendInt(append(b, prefix...), max(d.Remaining, 0), 10)
		return strconv.AppendInt(append(b, ";t="...), max(t, 0), 10)
	})
	return s.rl[:]
}
