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
	"sync"

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

// Enforcer wraps a synced Casbin enforcer, the source of truth, and
// answers from per-user snapshots of what Casbin holds (see snapshot.go). It
// is safe for concurrent use.
type Enforcer struct {
	e  *casbin.SyncedEnforcer
	db *sqlx.DB

	// reload serialises the reloads, whole or of one user, from the
	// database read to the swap, so that a reload that read the database
	// before a change never lands after the one that read it after.
	reload sync.Mutex
	// mu guards pol and users, which mirror Casbin's p and g rules; a
	// snapshot is current while both pointers it was built from are.
	mu    sync.RWMutex
	pol   *policy
	users map[string]*held

	cache *cache
}

// DefaultSnapshots is how many users' snapshots an enforcer keeps: twice
// the 10,000 users of the largest office measured, a few MiB.
const DefaultSnapshots = 20000

// Option adjusts an Enforcer.
type Option func(*Enforcer)

// WithSnapshots bounds the number of users whose snapshot is kept; the least
// recently used beyond it is dropped and built again when next asked.
func WithSnapshots(n int) Option { return func(a *Enforcer) { a.cache = newCache(n) } }

// New builds an enforcer from the embedded model and policy and the role
// assignments in db, and loads the policy.
func New(db *sqlx.DB, opts ...Option) (*Enforcer, error) {
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
	// Casbin's model is changed here only to mirror the database
	// (ReloadUser); it must never write to it.
	e.EnableAutoSave(false)
	a := &Enforcer{e: e, db: db, cache: newCache(DefaultSnapshots)}
	for _, o := range opts {
		o(a)
	}
	if err := a.mirror(); err != nil {
		return nil, err
	}
	return a, nil
}

// mirror rebuilds pol and users from Casbin's rules after a whole reload.
// What did not change keeps its pointer, so the snapshots of users whose
// assignments are the same stay current. The caller holds a.reload (or is
// New).
func (a *Enforcer) mirror() error {
	p, err := a.e.GetPolicy()
	if err != nil {
		return err
	}
	g, err := a.e.GetGroupingPolicy()
	if err != nil {
		return err
	}
	pol := newPolicy(p)
	byUser := map[string][]Assignment{}
	for _, r := range g {
		if len(r) >= 3 {
			byUser[r[0]] = append(byUser[r[0]], Assignment{Role: r[1], Unit: r[2]})
		}
	}
	users := make(map[string]*held, len(byUser))
	for u, as := range byUser {
		sortAssignments(as)
		if old := a.users[u]; old != nil && sameAssignments(old.as, as) {
			users[u] = old
		} else {
			users[u] = &held{as: as}
		}
	}
	a.mu.Lock()
	if a.pol == nil || a.pol.key != pol.key {
		a.pol = pol
	}
	a.users = users
	a.mu.Unlock()
	return nil
}

// snap returns the user's current snapshot, building it if the one kept
// was built from another policy or other assignments (or was evicted).
func (a *Enforcer) snap(userID string) *snapshot {
	a.mu.RLock()
	pol, src := a.pol, a.users[userID]
	a.mu.RUnlock()
	if s := a.cache.get(userID); s != nil && s.pol == pol && s.src == src {
		return s
	}
	s := build(userID, pol, src)
	a.cache.put(s)
	return s
}

// assignments returns the user's assignments (shared: not to be changed).
func (a *Enforcer) assignments(userID string) []Assignment {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if h := a.users[userID]; h != nil {
		return h.as
	}
	return nil
}

