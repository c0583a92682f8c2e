package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
)

// APIPlansStore is what the admin endpoints of a subsidiary's plans and
// subscriptions need from persistence.
type APIPlansStore interface {
	FindSubsidiary(ctx context.Context, slug string) (models.Subsidiary, error)
	ListSubsidiaryPlans(ctx context.Context, subsidiary string) ([]models.Plan, error)
	FindSubsidiaryPlan(ctx context.Context, subsidiary string, id int64) (models.Plan, error)
	FindAPIID(ctx context.Context, subsidiary, api string) (int64, error)
	CreatePlan(ctx context.Context, actor models.Actor, subsidiaries []string, p models.Plan) (models.Plan, error)
	UpdatePlan(ctx context.Context, actor models.Actor, subsidiaries []string, id int64, u models.PlanUpdate) (models.Plan, error)
	ListApprovalQueue(ctx context.Context, subsidiaries []string) ([]models.Subscription, error)
	DecideSubscription(ctx context.Context, actor models.Actor, approverID int64, subsidiaries []string, subID int64, approve bool, comment string) (models.Subscription, error)
	SuspendSubscription(ctx context.Context, actor models.Actor, approverID int64, subsidiaries []string, subID int64, suspend bool, comment string) (models.Subscription, error)
}

// planGuard is what the admin endpoints need from the authorization
// middleware. *Auth satisfies it.
type planGuard interface {
	// RequirePlans admits the bootstrap admin token, or a session that may
	// manage plans in the route's subsidiary.
	RequirePlans(next http.Handler) http.Handler
	// RequirePerson admits a session that may do action in the route's
	// subsidiary, and refuses the admin token (403).
	RequirePerson(action models.Action) func(http.Handler) http.Handler
}

// APIPlansHandler serves the admin JSON API of a subsidiary's plans,
// approval queue and subscription decisions.
type APIPlansHandler struct {
	st    APIPlansStore
	errs  *ErrorRenderer
	guard planGuard
}

// NewAPIPlansHandler returns the admin plan endpoints over st.
func NewAPIPlansHandler(st APIPlansStore, errs *ErrorRenderer, guard planGuard) *APIPlansHandler {
	return &APIPlansHandler{st: st, errs: errs, guard: guard}
}

// Routes registers the endpoints under /api/v1. Plans: the admin token or
// plans:manage in the subsidiary. Approvals and decisions: a person with
// subscriptions:approve in the subsidiary.
func (h *APIPlansHandler) Routes(r chi.Router) {
	const sub = "/subsidiaries/{subsidiary}"
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequirePlans)
		r.Get(sub+"/plans", h.list)
		r.Post(sub+"/plans", h.create)
		r.Get(sub+"/plans/{planID}", h.show)
		r.Patch(sub+"/plans/{planID}", h.update)
	})
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequirePerson(models.ActionApproveSubs))
		r.Get(sub+"/approvals", h.approvals)
		r.Post(sub+"/subscriptions/{subID}/decision", h.decide)
		r.Post(sub+"/subscriptions/{subID}/suspend", h.suspend)
		r.Post(sub+"/subscriptions/{subID}/resume", h.resume)
	})
}

func (h *APIPlansHandler) list(w http.ResponseWriter, r *http.Request) {
	plans, err := h.st.ListSubsidiaryPlans(r.Context(), chi.URLParam(r, "subsidiary"))
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	out := listJSON[planJSON]{Items: make([]planJSON, 0, len(plans))}
	for _, p := range plans {
		out.Items = append(out.Items, newPlanJSON(p))
	}
	writeJSON(w, http.StatusOK, out)
}

// planRequest is the body of POST /plans: the API by ID or by slug, and
// every field of the plan. key_mode defaults to key_pair, state to
// published, pricing to free.
type planRequest struct {
	APIID           int64                 `json:"api_id"`
	API             string                `json:"api"`
	Name            string                `json:"name"`
	Description     string                `json:"description"`
	Audience        models.Audience       `json:"audience"`
	ApprovalMode    models.ApprovalMode   `json:"approval_mode"`
	KeyMode         models.KeyMode        `json:"key_mode"`
	Limits          limitsJSON            `json:"limits"`
	OperationLimits map[string]limitsJSON `json:"operation_limits"`
	Operations      []string              `json:"operations"`
	QueryCreds      bool                  `json:"query_credentials"`
	Pricing         *pricingJSON          `json:"pricing"`
	State           models.PlanState      `json:"state"`
}

func (h *APIPlansHandler) create(w http.ResponseWriter, r *http.Request) {
	sub := chi.URLParam(r, "subsidiary")
	var req planRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if req.APIID == 0 && req.API != "" {
		id, err := h.st.FindAPIID(r.Context(), sub, strings.TrimSpace(req.API))
		if err != nil {
			h.errs.Render(w, r, err)
			return
		}
		req.APIID = id
	}
	p := req.plan()
	if p.APIID <= 0 {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The plan is not valid.",
			Details: []string{"api_id or api is required: the ID or the slug of one of the subsidiary's APIs"}})
		return
	}
	p, err := h.st.CreatePlan(r.Context(), ActorFrom(r), []string{sub}, p)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	w.Header().Set("Location", planPath(sub, p.ID))
	writeJSON(w, http.StatusCreated, newPlanJSON(p))
}

