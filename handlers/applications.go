package handlers

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ApplicationStore is what the developer's application pages need from
// persistence. Every read and change is scoped to the viewer in the store:
// an application the viewer neither owns nor shares through a team is
// NotFound, and so are its keys and subscriptions (THREATS R1).
type ApplicationStore interface {
	ListAppSummaries(ctx context.Context, viewerID int64) ([]models.AppSummary, error)
	ListTeams(ctx context.Context, userID int64) ([]models.Team, error)
	CreateApplication(ctx context.Context, actor models.Actor, viewerID int64, app models.Application) (models.Application, error)
	FindApplication(ctx context.Context, viewerID, appID int64) (models.Application, error)
	UpdateApplication(ctx context.Context, actor models.Actor, viewerID, appID int64, u models.ApplicationUpdate) (models.Application, error)
	FindAppPage(ctx context.Context, viewerID, appID int64) (models.AppPage, error)
	AddCredential(ctx context.Context, actor models.Actor, viewerID int64, c models.Credential) (models.Credential, error)
	FindAppCredential(ctx context.Context, viewerID, appID, credID int64) (models.Credential, error)
	RotateCredential(ctx context.Context, actor models.Actor, viewerID, credentialID int64, next models.Credential, grace time.Duration) (models.Credential, models.Credential, error)
	RevokeCredential(ctx context.Context, actor models.Actor, viewerID, credentialID int64) error
	FindAppSubscription(ctx context.Context, viewerID, appID, subID int64) (models.Subscription, error)
	CancelSubscription(ctx context.Context, actor models.Actor, viewerID, subID int64) (models.Subscription, error)
	ApplicationUsage(ctx context.Context, viewerID, appID int64, since time.Time) ([]models.UsageTotal, error)
}

// usageDays is the period the application page totals usage over.
const usageDays = 30

// ApplicationsHandler serves the developer's applications: the list, an
// application's page with its keys and subscriptions, and the key actions.
type ApplicationsHandler struct {
	st     ApplicationStore
	pages  *pageRenderer
	auth   *Auth
	hasher *credentials.Hasher // nil: creating keys answers 503
	now    func() time.Time
}

// NewApplicationsHandler returns the application pages' handler. hasher
// digests new keys (nil: key creation answers 503); now is the clock of key
// states (nil: time.Now).
func NewApplicationsHandler(st ApplicationStore, pages *pageRenderer, auth *Auth, hasher *credentials.Hasher, now func() time.Time) *ApplicationsHandler {
	if now == nil {
		now = time.Now
	}
	return &ApplicationsHandler{st: st, pages: pages, auth: auth, hasher: hasher, now: now}
}

// Routes registers the application pages, for signed-in users who may
// manage applications (developers and group staff).
func (h *ApplicationsHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.auth.RequireSignIn, h.auth.Require(models.ActionManageApps, ""))
		r.Get("/apps", h.list)
		r.Post("/apps", h.create)
		r.Get("/apps/{appID}", h.show)
		r.Post("/apps/{appID}", h.update)
		r.Post("/apps/{appID}/keys", h.createKey)
		r.Post("/apps/{appID}/keys/{keyID}/rotate", h.rotateKey)
		r.Post("/apps/{appID}/keys/{keyID}/revoke", h.revokeKey)
		r.Post("/apps/{appID}/subscriptions/{subID}/cancel", h.cancelSubscription)
	})
}

// appNotices are the confirmations of the application pages, by the code
// in the "done" query parameter. Only these fixed texts are ever shown.
var appNotices = map[string]string{
	"created":    "The application was created. Create a key below, and subscribe it to an API from the catalog.",
	"saved":      "Your changes were saved.",
	"revoked":    "The key was revoked: calls made with it are refused from now on.",
	"cancelled":  "The subscription was cancelled: calls to that API with this application's keys are refused from now on.",
	"subscribed": "Subscribed: the subscription is active, and this application's keys work with the API now.",
	"requested":  "Request sent for approval: an administrator of the API's company reviews it. Its state shows below.",
}

// list shows the viewer's applications and the create form.
func (h *ApplicationsHandler) list(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, views.AppForm{Owner: views.OwnerMe}, appNotices[r.URL.Query().Get("done")])
}

// appForm is the create and edit form of an application.
type appForm struct {
	Name        string
	Description string
	Owner       string
	IPAllowlist []string
	raw         string // the allowlist as typed
}

