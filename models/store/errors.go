package store

import (
	"errors"
	"fmt"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// SQLite extended result codes (sqlite3.h) and PostgreSQL SQLSTATEs that
// mean "this row already exists".
const (
	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
	pgUniqueViolation          = "23505"
)

// translate is the one place where driver errors become models errors:
// gorm.ErrRecordNotFound becomes NotFound ("<what> not found"), a unique
// violation on either dialect becomes Conflict ("<what> already exists"),
// and a *models.Error passes through. Everything else is wrapped with op and
// stays Internal. what is user-facing text such as `API "bank/accounts"`.
func translate(op, what string, err error) error {
	if err == nil {
		return nil
	}
	var me *models.Error
	switch {
	case errors.As(err, &me):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, models.Errorf(models.NotFound, "%s not found", what))
	case isUniqueViolation(err):
		return fmt.Errorf("%s: %w (%v)", op, models.Errorf(models.Conflict, "%s already exists", what), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isUniqueViolation reports whether err is a unique or primary key
// violation on SQLite or PostgreSQL.
func isUniqueViolation(err error) bool {
	var le *gosqlite.Error
	if errors.As(err, &le) {
		return le.Code() == sqliteConstraintUnique || le.Code() == sqliteConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgUniqueViolation
	}
	return false
}
