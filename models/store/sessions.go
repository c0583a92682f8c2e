package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// sessionRow is a server-side session. Only the SHA-256 of the token is
// stored, so reading the table (a backup, an SQL injection elsewhere) gives
// no live session. UserID is set by BindSession.
type sessionRow struct {
	TokenHash string `gorm:"primaryKey"`
	Data      []byte
	Expiry    time.Time
	UserID    *int64
}

func (sessionRow) TableName() string { return "sessions" }

// hashToken returns the hex SHA-256 of a secret token (sessions and
// invitations).
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SessionStore returns an scs session store on the store's database (either
// dialect). It implements scs.Store and scs.CtxStore; it is not iterable,
// because it keeps hashes, not tokens. A session whose expiry is not after
// the store's clock is never returned; DeleteExpiredSessions removes them.
func (s *Store) SessionStore() scs.Store { return sessionStore{s} }

type sessionStore struct{ s *Store }

var _ scs.CtxStore = sessionStore{}

// Find returns the data of an unexpired session.
func (ss sessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit saves the session's data and expiry, creating it if needed.
func (ss sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes the session; an unknown token is not an error.
func (ss sessionStore) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// FindCtx returns the data of an unexpired session.
func (ss sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var rows []sessionRow
	err := ss.s.read(ctx).Select("data").
		Where("token_hash = ? AND expiry > ?", hashToken(token), ss.s.now()).Limit(1).Find(&rows).Error
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	if rows[0].Data == nil {
		rows[0].Data = []byte{}
	}
	return rows[0].Data, true, nil
}

// destroyedExpiry is the expiry of a destroyed session's tombstone: long
// past, and before any placeholder BindSession writes.
var destroyedExpiry = time.Unix(0, 0).UTC()

// CommitCtx saves the session's data and expiry, creating it if needed. The
// user a session is bound to stays bound. A destroyed session (DeleteCtx)
// stays destroyed: the save of a request that was in flight when it was
// destroyed does not bring it back.
func (ss sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if b == nil {
		b = []byte{}
	}
	row := sessionRow{TokenHash: hashToken(token), Data: b, Expiry: utc(expiry)}
	err := ss.s.write(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token_hash"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "expiry"}),
		Where: clause.Where{Exprs: []clause.Expression{
			clause.Expr{SQL: "sessions.expiry > ?", Vars: []any{destroyedExpiry}},
		}},
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteCtx ends the session; an unknown token is not an error. The row
// stays as a tombstone without data (never found, removed by
// DeleteExpiredSessions), so a late CommitCtx cannot revive the token.
func (ss sessionStore) DeleteCtx(ctx context.Context, token string) error {
	err := ss.s.write(ctx).Model(&sessionRow{}).Where("token_hash = ?", hashToken(token)).
		Updates(map[string]any{"data": []byte{}, "expiry": destroyedExpiry}).Error
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// BindSession records that the session with the token belongs to the user,
// so DeactivateUser can end it. Call it at sign-in, after renewing the
// token: if scs has not saved the session yet, a placeholder row (already
// expired, so never found) carries the binding until scs commits the data.
// It returns NotFound for an unknown user.
func (s *Store) BindSession(ctx context.Context, token string, userID int64) error {
	err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := findUser(tx, userID); err != nil {
			return err
		}
		row := sessionRow{TokenHash: hashToken(token), Data: []byte{}, Expiry: s.now(), UserID: &userID}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "token_hash"}},
			DoUpdates: clause.AssignmentColumns([]string{"user_id"}),
		}).Create(&row).Error
	})
	return translate(fmt.Sprintf("bind session to user %d", userID), "User", err)
}

// DeleteExpiredSessions removes the sessions whose expiry has passed by the
// store's clock. Run it now and then (scs's own stores do so every few
// minutes).
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	if err := s.write(ctx).Where("expiry <= ?", s.now()).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	return nil
}

// CountUserSessions returns how many unexpired sessions the user has.
func (s *Store) CountUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := s.read(ctx).Model(&sessionRow{}).Where("user_id = ? AND expiry > ?", userID, s.now()).Count(&n).Error
	if err != nil {
		return 0, translate(fmt.Sprintf("count sessions of user %d", userID), "sessions", err)
	}
	return int(n), nil
}