func parseAppForm(r *http.Request) appForm {
	f := appForm{
		Name:        cleanText(r.PostFormValue("name")),
		Description: strings.TrimSpace(r.PostFormValue("description")),
		Owner:       strings.TrimSpace(r.PostFormValue("owner")),
		raw:         r.PostFormValue("ip_allowlist"),
	}
	for _, line := range strings.FieldsFunc(f.raw, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if line = strings.TrimSpace(line); line != "" {
			f.IPAllowlist = append(f.IPAllowlist, line)
		}
	}
	return f
}

// Validate returns field → problem. teams are the viewer's teams, of which
// the owner must be one (or "me"); nil skips the owner (editing).
func (f appForm) Validate(teams []models.Team, checkOwner bool) views.FieldErrors {
	p := views.FieldErrors{}
	switch {
	case f.Name == "":
		p["name"] = "Enter the application's name, for example “Mobile banking app”."
	case utf8.RuneCountInString(f.Name) > models.MaxNameLen:
		p["name"] = "The name is too long: at most " + strconv.Itoa(models.MaxNameLen) + " characters."
	}
	if utf8.RuneCountInString(f.Description) > models.MaxSummaryLen {
		p["description"] = "The description is too long: at most " + strconv.Itoa(models.MaxSummaryLen) + " characters."
	}
	if checkOwner && f.Owner != views.OwnerMe && f.Owner != "" {
		if _, ok := ownerTeam(teams, f.Owner); !ok {
			p["owner"] = "Choose yourself or one of your teams."
		}
	}
	if len(f.IPAllowlist) > models.MaxIPAllowlist {
		p["ip_allowlist"] = "At most " + strconv.Itoa(models.MaxIPAllowlist) + " entries."
	} else {
		for _, c := range f.IPAllowlist {
			pf, err := netip.ParsePrefix(c)
			if err != nil {
				p["ip_allowlist"] = "“" + clip(c, 60) + "” is not a CIDR: write an address and a prefix length, such as 192.0.2.0/24 or 2001:db8::/32."
				break
			}
			if pf.Masked() != pf {
				p["ip_allowlist"] = "“" + c + "” has host bits set: did you mean " + pf.Masked().String() + "?"
				break
			}
		}
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

// view is the form as it is shown again.
func (f appForm) view(problems views.FieldErrors) views.AppForm {
	return views.AppForm{Name: f.Name, Description: f.Description, Owner: f.Owner, IPAllowlist: f.raw, Errors: problems}
}

// ownerTeam returns the team with the ID id among teams.
func ownerTeam(teams []models.Team, id string) (models.Team, bool) {
	for _, t := range teams {
		if strconv.FormatInt(t.ID, 10) == id {
			return t, true
		}
	}
	return models.Team{}, false
}

// clip cuts s to n runes for an error message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// newApplication is the application the form creates for the viewer.
func (f appForm) newApplication(viewerID int64, teams []models.Team) models.Application {
	app := models.Application{Name: f.Name, Description: f.Description, IPAllowlist: f.IPAllowlist, AppID: credentials.NewAppID()}
	if t, ok := ownerTeam(teams, f.Owner); ok {
		app.OwnerTeamID = &t.ID
	} else {
		app.OwnerUserID = &viewerID
	}
	return app
}

// create creates an application owned by the viewer or one of their teams.
func (h *ApplicationsHandler) create(w http.ResponseWriter, r *http.Request) {
	v := ViewerFrom(r.Context())
	teams, err := h.st.ListTeams(r.Context(), v.User.ID)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	form := parseAppForm(r)
	if problems := form.Validate(teams, true); len(problems) > 0 {
		h.renderList(w, r, http.StatusUnprocessableEntity, form.view(problems), "")
		return
	}
	app, err := h.st.CreateApplication(r.Context(), ActorFrom(r), v.User.ID, form.newApplication(v.User.ID, teams))
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.AppURL(app.ID), "created"), http.StatusSeeOther)
}

