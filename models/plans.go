package models

import (
	"regexp"
	"sort"
	"time"
)

// ApprovalMode says whether a subscription to a plan needs an admin's decision.
type ApprovalMode string

// The approval modes.
const (
	ApprovalAutomatic ApprovalMode = "automatic"
	ApprovalManual    ApprovalMode = "manual"
)

// KeyMode is the kind of credential a plan's subscribers authenticate with.
type KeyMode string

// The key modes: a 3scale-style app_id plus up to five app_keys, or one
// single API key.
const (
	KeyModeKeyPair KeyMode = "key_pair"
	KeyModeAPIKey  KeyMode = "api_key"
)

// PlanState is whether a plan is offered.
type PlanState string

// The plan states. A hidden plan keeps its subscribers but takes no new
// ones; a retired plan is kept for history only.
const (
	PlanPublished PlanState = "published"
	PlanHidden    PlanState = "hidden"
	PlanRetired   PlanState = "retired"
)

// PricingModel is how a plan is charged.
type PricingModel string

// The pricing models.
const (
	PricingFree    PricingModel = "free"
	PricingMonthly PricingModel = "monthly"  // MonthlyFee, IncludedCalls, then PricePerCall beyond them
	PricingPerCall PricingModel = "per_call" // PricePerCall for every call
)

// Limits are the rate limits and quotas of a plan or of one operation. Zero
// means no limit.
type Limits struct {
	RatePerSecond int64 `json:"rate_per_second,omitempty"`
	RatePerMinute int64 `json:"rate_per_minute,omitempty"`
	RatePerHour   int64 `json:"rate_per_hour,omitempty"`
	QuotaPerDay   int64 `json:"quota_per_day,omitempty"`
	QuotaPerMonth int64 `json:"quota_per_month,omitempty"`
	// SpikeArrest smooths bursts: at most this many calls a second, evenly
	// spaced (0: none).
	SpikeArrest int64 `json:"spike_arrest,omitempty"`
}

// Pricing is what a plan costs. Amounts are decimal strings ("12.50") so
// that no float ever touches money; "" counts as zero.
type Pricing struct {
	Model         PricingModel
	MonthlyFee    string
	IncludedCalls int64
	PricePerCall  string
	Currency      string // ISO 4217, e.g. "EUR"; "" for free plans
}

