package usage

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// KeysSink records when keys were last used.
type KeysSink interface {
	MarkCredentialsUsed(ctx context.Context, ids []int64, at time.Time) error
}

// LastUsed remembers which keys were used since the last flush, so the
// portal can show "last used" without a database write per request.
type LastUsed struct {
	sink   KeysSink
	every  time.Duration
	Logger *slog.Logger

	mu   sync.Mutex
	used map[int64]time.Time
}

// NewLastUsed returns a tracker flushing to sink every interval.
func NewLastUsed(sink KeysSink, every time.Duration) *LastUsed {
	return &LastUsed{sink: sink, every: every, used: map[int64]time.Time{}}
}

// Record notes that a key was used at a time.
func (l *LastUsed) Record(credential int64, at time.Time) {
	l.mu.Lock()
	if at.After(l.used[credential]) {
		l.used[credential] = at
	}
	l.mu.Unlock()
}

// Flush writes the keys used since the last flush, stamped with the latest
// use among them (minute precision is what the portal shows). A failed
// write keeps them for the next flush.
func (l *LastUsed) Flush(ctx context.Context) error {
	l.mu.Lock()
	used := l.used
	l.used = map[int64]time.Time{}
	l.mu.Unlock()
	if len(used) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(used))
	var latest time.Time
	for id, at := range used {
		ids = append(ids, id)
		if at.After(latest) {
			latest = at
		}
	}
	if err := l.sink.MarkCredentialsUsed(ctx, ids, latest); err != nil {
		for id, at := range used {
			l.Record(id, at)
		}
		return err
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more.
func (l *LastUsed) Run(ctx context.Context) {
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = l.Flush(fctx)
			cancel()
			return
		case <-t.C:
			if err := l.Flush(ctx); err != nil && l.Logger != nil && ctx.Err() == nil {
				l.Logger.Warn("keys' last use not written; kept for the next attempt", "err", err)
			}
		}
	}
}