// show shows an application of the viewer.
func (h *ApplicationsHandler) show(w http.ResponseWriter, r *http.Request) {
	v, err := h.load(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Notice = appNotices[r.URL.Query().Get("done")]
	h.render(w, r, http.StatusOK, v)
}

// update changes an application's name, description and IP allowlist.
func (h *ApplicationsHandler) update(w http.ResponseWriter, r *http.Request) {
	v, err := h.load(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	form := parseAppForm(r)
	if problems := form.Validate(nil, false); len(problems) > 0 {
		v.Edit = form.view(problems)
		h.render(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	allow := append([]string{}, form.IPAllowlist...)
	u := models.ApplicationUpdate{Name: &form.Name, Description: &form.Description, IPAllowlist: &allow}
	if _, err := h.st.UpdateApplication(r.Context(), ActorFrom(r), ViewerFrom(r.Context()).User.ID, v.App.ID, u); err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.AppURL(v.App.ID), "saved"), http.StatusSeeOther)
}

// keyForm is the create-a-key form.
type keyForm struct {
	Name    string
	Expires string
	Kind    string
	expires *time.Time
}

func parseKeyForm(r *http.Request) keyForm {
	return keyForm{
		Name:    cleanText(r.PostFormValue("name")),
		Expires: strings.TrimSpace(r.PostFormValue("expires")),
		Kind:    strings.TrimSpace(r.PostFormValue("kind")),
	}
}

// Validate returns field → problem, and sets the expiry: the end of the
// day chosen (UTC).
func (f *keyForm) Validate(now time.Time) views.FieldErrors {
	p := views.FieldErrors{}
	if utf8.RuneCountInString(f.Name) > models.MaxNameLen {
		p["name"] = "The name is too long: at most " + strconv.Itoa(models.MaxNameLen) + " characters."
	}
	if f.Kind != string(models.CredentialAppKey) && f.Kind != string(models.CredentialAPIKey) {
		p["kind"] = "Choose the kind of key: an app_key (used with the app_id) or a single API key."
	}
	if f.Expires != "" {
		d, err := time.Parse(time.DateOnly, f.Expires)
		switch {
		case err != nil:
			p["expires"] = "Enter the expiry date as YYYY-MM-DD, for example " + now.AddDate(0, 3, 0).Format(time.DateOnly) + "."
		case !d.Add(24 * time.Hour).After(now):
			p["expires"] = "The expiry date is in the past: choose a later date, or none."
		default:
			end := d.Add(24 * time.Hour)
			f.expires = &end
		}
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

// createKey creates a key and shows it once. It needs a recent sign-in.
func (h *ApplicationsHandler) createKey(w http.ResponseWriter, r *http.Request) {
	v, err := h.load(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	if !h.auth.RecentSignIn(r) {
		h.renderReauth(w, r, v.App, "create a key")
		return
	}
	form := parseKeyForm(r)
	if problems := form.Validate(h.now()); len(problems) > 0 {
		v.KeyForm = views.KeyForm{Name: form.Name, Expires: form.Expires, Kind: form.Kind, Errors: problems}
		h.render(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	secret, c, err := newCredential(h.hasher, v.App.ID, models.CredentialKind(form.Kind), form.Name, form.expires)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	c, err = h.st.AddCredential(r.Context(), ActorFrom(r), ViewerFrom(r.Context()).User.ID, c)
	if models.KindOf(err) == models.Conflict {
		// Too many live keys of the kind: say so next to the form.
		v.KeyForm = views.KeyForm{Name: form.Name, Expires: form.Expires, Kind: form.Kind, Errors: views.FieldErrors{"kind": models.MessageOf(err)}}
		h.render(w, r, http.StatusConflict, v)
		return
	}
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	h.renderReveal(w, r, views.KeyRevealView{App: v.App, Key: c, Secret: secret})
}

// rotateGraces are the grace periods the rotate form offers.
var rotateGraces = map[string]time.Duration{"0": 0, "1h": time.Hour, "24h": 24 * time.Hour, "168h": 7 * 24 * time.Hour}

// rotateKey replaces a live key with a new one, shown once; the old key
// stops now or after the grace period chosen. It needs a recent sign-in.
func (h *ApplicationsHandler) rotateKey(w http.ResponseWriter, r *http.Request) {
	app, old, err := h.key(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	if !h.auth.RecentSignIn(r) {
		h.renderReauth(w, r, app, "rotate a key")
		return
	}
	grace, ok := rotateGraces[r.PostFormValue("grace")]
	if !ok {
		h.pages.errs.Render(w, r, models.Errorf(models.Invalid, "Choose when the old key stops: now, after 1 hour, 24 hours or 7 days."))
		return
	}
	secret, next, err := newCredential(h.hasher, app.ID, old.Kind, old.Name, nil)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	next, replaced, err := h.st.RotateCredential(r.Context(), ActorFrom(r), ViewerFrom(r.Context()).User.ID, old.ID, next, grace)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	h.renderReveal(w, r, views.KeyRevealView{App: app, Key: next, Secret: secret, Replaced: &replaced})
}

// revokeKey revokes a key at once.
func (h *ApplicationsHandler) revokeKey(w http.ResponseWriter, r *http.Request) {
	app, c, err := h.key(r)
	if err == nil {
		err = h.st.RevokeCredential(r.Context(), ActorFrom(r), ViewerFrom(r.Context()).User.ID, c.ID)
	}
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.AppURL(app.ID), "revoked"), http.StatusSeeOther)
}

// cancelSubscription cancels a subscription of the application.
func (h *ApplicationsHandler) cancelSubscription(w http.ResponseWriter, r *http.Request) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	subID, err := idParam(r, "subID", "subscription")
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	viewerID := ViewerFrom(r.Context()).User.ID
	if _, err := h.st.FindAppSubscription(r.Context(), viewerID, appID, subID); err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	if _, err := h.st.CancelSubscription(r.Context(), ActorFrom(r), viewerID, subID); err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.AppURL(appID), "cancelled"), http.StatusSeeOther)
}

// key loads the application and the key of the URL, as the viewer sees
// them: a key of another application is NotFound.
func (h *ApplicationsHandler) key(r *http.Request) (models.Application, models.Credential, error) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		return models.Application{}, models.Credential{}, err
	}
	keyID, err := idParam(r, "keyID", "key")
	if err != nil {
		return models.Application{}, models.Credential{}, err
	}
	viewerID := ViewerFrom(r.Context()).User.ID
	app, err := h.st.FindApplication(r.Context(), viewerID, appID)
	if err != nil {
		return models.Application{}, models.Credential{}, err
	}
	c, err := h.st.FindAppCredential(r.Context(), viewerID, appID, keyID)
	return app, c, err
}

// load reads the application of the URL with its keys and subscriptions,
// as the viewer sees them.
func (h *ApplicationsHandler) load(r *http.Request) (views.AppView, error) {
	appID, err := idParam(r, "appID", "application")
	if err != nil {
		return views.AppView{}, err
	}
	viewerID := ViewerFrom(r.Context()).User.ID
	page, err := h.st.FindAppPage(r.Context(), viewerID, appID)
	if err != nil {
		return views.AppView{}, err
	}
	app := page.Application
	owner := "You"
	switch {
	case app.OwnerTeamID != nil:
		owner = "Team " + page.TeamName
	case *app.OwnerUserID != viewerID:
		owner = "Another developer"
	}
	usage, err := h.st.ApplicationUsage(r.Context(), viewerID, appID, h.now().AddDate(0, 0, -usageDays))
	if err != nil {
		return views.AppView{}, err
	}
	return views.AppView{
		App: app, Owner: owner, Keys: page.Keys, Subscriptions: page.Subscriptions, Now: h.now(),
		Usage: usage, UsageDays: usageDays,
		Edit:    views.AppForm{Name: app.Name, Description: app.Description, IPAllowlist: strings.Join(app.IPAllowlist, "\n")},
		KeyForm: views.KeyForm{Kind: string(models.CredentialAppKey)},
	}, nil
}

func (h *ApplicationsHandler) renderList(w http.ResponseWriter, r *http.Request, status int, form views.AppForm, notice string) {
	v := ViewerFrom(r.Context())
	apps, err := h.st.ListAppSummaries(r.Context(), v.User.ID)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	teams, err := h.st.ListTeams(r.Context(), v.User.ID)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	h.pages.render(w, r, status, views.AppsPage(h.pages.meta(r, "My applications", "apps"), views.AppsView{Apps: apps, Teams: teams, Form: form, Notice: notice}))
}

func (h *ApplicationsHandler) render(w http.ResponseWriter, r *http.Request, status int, v views.AppView) {
	h.pages.render(w, r, status, views.AppPage(h.pages.meta(r, v.App.Name, "apps"), v))
}

// renderReveal shows a new key, once. The page must never be stored: not
// by the browser's history cache, nor by any proxy.
func (h *ApplicationsHandler) renderReveal(w http.ResponseWriter, r *http.Request, v views.KeyRevealView) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	// Compression stays on: BREACH needs a secret repeated across many
	// responses that an attacker can cause, and each of these responses
	// holds a new key, on a POST other sites cannot make (cross-origin
	// protection).
	h.pages.render(w, r, http.StatusOK, views.KeyRevealPage(h.pages.meta(r, "New key for "+v.App.Name, "apps"), v))
}

// renderReauth asks the viewer to sign in again (401): their sign-in is
// older than RecentSignInWindow, and what they asked would show a secret.
func (h *ApplicationsHandler) renderReauth(w http.ResponseWriter, r *http.Request, app models.Application, action string) {
	w.Header().Set("Cache-Control", "no-store")
	back := views.AppURL(app.ID)
	h.pages.render(w, r, http.StatusUnauthorized, views.ReauthPage(h.pages.meta(r, "Confirm it’s you", "apps"),
		views.ReauthView{AppName: app.Name, Action: action, ReauthTo: views.ReauthURL(back), BackTo: back}))
}
