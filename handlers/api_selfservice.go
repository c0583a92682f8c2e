package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

// maxJSONBody bounds the JSON bodies of the self-service and plan
// endpoints: far more than any valid request needs.
const maxJSONBody = 64 << 10

// APISelfServiceStore is what the developer endpoints of the JSON API need
// from persistence. Every read and write is scoped to the viewer: another
// developer's application, key or subscription is NotFound.
type APISelfServiceStore interface {
	FindAPIProduct(ctx context.Context, subsidiary, api string) (models.APIProduct, error)
	ListPlans(ctx context.Context, apiID int64, audiences []models.Audience) ([]models.Plan, error)
	ListApplications(ctx context.Context, viewerID int64) ([]models.Application, error)
	FindApplication(ctx context.Context, viewerID, appID int64) (models.Application, error)
	CreateApplication(ctx context.Context, actor models.Actor, viewerID int64, app models.Application) (models.Application, error)
	UpdateApplication(ctx context.Context, actor models.Actor, viewerID, appID int64, u models.ApplicationUpdate) (models.Application, error)
	ListCredentials(ctx context.Context, viewerID, appID int64) ([]models.Credential, error)
	AddCredential(ctx context.Context, actor models.Actor, viewerID int64, c models.Credential) (models.Credential, error)
	RotateCredential(ctx context.Context, actor models.Actor, viewerID, credentialID int64, next models.Credential, grace time.Duration) (models.Credential, models.Credential, error)
	RevokeCredential(ctx context.Context, actor models.Actor, viewerID, credentialID int64) error
	ListSubscriptions(ctx context.Context, viewerID, appID int64) ([]models.Subscription, error)
	Subscribe(ctx context.Context, actor models.Actor, viewerID, appID, planID int64, audiences []models.Audience) (models.Subscription, error)
	CancelSubscription(ctx context.Context, actor models.Actor, viewerID, subID int64) (models.Subscription, error)
}

// recentSignIn is what the key endpoints need from the sign-in middleware.
// *Auth satisfies it.
type recentSignIn interface {
	RecentSignIn(r *http.Request) bool
}

// APISelfServiceHandler serves the developer's self-service JSON API:
// the plans of an API, and the viewer's applications with their keys and
// subscriptions.
type APISelfServiceHandler struct {
	st     APISelfServiceStore
	errs   *ErrorRenderer
	guard  routeGuard
	recent recentSignIn
	keys   *credentials.Hasher
	now    func() time.Time
}

// NewAPISelfServiceHandler returns the self-service endpoints over st. keys
// digests new keys (nil: creating and rotating keys answer 503); recent
// says whether the viewer signed in recently enough to receive a secret.
func NewAPISelfServiceHandler(st APISelfServiceStore, errs *ErrorRenderer, guard routeGuard, recent recentSignIn, keys *credentials.Hasher, now func() time.Time) *APISelfServiceHandler {
	if now == nil {
		now = time.Now
	}
	return &APISelfServiceHandler{st: st, errs: errs, guard: guard, recent: recent, keys: keys, now: now}
}

// Routes registers the endpoints under /api/v1: the plans of an API for
// everyone, the rest for signed-in users who may manage applications.
func (h *APISelfServiceHandler) Routes(r chi.Router) {
	r.Get("/apis/{subsidiary}/{api}/plans", h.listPlans)
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequireSignIn, h.guard.Require(models.ActionManageApps, ""))
		r.Get("/applications", h.listApps)
		r.Post("/applications", h.createApp)
		r.Get("/applications/{appID}", h.showApp)
		r.Patch("/applications/{appID}", h.updateApp)
		r.Get("/applications/{appID}/keys", h.listKeys)
		r.Post("/applications/{appID}/keys", h.createKey)
		r.Post("/applications/{appID}/keys/{keyID}/rotate", h.rotateKey)
		r.Delete("/applications/{appID}/keys/{keyID}", h.revokeKey)
		r.Get("/applications/{appID}/subscriptions", h.listSubs)
		r.Post("/applications/{appID}/subscriptions", h.subscribe)
		r.Delete("/applications/{appID}/subscriptions/{subID}", h.cancelSub)
	})
}

