package identity

import (
	"testing"
	"time"
)

func TestThrottle_Locked(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	at := func(mins ...float64) []time.Time {
		var ts []time.Time
		for _, m := range mins {
			ts = append(ts, t0.Add(time.Duration(m*float64(time.Minute))))
		}
		return ts
	}
	minutes := func(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

	tests := []struct {
		name       string
		throttle   Throttle
		failures   []time.Time
		now        time.Time
		wantLocked bool
		wantFor    time.Duration
	}{
		{"no failures", Throttle{}, nil, t0, false, 0},
		{"four failures are allowed", Throttle{}, at(0, 1, 2, 3), t0.Add(minutes(4)), false, 0},
		{"fifth failure locks for 15 minutes", Throttle{}, at(0, 1, 2, 3, 4), t0.Add(minutes(4)), true, minutes(15)},
		{"lock counts down", Throttle{}, at(0, 1, 2, 3, 4), t0.Add(minutes(10)), true, minutes(9)},
		{"lock ends 15 minutes after the fifth failure", Throttle{}, at(0, 1, 2, 3, 4), t0.Add(minutes(19)), false, 0},
		{"one second before the end", Throttle{}, at(0, 1, 2, 3, 4), t0.Add(minutes(19) - time.Second), true, time.Second},
		{"order does not matter", Throttle{}, at(4, 0, 3, 1, 2), t0.Add(minutes(4)), true, minutes(15)},
		{"five failures spread over more than 15 minutes do not lock", Throttle{}, at(0, 4, 8, 12, 16), t0.Add(minutes(16)), false, 0},
		{"exactly 15 minutes apart still locks", Throttle{}, at(0, 5, 10, 14, 15), t0.Add(minutes(15)), true, minutes(15)},
		{"a later run of five locks from its last failure", Throttle{}, at(0, 20, 21, 22, 23, 24), t0.Add(minutes(25)), true, minutes(14)},
		{"many failures lock from the latest run", Throttle{}, at(0, 1, 2, 3, 4, 5, 6, 7), t0.Add(minutes(8)), true, minutes(14)},
		{"old failures are forgotten", Throttle{}, at(0, 1, 2, 3, 4), t0.Add(24 * time.Hour), false, 0},
		{"failure stamped in the future counts as now", Throttle{}, at(0, 1, 2, 3, 10), t0.Add(minutes(3)), true, minutes(15)},
		{"custom policy: 3 in 1 minute, locked 1 hour", Throttle{MaxFailures: 3, Window: time.Minute, Lockout: time.Hour},
			at(0, 0.5, 0.75), t0.Add(minutes(1)), true, minutes(59.75)},
		{"custom policy: 3 over 2 minutes do not lock", Throttle{MaxFailures: 3, Window: time.Minute, Lockout: time.Hour},
			at(0, 1, 2), t0.Add(minutes(2)), false, 0},
		{"negative fields take the defaults", Throttle{MaxFailures: -1, Window: -1, Lockout: -1}, at(0, 1, 2, 3, 4), t0.Add(minutes(4)), true, minutes(15)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]time.Time(nil), tc.failures...)
			locked, d := tc.throttle.Locked(tc.failures, tc.now)
			if locked != tc.wantLocked || d != tc.wantFor {
				t.Errorf("Locked = %v, %v; want %v, %v", locked, d, tc.wantLocked, tc.wantFor)
			}
			for i := range in {
				if !in[i].Equal(tc.failures[i]) {
					t.Fatal("Locked reordered the caller's slice")
				}
			}
		})
	}
}

// TestThrottle_attackerTimeline drives the policy with an injected clock the
// way the sign-in handler does: check, then record a failure only when a
// password was actually checked.
func TestThrottle_attackerTimeline(t *testing.T) {
	var th Throttle
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var failures []time.Time
	checked, refused := 0, 0
	for range 60 { // one guess every 30 s for 30 minutes
		if locked, _ := th.Locked(failures, now); locked {
			refused++
		} else {
			checked++
			failures = append(failures, now)
		}
		now = now.Add(30 * time.Second)
	}
	// Five guesses (0:00–2:00), locked until 17:00; five more (17:00–19:00),
	// locked until 34:00.
	if checked != 10 || refused != 50 {
		t.Errorf("checked %d passwords and refused %d attempts, want 10 and 50", checked, refused)
	}
}

func TestThrottle_Since(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		throttle Throttle
		want     time.Time
	}{
		{Throttle{}, now.Add(-30 * time.Minute)},
		{Throttle{MaxFailures: 3, Window: time.Minute, Lockout: time.Hour}, now.Add(-61 * time.Minute)},
	}
	for _, tc := range tests {
		if got := tc.throttle.Since(now); !got.Equal(tc.want) {
			t.Errorf("%+v.Since(now) = %v, want %v", tc.throttle, got, tc.want)
		}
	}
	// Since is tight: a run whose first failure is at Since(now) holds the
	// lock until just before now.
	th := Throttle{}
	s := th.Since(now)
	fs := []time.Time{s, s.Add(time.Minute), s.Add(2 * time.Minute), s.Add(3 * time.Minute), s.Add(15 * time.Minute)}
	if locked, _ := th.Locked(fs, now.Add(-time.Second)); !locked {
		t.Error("a run starting at Since is not counted")
	}
}
