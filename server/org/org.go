// Package org owns the organisation's structure: units (departments,
// offices) and which user holds which role in which unit. Role assignments
// are the Casbin grouping policy; a change is broadcast to every instance.
package org

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Unit is a department or office; Code is its Casbin domain.
type Unit struct {
	Code   string `json:"code" db:"code"`
	NameVI string `json:"name_vi" db:"name_vi"`
	NameEN string `json:"name_en" db:"name_en"`
	Parent string `json:"parent,omitempty" db:"parent"`
}

// Name returns the unit's name in lang.
func (u Unit) Name(lang string) string {
	if lang == "en" {
		return u.NameEN
	}
	return u.NameVI
}

// Assignment is a role held by a user in a unit ("*": every unit).
type Assignment struct {
	UserID string `json:"user_id" db:"user_id"`
	Login  string `json:"user" db:"login"`
	Role   string `json:"role" db:"role"`
	Unit   string `json:"unit" db:"unit"`
}

// Store is what org needs from the database.
type Store interface {
	CreateUnit(ctx context.Context, u Unit, ev trail.Event) (Unit, error)
	Units(ctx context.Context) ([]Unit, error)
	Unit(ctx context.Context, code string) (Unit, error)
	Assign(ctx context.Context, a Assignment, ev trail.Event) error
	Unassign(ctx context.Context, a Assignment, ev trail.Event) error
	Assignments(ctx context.Context, userID string) ([]Assignment, error)
}

// Policy is told to reload after a local change, so a revoked role stops
// working at this instance's next request; other instances reload on the
// notification.
type Policy interface {
	Reload() error
	// ReloadUser rereads one user's assignments (a grant or a revocation
	// changes no one else's rights).
	ReloadUser(userID string) error
	Can(userID, unit, obj, act string) bool
}

// Service is the org capability. The routes let only admins in; the
// service says which units and users an admin may administer (see Assign
// and MayManageUser).
type Service struct {
	store  Store
	policy Policy
}

// NewService returns the org service.
func NewService(store Store, policy Policy) *Service { return &Service{store: store, policy: policy} }

// Roles qmstrack knows.
var Roles = []string{"admin", "coordinator", "head", "author", "staff", "auditor", "desk"}

func validRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// CreateUnit validates and stores a unit.
//
// Units are the organisation's structure: only an administrator of every
// unit (or a trusted caller without a signed-in user) creates one.
func (s *Service) CreateUnit(ctx context.Context, u Unit) (Unit, error) {
	if actor, ok := qms.ActorFrom(ctx); ok && !s.policy.Can(actor.UserID, qms.AllUnits, "admin", "units") {
		return Unit{}, qms.Errorf(qms.ErrForbidden, "only an administrator of every unit may create units")
	}
	fe := qms.FieldErrors{}
	if !qms.ValidUnitCode(u.Code) {
		fe.Add("code", "use 1 to 32 characters: lower-case letters, digits and dashes")
	}
	var err error
	if u.NameVI, err = qms.CleanText("name_vi", u.NameVI, 200, true, false); err != nil {
		fe.AddErr("name_vi", err)
	}
	if u.NameEN, err = qms.CleanText("name_en", u.NameEN, 200, true, false); err != nil {
		fe.AddErr("name_en", err)
	}
	if u.Parent != "" && !qms.ValidUnitCode(u.Parent) {
		fe.Add("parent", "not a unit code")
	}
	if err := fe.Err(); err != nil {
		return Unit{}, err
	}
	return s.store.CreateUnit(ctx, u, trail.NewEvent(ctx, "unit.create", "unit", u.Code, u.Code,
		map[string]any{"name_vi": u.NameVI, "name_en": u.NameEN, "parent": u.Parent}))
}

// Units lists units.
func (s *Service) Units(ctx context.Context) ([]Unit, error) { return s.store.Units(ctx) }

// Unit returns one unit.
func (s *Service) Unit(ctx context.Context, code string) (Unit, error) {
	if !qms.ValidUnitCode(code) {
		return Unit{}, qms.Errorf(qms.ErrNotFound, "no unit %q", code)
	}
	return s.store.Unit(ctx, code)
}