// listPlans lists the published plans of an API the viewer may see, in the
// audiences the viewer may subscribe to (anonymous visitors: public and
// partner plans).
func (h *APISelfServiceHandler) listPlans(w http.ResponseWriter, r *http.Request) {
	sub, api := chi.URLParam(r, "subsidiary"), chi.URLParam(r, "api")
	p, err := findVisibleProduct(r, h.st, sub, api)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	plans, err := h.st.ListPlans(r.Context(), p.API.ID, ViewerFrom(r.Context()).Audiences())
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	out := listJSON[planJSON]{Items: []planJSON{}}
	for _, pl := range plans {
		if pl.State == models.PlanPublished {
			out.Items = append(out.Items, newPlanJSON(pl))
		}
	}
	if ViewerFrom(r.Context()) == nil {
		w.Header().Set("Cache-Control", "no-cache")
	}
	writeJSON(w, http.StatusOK, out)
}

// viewerID is the signed-in user's ID; the routes that call it are guarded
// by RequireSignIn.
func viewerID(r *http.Request) int64 { return ViewerFrom(r.Context()).User.ID }

func (h *APISelfServiceHandler) listApps(w http.ResponseWriter, r *http.Request) {
	apps, err := h.st.ListApplications(r.Context(), viewerID(r))
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	out := listJSON[applicationJSON]{Items: make([]applicationJSON, 0, len(apps))}
	for _, a := range apps {
		out.Items = append(out.Items, newApplicationJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
}

// applicationRequest is the body of POST /applications. The owner is the
// viewer, or the viewer's team when team_id is set; nothing else about
// ownership or status is read (THREATS API3).
type applicationRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	TeamID      *int64   `json:"team_id"`
	IPAllowlist []string `json:"ip_allowlist"`
}

func (h *APISelfServiceHandler) createApp(w http.ResponseWriter, r *http.Request) {
	var req applicationRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	app := models.Application{
		Name: strings.TrimSpace(req.Name), Description: strings.TrimSpace(req.Description),
		IPAllowlist: trimAll(req.IPAllowlist), Status: models.ApplicationActive, AppID: credentials.NewAppID(),
	}
	if req.TeamID != nil {
		app.OwnerTeamID = req.TeamID
	} else {
		id := viewerID(r)
		app.OwnerUserID = &id
	}
	app, err := h.st.CreateApplication(r.Context(), ActorFrom(r), viewerID(r), app)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	w.Header().Set("Location", applicationPath(app.ID))
	writeJSON(w, http.StatusCreated, newApplicationJSON(app))
}

func (h *APISelfServiceHandler) showApp(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	app, err := h.st.FindApplication(r.Context(), viewerID(r), appID)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newApplicationJSON(app))
}

// applicationPatch is the body of PATCH /applications/{appID}: fields left
// out (or null) stay as they are.
type applicationPatch struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	IPAllowlist *[]string `json:"ip_allowlist"`
}

func (h *APISelfServiceHandler) updateApp(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	var req applicationPatch
	if err := decodeJSON(w, r, &req, false); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	u := models.ApplicationUpdate{Name: trimPtr(req.Name), Description: trimPtr(req.Description)}
	if req.IPAllowlist != nil {
		l := trimAll(*req.IPAllowlist)
		u.IPAllowlist = &l
	}
	app, err := h.st.UpdateApplication(r.Context(), ActorFrom(r), viewerID(r), appID, u)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newApplicationJSON(app))
}

func (h *APISelfServiceHandler) listKeys(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	creds, err := h.st.ListCredentials(r.Context(), viewerID(r), appID)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	out := listJSON[keyJSON]{Items: make([]keyJSON, 0, len(creds))}
	for _, c := range creds {
		out.Items = append(out.Items, newKeyJSON(c, h.now()))
	}
	writeJSON(w, http.StatusOK, out)
}

