package gateway

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portico/portico/gateway/limits"
)

// compiled is a snapshot in the form the request path reads: maps built
// once, policies shared by every request, documents parsed.
type compiled struct {
	snap     *Snapshot
	routes   map[string]*route // by base path
	maxDepth int               // most segments in a base path
	apps     map[string]*app   // by public app_id
	apiKeys  map[[32]byte]*cred
	loadedAt time.Time
}

type route struct {
	*Route
	upstream     *url.URL
	upstreamPath string            // the upstream's escaped base path, without a trailing "/"
	transport    http.RoundTripper // pooled, one per upstream host
	ops          []*operation      // most literal segments first
	mock         *mockDoc          // no upstream: answers from the document
	doc          *loadedDoc        // Validate: the document requests are checked against
	allowOrigin  map[string]bool
	anyOrigin    bool
	queryCreds   bool // a plan of this API takes credentials in the query
	// Identity header values, built once (the upstream request shares them).
	subsidiaryHdr, apiHdr, versionHdr []string
}

type operation struct {
	*Operation
	segments []string // "" for a {param} segment
	params   []string // the parameter's name for a {param} segment, else ""
	literals int
}

type app struct {
	*App
	keys  []*cred                 // app_keys
	subs  map[int64]*subscription // by API ID
	allow []netip.Prefix
	// Identity header values, built once.
	appIDHdr, rowHdr []string
}

// subscription is an application's subscription with everything the
// request path needs from it prepared: the limiter's subjects (the plan's
// policy, plus an operation's own when it has one) and their
// RateLimit-Policy header.
type subscription struct {
	plan       *plan
	subjects   []limits.Subject
	policyHdr  []string
	fields     []ruleField
	opSubjects map[string][]limits.Subject
	opHdr      map[string][]string
	opFields   map[string][]ruleField
}

// limitsOf returns the subjects, RateLimit-Policy value and RateLimit
// fields that apply to operation op.
func (s *subscription) limitsOf(op string) ([]limits.Subject, []string, []ruleField) {
	if subj, ok := s.opSubjects[op]; ok {
		return subj, s.opHdr[op], s.opFields[op]
	}
	return s.subjects, s.policyHdr, s.fields
}

type cred struct {
	*Credential
	digest [32]byte
	app    *app
}

type plan struct {
	*Plan
	policy   *limits.Policy            // nil when the plan has no limits
	opPolicy map[string]*limits.Policy // per operation ID
	allowed  map[string]bool           // nil: every operation
	planHdr  []string                  // X-Portico-Plan
}

