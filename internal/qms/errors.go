package qms

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Kind says what went wrong in terms a caller can act on. The server maps each kind to one
// HTTP status; the CLI to an exit message.
type Kind int

const (
	KindInternal        Kind = iota // a bug or an outage: logged in detail, shown generically
	KindNotFound                    // does not exist, or belongs to another organisation
	KindInvalid                     // input breaks a rule; Fields says which and why
	KindConflict                    // someone else changed it, or its state forbids the change
	KindForbidden                   // the actor's role may not do this
	KindUnauthenticated             // wrong or missing credentials
	KindRateLimited                 // too many attempts; try later
	KindTooLarge                    // an upload is over the limit
)

// Error is the service layer's error: a kind, a message fit to show to the user, optional
// per-field messages, and the underlying cause, which is logged but never shown.
type Error struct {
	Kind    Kind
	Message string
	Fields  map[string]string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorKind returns the kind of err; anything that is not an *Error is internal.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrorMessage returns the user-facing message of err, or a generic one for internal errors,
// whose text may hold details no user should see.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Message
	}
	return "Something went wrong on our side. It has been logged; please try again."
}

// FieldErrors returns the per-field messages of an invalid-input error.
func FieldErrors(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

func notFound(what string) error {
	return &Error{Kind: KindNotFound, Message: what + " not found."}
}

func conflict(msg string) error {
	return &Error{Kind: KindConflict, Message: msg}
}

func forbidden() error {
	return &Error{Kind: KindForbidden, Message: "Your role in this organisation does not allow this."}
}

func invalidField(field, msg string) error {
	return &Error{Kind: KindInvalid, Message: "Please correct the highlighted fields.", Fields: map[string]string{field: msg}}
}

// noRows turns pgx.ErrNoRows into a not-found error for what; other errors pass through.
func noRows(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(what)
	}
	return err
}

// staleEdit is the answer when an update names a version that is no longer current.
func staleEdit(what string) error {
	return &Error{Kind: KindConflict, Message: "Someone else changed this " + what +
		" while you were editing it. Their version is shown; your changes are kept in the form so you can apply them again."}
}
