package views

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/portico/portico/models"
)

// PlansURL is the plans page of a subsidiary.
func PlansURL(subsidiary string) string {
	return "/admin/subsidiaries/" + url.PathEscape(subsidiary) + "/plans"
}

// NewPlanURL is the editor of a new plan for an API of the subsidiary.
func NewPlanURL(subsidiary string, apiID int64) string {
	return PlansURL(subsidiary) + "/new?api=" + strconv.FormatInt(apiID, 10)
}

// PlanURL is the editor of an existing plan.
func PlanURL(subsidiary string, planID int64) string {
	return PlansURL(subsidiary) + "/" + strconv.FormatInt(planID, 10)
}

// PlansView is the plans page of one subsidiary: its APIs, each with its
// plans.
type PlansView struct {
	Subsidiary models.Subsidiary
	APIs       []PlanAPIRow
	Notice     string // a confirmation after a redirect, or ""
}

// PlanAPIRow is one API of the plans page with its plans, published first.
type PlanAPIRow struct {
	API   models.API
	Plans []models.Plan
}

// PlanEditorView is the plan editor: a new plan (PlanID 0) or an existing
// one, with the form's input and problems.
type PlanEditorView struct {
	Subsidiary models.Subsidiary
	API        models.PlanEditorAPI
	PlanID     int64
	Form       PlanForm
	Errors     FieldErrors // by form field name; "form" for problems of the whole plan
}

// PlanForm is the plan editor's input, as typed: numbers stay strings so
// that a wrong entry is shown back as it was.
type PlanForm struct {
	Name, Description                  string
	Audience, ApprovalMode, KeyMode    string
	RatePerSecond, RatePerMinute       string
	RatePerHour                        string
	QuotaPerDay, QuotaPerMonth         string
	SpikeArrest                        string
	IncludedOps                        []string // operationIds the plan includes; none: all
	KeptOps                            []string // included by the stored plan (accepted even if gone from the API)
	QueryCredentials                   bool
	PricingModel, MonthlyFee, Currency string
	IncludedCalls, PricePerCall, State string
	Operations                         []OperationLimitForm
}

// OperationLimitForm is one row of per-operation limits.
type OperationLimitForm struct {
	OperationID                               string
	RatePerSecond, RatePerMinute, RatePerHour string
	QuotaPerDay, QuotaPerMonth                string
}

// PlanFormOf is the form showing an existing plan (or the defaults of a
// new one when p is the zero Plan), with blank rows for new per-operation
// limits.
func PlanFormOf(p models.Plan) PlanForm {
	f := PlanForm{
		Name: p.Name, Description: p.Description, Audience: string(p.Audience),
		ApprovalMode: string(p.ApprovalMode), KeyMode: string(p.KeyMode),
		RatePerSecond: limitString(p.RatePerSecond), RatePerMinute: limitString(p.RatePerMinute),
		RatePerHour: limitString(p.RatePerHour), QuotaPerDay: limitString(p.QuotaPerDay),
		QuotaPerMonth: limitString(p.QuotaPerMonth), SpikeArrest: limitString(p.SpikeArrest),
		IncludedOps: append([]string{}, p.Operations...), QueryCredentials: p.QueryCredentials,
		PricingModel: string(p.Pricing.Model), MonthlyFee: p.Pricing.MonthlyFee,
		IncludedCalls: limitString(p.Pricing.IncludedCalls), PricePerCall: p.Pricing.PricePerCall,
		Currency: p.Pricing.Currency, State: string(p.State),
	}
	if p.ID == 0 && p.APIID == 0 {
		f.Audience, f.ApprovalMode, f.KeyMode = string(models.AudiencePublic), string(models.ApprovalAutomatic), string(models.KeyModeKeyPair)
		f.PricingModel, f.State, f.Currency = string(models.PricingFree), string(models.PlanPublished), "EUR"
	}
	for _, op := range sortedKeys(p.OperationLimits) {
		l := p.OperationLimits[op]
		f.Operations = append(f.Operations, OperationLimitForm{
			OperationID: op, RatePerSecond: limitString(l.RatePerSecond), RatePerMinute: limitString(l.RatePerMinute),
			RatePerHour: limitString(l.RatePerHour), QuotaPerDay: limitString(l.QuotaPerDay), QuotaPerMonth: limitString(l.QuotaPerMonth),
		})
	}
	return f.WithBlankOperationRows()
}

// BlankOperationRows is how many empty per-operation rows the editor
// offers beyond the filled ones.
const BlankOperationRows = 2

// WithBlankOperationRows returns f with its filled per-operation rows and
// BlankOperationRows empty ones.
func (f PlanForm) WithBlankOperationRows() PlanForm {
	ops := make([]OperationLimitForm, 0, len(f.Operations)+BlankOperationRows)
	for _, o := range f.Operations {
		if o != (OperationLimitForm{}) {
			ops = append(ops, o)
		}
	}
	for range BlankOperationRows {
		ops = append(ops, OperationLimitForm{})
	}
	f.Operations = ops
	return f
}