func (r planRequest) plan() models.Plan {
	p := models.Plan{
		APIID: r.APIID, Name: strings.TrimSpace(r.Name), Description: strings.TrimSpace(r.Description),
		Audience: r.Audience, ApprovalMode: r.ApprovalMode, KeyMode: r.KeyMode,
		Limits: r.Limits.model(), OperationLimits: operationLimits(r.OperationLimits), Operations: r.Operations, QueryCredentials: r.QueryCreds,
		Pricing: models.Pricing{Model: models.PricingFree}, State: r.State,
	}
	if p.KeyMode == "" {
		p.KeyMode = models.KeyModeKeyPair
	}
	if p.State == "" {
		p.State = models.PlanPublished
	}
	if r.Pricing != nil {
		p.Pricing = r.Pricing.model()
	}
	return p
}

func (h *APIPlansHandler) show(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "planID", "plan")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	p, err := h.st.FindSubsidiaryPlan(r.Context(), chi.URLParam(r, "subsidiary"), id)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newPlanJSON(p))
}

// planPatch is the body of PATCH /plans/{planID}: fields left out (or
// null) stay as they are. A plan's API never changes.
type planPatch struct {
	Name            *string                `json:"name"`
	Description     *string                `json:"description"`
	Audience        *models.Audience       `json:"audience"`
	ApprovalMode    *models.ApprovalMode   `json:"approval_mode"`
	KeyMode         *models.KeyMode        `json:"key_mode"`
	Limits          *limitsJSON            `json:"limits"`
	OperationLimits *map[string]limitsJSON `json:"operation_limits"`
	Operations      *[]string              `json:"operations"`
	QueryCreds      *bool                  `json:"query_credentials"`
	Pricing         *pricingJSON           `json:"pricing"`
	State           *models.PlanState      `json:"state"`
	// APIID and API are read only to explain that they cannot change.
	APIID json.RawMessage `json:"api_id"`
	API   json.RawMessage `json:"api"`
}

func (h *APIPlansHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "planID", "plan")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	var req planPatch
	if err := decodeJSON(w, r, &req, false); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if req.APIID != nil || req.API != nil {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The change is not valid.",
			Details: []string{"api_id: a plan's API never changes; create a plan for the other API instead"}})
		return
	}
	u := models.PlanUpdate{
		Name: trimPtr(req.Name), Description: trimPtr(req.Description), Audience: req.Audience,
		ApprovalMode: req.ApprovalMode, KeyMode: req.KeyMode, State: req.State,
	}
	if req.Limits != nil {
		l := req.Limits.model()
		u.Limits = &l
	}
	if req.Operations != nil {
		u.Operations = req.Operations
	}
	if req.QueryCreds != nil {
		u.QueryCredentials = req.QueryCreds
	}
	if req.OperationLimits != nil {
		ol := operationLimits(*req.OperationLimits)
		u.OperationLimits = &ol
	}
	if req.Pricing != nil {
		pr := req.Pricing.model()
		u.Pricing = &pr
	}
	p, err := h.st.UpdatePlan(r.Context(), ActorFrom(r), []string{chi.URLParam(r, "subsidiary")}, id, u)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newPlanJSON(p))
}

// approvals lists the subscriptions to the subsidiary's APIs that wait for
// a decision, oldest first.
func (h *APIPlansHandler) approvals(w http.ResponseWriter, r *http.Request) {
	sub := chi.URLParam(r, "subsidiary")
	if _, err := h.st.FindSubsidiary(r.Context(), sub); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	subs, err := h.st.ListApprovalQueue(r.Context(), []string{sub})
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSubscriptionsJSON(subs))
}

// decisionRequest is the body of POST …/decision.
type decisionRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

// commentRequest is the optional body of POST …/suspend and …/resume.
type commentRequest struct {
	Comment string `json:"comment"`
}

// maxCommentLen bounds a decision's comment, which the requester reads.
const maxCommentLen = 2000

func (h *APIPlansHandler) decide(w http.ResponseWriter, r *http.Request) {
	subID, err := idParam(r, "subID", "subscription")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	var req decisionRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	var details []string
	if req.Decision != "approve" && req.Decision != "reject" {
		details = append(details, "decision must be \"approve\" or \"reject\"")
	}
	if len(req.Comment) > maxCommentLen {
		details = append(details, "comment is longer than "+strconv.Itoa(maxCommentLen)+" characters")
	}
	if details != nil {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The decision is not valid.", Details: details})
		return
	}
	s, err := h.st.DecideSubscription(r.Context(), ActorFrom(r), viewerID(r), []string{chi.URLParam(r, "subsidiary")},
		subID, req.Decision == "approve", strings.TrimSpace(req.Comment))
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSubscriptionJSON(s))
}