// compile checks and indexes a snapshot. It refuses a snapshot the gateway
// could not serve correctly (the previous one keeps serving).
func compile(s *Snapshot, transportFor func(*url.URL) http.RoundTripper, docs map[int]*loadedDoc) (*compiled, error) {
	if s == nil {
		return nil, errors.New("no snapshot")
	}
	c := &compiled{snap: s, routes: map[string]*route{}, apps: map[string]*app{}, apiKeys: map[[32]byte]*cred{}, loadedAt: time.Now()}
	var problems []error
	bad := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Errorf(format, args...))
		}
	}
	for i := range s.Routes {
		r := &route{Route: &s.Routes[i]}
		if err := checkBasePath(r.BasePath); err != nil {
			bad("route %s/%s %s: %v", r.Subsidiary, r.API, r.Version, err)
			continue
		}
		if _, dup := c.routes[r.BasePath]; dup {
			bad("base path %s is used by two versions", r.BasePath)
			continue
		}
		switch r.State {
		case "published", "deprecated", "retired":
		default:
			bad("route %s: state %q is not published, deprecated or retired", r.BasePath, r.State)
		}
		if r.Upstream != "" {
			u, err := url.Parse(r.Upstream)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				bad("route %s: upstream %q is not an absolute http(s) URL without credentials, query or fragment", r.BasePath, r.Upstream)
				continue
			}
			u.Path = strings.TrimRight(u.Path, "/")
			u.RawPath = strings.TrimRight(u.RawPath, "/")
			r.upstream, r.upstreamPath = u, u.EscapedPath()
			if strings.HasPrefix(r.upstreamPath, "//") {
				bad("route %s: upstream %q has an empty path segment", r.BasePath, r.Upstream)
				continue
			}
			r.transport = transportFor(u)
		}
		if needsDocument(r.Route) {
			d := docs[i]
			if d == nil {
				bad("route %s: its document is not loaded", r.BasePath)
				continue
			}
			if r.Upstream == "" {
				r.mock = d.mock
			}
			if r.Validate {
				r.doc = d
			}
		}
		for j := range r.Operations {
			op := &operation{Operation: &r.Operations[j]}
			for _, seg := range strings.Split(strings.Trim(op.Path, "/"), "/") {
				name := ""
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					seg, name = "", seg[1:len(seg)-1]
				} else {
					op.literals++
				}
				op.segments = append(op.segments, seg)
				op.params = append(op.params, name)
			}
			if op.Path == "/" {
				op.segments, op.params = nil, nil
			}
			r.ops = append(r.ops, op)
		}
		sort.SliceStable(r.ops, func(a, b int) bool { return r.ops[a].literals > r.ops[b].literals })
		if r.CORS != nil {
			r.allowOrigin = map[string]bool{}
			for _, o := range r.CORS.AllowOrigins {
				if o == "*" {
					r.anyOrigin = true
				}
				r.allowOrigin[o] = true
			}
		}
		r.subsidiaryHdr, r.apiHdr, r.versionHdr = []string{r.Subsidiary}, []string{r.API}, []string{r.Version}
		c.routes[r.BasePath] = r
		c.maxDepth = max(c.maxDepth, strings.Count(r.BasePath, "/"))
	}
	// A base path inside another one would take part of its paths.
	for bp := range c.routes {
		for p := bp; ; {
			i := strings.LastIndexByte(p, '/')
			if i <= 0 {
				break
			}
			p = p[:i]
			if _, ok := c.routes[p]; ok {
				bad("base path %s lies inside base path %s", bp, p)
			}
		}
	}
	plans := map[int64]*plan{}
	for i := range s.Plans {
		p := &plan{Plan: &s.Plans[i]}
		p.policy = policyOf("plan-"+strconv.FormatInt(p.ID, 10), p.Limits)
		for op, l := range p.OperationLimits {
			if pol := policyOf("plan-"+strconv.FormatInt(p.ID, 10)+"-"+op, l); pol != nil {
				if p.opPolicy == nil {
					p.opPolicy = map[string]*limits.Policy{}
				}
				p.opPolicy[op] = pol
			}
		}
		if len(p.Operations) > 0 {
			p.allowed = map[string]bool{}
			for _, op := range p.Operations {
				p.allowed[op] = true
			}
		}
		p.planHdr = []string{strconv.FormatInt(p.ID, 10)}
		plans[p.ID] = p
	}
	for _, r := range c.routes {
		for _, p := range plans {
			if p.APIID == r.APIID && p.QueryCredentials {
				r.queryCreds = true
			}
		}
	}
	byID := map[int64]*app{}
	for i := range s.Apps {
		a := &app{App: &s.Apps[i], subs: map[int64]*subscription{}}
		a.appIDHdr, a.rowHdr = []string{a.AppID}, []string{strconv.FormatInt(a.ID, 10)}
		for _, sub := range a.Subscriptions {
			p, ok := plans[sub.PlanID]
			if !ok {
				bad("application %s: subscription %d names unknown plan %d", a.AppID, sub.ID, sub.PlanID)
				continue
			}
			if p.APIID != sub.APIID {
				bad("application %s: subscription %d to API %d names plan %d of API %d", a.AppID, sub.ID, sub.APIID, p.ID, p.APIID)
				continue
			}
			a.subs[sub.APIID] = subscriptionOf(a.ID, p)
		}
		for _, cidr := range a.IPAllowlist {
			pf, err := netip.ParsePrefix(cidr)
			if err != nil {
				bad("application %s: allowlist entry %q is not a CIDR", a.AppID, cidr)
				continue
			}
			a.allow = append(a.allow, pf.Masked())
		}
		if _, dup := c.apps[a.AppID]; dup {
			bad("app_id %s appears twice", a.AppID)
		}
		c.apps[a.AppID] = a
		byID[a.ID] = a
	}
	for i := range s.Credentials {
		k := &cred{Credential: &s.Credentials[i]}
		d, err := hex.DecodeString(k.Digest)
		if err != nil || len(d) != 32 {
			bad("credential %d: digest is not 32 bytes of hex", k.ID)
			continue
		}
		copy(k.digest[:], d)
		a, ok := byID[k.App]
		if !ok {
			bad("credential %d: unknown application %d", k.ID, k.App)
			continue
		}
		k.app = a
		switch k.Kind {
		case "app_key":
			a.keys = append(a.keys, k)
		case "api_key":
			if _, dup := c.apiKeys[k.digest]; dup {
				bad("credential %d: the same API key twice", k.ID)
			}
			c.apiKeys[k.digest] = k
		default:
			bad("credential %d: kind %q is not app_key or api_key", k.ID, k.Kind)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid snapshot %d: %w", s.Revision, errors.Join(problems...))
	}
	return c, nil
}

