package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/portico/portico/gateway/spec"
)

// problemBase prefixes the type URIs of the gateway's problems.
const problemBase = "https://portico.dev/problems/"

// problem is an RFC 9457 problem detail.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []spec.FieldError `json:"errors,omitempty"`
}

// refusal is why the gateway answers instead of the upstream.
type refusal struct {
	status int
	kind   string // the problem type's last segment; also the metrics reason
	title  string
	detail string
}

var (
	errBadPath         = refusal{http.StatusBadRequest, "bad-path", "Path not accepted", "The path holds dot segments, encoded separators, backslashes, empty segments or path parameters; send it in its plain, normalized form."}
	errBadTarget       = refusal{http.StatusBadRequest, "bad-request", "Bad request", "The request target must be a path (origin form)."}
	errCredsInQuery    = refusal{http.StatusBadRequest, "credentials-in-url", "Credentials in the URL", "Send credentials in the X-App-Id and X-App-Key (or X-Api-Key) headers: URLs end up in logs and browser histories."}
	errNoPreflight     = refusal{http.StatusForbidden, "cors-origin-not-allowed", "Origin not allowed", "This API does not accept cross-origin calls from this origin."}
	errNoRoute         = refusal{http.StatusNotFound, "not-found", "Not found", "No API is served at this path."}
	errNoOperation     = refusal{http.StatusNotFound, "not-found", "Not found", "This API has no operation at this path."}
	errMethod          = refusal{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", "This operation does not take this method; see Allow."}
	errRetired         = refusal{http.StatusGone, "retired", "API version retired", "This API version has been retired; see the developer portal for its successor."}
	errNoCreds         = refusal{http.StatusUnauthorized, "missing-credentials", "Credentials required", "Send X-App-Id and X-App-Key, or X-Api-Key, as the plan of your subscription requires."}
	errBadCreds        = refusal{http.StatusUnauthorized, "invalid-credentials", "Invalid credentials", "The application ID or key is not valid."}
	errExpired         = refusal{http.StatusUnauthorized, "expired-credentials", "Key expired", "This key has expired; create a new one in the developer portal."}
	errSuspended       = refusal{http.StatusForbidden, "application-suspended", "Application suspended", "This application is suspended; its keys do not work."}
	errNotSubscribed   = refusal{http.StatusForbidden, "not-subscribed", "Not subscribed", "This application has no active subscription to this API."}
	errWrongKeyKind    = refusal{http.StatusForbidden, "wrong-credential-kind", "Wrong kind of credential", "The plan of this subscription takes another kind of credential (key pair or single API key)."}
	errOpNotInPlan     = refusal{http.StatusForbidden, "operation-not-in-plan", "Operation not in plan", "The plan of this subscription does not include this operation."}
	errIPNotAllowed    = refusal{http.StatusForbidden, "ip-not-allowed", "Address not allowed", "This application accepts calls only from the addresses on its allowlist."}
	errBadBody         = refusal{http.StatusBadRequest, "bad-body", "Malformed body", "The request body's chunked framing is malformed."}
	errTooLarge        = refusal{http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large", "The request body is larger than this API accepts."}
	errRateLimited     = refusal{http.StatusTooManyRequests, "rate-limited", "Rate limit reached", "Too many requests for the plan's rate limit; retry after the time in Retry-After."}
	errQuotaExceeded   = refusal{http.StatusTooManyRequests, "quota-exceeded", "Quota exhausted", "The plan's quota for this period is used up; it renews at the time in Retry-After."}
	errSpikeArrest     = refusal{http.StatusTooManyRequests, "spike-arrest", "Too fast", "Requests arrive faster than the plan's spike arrest allows; space them out."}
	errLimiterDown     = refusal{http.StatusServiceUnavailable, "limits-unavailable", "Limits unavailable", "The gateway cannot check the plan's limits right now; retry shortly."}
	errUpstream        = refusal{http.StatusBadGateway, "upstream-error", "Upstream error", "The API's backend did not give a valid answer."}
	errUpstreamTime    = refusal{http.StatusGatewayTimeout, "upstream-timeout", "Upstream timeout", "The API's backend did not answer in time."}
	errNotReady        = refusal{http.StatusServiceUnavailable, "not-ready", "Gateway not ready", "The gateway has no configuration yet."}
	errInvalidRequest  = refusal{http.StatusBadRequest, "invalid-request", "Request does not match the API", "The request does not match the API's OpenAPI document; see errors."}
	errUnsupportedType = refusal{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", "The operation does not take a body of this Content-Type."}
	errNotImplemented  = refusal{http.StatusNotImplemented, "not-implemented", "Not implemented", "This operation has no answer yet."}
)

// write sends the refusal as application/problem+json.
func (f refusal) write(w http.ResponseWriter, r *http.Request, requestID string) {
	f.writeErrors(w, r, requestID, nil)
}

// writeErrors sends the refusal with a list of errors.
func (f refusal) writeErrors(w http.ResponseWriter, r *http.Request, requestID string, errs []spec.FieldError) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	body, _ := json.Marshal(problem{
		Type: problemBase + f.kind, Title: f.title, Status: f.status, Detail: f.detail, RequestID: requestID, Errors: errs,
	})
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