func (h *APIPlansHandler) suspend(w http.ResponseWriter, r *http.Request) { h.setSuspended(w, r, true) }
func (h *APIPlansHandler) resume(w http.ResponseWriter, r *http.Request)  { h.setSuspended(w, r, false) }

func (h *APIPlansHandler) setSuspended(w http.ResponseWriter, r *http.Request, suspend bool) {
	subID, err := idParam(r, "subID", "subscription")
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	var req commentRequest
	if err := decodeJSON(w, r, &req, true); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if len(req.Comment) > maxCommentLen {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The comment is too long.",
			Details: []string{"comment is longer than " + strconv.Itoa(maxCommentLen) + " characters"}})
		return
	}
	s, err := h.st.SuspendSubscription(r.Context(), ActorFrom(r), viewerID(r), []string{chi.URLParam(r, "subsidiary")},
		subID, suspend, strings.TrimSpace(req.Comment))
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSubscriptionJSON(s))
}

func planPath(sub string, id int64) string {
	return "/api/v1/subsidiaries/" + sub + "/plans/" + strconv.FormatInt(id, 10)
}

// limitsJSON are rate limits and quotas; 0 (or absent) means no limit.
type limitsJSON struct {
	RatePerSecond int64 `json:"rate_per_second"`
	RatePerMinute int64 `json:"rate_per_minute"`
	RatePerHour   int64 `json:"rate_per_hour"`
	QuotaPerDay   int64 `json:"quota_per_day"`
	QuotaPerMonth int64 `json:"quota_per_month"`
	SpikeArrest   int64 `json:"spike_arrest"`
}

func (l limitsJSON) model() models.Limits {
	return models.Limits{RatePerSecond: l.RatePerSecond, RatePerMinute: l.RatePerMinute, RatePerHour: l.RatePerHour,
		QuotaPerDay: l.QuotaPerDay, QuotaPerMonth: l.QuotaPerMonth, SpikeArrest: l.SpikeArrest}
}

func newLimitsJSON(l models.Limits) limitsJSON {
	return limitsJSON{RatePerSecond: l.RatePerSecond, RatePerMinute: l.RatePerMinute, RatePerHour: l.RatePerHour,
		QuotaPerDay: l.QuotaPerDay, QuotaPerMonth: l.QuotaPerMonth, SpikeArrest: l.SpikeArrest}
}

func operationLimits(in map[string]limitsJSON) map[string]models.Limits {
	out := make(map[string]models.Limits, len(in))
	for op, l := range in {
		out[op] = l.model()
	}
	return out
}

// pricingJSON is what a plan costs; amounts are decimal strings.
type pricingJSON struct {
	Model         models.PricingModel `json:"model"`
	MonthlyFee    string              `json:"monthly_fee"`
	IncludedCalls int64               `json:"included_calls"`
	PricePerCall  string              `json:"price_per_call"`
	Currency      string              `json:"currency"`
}

func (p pricingJSON) model() models.Pricing {
	return models.Pricing{Model: p.Model, MonthlyFee: strings.TrimSpace(p.MonthlyFee), IncludedCalls: p.IncludedCalls,
		PricePerCall: strings.TrimSpace(p.PricePerCall), Currency: strings.ToUpper(strings.TrimSpace(p.Currency))}
}

type planJSON struct {
	ID              int64                 `json:"id"`
	APIID           int64                 `json:"api_id"`
	Name            string                `json:"name"`
	Description     string                `json:"description"`
	Audience        string                `json:"audience"`
	ApprovalMode    string                `json:"approval_mode"`
	KeyMode         string                `json:"key_mode"`
	Limits          limitsJSON            `json:"limits"`
	OperationLimits map[string]limitsJSON `json:"operation_limits"`
	Operations      []string              `json:"operations"`
	QueryCreds      bool                  `json:"query_credentials"`
	Pricing         pricingJSON           `json:"pricing"`
	State           string                `json:"state"`
	CreatedAt       time.Time             `json:"created_at"`
	UpdatedAt       time.Time             `json:"updated_at"`
}

func newPlanJSON(p models.Plan) planJSON {
	ops := make(map[string]limitsJSON, len(p.OperationLimits))
	for op, l := range p.OperationLimits {
		ops[op] = newLimitsJSON(l)
	}
	pr := p.Pricing
	return planJSON{
		ID: p.ID, APIID: p.APIID, Name: p.Name, Description: p.Description, Audience: string(p.Audience),
		ApprovalMode: string(p.ApprovalMode), KeyMode: string(p.KeyMode), Limits: newLimitsJSON(p.Limits),
		OperationLimits: ops, Operations: append([]string{}, p.Operations...), QueryCreds: p.QueryCredentials,
		Pricing: pricingJSON{Model: pr.Model, MonthlyFee: pr.MonthlyFee, IncludedCalls: pr.IncludedCalls,
			PricePerCall: pr.PricePerCall, Currency: pr.Currency},
		State: string(p.State), CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}