// keyRequest is the body of POST /applications/{appID}/keys.
type keyRequest struct {
	Name      string                `json:"name"`
	Kind      models.CredentialKind `json:"kind"`
	ExpiresAt *time.Time            `json:"expires_at"`
}

func (h *APISelfServiceHandler) createKey(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if !h.requireRecentSignIn(w, r, "create a key") {
		return
	}
	// Someone else's application is 404 before anything else is said
	// about the request (a key is made only for an application shown).
	if _, err := h.st.FindApplication(r.Context(), viewerID(r), appID); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	var req keyRequest
	if err := decodeJSON(w, r, &req, true); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if req.Kind == "" {
		req.Kind = models.CredentialAppKey
	}
	if req.Kind != models.CredentialAppKey && req.Kind != models.CredentialAPIKey {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The key is not valid.",
			Details: []string{fmt.Sprintf("kind %q is not app_key or api_key", clipField(string(req.Kind), 40))}})
		return
	}
	secret, c, err := newCredential(h.keys, appID, req.Kind, strings.TrimSpace(req.Name), req.ExpiresAt)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	c, err = h.st.AddCredential(r.Context(), ActorFrom(r), viewerID(r), c)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	h.writeSecret(w, r, appID, c, secret, nil)
}

// rotateRequest is the body of POST …/keys/{keyID}/rotate.
// The new key expires at expires_at (never by default), like a new key,
// whatever the old key's expiry was.
type rotateRequest struct {
	GraceSeconds int64      `json:"grace_seconds"`
	ExpiresAt    *time.Time `json:"expires_at"`
}

func (h *APISelfServiceHandler) rotateKey(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	keyID, err := idParam(r, "keyID", "key")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if !h.requireRecentSignIn(w, r, "rotate a key") {
		return
	}
	var req rotateRequest
	if err := decodeJSON(w, r, &req, true); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if req.GraceSeconds < 0 || req.GraceSeconds > int64(maxGrace/time.Second) {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The rotation is not valid.",
			Details: []string{fmt.Sprintf("grace_seconds must be from 0 to %d (30 days)", int64(maxGrace/time.Second))}})
		return
	}
	// The key must be this application's: the store scopes the key to the
	// viewer, and the application in the URL must match it too.
	old, err := h.findKey(r, appID, keyID)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	secret, next, err := newCredential(h.keys, appID, old.Kind, old.Name, req.ExpiresAt)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	next, prev, err := h.st.RotateCredential(r.Context(), ActorFrom(r), viewerID(r), keyID, next, time.Duration(req.GraceSeconds)*time.Second)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	h.writeSecret(w, r, appID, next, secret, &prev)
}

// maxGrace is the longest grace period of a rotation the API accepts (the
// store's MaxRotationGrace).
const maxGrace = 30 * 24 * time.Hour