// subscriptionOf prepares the limiter subjects of app under plan p.
func subscriptionOf(app int64, p *plan) *subscription {
	s := &subscription{plan: p}
	if p.policy != nil {
		s.subjects = []limits.Subject{{App: app, Policy: p.policy}}
		s.policyHdr, s.fields = policyHeader(s.subjects), ruleFields(s.subjects)
	}
	for op, pol := range p.opPolicy {
		if s.opSubjects == nil {
			s.opSubjects, s.opHdr, s.opFields = map[string][]limits.Subject{}, map[string][]string{}, map[string][]ruleField{}
		}
		subj := append(append([]limits.Subject(nil), s.subjects...), limits.Subject{App: app, Policy: pol})
		s.opSubjects[op], s.opHdr[op], s.opFields[op] = subj, policyHeader(subj), ruleFields(subj)
	}
	return s
}

// policyHeader is the RateLimit-Policy value of the subjects' policies.
func policyHeader(subjects []limits.Subject) []string {
	var parts []string
	for _, s := range subjects {
		if pv, _ := limits.HeaderValues(s.Policy, limits.Decision{}); pv != "" {
			parts = append(parts, pv)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{strings.Join(parts, ", ")}
}

// policyOf turns plan limits into a limiter policy; nil when there are
// none.
func policyOf(name string, l Limits) *limits.Policy {
	p := &limits.Policy{Name: name, SpikeArrest: l.SpikeArrest}
	for _, r := range []limits.Rule{
		{Limit: l.RatePerSecond, Period: limits.Second}, {Limit: l.RatePerMinute, Period: limits.Minute},
		{Limit: l.RatePerHour, Period: limits.Hour}, {Limit: l.QuotaPerDay, Period: limits.Day},
		{Limit: l.QuotaPerMonth, Period: limits.Month},
	} {
		if r.Limit > 0 {
			p.Rules = append(p.Rules, r)
		}
	}
	if len(p.Rules) == 0 && p.SpikeArrest == 0 {
		return nil
	}
	return p
}

// checkBasePath accepts /segment/segment… of unreserved characters.
func checkBasePath(p string) error {
	if p == "" || p[0] != '/' || strings.HasSuffix(p, "/") {
		return fmt.Errorf("base path %q must start with / and not end with one", p)
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("base path %q has an empty or dot segment", p)
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~') {
				return fmt.Errorf("base path %q may hold only letters, digits and - . _ ~", p)
			}
		}
	}
	return nil
}

// match finds the route of an escaped path and the rest after its base
// path, trying the longest base path first.
func (c *compiled) match(path string) (*route, string) {
	// Cut candidates at each "/" from the right, at most maxDepth deep.
	end := len(path)
	depth := strings.Count(path, "/")
	for depth > c.maxDepth {
		end = strings.LastIndexByte(path[:end], '/')
		depth--
	}
	for end > 0 {
		if r, ok := c.routes[path[:end]]; ok {
			return r, path[end:]
		}
		end = strings.LastIndexByte(path[:end], '/')
	}
	return nil, ""
}

// operation finds the operation of rest (the escaped path after the base
// path) and method; pathKnown tells a method mismatch from an unknown path.
func (r *route) operation(method, rest string) (op *operation, pathKnown bool) {
	for _, o := range r.ops {
		if !o.matches(rest) {
			continue
		}
		pathKnown = true
		if o.Method == method || method == "HEAD" && o.Method == "GET" {
			return o, true
		}
	}
	return nil, pathKnown
}

// matches compares rest segment by segment without allocating.
func (o *operation) matches(rest string) bool {
	rest = strings.TrimPrefix(rest, "/")
	if len(o.segments) == 0 {
		return rest == ""
	}
	for i, seg := range o.segments {
		var part string
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		} else {
			part, rest = rest, ""
			if i != len(o.segments)-1 {
				return false
			}
		}
		if part == "" || seg != "" && seg != part {
			return false
		}
		if i == len(o.segments)-1 && rest != "" {
			return false
		}
	}
	return true
}

// allowedMethods lists the methods of the operations matching rest.
func (r *route) allowedMethods(rest string) string {
	var ms []string
	for _, o := range r.ops {
		if o.matches(rest) {
			ms = append(ms, o.Method)
		}
	}
	sort.Strings(ms)
	return strings.Join(ms, ", ")
}