// HoldsRole reports whether userID holds role in unit, or in every unit.
func (a *Enforcer) HoldsRole(userID, role, unit string) bool {
	for _, as := range a.assignments(userID) {
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
	a.mu.RLock()
	pol := a.pol
	a.mu.RUnlock()
	held := map[string]bool{}
	for _, as := range a.assignments(userID) {
		if (as.Unit == unit || as.Unit == qms.AllUnits) && pol.grants(as.Role, obj, act) {
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

// Reload reads the whole policy again (on a notification that names no
// user, after a reconnect, or when told). Only the snapshots of users whose
// assignments changed are built again.
func (a *Enforcer) Reload() error {
	a.reload.Lock()
	defer a.reload.Unlock()
	if err := a.e.LoadPolicy(); err != nil {
		return err
	}
	return a.mirror()
}

// ReloadUser reads one user's role assignments again (after a grant, a
// revocation, or a change of the user's status) into Casbin, and so makes
// that user's snapshot, and only theirs, stale. It reads the user's rows
// alone, by the primary key of role_assignments.
func (a *Enforcer) ReloadUser(userID string) error {
	if !qms.ValidID(userID) {
		return a.Reload()
	}
	// Casbin holds ids as PostgreSQL prints them: lower case.
	userID = strings.ToLower(userID)
	a.reload.Lock()
	defer a.reload.Unlock()
	const q = `SELECT ra.role, ra.unit FROM role_assignments ra JOIN users u ON u.id = ra.user_id
		WHERE ra.user_id = $1 AND u.status = 'active'`
	var now []Assignment
	if err := a.db.SelectContext(context.Background(), &now, q, userID); err != nil {
		return fmt.Errorf("load the role assignments of %s: %w", userID, err)
	}
	was, err := a.e.GetFilteredGroupingPolicy(0, userID)
	if err != nil {
		return err
	}
	want := map[Assignment]bool{}
	for _, as := range now {
		want[as] = true
	}
	for _, r := range was {
		if len(r) < 3 {
			continue
		}
		as := Assignment{Role: r[1], Unit: r[2]}
		if want[as] {
			delete(want, as) // already held
			continue
		}
		if _, err := a.e.SelfRemovePolicy("g", "g", []string{userID, as.Role, as.Unit}); err != nil {
			return err
		}
	}
	for _, as := range now {
		if !want[as] {
			continue
		}
		if _, err := a.e.SelfAddPolicy("g", "g", []string{userID, as.Role, as.Unit}); err != nil {
			return err
		}
	}
	// Mirror what Casbin now holds for the user.
	got, err := a.e.GetFilteredGroupingPolicy(0, userID)
	if err != nil {
		return err
	}
	as := make([]Assignment, 0, len(got))
	for _, r := range got {
		if len(r) >= 3 {
			as = append(as, Assignment{Role: r[1], Unit: r[2]})
		}
	}
	sortAssignments(as)
	a.mu.Lock()
	defer a.mu.Unlock()
	if old := a.users[userID]; old != nil && sameAssignments(old.as, as) {
		return nil
	}
	if len(as) == 0 {
		delete(a.users, userID)
	} else {
		a.users[userID] = &held{as: as}
	}
	return nil
}

// Can reports whether the user may do act on obj in unit. A role held in
// unit "*" counts in every unit. It answers as Casbin's matcher does, from
// the user's snapshot, without allocating.
func (a *Enforcer) Can(userID, unit, obj, act string) bool {
	s := a.snap(userID)
	p, ok := s.pol.perm[permKey{obj, act}]
	return ok && s.in(unit).has(p)
}

// CanAnywhere reports whether the user holds the permission in at least one unit.
func (a *Enforcer) CanAnywhere(userID, obj, act string) bool {
	s := a.snap(userID)
	p, ok := s.pol.perm[permKey{obj, act}]
	return ok && s.any.has(p)
}

// Scope returns the units in which the user may do act on obj: every unit
// when a role held in "*" grants it, else the user's units where one of
// their roles does, in order of unit code.
func (a *Enforcer) Scope(userID, obj, act string) qms.Scope {
	s := a.snap(userID)
	p, ok := s.pol.perm[permKey{obj, act}]
	if !ok {
		return qms.Scope{}
	}
	return s.scope(p)
}

// Assignment is one role held by a user in a unit ("*" for every unit).
type Assignment struct {
	Role string `json:"role" db:"role"`
	Unit string `json:"unit" db:"unit"`
}

// RolesOf returns the user's role assignments as the enforcer currently
// knows them, by role and unit.
func (a *Enforcer) RolesOf(userID string) []Assignment {
	return append([]Assignment{}, a.assignments(userID)...)
}

// HasRole reports whether the user holds role in any unit.
func (a *Enforcer) HasRole(userID, role string) bool {
	for _, r := range a.assignments(userID) {
		if r.Role == role {
			return true
		}
	}
	return false
}

// onNotify reloads after the notification msg: the roles of one user when
// it names a change of that user's (see Notify), everything otherwise.
func (a *Enforcer) onNotify(msg string) error {
	verb, user, ok := strings.Cut(msg, " ")
	if ok && qms.ValidID(user) {
		switch verb {
		case ReasonAssign, ReasonUnassign, ReasonUser:
			return a.ReloadUser(user)
		}
	}
	return a.Reload()
}

// Watch starts listening for policy changes and reloads on each; it returns
// when ctx ends. Errors are logged, and the listener reconnects by itself.
func (a *Enforcer) Watch(ctx context.Context, dsn string, log *slog.Logger) (*Watcher, error) {
	w, err := NewWatcher(dsn, log)
	if err != nil {
		return nil, err
	}
	if err := w.SetUpdateCallback(func(msg string) {
		if err := a.onNotify(msg); err != nil {
			log.Error("policy reload failed", "reason", msg, "err", err)
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
