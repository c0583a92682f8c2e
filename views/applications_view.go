package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico/portico/models"
)

// AppsURL is the developer's "My applications" page.
const AppsURL = "/apps"

// AppURL is the page of an application (by its database ID).
func AppURL(id int64) string { return AppsURL + "/" + int64s(id) }

// KeyActionURL is where a key of an application is rotated or revoked
// (action "rotate" or "revoke").
func KeyActionURL(appID, keyID int64, action string) string {
	return AppURL(appID) + "/keys/" + int64s(keyID) + "/" + action
}

// CancelSubscriptionURL cancels a subscription of an application.
func CancelSubscriptionURL(appID, subID int64) string {
	return AppURL(appID) + "/subscriptions/" + int64s(subID) + "/cancel"
}

// SubscribeURL is the subscribe flow of an API, for one of its plans (or
// the form's action when planID is 0).
func SubscribeURL(subsidiary, api string, planID int64) string {
	u := ProductURL(subsidiary, api) + "/subscribe"
	if planID > 0 {
		u += "?plan=" + int64s(planID)
	}
	return u
}

// PlansAdminURL is where the admins and publishers of a subsidiary edit
// the plans of its APIs.
func PlansAdminURL(subsidiary string) string {
	return "/admin/subsidiaries/" + url.PathEscape(subsidiary) + "/plans"
}

// ReauthURL is the sign-in page asking a signed-in user to confirm who
// they are, returning to the local path returnTo.
func ReauthURL(returnTo string) string {
	return "/login?reauth=1&return_to=" + url.QueryEscape(returnTo)
}

// OwnerMe is the owner field's value for an application of the developer
// themselves (else the team's ID).
const OwnerMe = "me"

// AppForm is the create or edit form of an application, as typed.
type AppForm struct {
	Name        string
	Description string
	Owner       string // OwnerMe or a team ID (create only)
	IPAllowlist string // one CIDR per line
	Errors      FieldErrors
}

// AppsView is the "My applications" page.
type AppsView struct {
	Apps   []models.AppSummary
	Teams  []models.Team // where the viewer may create team applications
	Form   AppForm
	Notice string
}

// OwnerText is how an application's owner is shown to its viewer.
func OwnerText(a models.AppSummary) string {
	if a.TeamName != "" {
		return "Team " + a.TeamName
	}
	return "You"
}

// KeyForm is the create-a-key form.
type KeyForm struct {
	Name    string
	Expires string // yyyy-mm-dd, or ""
	Kind    string // app_key or api_key
	Errors  FieldErrors
}

// AppView is an application's page.
type AppView struct {
	App           models.Application
	Owner         string // "You" or "Team <name>"
	Keys          []models.Credential
	Subscriptions []models.AppSubscription
	Edit          AppForm
	KeyForm       KeyForm
	Notice        string
	Now           time.Time // for key states
	// Usage is the application's calls through the gateway per API
	// version over the last UsageDays days.
	Usage     []models.UsageTotal
	UsageDays int
}

// KeyState is a key's state at now: "live", "expired" or "revoked".
func KeyState(c models.Credential, now time.Time) string {
	switch {
	case c.RevokedAt != nil:
		return "revoked"
	case c.ExpiresAt != nil && !c.ExpiresAt.After(now):
		return "expired"
	}
	return "live"
}

// KeyKindText names a credential kind.
func KeyKindText(k models.CredentialKind) string {
	if k == models.CredentialAPIKey {
		return "API key"
	}
	return "app_key"
}

// KeyRevealView is the page that shows a new key, once.
type KeyRevealView struct {
	App    models.Application
	Key    models.Credential // the new key: prefix, name, expiry
	Secret string            // the key itself; shown on this response only
	// Replaced is the rotated key as it now stands (nil after a create).
	Replaced *models.Credential
}

// ReauthView asks a user whose sign-in is not recent to sign in again.
type ReauthView struct {
	AppName  string
	Action   string // what they tried: "create a key", "rotate a key"
	ReauthTo string // the sign-in page, returning to the application
	BackTo   string
}

// RotateGraces are the choices of how long a rotated key keeps working.
var RotateGraces = []struct{ Value, Label string }{
	{"0", "Stop the old key now"},
	{"1h", "Keep the old key for 1 hour"},
	{"24h", "Keep the old key for 24 hours"},
	{"168h", "Keep the old key for 7 days"},
}

// PlanColumn is a plan in the comparison table and the subscribe flow,
// formatted for reading.
type PlanColumn struct {
	Plan            models.Plan
	DescriptionHTML string   // sanitized HTML of the plan's Markdown description; set by the handler
	Price           []string // lines: "Free"; "EUR 49.00 a month", "10,000 calls included", "EUR 0.002 per extra call"
	Rates           []string // "10 per second", …; "No rate limit" when none
	Quotas          []string // "1,000 per day", …; "No quota" when none
	Approval        string
	KeyType         string
	SubscribeURL    string // "" when the viewer may not subscribe (plan not published)
}

