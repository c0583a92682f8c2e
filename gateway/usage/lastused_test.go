package usage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

type keysSink struct {
	fail bool
	ids  []int64
	at   time.Time
}

func (k *keysSink) MarkCredentialsUsed(_ context.Context, ids []int64, at time.Time) error {
	if k.fail {
		return errors.New("control plane away")
	}
	k.ids, k.at = append(k.ids, ids...), at
	return nil
}

func TestLastUsedKeepsKeysUntilWritten(t *testing.T) {
	sink := &keysSink{fail: true}
	l := NewLastUsed(sink, time.Minute)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	l.Record(7, t0)
	l.Record(7, t0.Add(-time.Hour)) // older: ignored
	l.Record(9, t0.Add(time.Second))
	if err := l.Flush(context.Background()); err == nil {
		t.Fatal("a failing sink reported no error")
	}
	sink.fail = false
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	slices.Sort(sink.ids)
	if !slices.Equal(sink.ids, []int64{7, 9}) || !sink.at.Equal(t0.Add(time.Second)) {
		t.Errorf("written %v at %v; want keys 7 and 9 at the latest use", sink.ids, sink.at)
	}
	sink.ids = nil
	if err := l.Flush(context.Background()); err != nil || len(sink.ids) != 0 {
		t.Errorf("a second flush wrote %v (%v); want nothing", sink.ids, err)
	}
}