func sortedKeys(m map[string]models.Limits) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// limitString shows a limit in a form field: "" for none.
func limitString(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// groupDigits writes n with thin separators: 1,000,000.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// PlanPrice summarizes what a plan costs: "Free", "EUR 49.00 / month,
// 1,000,000 calls included, then EUR 0.0005 per call", "EUR 0.01 per call".
func PlanPrice(p models.Pricing) string {
	switch p.Model {
	case models.PricingMonthly:
		s := p.Currency + " " + p.MonthlyFee + " / month"
		if p.IncludedCalls > 0 {
			s += ", " + groupDigits(p.IncludedCalls) + " calls included"
		}
		if p.PricePerCall != "" && strings.Trim(p.PricePerCall, "0.") != "" {
			s += ", then " + p.Currency + " " + p.PricePerCall + " per call"
		}
		return s
	case models.PricingPerCall:
		return p.Currency + " " + p.PricePerCall + " per call"
	default:
		return "Free"
	}
}

// PlanLimits summarizes limits: "10/s · 10,000/day", or "No limits".
func PlanLimits(l models.Limits) string {
	var parts []string
	for _, x := range []struct {
		n    int64
		unit string
	}{{l.RatePerSecond, "/s"}, {l.RatePerMinute, "/min"}, {l.RatePerHour, "/h"}, {l.QuotaPerDay, "/day"}, {l.QuotaPerMonth, "/month"}} {
		if x.n > 0 {
			parts = append(parts, groupDigits(x.n)+x.unit)
		}
	}
	if l.SpikeArrest > 0 {
		parts = append(parts, "spike arrest "+groupDigits(l.SpikeArrest)+"/s")
	}
	if len(parts) == 0 {
		return "No limits"
	}
	return strings.Join(parts, " · ")
}

// PlanStateLabel names a plan state for people.
func PlanStateLabel(s models.PlanState) string {
	switch s {
	case models.PlanPublished:
		return "Published"
	case models.PlanHidden:
		return "Hidden"
	case models.PlanRetired:
		return "Retired"
	}
	return string(s)
}

// KeyModeLabel names a key mode for people.
func KeyModeLabel(m models.KeyMode) string {
	if m == models.KeyModeAPIKey {
		return "Single API key"
	}
	return "Key pair"
}

// ApprovalLabel names an approval mode for people, as it applies to the
// plan's audience.
func ApprovalLabel(p models.Plan) string {
	if p.Audience == models.AudiencePartner || p.ApprovalMode == models.ApprovalManual {
		return "Manual approval"
	}
	return "Automatic"
}

// Choice is one option of a radio group: its value, label and a line of
// help.
type Choice struct {
	Value, Label, Help string
}

// The choices of the plan editor.
var (
	AudienceChoices = []Choice{
		{string(models.AudiencePublic), "Public", "Any developer who signs in may subscribe."},
		{string(models.AudiencePartner), "Partners", "Invited consumer teams only. Partner subscriptions are always reviewed by an admin, whatever the approval mode says."},
		{string(models.AudienceInternal), "Internal", "Group staff only. Staff are self-provisioned: their subscriptions are approved at once, even on a manual plan."},
	}
	ApprovalChoices = []Choice{
		{string(models.ApprovalAutomatic), "Automatic", "Subscriptions are active at once."},
		{string(models.ApprovalManual), "Manual", "Subscriptions wait in the approval queue of this company's admins."},
	}
	KeyModeChoices = []Choice{
		{string(models.KeyModeKeyPair), "Key pair", "A public app_id plus up to five secret app_keys, so keys rotate without downtime."},
		{string(models.KeyModeAPIKey), "Single API key", "One secret key per application."},
	}
	PricingChoices = []Choice{
		{string(models.PricingFree), "Free", ""},
		{string(models.PricingMonthly), "Monthly fee", "A fee per month with included calls, then a price per call beyond them."},
		{string(models.PricingPerCall), "Per call", "A price for every call."},
	}
	PlanStateChoices = []Choice{
		{string(models.PlanPublished), "Published", "Offered on the API's page."},
		{string(models.PlanHidden), "Hidden", "Keeps its subscribers but takes no new ones."},
		{string(models.PlanRetired), "Retired", "Kept for history only."},
	}
)

// IncludedChoices are the operations the editor offers to include: the
// API's, then any the plan includes that its latest version no longer has
// (so they can be unchecked).
func IncludedChoices(ops, included []string) []string {
	out := append([]string{}, ops...)
	for _, op := range included {
		if !slices.Contains(out, op) {
			out = append(out, op)
		}
	}
	return out
}