// Plan is an offer to consume one API: who may subscribe, how subscriptions
// are approved, which credential is used, limits and price.
type Plan struct {
	ID           int64 `gorm:"primaryKey"`
	APIID        int64 `gorm:"column:api_id"`
	Name         string
	Description  string // Markdown
	Audience     Audience
	ApprovalMode ApprovalMode
	KeyMode      KeyMode
	Limits       `gorm:"embedded"`
	// OperationLimits are limits per OpenAPI operationId, on top of the
	// plan's.
	OperationLimits map[string]Limits `gorm:"serializer:json"`
	// Operations are the operationIds the plan includes; empty includes
	// every operation of the API. Others are refused at the gateway (403).
	Operations []string `gorm:"serializer:json"`
	// QueryCredentials lets clients send credentials as query parameters
	// (off by default: URLs end up in logs).
	QueryCredentials bool
	Pricing          Pricing `gorm:"embedded;embeddedPrefix:pricing_"`
	State            PlanState
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

var (
	decimalPattern  = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,6})?$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	operationID     = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,200}$`)
)

// isZeroDecimal reports whether a valid decimal string (or "") is zero.
func isZeroDecimal(s string) bool {
	for _, r := range s {
		if r != '0' && r != '.' {
			return false
		}
	}
	return true
}

func (p *problems) limits(prefix string, l Limits) {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"rate_per_second", l.RatePerSecond}, {"rate_per_minute", l.RatePerMinute}, {"rate_per_hour", l.RatePerHour},
		{"quota_per_day", l.QuotaPerDay}, {"quota_per_month", l.QuotaPerMonth}, {"spike_arrest", l.SpikeArrest},
	} {
		if f.v < 0 {
			p.addf("%s%s must not be negative", prefix, f.name)
		}
	}
}

func (p *problems) decimal(field, s string) {
	if s != "" && !decimalPattern.MatchString(s) {
		p.addf("%s %q is not a decimal amount such as 12.50", field, clipForMessage(s, 40))
	}
}

// Validate checks a plan before it is stored. It returns an Invalid error
// listing every problem in its Details, each starting with the field name.
func (pl Plan) Validate() error {
	var p problems
	if pl.APIID <= 0 {
		p.addf("api_id is required")
	}
	p.text("name", pl.Name, true, MaxNameLen)
	p.text("description", pl.Description, false, MaxSummaryLen*10)
	if !pl.Audience.Valid() {
		p.addf("audience %q is not one of public, partner, internal", pl.Audience)
	}
	if pl.ApprovalMode != ApprovalAutomatic && pl.ApprovalMode != ApprovalManual {
		p.addf("approval_mode %q is not automatic or manual", pl.ApprovalMode)
	}
	if pl.KeyMode != KeyModeKeyPair && pl.KeyMode != KeyModeAPIKey {
		p.addf("key_mode %q is not key_pair or api_key", pl.KeyMode)
	}
	p.limits("", pl.Limits)
	ops := make([]string, 0, len(pl.OperationLimits))
	for op := range pl.OperationLimits {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	if len(ops) > 500 {
		p.addf("operation_limits has %d entries; the limit is 500", len(ops))
	}
	for _, op := range ops {
		if !operationID.MatchString(op) {
			p.addf("operation_limits key %q is not an operationId", clipForMessage(op, 40))
			continue
		}
		p.limits("operation_limits["+op+"].", pl.OperationLimits[op])
	}
	if len(pl.Operations) > 500 {
		p.addf("operations has %d entries; the limit is 500", len(pl.Operations))
	}
	seen := map[string]bool{}
	for _, op := range pl.Operations {
		if !operationID.MatchString(op) {
			p.addf("operations entry %q is not an operationId", clipForMessage(op, 40))
		} else if seen[op] {
			p.addf("operations lists %q twice", op)
		}
		seen[op] = true
	}
	pr := pl.Pricing
	p.decimal("pricing.monthly_fee", pr.MonthlyFee)
	p.decimal("pricing.price_per_call", pr.PricePerCall)
	if pr.IncludedCalls < 0 {
		p.addf("pricing.included_calls must not be negative")
	}
	switch pr.Model {
	case PricingFree:
		if !isZeroDecimal(pr.MonthlyFee) || !isZeroDecimal(pr.PricePerCall) || pr.IncludedCalls != 0 {
			p.addf("pricing.model free has no fee, included calls or price per call")
		}
		if pr.Currency != "" && !currencyPattern.MatchString(pr.Currency) {
			p.addf("pricing.currency %q is not an ISO 4217 code such as EUR", clipForMessage(pr.Currency, 10))
		}
	case PricingMonthly, PricingPerCall:
		if !currencyPattern.MatchString(pr.Currency) {
			p.addf("pricing.currency %q is not an ISO 4217 code such as EUR", clipForMessage(pr.Currency, 10))
		}
		if pr.Model == PricingMonthly && (pr.MonthlyFee == "" || isZeroDecimal(pr.MonthlyFee)) {
			p.addf("pricing.monthly_fee is required for a monthly plan")
		}
		if pr.Model == PricingPerCall {
			if pr.PricePerCall == "" || isZeroDecimal(pr.PricePerCall) {
				p.addf("pricing.price_per_call is required for a per-call plan")
			}
			if !isZeroDecimal(pr.MonthlyFee) || pr.IncludedCalls != 0 {
				p.addf("pricing.model per_call has no monthly fee or included calls")
			}
		}
	default:
		p.addf("pricing.model %q is not one of free, monthly, per_call", pr.Model)
	}
	if pl.State != PlanPublished && pl.State != PlanHidden && pl.State != PlanRetired {
		p.addf("state %q is not one of published, hidden, retired", pl.State)
	}
	return p.err("invalid plan")
}

// PlanUpdate changes a plan; nil fields stay as they are.
type PlanUpdate struct {
	Name             *string
	Description      *string
	Audience         *Audience
	ApprovalMode     *ApprovalMode
	KeyMode          *KeyMode
	Limits           *Limits
	OperationLimits  *map[string]Limits
	Operations       *[]string
	QueryCredentials *bool
	Pricing          *Pricing
	State            *PlanState
}

// Apply returns pl with the update's non-nil fields set.
func (u PlanUpdate) Apply(pl Plan) Plan {
	if u.Name != nil {
		pl.Name = *u.Name
	}
	if u.Description != nil {
		pl.Description = *u.Description
	}
	if u.Audience != nil {
		pl.Audience = *u.Audience
	}
	if u.ApprovalMode != nil {
		pl.ApprovalMode = *u.ApprovalMode
	}
	if u.KeyMode != nil {
		pl.KeyMode = *u.KeyMode
	}
	if u.Limits != nil {
		pl.Limits = *u.Limits
	}
	if u.OperationLimits != nil {
		pl.OperationLimits = *u.OperationLimits
	}
	if u.Operations != nil {
		pl.Operations = *u.Operations
	}
	if u.QueryCredentials != nil {
		pl.QueryCredentials = *u.QueryCredentials
	}
	if u.Pricing != nil {
		pl.Pricing = *u.Pricing
	}
	if u.State != nil {
		pl.State = *u.State
	}
	return pl
}