func (s *Service) checkAssignment(ctx context.Context, a Assignment) error {
	if !validRole(a.Role) {
		return qms.Errorf(qms.ErrInvalid, "unknown role %q (one of admin, coordinator, head, author, staff, auditor)", a.Role)
	}
	if a.Unit != qms.AllUnits {
		if _, err := s.Unit(ctx, a.Unit); err != nil {
			return qms.Errorf(qms.ErrInvalid, "unknown unit %q", a.Unit)
		}
	}
	return nil
}

// mayGrant is the authority over role assignments: an assignment in unit U
// is made by an admin (roles) in U or in every unit, one in every unit ("*")
// only by an admin in every unit, and nobody changes their own roles (an
// admin's quality roles — head, coordinator — come from another admin, so
// "admin has no say over quality content" holds for the admin themself). A
// call without a signed-in user (the command line, the demo seed) is trusted.
func (s *Service) mayGrant(ctx context.Context, a Assignment) error {
	actor, ok := qms.ActorFrom(ctx)
	if !ok {
		return nil // the command line or the seed: no signed-in user
	}
	if actor.UserID == a.UserID {
		return qms.Errorf(qms.ErrForbidden, "your own roles are given and taken by another administrator")
	}
	if a.Unit == qms.AllUnits && !s.policy.Can(actor.UserID, qms.AllUnits, "admin", "roles") {
		return qms.Errorf(qms.ErrForbidden, "only an administrator of every unit may give or take a role in every unit")
	}
	if !s.policy.Can(actor.UserID, a.Unit, "admin", "roles") {
		return qms.Errorf(qms.ErrForbidden, "you are not an administrator of unit %s", a.Unit)
	}
	return nil
}

// MayManageUser says whether the acting admin may change user userID (name,
// status, language): an admin in every unit may change anyone else; an
// admin of some units only users whose every role is in those units (a user
// with no role yet included), and never an admin of every unit.
func (s *Service) MayManageUser(ctx context.Context, userID string) error {
	actor, ok := qms.ActorFrom(ctx)
	if !ok || s.policy.Can(actor.UserID, qms.AllUnits, "admin", "users") {
		return nil
	}
	as, err := s.store.Assignments(ctx, userID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Unit == qms.AllUnits || !s.policy.Can(actor.UserID, a.Unit, "admin", "users") {
			return qms.Errorf(qms.ErrForbidden, "user %s has roles outside the units you administer", a.Login)
		}
	}
	return nil
}

// Assign gives a user a role in a unit.
func (s *Service) Assign(ctx context.Context, a Assignment) error {
	if err := s.checkAssignment(ctx, a); err != nil {
		return err
	}
	if err := s.mayGrant(ctx, a); err != nil {
		return err
	}
	err := s.store.Assign(ctx, a, trail.NewEvent(ctx, "role.assign", "user", a.UserID, unitOf(a),
		map[string]any{"user": a.Login, "role": a.Role, "unit": a.Unit}))
	if err != nil {
		return err
	}
	return s.policy.ReloadUser(a.UserID)
}

// Unassign takes a role away.
func (s *Service) Unassign(ctx context.Context, a Assignment) error {
	if err := s.checkAssignment(ctx, a); err != nil {
		return err
	}
	if err := s.mayGrant(ctx, a); err != nil {
		return err
	}
	err := s.store.Unassign(ctx, a, trail.NewEvent(ctx, "role.unassign", "user", a.UserID, unitOf(a),
		map[string]any{"user": a.Login, "role": a.Role, "unit": a.Unit}))
	if err != nil {
		return err
	}
	return s.policy.ReloadUser(a.UserID)
}

// Assignments lists role assignments (of one user when userID is set).
func (s *Service) Assignments(ctx context.Context, userID string) ([]Assignment, error) {
	return s.store.Assignments(ctx, userID)
}

func unitOf(a Assignment) string {
	if a.Unit == qms.AllUnits {
		return ""
	}
	return a.Unit
}
