package identity

import (
	"slices"
	"time"
)

// The default login throttling policy: 5 failures within 15 minutes lock
// sign-in for 15 minutes after the last of them.
const (
	DefaultMaxFailures = 5
	DefaultWindow      = 15 * time.Minute
	DefaultLockout     = 15 * time.Minute
)

// Throttle is a login throttling policy for local accounts: MaxFailures
// failed sign-ins within Window lock further attempts for Lockout after the
// last of them. A zero field takes its default, so the zero Throttle is the
// default policy (and never "no throttling").
//
// It is pure logic: the store records failures per email and per client IP,
// and the sign-in handler asks Locked for each before checking a password.
// While locked, the handler refuses without checking the password and
// records nothing, so a lockout ends Lockout after the failure that caused
// it.
type Throttle struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
}

func (t Throttle) withDefaults() Throttle {
	if t.MaxFailures <= 0 {
		t.MaxFailures = DefaultMaxFailures
	}
	if t.Window <= 0 {
		t.Window = DefaultWindow
	}
	if t.Lockout <= 0 {
		t.Lockout = DefaultLockout
	}
	return t
}

// Since returns the earliest failure time that can still matter at now;
// the store need not load older failures (and may delete them).
func (t Throttle) Since(now time.Time) time.Time {
	t = t.withDefaults()
	return now.Add(-t.Window - t.Lockout)
}

// Locked reports whether sign-in is locked at now, given the times of
// recent failed attempts (in any order; failures older than Since(now) are
// ignored, and failures stamped after now count as at now), and if so for how
// much longer — the value of a Retry-After header.
func (t Throttle) Locked(failures []time.Time, now time.Time) (bool, time.Duration) {
	t = t.withDefaults()
	if len(failures) < t.MaxFailures {
		return false, 0
	}
	fs := make([]time.Time, 0, len(failures))
	since := t.Since(now)
	for _, f := range failures {
		if f.Before(since) {
			continue
		}
		if f.After(now) {
			f = now // clock skew between replicas: a lockout never starts in the future
		}
		fs = append(fs, f)
	}
	slices.SortFunc(fs, func(a, b time.Time) int { return a.Compare(b) })
	var until time.Time
	for j := t.MaxFailures - 1; j < len(fs); j++ {
		// fs[j] is the MaxFailures-th failure of a run starting at fs[j-n+1].
		if fs[j].Sub(fs[j-t.MaxFailures+1]) <= t.Window {
			until = fs[j].Add(t.Lockout)
		}
	}
	if !until.After(now) {
		return false, 0
	}
	return true, until.Sub(now)
}
