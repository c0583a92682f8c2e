package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// PlanStore is what the plan pages need from persistence. Reads are scoped
// to the route's subsidiary: a plan or API of another subsidiary is
// NotFound (THREATS R1). Changes take the subsidiaries the caller may edit
// plans in: exactly the route's, after the authorization check.
type PlanStore interface {
	FindSubsidiary(ctx context.Context, slug string) (models.Subsidiary, error)
	ListSubsidiaryAPIs(ctx context.Context, subsidiary string) ([]models.API, error)
	ListSubsidiaryPlans(ctx context.Context, subsidiary string) ([]models.Plan, error)
	FindSubsidiaryPlan(ctx context.Context, subsidiary string, id int64) (models.Plan, error)
	FindPlanEditorAPI(ctx context.Context, subsidiary string, apiID int64) (models.PlanEditorAPI, error)
	CreatePlan(ctx context.Context, actor models.Actor, subsidiaries []string, p models.Plan) (models.Plan, error)
	UpdatePlan(ctx context.Context, actor models.Actor, subsidiaries []string, id int64, u models.PlanUpdate) (models.Plan, error)
}

// PlansHandler serves the plan pages of a subsidiary's admins and
// publishers.
type PlansHandler struct {
	st    PlanStore
	pages *pageRenderer
	guard routeGuard
}

// NewPlansHandler returns the plan pages' handler.
func NewPlansHandler(st PlanStore, pages *pageRenderer, guard routeGuard) *PlansHandler {
	return &PlansHandler{st: st, pages: pages, guard: guard}
}

// Routes registers the plan pages, for those who may manage plans in the
// subsidiary of the URL.
func (h *PlansHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequireSignIn, h.guard.Require(models.ActionManagePlans, "subsidiary"))
		r.Get("/admin/subsidiaries/{subsidiary}/plans", h.list)
		r.Get("/admin/subsidiaries/{subsidiary}/plans/new", h.new)
		r.Post("/admin/subsidiaries/{subsidiary}/plans", h.create)
		r.Get("/admin/subsidiaries/{subsidiary}/plans/{planID}", h.edit)
		r.Post("/admin/subsidiaries/{subsidiary}/plans/{planID}", h.update)
	})
}

// planNotices are the confirmations of the plan pages, by "done" code.
var planNotices = map[string]string{
	"created": "The plan was created.",
	"updated": "The plan was saved.",
}

// list shows the subsidiary's APIs with their plans.
func (h *PlansHandler) list(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "subsidiary")
	sub, err := h.st.FindSubsidiary(r.Context(), slug)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	apis, err := h.st.ListSubsidiaryAPIs(r.Context(), slug)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	plans, err := h.st.ListSubsidiaryPlans(r.Context(), slug)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	byAPI := map[int64][]models.Plan{}
	for _, p := range plans {
		byAPI[p.APIID] = append(byAPI[p.APIID], p)
	}
	v := views.PlansView{Subsidiary: sub, Notice: planNotices[r.URL.Query().Get("done")]}
	for _, a := range apis {
		v.APIs = append(v.APIs, views.PlanAPIRow{API: a, Plans: byAPI[a.ID]})
	}
	h.pages.render(w, r, http.StatusOK, views.PlansPage(h.pages.meta(r, "Plans of "+sub.Name, "admin"), v))
}

// new shows the editor of a new plan for the API named by ?api=.
func (h *PlansHandler) new(w http.ResponseWriter, r *http.Request) {
	apiID, err := strconv.ParseInt(r.URL.Query().Get("api"), 10, 64)
	if err != nil || apiID <= 0 {
		h.pages.errs.Render(w, r, models.Errorf(models.NotFound, "Choose the API of the new plan on the plans page."))
		return
	}
	v, err := h.editor(r, apiID)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Form = views.PlanFormOf(models.Plan{})
	h.render(w, r, http.StatusOK, v)
}

