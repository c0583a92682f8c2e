package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// auditLockKey is the PostgreSQL advisory lock that orders appends to the
// audit trail ("portico" + "audit" in ASCII, shortened to 63 bits).
const auditLockKey = 0x706f727469636f61

// Paging limits of the lists of this file and of ListUsers.
const (
	defaultPerPage = 50
	maxPerPage     = 200
)

// auditor collects the audit events of one store transaction. audited
// appends them, in the order recorded, before the transaction commits.
type auditor struct {
	actor  models.Actor
	events []models.AuditEvent
}

// record adds an event by the transaction's actor. before and after are
// encoded as JSON (nil gives ""). subsidiary is a slug, or "" for an event
// of the whole platform; GlobalDomain counts as "".
func (a *auditor) record(action, subsidiary, target string, before, after any) {
	if subsidiary == models.GlobalDomain {
		subsidiary = ""
	}
	a.events = append(a.events, models.AuditEvent{
		ActorID:    a.actor.UserID,
		ActorEmail: strings.ToLower(strings.TrimSpace(a.actor.Email)),
		Subsidiary: subsidiary,
		Action:     action,
		Target:     target,
		Before:     auditJSON(before),
		After:      auditJSON(after),
		RequestID:  a.actor.RequestID,
		ClientIP:   a.actor.ClientIP,
	})
}

// auditJSON encodes v for an event's Before or After. Maps encode with
// sorted keys, so equal values give equal text.
func auditJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only values built by this package reach here; they all encode.
		return fmt.Sprintf(`{"unencodable":%q}`, err.Error())
	}
	return string(b)
}

func userTarget(id int64) string       { return "user:" + strconv.FormatInt(id, 10) }
func teamTarget(id int64) string       { return "team:" + strconv.FormatInt(id, 10) }
func invitationTarget(id int64) string { return "invitation:" + strconv.FormatInt(id, 10) }

// audited runs fn in one write transaction and appends the events fn
// recorded at its end, so a change and its audit trail commit together or
// not at all. On PostgreSQL the transaction takes the audit lock first:
// every audited transaction queues there before touching any row, which
// keeps the chain ordered without risking a deadlock.
func (s *Store) audited(ctx context.Context, actor models.Actor, fn func(tx *gorm.DB, a *auditor) error) error {
	return s.write(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockAudit(tx); err != nil {
			return err
		}
		a := &auditor{actor: actor}
		if err := fn(tx, a); err != nil {
			return err
		}
		_, err := s.appendEvents(tx, a.events)
		return err
	})
}

// lockAudit serializes appends to the chain until tx ends. On SQLite the
// write transaction (BEGIN IMMEDIATE) already holds the database's write
// lock, across processes too.
func (s *Store) lockAudit(tx *gorm.DB) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", int64(auditLockKey)).Error; err != nil {
		return fmt.Errorf("lock audit trail: %w", err)
	}
	return nil
}

// appendEvents chains events to the trail inside tx, which must hold the
// audit lock: each gets the next ID, the store's time, the previous
// event's hash and its own.
func (s *Store) appendEvents(tx *gorm.DB, events []models.AuditEvent) ([]models.AuditEvent, error) {
	if len(events) == 0 {
		return nil, nil
	}
	var last []models.AuditEvent
	if err := tx.Select("id", "hash").Order("id DESC").Limit(1).Find(&last).Error; err != nil {
		return nil, fmt.Errorf("read the audit trail's last event: %w", err)
	}
	var prevID int64
	var prevHash string
	if len(last) == 1 {
		prevID, prevHash = last[0].ID, last[0].Hash
	}
	out := make([]models.AuditEvent, len(events))
	for i, e := range events {
		e.ID = prevID + 1
		e.At = s.now()
		e.PrevHash = prevHash
		e.Hash = e.ComputeHash()
		// One row per statement: the chain trigger checks each against the
		// rows before it.
		if err := tx.Create(&e).Error; err != nil {
			return nil, fmt.Errorf("append audit event %s: %w", e.Action, err)
		}
		out[i] = e
		prevID, prevHash = e.ID, e.Hash
	}
	return out, nil
}

