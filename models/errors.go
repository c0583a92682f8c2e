package models

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller should do about it. The set is
// closed: handlers map each kind to exactly one HTTP status in one table.
type Kind string

// The error kinds. An error without a kind counts as Internal.
const (
	NotFound        Kind = "not_found"
	Conflict        Kind = "conflict"
	Invalid         Kind = "invalid"
	Forbidden       Kind = "forbidden"
	Unauthenticated Kind = "unauthenticated"
	TooLarge        Kind = "too_large"
	Unavailable     Kind = "unavailable" // a capability not configured or a dependency down
	Internal        Kind = "internal"
)

// Error is an error with a kind and a message that is safe to show to users.
// Details optionally lists further user-safe messages (for example every
// problem found in an uploaded document).
type Error struct {
	Kind    Kind
	Message string
	Details []string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error of the given kind. The formatted message is shown
// to users, so it must not contain internals.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf returns the user-safe message of the first *Error in err's chain,
// or a generic message for unknown errors.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong."
}

// DetailsOf returns the user-safe details of the first *Error in err's chain.
func DetailsOf(err error) []string {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}