// create stores a new plan, or shows the editor again with the problems.
func (h *PlansHandler) create(w http.ResponseWriter, r *http.Request) {
	apiID, err := strconv.ParseInt(r.FormValue("api"), 10, 64)
	if err != nil || apiID <= 0 {
		h.pages.errs.Render(w, r, models.Errorf(models.NotFound, "Choose the API of the new plan on the plans page."))
		return
	}
	v, err := h.editor(r, apiID)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Form = parsePlanForm(r)
	plan, problems := planFromForm(v.Form, v.API.OperationIDs, nil)
	plan.APIID = apiID
	problems = withPlanProblems(problems, plan)
	if len(problems) > 0 {
		v.Errors = problems
		h.render(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	_, err = h.st.CreatePlan(r.Context(), ActorFrom(r), []string{v.Subsidiary.Slug}, plan)
	if h.storeProblem(w, r, v, err) {
		return
	}
	http.Redirect(w, r, withDone(views.PlansURL(v.Subsidiary.Slug), "created"), http.StatusSeeOther)
}

// edit shows the editor of an existing plan.
func (h *PlansHandler) edit(w http.ResponseWriter, r *http.Request) {
	v, plan, err := h.existing(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Form = views.PlanFormOf(plan)
	h.render(w, r, http.StatusOK, v)
}

// update saves every field of the editor to an existing plan.
func (h *PlansHandler) update(w http.ResponseWriter, r *http.Request) {
	v, before, err := h.existing(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Form = parsePlanForm(r)
	v.Form.KeptOps = before.Operations
	plan, problems := planFromForm(v.Form, v.API.OperationIDs, before.OperationLimits)
	plan.APIID = before.APIID
	problems = withPlanProblems(problems, plan)
	if len(problems) > 0 {
		v.Errors = problems
		h.render(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	u := models.PlanUpdate{
		Name: &plan.Name, Description: &plan.Description, Audience: &plan.Audience,
		ApprovalMode: &plan.ApprovalMode, KeyMode: &plan.KeyMode, Limits: &plan.Limits,
		OperationLimits: &plan.OperationLimits, Operations: &plan.Operations, QueryCredentials: &plan.QueryCredentials, Pricing: &plan.Pricing, State: &plan.State,
	}
	_, err = h.st.UpdatePlan(r.Context(), ActorFrom(r), []string{v.Subsidiary.Slug}, before.ID, u)
	if h.storeProblem(w, r, v, err) {
		return
	}
	http.Redirect(w, r, withDone(views.PlansURL(v.Subsidiary.Slug), "updated"), http.StatusSeeOther)
}

// storeProblem answers a refused save: a problem with the plan is shown in
// the editor with the user's input; anything else is the error page. It
// reports whether err was not nil.
func (h *PlansHandler) storeProblem(w http.ResponseWriter, r *http.Request, v views.PlanEditorView, err error) bool {
	if err == nil {
		return false
	}
	switch models.KindOf(err) {
	case models.Invalid:
		v.Errors = planProblems(err)
		h.render(w, r, http.StatusUnprocessableEntity, v)
	case models.Conflict:
		v.Errors = views.FieldErrors{"name": "This API already has a plan named " + strconv.Quote(v.Form.Name) + ". Choose another name."}
		h.render(w, r, http.StatusConflict, v)
	default:
		h.pages.errs.Render(w, r, err)
	}
	return true
}

// editor loads what the editor shows around the form: the subsidiary of
// the route and its API apiID (NotFound for another subsidiary's).
func (h *PlansHandler) editor(r *http.Request, apiID int64) (views.PlanEditorView, error) {
	slug := chi.URLParam(r, "subsidiary")
	sub, err := h.st.FindSubsidiary(r.Context(), slug)
	if err != nil {
		return views.PlanEditorView{}, err
	}
	api, err := h.st.FindPlanEditorAPI(r.Context(), slug, apiID)
	if err != nil {
		return views.PlanEditorView{}, err
	}
	return views.PlanEditorView{Subsidiary: sub, API: api}, nil
}

// existing loads the plan of the URL, within the route's subsidiary, and
// the editor around it.
func (h *PlansHandler) existing(r *http.Request) (views.PlanEditorView, models.Plan, error) {
	id, err := idParam(r, "planID", "plan")
	if err != nil {
		return views.PlanEditorView{}, models.Plan{}, err
	}
	plan, err := h.st.FindSubsidiaryPlan(r.Context(), chi.URLParam(r, "subsidiary"), id)
	if err != nil {
		return views.PlanEditorView{}, models.Plan{}, err
	}
	v, err := h.editor(r, plan.APIID)
	if err != nil {
		return views.PlanEditorView{}, models.Plan{}, err
	}
	v.PlanID = plan.ID
	return v, plan, nil
}

func (h *PlansHandler) render(w http.ResponseWriter, r *http.Request, status int, v views.PlanEditorView) {
	title := "New plan"
	if v.PlanID != 0 {
		title = "Edit plan"
	}
	v.Form = v.Form.WithBlankOperationRows()
	h.pages.render(w, r, status, views.PlanEditorPage(h.pages.meta(r, title, "admin"), v))
}

// parsePlanForm reads the editor's fields as typed (trimmed).
func parsePlanForm(r *http.Request) views.PlanForm {
	_ = r.ParseForm()
	get := func(name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
	f := views.PlanForm{
		Name: cleanText(r.PostForm.Get("name")), Description: strings.TrimSpace(r.PostForm.Get("description")),
		Audience: get("audience"), ApprovalMode: get("approval_mode"), KeyMode: get("key_mode"),
		RatePerSecond: get("rate_per_second"), RatePerMinute: get("rate_per_minute"), RatePerHour: get("rate_per_hour"),
		QuotaPerDay: get("quota_per_day"), QuotaPerMonth: get("quota_per_month"), SpikeArrest: get("spike_arrest"),
		PricingModel: get("pricing_model"), MonthlyFee: get("monthly_fee"), IncludedCalls: get("included_calls"),
		PricePerCall: get("price_per_call"), Currency: strings.ToUpper(get("currency")), State: get("state"),
		IncludedOps: r.PostForm["included_ops"], QueryCredentials: r.PostForm.Get("query_credentials") == "on",
	}
	col := func(name string, i int) string {
		vals := r.PostForm[name]
		if i < len(vals) {
			return strings.TrimSpace(vals[i])
		}
		return ""
	}
	for i := range min(len(r.PostForm["op_id"]), 500+views.BlankOperationRows) {
		f.Operations = append(f.Operations, views.OperationLimitForm{
			OperationID:   col("op_id", i),
			RatePerSecond: col("op_rate_per_second", i), RatePerMinute: col("op_rate_per_minute", i),
			RatePerHour: col("op_rate_per_hour", i), QuotaPerDay: col("op_quota_per_day", i),
			QuotaPerMonth: col("op_quota_per_month", i),
		})
	}
	return f
}

// planFromForm converts the form into a plan (without its API), with the
// problems of fields that are not numbers, and of operations that repeat
// or are neither among ops (the API's latest version) nor kept from the
// plan's current limits. The plan's own rules are checked by Plan.Validate
// afterwards.
func planFromForm(f views.PlanForm, ops []string, current map[string]models.Limits) (models.Plan, views.FieldErrors) {
	problems := views.FieldErrors{}
	num := func(field, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil {
			problems[field] = "Enter a whole number, such as 1000, or leave the field empty for no limit."
		}
		return n
	}
	p := models.Plan{
		Name: f.Name, Description: f.Description, Audience: models.Audience(f.Audience),
		ApprovalMode: models.ApprovalMode(f.ApprovalMode), KeyMode: models.KeyMode(f.KeyMode),
		Limits: models.Limits{
			RatePerSecond: num("rate_per_second", f.RatePerSecond), RatePerMinute: num("rate_per_minute", f.RatePerMinute),
			RatePerHour: num("rate_per_hour", f.RatePerHour), QuotaPerDay: num("quota_per_day", f.QuotaPerDay),
			QuotaPerMonth: num("quota_per_month", f.QuotaPerMonth), SpikeArrest: num("spike_arrest", f.SpikeArrest),
		},
		Pricing: models.Pricing{
			Model: models.PricingModel(f.PricingModel), Currency: f.Currency,
			IncludedCalls: num("included_calls", f.IncludedCalls),
		},
		State:            models.PlanState(f.State),
		OperationLimits:  map[string]models.Limits{},
		Operations:       []string{},
		QueryCredentials: f.QueryCredentials,
	}
	for _, op := range f.IncludedOps {
		switch {
		case slices.Contains(p.Operations, op):
		case !slices.Contains(ops, op) && !slices.Contains(f.KeptOps, op):
			problems["operations"] = "The API's latest version has no operation " + strconv.Quote(op) + ": uncheck it."
		default:
			p.Operations = append(p.Operations, op)
		}
	}
	// Fields of another pricing model are ignored rather than refused: the
	// editor shows them all, and switching model should not need clearing.
	switch p.Pricing.Model {
	case models.PricingMonthly:
		p.Pricing.MonthlyFee, p.Pricing.PricePerCall = f.MonthlyFee, f.PricePerCall
	case models.PricingPerCall:
		p.Pricing.PricePerCall = f.PricePerCall
		p.Pricing.IncludedCalls = 0
		delete(problems, "included_calls")
	case models.PricingFree:
		p.Pricing.IncludedCalls = 0
		delete(problems, "included_calls")
		p.Pricing.Currency = "" // a free plan costs nothing in any currency
	}
	for i, o := range f.Operations {
		key := "op-" + strconv.Itoa(i)
		if o.OperationID == "" {
			continue
		}
		if _, dup := p.OperationLimits[o.OperationID]; dup {
			problems[key] = "This operation already has limits above: keep one row per operation."
			continue
		}
		if _, kept := current[o.OperationID]; !kept && !slices.Contains(ops, o.OperationID) {
			problems[key] = "The API's latest version has no operation " + strconv.Quote(o.OperationID) + ". Choose one from the list."
			continue
		}
		var bad bool
		opNum := func(s string) int64 {
			if s == "" {
				return 0
			}
			n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
			if err != nil {
				bad = true
			}
			return n
		}
		l := models.Limits{
			RatePerSecond: opNum(o.RatePerSecond), RatePerMinute: opNum(o.RatePerMinute), RatePerHour: opNum(o.RatePerHour),
			QuotaPerDay: opNum(o.QuotaPerDay), QuotaPerMonth: opNum(o.QuotaPerMonth),
		}
		switch {
		case bad:
			problems[key] = "Enter whole numbers, such as 100, or leave a field empty for no limit."
		case l.RatePerSecond < 0 || l.RatePerMinute < 0 || l.RatePerHour < 0 || l.QuotaPerDay < 0 || l.QuotaPerMonth < 0:
			problems[key] = "Limits must not be negative."
		case l == models.Limits{}:
			problems[key] = "Enter at least one limit for " + o.OperationID + ", or choose None to remove the row."
		}
		p.OperationLimits[o.OperationID] = l
	}
	if len(problems) == 0 {
		return p, nil
	}
	return p, problems
}

// withPlanProblems adds the problems Plan.Validate finds to those of the
// form, so that every problem shows at once; a field the form already
// refused keeps the form's message.
func withPlanProblems(form views.FieldErrors, p models.Plan) views.FieldErrors {
	out := views.FieldErrors{}
	for k, msg := range planProblems(p.Validate()) {
		out[k] = msg
	}
	for k, msg := range form {
		out[k] = msg
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// planFields maps the field names of Plan.Validate's details to the
// editor's fields and their labels.
var planFields = map[string]struct{ field, label string }{
	"api_id":                 {"form", "API"},
	"name":                   {"name", "Name"},
	"description":            {"description", "Description"},
	"audience":               {"audience", "Audience"},
	"approval_mode":          {"approval_mode", "Approval"},
	"key_mode":               {"key_mode", "Credentials"},
	"rate_per_second":        {"rate_per_second", "The limit per second"},
	"spike_arrest":           {"spike_arrest", "The spike arrest"},
	"rate_per_minute":        {"rate_per_minute", "The limit per minute"},
	"rate_per_hour":          {"rate_per_hour", "The limit per hour"},
	"quota_per_day":          {"quota_per_day", "The quota per day"},
	"quota_per_month":        {"quota_per_month", "The quota per month"},
	"pricing.model":          {"pricing_model", "Pricing"},
	"pricing.monthly_fee":    {"monthly_fee", "The monthly fee"},
	"pricing.price_per_call": {"price_per_call", "The price per call"},
	"pricing.included_calls": {"included_calls", "Included calls"},
	"pricing.currency":       {"currency", "The currency"},
	"state":                  {"state", "State"},
	"operation_limits":       {"operation_limits", "Limits per operation"},
	"operations":             {"operations", "Operations included"},
}

// planProblems turns an Invalid error of Plan.Validate (or of the store)
// into field errors: each detail starts with the field's name, which is
// replaced by the field's label. Details about unknown fields, and errors
// without details, go to "form".
func planProblems(err error) views.FieldErrors {
	if err == nil {
		return nil
	}
	out := views.FieldErrors{}
	details := models.DetailsOf(err)
	if len(details) == 0 {
		out["form"] = models.MessageOf(err)
		return out
	}
	for _, d := range details {
		name, rest, _ := strings.Cut(d, " ")
		if strings.HasPrefix(name, "operation_limits") {
			name = "operation_limits"
			rest = d
		}
		f, ok := planFields[name]
		msg := d
		if ok {
			if f.field == "operation_limits" {
				msg = "Limits per operation: " + rest
			} else {
				msg = f.label + " " + rest
			}
		} else {
			f.field = "form"
		}
		msg = strings.TrimSuffix(msg, ".") + "."
		if prev := out[f.field]; prev != "" {
			msg = prev + " " + msg
		}
		out[f.field] = msg
	}
	return out
}