// PlanTable is the plan comparison table of an API product page.
type PlanTable struct {
	Plans     []PlanColumn
	ManageURL string // the plan editor, for those who may manage the subsidiary's plans; else ""
}

// NewPlanColumn formats a plan. subsidiaryName names who reviews manual
// requests; staff says whether the viewer is group staff (internal plans
// provision them at once).
func NewPlanColumn(p models.Plan, subsidiary, subsidiaryName, api string, requester models.UserKind) PlanColumn {
	c := PlanColumn{Plan: p, Price: priceLines(p.Pricing), KeyType: KeyModeText(p.KeyMode)}
	for _, l := range []struct {
		n    int64
		unit string
	}{{p.RatePerSecond, "second"}, {p.RatePerMinute, "minute"}, {p.RatePerHour, "hour"}} {
		if l.n > 0 {
			c.Rates = append(c.Rates, thousands(l.n)+" per "+l.unit)
		}
	}
	if p.SpikeArrest > 0 {
		c.Rates = append(c.Rates, "evenly spaced, at most "+thousands(p.SpikeArrest)+" a second")
	}
	if len(c.Rates) == 0 {
		c.Rates = []string{"No rate limit"}
	}
	for _, l := range []struct {
		n    int64
		unit string
	}{{p.QuotaPerDay, "day"}, {p.QuotaPerMonth, "month"}} {
		if l.n > 0 {
			c.Quotas = append(c.Quotas, thousands(l.n)+" calls per "+l.unit)
		}
	}
	if len(c.Quotas) == 0 {
		c.Quotas = []string{"No quota"}
	}
	c.Approval = ApprovalText(p, subsidiaryName, requester)
	if p.State == models.PlanPublished {
		c.SubscribeURL = SubscribeURL(subsidiary, api, p.ID)
	}
	return c
}

// ApprovalText says how a subscription to the plan is approved, for a
// requester of the kind.
func ApprovalText(p models.Plan, subsidiaryName string, requester models.UserKind) string {
	switch {
	case p.Audience == models.AudiencePartner:
		return "For invited partner teams, reviewed by " + subsidiaryName
	case models.SubscribeEvent(p, requester) == models.EventAutoApprove:
		if p.ApprovalMode == models.ApprovalManual {
			return "Approved at once for group staff"
		}
		return "Automatic: approved at once"
	}
	return "Manual: reviewed by " + subsidiaryName
}

// KeyModeText names a plan's key mode.
func KeyModeText(m models.KeyMode) string {
	if m == models.KeyModeAPIKey {
		return "API key"
	}
	return "Key pair (app_id + app_key)"
}

func priceLines(pr models.Pricing) []string {
	cur := pr.Currency
	switch pr.Model {
	case models.PricingMonthly:
		lines := []string{cur + " " + pr.MonthlyFee + " a month"}
		if pr.IncludedCalls > 0 {
			lines = append(lines, thousands(pr.IncludedCalls)+" calls included")
		}
		if pr.PricePerCall != "" && strings.Trim(pr.PricePerCall, "0.") != "" {
			lines = append(lines, cur+" "+pr.PricePerCall+" per extra call")
		}
		return lines
	case models.PricingPerCall:
		return []string{cur + " " + pr.PricePerCall + " per call"}
	}
	return []string{"Free"}
}

// thousands formats n with comma separators: 10000 → "10,000".
func thousands(n int64) string {
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

// SubscribeForm is the subscribe flow's form, as typed.
type SubscribeForm struct {
	Application string // an application's ID, or "" to create one
	NewName     string // name of the application to create
	Owner       string // OwnerMe or a team ID, for the new application
	Errors      FieldErrors
}

// SubscribeView is the subscribe flow: one plan of an API, and the
// viewer's applications to subscribe with.
type SubscribeView struct {
	Product      models.APIProduct
	Plan         PlanColumn
	AutoApproved bool // the request is approved at once
	Apps         []models.AppSummary
	Teams        []models.Team
	Form         SubscribeForm
	Action       string // the form's URL
}

// SubscriptionStateText names a subscription state.
func SubscriptionStateText(s models.SubscriptionState) string {
	switch s {
	case models.SubscriptionPending:
		return "Pending approval"
	case models.SubscriptionActive:
		return "Active"
	case models.SubscriptionRejected:
		return "Rejected"
	case models.SubscriptionSuspended:
		return "Suspended"
	case models.SubscriptionCancelled:
		return "Cancelled"
	}
	return string(s)
}

// Cancellable reports whether the requester may cancel a subscription in
// state s.
func Cancellable(s models.SubscriptionState) bool {
	_, err := models.SubscriptionTransition(models.PartyRequester, s, models.EventCancel)
	return err == nil
}

// dateOrDash formats an optional time as a date.
func dateOrDash(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return FormatDate(*t)
}

// keyNameSuffix is " “name”" for a named key, else "".
func keyNameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " “" + name + "”"
}

// planStateText says why a plan that is not published is listed.
func planStateText(s models.PlanState) string {
	switch s {
	case models.PlanHidden:
		return "Hidden: no new subscriptions"
	case models.PlanRetired:
		return "Retired"
	}
	return string(s)
}
