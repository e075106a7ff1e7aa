// Package qms is the shared vocabulary of qmstrack: error kinds, the acting
// user in a context, the clock and small validated value types. It imports the
// standard library only, so every other package may import it.
package qms

import (
	"errors"
	"fmt"
	"sort"
)

// Error kinds. Every error that leaves a domain package wraps one of these, so
// the web layer can choose the HTTP status from a single table.
var (
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not_found")
	ErrInvalid         = errors.New("invalid")
	ErrConflict        = errors.New("conflict")
	ErrState           = errors.New("state")
	ErrTooLarge        = errors.New("too_large")
	// ErrTooManyRequests: the caller is throttled (sign-in failures,
	// look-ups by code); answered 429.
	ErrTooManyRequests = errors.New("too_many_requests")
	// ErrUnavailable: a service qmstrack depends on (the database, the
	// object store) does not answer, or answers that it is shutting down or
	// starting; the same request may succeed in a few seconds. Answered 503
	// with Retry-After.
	ErrUnavailable = errors.New("unavailable")
	// ErrStorageFull: the object store has no room for the file; nothing
	// was stored. Answered 507 (Insufficient Storage).
	ErrStorageFull = errors.New("storage_full")
)

var kinds = []error{ErrUnauthenticated, ErrForbidden, ErrNotFound, ErrInvalid, ErrConflict, ErrState, ErrTooLarge, ErrTooManyRequests, ErrUnavailable, ErrStorageFull}

// Error is an error with a kind and a message that is safe to show to the user.
type Error struct {
	Kind error  // one of the Err* kinds
	Msg  string // safe for the user, in English
	Err  error  // optional cause, never shown
	// Format and Args are what Msg was made of, so the web layer can show
	// the message in the reader's language: it translates Format and applies
	// the same Args (see Localize).
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

// Unwrap lets errors.Is match both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Errorf returns an error of the given kind with a formatted, user-safe message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Wrap returns an error of the given kind that keeps err as its hidden cause.
func Wrap(kind error, err error, msg string) error {
	return &Error{Kind: kind, Msg: msg, Err: err, Format: msg}
}

// KindOf returns the kind of err, or nil when it carries none (an internal error).
func KindOf(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// Message returns the user-safe message of err: the outermost *Error's message.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	if k := KindOf(err); k != nil {
		return k.Error()
	}
	return "internal error"
}

// FieldErrors collects validation problems so a form can report all at
// once: each field's problem is a message (an English format as its id, with
// arguments), rendered in the reader's language by the web layer.
type FieldErrors map[string]Msg

// Add records a problem with a field.
func (f FieldErrors) Add(field, format string, args ...any) { f[field] = Msg{ID: format, Args: args} }

// AddErr records err as the problem with a field: its message, kept as a
// message so it can still be translated.
func (f FieldErrors) AddErr(field string, err error) { f[field] = MsgOf(err) }

// Err returns an ErrInvalid listing every problem, or nil when there are none.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// ValidationError is an ErrInvalid with per-field messages.
type ValidationError struct{ Fields FieldErrors }

func (v *ValidationError) Error() string {
	msg := "invalid input:"
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msg += " " + k + ": " + v.Fields[k].String() + ";"
	}
	return msg
}

// MsgOf returns the user-safe message of err as a message: the outermost
// *Error's format and arguments, or the kind's name.
func MsgOf(err error) Msg {
	var e *Error
	if errors.As(err, &e) {
		if e.Format == "" {
			return Msg{ID: e.Msg}
		}
		return Msg{ID: e.Format, Args: e.Args}
	}
	return Msg{ID: Message(err)}
}

// Unwrap makes a ValidationError an ErrInvalid.
func (v *ValidationError) Unwrap() error { return ErrInvalid }