// AppendAudit appends one event to the audit trail, for actions that are
// not store changes of their own (an import run, an export). The store sets
// ID, At, PrevHash and Hash; the caller sets the rest. It returns Invalid
// without an action. Any caller may use it.
func (s *Store) AppendAudit(ctx context.Context, e models.AuditEvent) (models.AuditEvent, error) {
	e.Action = strings.TrimSpace(e.Action)
	if e.Action == "" {
		return models.AuditEvent{}, models.Errorf(models.Invalid, "An audit event needs an action.")
	}
	if e.Subsidiary == models.GlobalDomain {
		e.Subsidiary = ""
	}
	e.ActorEmail = strings.ToLower(strings.TrimSpace(e.ActorEmail))
	var out []models.AuditEvent
	err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockAudit(tx); err != nil {
			return err
		}
		var err error
		out, err = s.appendEvents(tx, []models.AuditEvent{e})
		return err
	})
	if err != nil {
		return models.AuditEvent{}, translate("append audit event", "audit event", err)
	}
	return out[0], nil
}

// ListAudit returns one page of the events f selects, newest first, and the
// number of events selected. f.Subsidiaries == nil selects every event
// (platform admins only); a non-nil, empty list selects none, and a list
// selects the events of those subsidiaries (platform-wide events are not
// among them). Callers check that the viewer may read what they ask for.
func (s *Store) ListAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditEvent, int, error) {
	if f.Subsidiaries != nil && len(f.Subsidiaries) == 0 {
		return []models.AuditEvent{}, 0, nil
	}
	q := s.read(ctx).Model(&models.AuditEvent{})
	if f.Subsidiaries != nil {
		q = q.Where("subsidiary IN ?", f.Subsidiaries)
	}
	if a := strings.TrimSpace(f.Action); a != "" {
		q = q.Where("action = ?", a)
	}
	if e := strings.TrimSpace(f.ActorEmail); e != "" {
		q = q.Where("actor_email = ?", strings.ToLower(e))
	}
	if f.Since != nil {
		q = q.Where("at >= ?", utc(*f.Since))
	}
	if f.Until != nil {
		q = q.Where("at < ?", utc(*f.Until))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate("count audit events", "audit events", err)
	}
	page, perPage := paging(f.Page, f.PerPage)
	events := []models.AuditEvent{}
	err := q.Order("id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&events).Error
	if err != nil {
		return nil, 0, translate("list audit events", "audit events", err)
	}
	return events, int(total), nil
}

// verifyBatch is how many events VerifyAudit reads at a time.
const verifyBatch = 500

// VerifyAudit walks the audit trail in order and checks that the IDs run
// 1, 2, 3, ... without gaps, that each event carries the hash of the one
// before, and that each event's hash matches its fields. It returns the
// number of events checked and the first event that fails (nil when the
// whole trail verifies). A broken trail is not an error; err is for
// failures to read it.
//
// The chain proves that no event was changed, inserted or removed before
// the newest one. Cutting events off the end, or rewriting the whole trail,
// is only detectable against a hash recorded elsewhere.
func (s *Store) VerifyAudit(ctx context.Context) (checked int, broken *models.AuditEvent, err error) {
	var prevID int64
	var prevHash string
	for {
		var batch []models.AuditEvent
		if err := s.read(ctx).Where("id > ?", prevID).Order("id").Limit(verifyBatch).Find(&batch).Error; err != nil {
			return checked, nil, fmt.Errorf("read audit trail: %w", err)
		}
		for i := range batch {
			e := batch[i]
			checked++
			if e.ID != prevID+1 || e.PrevHash != prevHash || e.Hash != e.ComputeHash() {
				return checked, &e, nil
			}
			prevID, prevHash = e.ID, e.Hash
		}
		if len(batch) < verifyBatch {
			return checked, nil, nil
		}
	}
}

// paging normalizes a 1-based page number and a page size.
func paging(page, perPage int) (int, int) {
	if page < 1 {
		page = 1
	}
	if perPage <= 0 {
		perPage = defaultPerPage
	}
	return page, min(perPage, maxPerPage)
}
