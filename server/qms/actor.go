package qms

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Actor is the person (or API token holder) on whose behalf a request runs.
type Actor struct {
	UserID string
	Login  string
	Name   string
	Lang   string // "vi" or "en"
	// Via says how the actor authenticated: "session" or "token".
	Via string
}

type actorKey struct{}

// WithActor returns a context that carries the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx and whether there is one.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok && a.UserID != ""
}

// MustActor returns the actor or an ErrUnauthenticated error.
func MustActor(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, Errorf(ErrUnauthenticated, "sign in first")
	}
	return a, nil
}

// Clock returns the current time; injected so due dates and retention are testable.
type Clock func() time.Time

// AllUnits is the unit wildcard of a role assignment: the whole organisation.
const AllUnits = "*"

var unitCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// ValidUnitCode reports whether code may name a unit. Unit codes become Casbin
// domains, so they are restricted to [a-z0-9-] and no input can forge a
// domain or break the policy format.
func ValidUnitCode(code string) bool { return unitCodeRE.MatchString(code) }

var clauseRE = regexp.MustCompile(`^(4|5|6|7|8|9|10)(\.[0-9]{1,2}){0,3}$`)

// ValidClause reports whether s is an ISO 9001:2015 clause number such as
// "7.5.3" (clauses 4 to 10; 1 to 3 hold no requirements).
func ValidClause(s string) bool { return clauseRE.MatchString(s) }

// NormalizeClauses trims, de-duplicates, sorts and validates clause tags.
func NormalizeClauses(in []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for _, c := range in {
		for _, part := range strings.FieldsFunc(c, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			if part == "" || seen[part] {
				continue
			}
			if !ValidClause(part) {
				return nil, Errorf(ErrInvalid, "%q is not an ISO 9001 clause (use numbers such as 7.5.3)", truncate(part, 20))
			}
			seen[part] = true
			out = append(out, part)
		}
	}
	sort.Strings(out)
	return out, nil
}

// CleanText trims s and checks that it is valid UTF-8 without control
// characters (newlines and tabs allowed when multiline), no longer than max
// characters, and not empty when required. field names the input in the error.
func CleanText(field, s string, max int, required, multiline bool) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", Errorf(ErrInvalid, "%s is not valid UTF-8 text", field)
	}
	if required && s == "" {
		return "", Errorf(ErrInvalid, "%s is required", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", Errorf(ErrInvalid, "%s is too long (%d characters, at most %d)", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return "", Errorf(ErrInvalid, "%s contains control characters", field)
		}
	}
	return s, nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Scope is the set of units in which a user holds a permission: All for the
// whole organisation. Lists push it into SQL (unit = ANY($1)) instead of
// asking Casbin once per row.
type Scope struct {
	All   bool
	Units []string
}

// Has reports whether the scope covers unit.
func (s Scope) Has(unit string) bool {
	if s.All {
		return true
	}
	for _, u := range s.Units {
		if u == unit {
			return true
		}
	}
	return false
}

// Empty reports whether the scope covers no unit at all.
func (s Scope) Empty() bool { return !s.All && len(s.Units) == 0 }

// Filter returns nil for every unit, or the list of units (never nil, so an
// empty scope matches nothing in `$1::text[] IS NULL OR unit = ANY($1)`).
func (s Scope) Filter() []string {
	if s.All {
		return nil
	}
	if s.Units == nil {
		return []string{}
	}
	return s.Units
}
