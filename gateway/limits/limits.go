// Package limits decides whether a call fits its plan's rate limits,
// quotas and spike arrest. The gateway asks a Limiter; this package has the
// in-memory one (one process); the fleet issue adds one backed by Redis
// behind the same interface.
package limits

import (
	"context"
	"time"
)

// Period is the window of a rate limit or the period of a quota.
type Period uint8

// The periods. Rates are sliding windows; quotas are calendar periods in
// UTC (a day from midnight, a month from the first).
const (
	Second Period = iota + 1
	Minute
	Hour
	Day
	Month
)

// Rule is one limit: at most Limit requests per Period.
type Rule struct {
	Limit  int64
	Period Period
}

// Policy is the set of rules that apply to one subject, for example a
// plan's limits, or one operation's limits within a plan. A Policy is
// built once per snapshot and shared by every request; Limiters may cache
// anything derived from it (the header text, for example) keyed by its
// pointer.
type Policy struct {
	// Name identifies the policy in RateLimit-Policy headers, for example
	// "plan-12" or "plan-12-getAccount".
	Name  string
	Rules []Rule
	// SpikeArrest, when positive, spaces requests at least 1/SpikeArrest
	// seconds apart (with no burst beyond one request).
	SpikeArrest int64
}

// Subject is who a policy counts: one application under one policy.
type Subject struct {
	App    int64
	Policy *Policy
}

// Reason says which kind of rule refused a request.
type Reason uint8

// The reasons.
const (
	Allowed Reason = iota
	RateLimited
	QuotaExceeded
	SpikeArrested
	Unavailable // the limiter's store failed and the policy fails closed
)

// Decision is a Limiter's answer for one request.
type Decision struct {
	Reason Reason // Allowed lets the request through
	// The most restrictive rule after this request: its limit, what is left
	// in its window, and when the window resets (from now).
	Rule      Rule
	Remaining int64
	Reset     time.Duration
	// RetryAfter is set when the request is refused: when trying again can
	// succeed.
	RetryAfter time.Duration
}

// Limiter takes one request from each subject's allowance, all or nothing:
// when any rule of any subject refuses, no subject is charged.
type Limiter interface {
	Take(ctx context.Context, now time.Time, subjects ...Subject) (Decision, error)
}
