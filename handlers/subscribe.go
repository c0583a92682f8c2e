package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// SubscribeStore is what the subscribe flow needs from persistence. The
// plan is read with the viewer's audiences (an internal plan does not exist
// for an external developer) and the application is scoped to the viewer
// (another developer's application is NotFound).
type SubscribeStore interface {
	ProductStore
	FindPlan(ctx context.Context, id int64, audiences []models.Audience) (models.Plan, error)
	ListAppSummaries(ctx context.Context, viewerID int64) ([]models.AppSummary, error)
	ListTeams(ctx context.Context, userID int64) ([]models.Team, error)
	CreateApplication(ctx context.Context, actor models.Actor, viewerID int64, app models.Application) (models.Application, error)
	Subscribe(ctx context.Context, actor models.Actor, viewerID, appID, planID int64, audiences []models.Audience) (models.Subscription, error)
}

// SubscribeHandler serves the subscribe flow from an API's page.
type SubscribeHandler struct {
	st    SubscribeStore
	pages *pageRenderer
	guard routeGuard
	md    *markdown.Renderer // plan descriptions
}

// NewSubscribeHandler returns the subscribe flow's handler.
func NewSubscribeHandler(st SubscribeStore, pages *pageRenderer, guard routeGuard, md *markdown.Renderer) *SubscribeHandler {
	return &SubscribeHandler{st: st, pages: pages, guard: guard, md: md}
}

// Routes registers /apis/{subsidiary}/{api}/subscribe, for signed-in users
// who may manage applications. Anonymous visitors are sent to sign in and
// come back.
func (h *SubscribeHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequireSignIn, h.guard.Require(models.ActionManageApps, ""))
		r.Get("/apis/{subsidiary}/{api}/subscribe", h.new)
		r.Post("/apis/{subsidiary}/{api}/subscribe", h.create)
	})
}

// errPlanNotOffered is the answer for a plan that is not a published plan
// of this API that the viewer may see: the same as for no plan at all.
var errPlanNotOffered = models.Errorf(models.NotFound, "This plan is not offered: it does not exist, is not open to new subscriptions, or is not for your account. Pick a plan on the API's page.")

// new shows the plan and the form to subscribe with.
func (h *SubscribeHandler) new(w http.ResponseWriter, r *http.Request) {
	v, err := h.load(r, r.URL.Query().Get("plan"))
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	if len(v.Apps) > 0 {
		v.Form.Application = strconv.FormatInt(v.Apps[0].ID, 10)
	}
	h.render(w, r, http.StatusOK, v)
}

// subscribeForm is the posted subscribe form.
type subscribeForm struct {
	Application string
	NewName     string
	Owner       string
}

func parseSubscribeForm(r *http.Request) subscribeForm {
	return subscribeForm{
		Application: strings.TrimSpace(r.PostFormValue("application")),
		NewName:     cleanText(r.PostFormValue("new_app_name")),
		Owner:       strings.TrimSpace(r.PostFormValue("owner")),
	}
}

