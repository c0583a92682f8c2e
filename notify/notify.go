// Package notify delivers the emails of the outbox: a Worker claims due
// messages from the store (with a lease, so several Portico processes can
// run workers on one database), sends each through a Sender (SMTPSender in
// production), and reports it sent, or failed to be retried with backoff.
// The store writes the outbox in the transaction of the change an email
// reports; this package only delivers. It imports models and the standard
// library.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/portico/portico/models"
)

// Store is what the worker needs from persistence (*store.Store).
type Store interface {
	ClaimOutbox(ctx context.Context, at time.Time, limit int, lease time.Duration) ([]models.OutboxMessage, error)
	MarkOutboxSent(ctx context.Context, id int64, token string, at time.Time) error
	MarkOutboxFailed(ctx context.Context, id int64, token string, at time.Time, cause string, permanent bool) (models.OutboxMessage, error)
}

// Sender delivers one message (*SMTPSender).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Defaults of Worker's optional fields.
const (
	DefaultInterval = 5 * time.Second
	DefaultBatch    = 20
	// DefaultLease is how long a claimed message is the worker's: longer
	// than a delivery may take (SMTPSender gives up after 30 s).
	DefaultLease = 2 * time.Minute
)

// Worker delivers the outbox. Zero optional fields take the defaults.
type Worker struct {
	Store   Store
	Sender  Sender
	BaseURL string // public URL of the portal: links in emails are made absolute with it
	From    string // "Portico <no-reply@example.com>"
	Logger  *slog.Logger
	Now     func() time.Time // nil: time.Now

	Interval time.Duration // between polls
	Batch    int           // messages claimed at once
	Lease    time.Duration
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Run delivers due messages every Interval until ctx is done. A failed
// poll (the database is down) is logged and retried at the next tick. It
// returns nil when ctx is cancelled.
func (w *Worker) Run(ctx context.Context) error {
	interval := w.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log().Error("deliver emails", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce delivers every message due now, a batch at a time, and returns
// how many were sent and how many failed (to be retried or given up).
func (w *Worker) RunOnce(ctx context.Context) (sent, failed int, err error) {
	batch := w.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	lease := w.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	for range 50 { // bounded: a busy outbox waits for the next tick
		msgs, err := w.Store.ClaimOutbox(ctx, w.now(), batch, lease)
		if err != nil {
			return sent, failed, fmt.Errorf("claim outbox: %w", err)
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				return sent, failed, ctx.Err()
			}
			if w.deliver(ctx, m) {
				sent++
			} else {
				failed++
			}
		}
		if len(msgs) < batch {
			break
		}
	}
	return sent, failed, nil
}

// deliver sends one claimed message and records the outcome.
func (w *Worker) deliver(ctx context.Context, m models.OutboxMessage) bool {
	log := w.log().With("outbox_id", m.ID)
	err := w.Sender.Send(ctx, w.Message(m))
	if err == nil {
		if err := w.Store.MarkOutboxSent(ctx, m.ID, m.LeaseToken, w.now()); err != nil {
			// Delivered, but another worker may send it again; say so.
			log.Warn("email sent but not recorded as sent", "error", err)
		}
		return true
	}
	after, merr := w.Store.MarkOutboxFailed(ctx, m.ID, m.LeaseToken, w.now(), err.Error(), Permanent(err))
	if merr != nil {
		log.Error("record failed email", "error", merr, "cause", err)
		return false
	}
	if after.DeadAt != nil {
		log.Error("email given up", "attempts", after.Attempts, "error", err)
	} else {
		log.Warn("email not delivered, will retry", "attempts", after.Attempts, "next_attempt_at", after.NextAttemptAt, "error", err)
	}
	return false
}

// Message is the email of an outbox row: its body with the link made
// absolute, and a footer saying why the recipient gets it.
func (w *Worker) Message(m models.OutboxMessage) Message {
	base := strings.TrimRight(w.BaseURL, "/")
	body := strings.TrimRight(m.BodyText, "\n") + "\n"
	if m.Link != "" && strings.HasPrefix(m.Link, "/") && !strings.HasPrefix(m.Link, "//") {
		body += "\n" + base + m.Link + "\n"
	}
	body += "\n-- \nYou get this email because you have an account on the developer portal"
	if base != "" {
		body += " " + base
	}
	body += ".\nYour inbox there lists every notice: " + base + "/inbox\n"
	host := "portico"
	if i := strings.Index(base, "://"); i >= 0 {
		host = strings.SplitN(base[i+3:], "/", 2)[0]
		host = strings.SplitN(host, ":", 2)[0]
	}
	return Message{
		From: w.From, To: m.ToAddress, Subject: m.Subject, Body: body, Date: w.now(),
		MessageID: fmt.Sprintf("outbox-%d-%d@%s", m.ID, m.CreatedAt.Unix(), host),
	}
}
