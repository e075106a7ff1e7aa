// Package authz answers "may this user do this action on this kind of object
// in this unit" with Casbin (RBAC with domains, the unit is the domain). The
// role -> permission baseline comes from the embedded policies/policy.csv; the
// role assignments live in PostgreSQL (table role_assignments) and are read
// by a small sqlx adapter. A change is broadcast with pg_notify and every
// instance reloads.
package authz

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/jmoiron/sqlx"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Roles are the roles qmstrack knows (see DOMAIN.md).
var Roles = []string{"admin", "coordinator", "head", "author", "staff", "auditor", "desk"}

// seniority orders the roles for a signature's "signed as": the most senior
// role that grants the act is the one named in a sign-off block.
var seniority = []string{"coordinator", "head", "author", "auditor", "staff", "desk", "admin"}

// ValidRole reports whether r is one of Roles.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Enforcer wraps a synced Casbin enforcer. It is safe for concurrent use.
type Enforcer struct {
	e      *casbin.SyncedEnforcer
	grants map[[3]string]bool // role, object, action of the baseline policy
}

// New builds an enforcer from the embedded model and policy and the role
// assignments in db, and loads the policy.
func New(db *sqlx.DB) (*Enforcer, error) {
	modelText, err := fs.ReadFile(qmstrack.Policies, "policies/model.conf")
	if err != nil {
		return nil, err
	}
	m, err := model.NewModelFromString(string(modelText))
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	rules, err := BaselinePolicy()
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewSyncedEnforcer(m, NewAdapter(db, rules))
	if err != nil {
		return nil, fmt.Errorf("casbin: %w", err)
	}
	grants := map[[3]string]bool{}
	for _, r := range rules {
		grants[[3]string{r[0], r[1], r[2]}] = true
	}
	return &Enforcer{e: e, grants: grants}, nil
}

// HoldsRole reports whether userID holds role in unit, or in every unit.
func (a *Enforcer) HoldsRole(userID, role, unit string) bool {
	for _, as := range a.RolesOf(userID) {
		if as.Role == role && (as.Unit == unit || as.Unit == qms.AllUnits) {
			return true
		}
	}
	return false
}

// SigningRole names the role under which userID holds permission obj/act in
// unit, for a sign-off block: the most senior of their roles there (or in
// every unit) that grants it; "" when none does.
func (a *Enforcer) SigningRole(userID, unit, obj, act string) string {
	held := map[string]bool{}
	for _, as := range a.RolesOf(userID) {
		if (as.Unit == unit || as.Unit == qms.AllUnits) && a.grants[[3]string{as.Role, obj, act}] {
			held[as.Role] = true
		}
	}
	for _, r := range seniority {
		if held[r] {
			return r
		}
	}
	return ""
}

// BaselinePolicy parses the embedded policy.csv into p rules.
func BaselinePolicy() ([][]string, error) {
	f, err := qmstrack.Policies.Open("policies/policy.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rules [][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) != 4 || parts[0] != "p" || !ValidRole(parts[1]) {
			return nil, fmt.Errorf("policy.csv line %d: want 'p, role, object, action': %q", n, line)
		}
		rules = append(rules, parts[1:])
	}
	return rules, sc.Err()
}

// Reload reads the policy again (after a change, or on a notification).
func (a *Enforcer) Reload() error { return a.e.LoadPolicy() }

// Can reports whether the user may do act on obj in unit. A role held in
// unit "*" counts in every unit.
func (a *Enforcer) Can(userID, unit, obj, act string) bool {
	ok, err := a.e.Enforce(userID, unit, obj, act)
	return err == nil && ok
}

// CanAnywhere reports whether the user holds the permission in at least one unit.
func (a *Enforcer) CanAnywhere(userID, obj, act string) bool {
	return !a.Scope(userID, obj, act).Empty()
}

// Scope returns the units in which the user may do act on obj, asking
// Casbin once for the user's roles rather than once per unit or row.
func (a *Enforcer) Scope(userID, obj, act string) qms.Scope {
	var s qms.Scope
	grants, err := a.e.GetFilteredGroupingPolicy(0, userID)
	if err != nil {
		return s
	}
	seen := map[string]bool{}
	for _, g := range grants {
		if len(g) < 3 {
			continue
		}
		role, unit := g[1], g[2]
		if ok, _ := a.e.HasPolicy(role, obj, act); !ok {
			continue
		}
		if unit == qms.AllUnits {
			return qms.Scope{All: true}
		}
		if !seen[unit] {
			seen[unit] = true
			s.Units = append(s.Units, unit)
		}
	}
	return s
}

// Assignment is one role held by a user in a unit ("*" for every unit).
type Assignment struct {
	Role string `json:"role" db:"role"`
	Unit string `json:"unit" db:"unit"`
}

// RolesOf returns the user's role assignments as the enforcer currently knows them.
func (a *Enforcer) RolesOf(userID string) []Assignment {
	grants, err := a.e.GetFilteredGroupingPolicy(0, userID)
	if err != nil {
		return nil
	}
	out := make([]Assignment, 0, len(grants))
	for _, g := range grants {
		if len(g) >= 3 {
			out = append(out, Assignment{Role: g[1], Unit: g[2]})
		}
	}
	return out
}

// HasRole reports whether the user holds role in any unit.
func (a *Enforcer) HasRole(userID, role string) bool {
	for _, r := range a.RolesOf(userID) {
		if r.Role == role {
			return true
		}
	}
	return false
}

// Watch starts listening for policy changes and reloads on each; it returns
// when ctx ends. Errors are logged, and the listener reconnects by itself.
func (a *Enforcer) Watch(ctx context.Context, dsn string, log *slog.Logger) (*Watcher, error) {
	w, err := NewWatcher(dsn, log)
	if err != nil {
		return nil, err
	}
	if err := w.SetUpdateCallback(func(string) {
		if err := a.Reload(); err != nil {
			log.Error("policy reload failed", "err", err)
		}
	}); err != nil {
		return nil, err
	}
	go func() {
		<-ctx.Done()
		w.Close()
	}()
	return w, nil
}