// create subscribes an application of the viewer (or a new one) to the
// plan, and goes to the application's page.
func (h *SubscribeHandler) create(w http.ResponseWriter, r *http.Request) {
	v, err := h.load(r, r.PostFormValue("plan_id"))
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	form := parseSubscribeForm(r)
	v.Form = views.SubscribeForm{Application: form.Application, NewName: form.NewName, Owner: form.Owner}
	viewer := ViewerFrom(r.Context())
	var appID int64
	if form.Application != "" {
		if appID, err = strconv.ParseInt(form.Application, 10, 64); err != nil || appID <= 0 {
			h.pages.errs.Render(w, r, models.Errorf(models.NotFound, "Application not found."))
			return
		}
	} else {
		af := appForm{Name: form.NewName, Owner: form.Owner}
		if problems := af.Validate(v.Teams, true); len(problems) > 0 {
			v.Form.Errors = views.FieldErrors{"new_app_name": problems["name"], "owner": problems["owner"]}
			h.render(w, r, http.StatusUnprocessableEntity, v)
			return
		}
		app := af.newApplication(viewer.User.ID, v.Teams)
		if v.Plan.Plan.Audience == models.AudiencePartner && app.OwnerTeamID == nil {
			v.Form.Errors = views.FieldErrors{"owner": "Partner plans are for consumer teams: choose your team as the owner."}
			h.render(w, r, http.StatusUnprocessableEntity, v)
			return
		}
		if app, err = h.st.CreateApplication(r.Context(), ActorFrom(r), viewer.User.ID, app); err != nil {
			h.pages.errs.Render(w, r, err)
			return
		}
		appID = app.ID
	}
	sub, err := h.st.Subscribe(r.Context(), ActorFrom(r), viewer.User.ID, appID, v.Plan.Plan.ID, viewer.Audiences())
	switch kind := models.KindOf(err); {
	case err == nil:
	case kind == models.Conflict || kind == models.Invalid:
		// The choice of application is what to change: say why next to it.
		v.Form.Application = strconv.FormatInt(appID, 10)
		v.Form.Errors = views.FieldErrors{"application": models.MessageOf(err)}
		var lerr error
		if v.Apps, lerr = h.st.ListAppSummaries(r.Context(), viewer.User.ID); lerr != nil {
			h.pages.errs.Render(w, r, lerr)
			return
		}
		h.render(w, r, statusOf[kind], v)
		return
	default:
		h.pages.errs.Render(w, r, err)
		return
	}
	done := "requested"
	if sub.State == models.SubscriptionActive {
		done = "subscribed"
	}
	http.Redirect(w, r, withDone(views.AppURL(appID), done), http.StatusSeeOther)
}

// load reads the API of the URL, the plan (a published plan of this API
// the viewer may see, else NotFound) and the viewer's applications and
// teams.
func (h *SubscribeHandler) load(r *http.Request, planParam string) (views.SubscribeView, error) {
	sub, api := chi.URLParam(r, "subsidiary"), chi.URLParam(r, "api")
	p, err := findVisibleProduct(r, h.st, sub, api)
	if err != nil {
		return views.SubscribeView{}, err
	}
	planID, err := strconv.ParseInt(strings.TrimSpace(planParam), 10, 64)
	if err != nil || planID <= 0 {
		return views.SubscribeView{}, errPlanNotOffered
	}
	viewer := ViewerFrom(r.Context())
	plan, err := h.st.FindPlan(r.Context(), planID, viewer.Audiences())
	if models.KindOf(err) == models.NotFound || (err == nil && (plan.APIID != p.API.ID || plan.State != models.PlanPublished)) {
		return views.SubscribeView{}, errPlanNotOffered
	}
	if err != nil {
		return views.SubscribeView{}, err
	}
	apps, err := h.st.ListAppSummaries(r.Context(), viewer.User.ID)
	if err != nil {
		return views.SubscribeView{}, err
	}
	teams, err := h.st.ListTeams(r.Context(), viewer.User.ID)
	if err != nil {
		return views.SubscribeView{}, err
	}
	col := views.NewPlanColumn(plan, p.Subsidiary.Slug, p.Subsidiary.Name, p.API.Slug, viewer.User.Kind)
	col.DescriptionHTML = strings.TrimSpace(h.md.Render(plan.Description))
	return views.SubscribeView{
		Product:      p,
		Plan:         col,
		AutoApproved: models.SubscribeEvent(plan, viewer.User.Kind) == models.EventAutoApprove,
		Apps:         apps,
		Teams:        teams,
		Form:         views.SubscribeForm{Owner: views.OwnerMe},
		Action:       views.SubscribeURL(sub, api, 0),
	}, nil
}

func (h *SubscribeHandler) render(w http.ResponseWriter, r *http.Request, status int, v views.SubscribeView) {
	meta := h.pages.meta(r, "Subscribe to "+v.Product.API.Name, "apis")
	h.pages.render(w, r, status, views.SubscribePage(meta, v))
}