func (h *APISelfServiceHandler) revokeKey(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	keyID, err := idParam(r, "keyID", "key")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if _, err := h.findKey(r, appID, keyID); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if err := h.st.RevokeCredential(r.Context(), ActorFrom(r), viewerID(r), keyID); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// findKey returns the key keyID of the viewer's application appID; a key
// of another application, or of someone else's, is NotFound.
func (h *APISelfServiceHandler) findKey(r *http.Request, appID, keyID int64) (models.Credential, error) {
	creds, err := h.st.ListCredentials(r.Context(), viewerID(r), appID)
	if err != nil {
		return models.Credential{}, err
	}
	for _, c := range creds {
		if c.ID == keyID {
			return c, nil
		}
	}
	return models.Credential{}, models.Errorf(models.NotFound, "Application %d has no key %d.", appID, keyID)
}

// requireRecentSignIn answers 401 unless the viewer signed in less than
// RecentSignInWindow ago: a secret is handed out only to someone who just
// proved who they are.
func (h *APISelfServiceHandler) requireRecentSignIn(w http.ResponseWriter, r *http.Request, what string) bool {
	if h.recent.RecentSignIn(r) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Session realm="portico", error="sign_in_too_old"`)
	h.errs.renderStatus(w, r, http.StatusUnauthorized, fmt.Sprintf(
		"To %s you must have signed in within the last %d minutes, and your session is older. Sign out and sign in to the portal again, then retry within %d minutes. Listing keys does not need this.",
		what, int(RecentSignInWindow/time.Minute), int(RecentSignInWindow/time.Minute)), nil)
	return false
}

// writeSecret answers 201 with a new key and its secret, which is never
// shown again: the response must not be stored by any cache.
func (h *APISelfServiceHandler) writeSecret(w http.ResponseWriter, r *http.Request, appID int64, c models.Credential, secret string, replaced *models.Credential) {
	body := newKeyJSON(c, h.now())
	out := createdKeyJSON{keyJSON: body, Key: secret}
	if replaced != nil {
		prev := newKeyJSON(*replaced, h.now())
		out.Replaces = &prev
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", applicationPath(appID)+"/keys")
	writeJSON(w, http.StatusCreated, out)
}

func (h *APISelfServiceHandler) listSubs(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	subs, err := h.st.ListSubscriptions(r.Context(), viewerID(r), appID)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSubscriptionsJSON(subs))
}

// subscribeRequest is the body of POST …/subscriptions.
type subscribeRequest struct {
	PlanID int64 `json:"plan_id"`
}

func (h *APISelfServiceHandler) subscribe(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	var req subscribeRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if req.PlanID <= 0 {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The subscription is not valid.",
			Details: []string{"plan_id is required: the ID of a published plan (GET /api/v1/apis/{subsidiary}/{api}/plans lists them)"}})
		return
	}
	v := ViewerFrom(r.Context())
	s, err := h.st.Subscribe(r.Context(), ActorFrom(r), v.User.ID, appID, req.PlanID, v.Audiences())
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	w.Header().Set("Location", applicationPath(appID)+"/subscriptions")
	writeJSON(w, http.StatusCreated, newSubscriptionJSON(s))
}

func (h *APISelfServiceHandler) cancelSub(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	subID, err := idParam(r, "subID", "subscription")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	subs, err := h.st.ListSubscriptions(r.Context(), viewerID(r), appID)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	found := false
	for _, s := range subs {
		found = found || s.ID == subID
	}
	if !found {
		h.errs.Render(w, r, models.Errorf(models.NotFound, "Application %d has no subscription %d.", appID, subID))
		return
	}
	s, err := h.st.CancelSubscription(r.Context(), ActorFrom(r), viewerID(r), subID)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSubscriptionJSON(s))
}

func applicationPath(id int64) string {
	return "/api/v1/applications/" + strconv.FormatInt(id, 10)
}

// The JSON shapes of the self-service API (see handlers/apidoc).

type listJSON[T any] struct {
	Items []T `json:"items"`
}

type applicationJSON struct {
	ID          int64     `json:"id"`
	AppID       string    `json:"app_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	TeamID      *int64    `json:"team_id"`
	IPAllowlist []string  `json:"ip_allowlist"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func newApplicationJSON(a models.Application) applicationJSON {
	ips := a.IPAllowlist
	if ips == nil {
		ips = []string{}
	}
	return applicationJSON{
		ID: a.ID, AppID: a.AppID, Name: a.Name, Description: a.Description, TeamID: a.OwnerTeamID,
		IPAllowlist: ips, Status: string(a.Status), CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
}

// keyJSON is a key as listed: never its secret, never its digest.
type keyJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Prefix     string     `json:"prefix"`
	Live       bool       `json:"live"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// createdKeyJSON is a new key with its secret, shown this once.
type createdKeyJSON struct {
	keyJSON
	Key      string   `json:"key"`
	Replaces *keyJSON `json:"replaces,omitempty"`
}

func newKeyJSON(c models.Credential, now time.Time) keyJSON {
	return keyJSON{
		ID: c.ID, Name: c.Name, Kind: string(c.Kind), Prefix: c.Prefix, Live: c.Live(now),
		ExpiresAt: utcPtr(c.ExpiresAt), RevokedAt: utcPtr(c.RevokedAt), LastUsedAt: utcPtr(c.LastUsedAt),
		CreatedAt: c.CreatedAt.UTC(),
	}
}

type subscriptionJSON struct {
	ID              int64      `json:"id"`
	ApplicationID   int64      `json:"application_id"`
	APIID           int64      `json:"api_id"`
	PlanID          int64      `json:"plan_id"`
	State           string     `json:"state"`
	DecisionComment string     `json:"decision_comment"`
	DecidedAt       *time.Time `json:"decided_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func newSubscriptionJSON(s models.Subscription) subscriptionJSON {
	return subscriptionJSON{
		ID: s.ID, ApplicationID: s.ApplicationID, APIID: s.APIID, PlanID: s.PlanID, State: string(s.State),
		DecisionComment: s.DecisionComment, DecidedAt: utcPtr(s.DecidedAt),
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(),
	}
}

func newSubscriptionsJSON(subs []models.Subscription) listJSON[subscriptionJSON] {
	out := listJSON[subscriptionJSON]{Items: make([]subscriptionJSON, 0, len(subs))}
	for _, s := range subs {
		out.Items = append(out.Items, newSubscriptionJSON(s))
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func trimPtr(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

func clipField(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decodeJSON reads the request body, a JSON object of at most maxJSONBody
// bytes, into dst. Unknown fields, values of the wrong type and anything
// after the object are refused with a precise error (422, each problem in
// the details), a body that is not JSON with 400, a body that is too large
// with 413 and another content type with 415. An empty body is an empty
// object when optional is true, else refused.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any, optional bool) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return models.Errorf(models.TooLarge, "The request body is larger than the limit of %s.", formatBytes(maxJSONBody))
		}
		return &statusError{status: http.StatusBadRequest, msg: "The request body could not be read completely."}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if optional {
			return nil
		}
		return &statusError{status: http.StatusBadRequest, msg: "The request body is empty: send a JSON object (Content-Type: application/json)."}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &statusError{status: http.StatusUnsupportedMediaType, msg: "Send the request body as JSON, with Content-Type: application/json."}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, data)
	}
	if dec.More() {
		return &statusError{status: http.StatusBadRequest, msg: "The request body has more after the JSON object: send exactly one object."}
	}
	return nil
}

// jsonError explains a decoding error without echoing Go's error text.
func jsonError(err error, data []byte) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tpe *time.ParseError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return &statusError{status: http.StatusBadRequest, msg: fmt.Sprintf("The request body is not valid JSON: a syntax error at line %d, column %d.", line, col)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &statusError{status: http.StatusBadRequest, msg: "The request body is not valid JSON: it ends in the middle of a value."}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return models.Errorf(models.Invalid, "The request body must be a JSON object, not a JSON %s.", typ.Value)
		}
		return &models.Error{Kind: models.Invalid, Message: "A field of the request has the wrong type.",
			Details: []string{fmt.Sprintf("%s must be %s, not a JSON %s", field, jsonTypeName(typ.Type.String()), typ.Value)}}
	case errors.As(err, &tpe):
		return &models.Error{Kind: models.Invalid, Message: "A date in the request is not valid.",
			Details: []string{"expires_at must be a date and time in RFC 3339 format, for example 2027-01-31T00:00:00Z"}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return &models.Error{Kind: models.Invalid, Message: "The request has a field this endpoint does not accept.",
			Details: []string{fmt.Sprintf("%s is not a field of this request (see /api/v1/openapi.json)", clipField(name, 80))}}
	}
	return &statusError{status: http.StatusBadRequest, msg: "The request body is not valid JSON."}
}

// jsonTypeName names a Go type the way a JSON client thinks of it.
func jsonTypeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string", strings.HasPrefix(goType, "models."):
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "handlers."), strings.HasPrefix(goType, "struct"):
		return "an object"
	case goType == "time.Time":
		return "an RFC 3339 date and time"
	}
	return "another type"
}

// position returns the 1-based line and column of a byte offset.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}
