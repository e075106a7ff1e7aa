package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// items answers a list as {"items": [...]}.
func items[T any](list func(ctx context.Context) ([]T, error)) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		xs, err := list(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": xs})
	})
}

// created decodes a JSON body, creates it and answers 201 with the result.
func created[R, T any](create func(ctx context.Context, in R) (T, error)) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var in R
		if err := bindJSON(c, &in); err != nil {
			return err
		}
		out, err := create(c.Request.Context(), in)
		if err != nil {
			return err
		}
		return reply(c, http.StatusCreated, out)
	})
}

func (s *Server) handleUnitList() gin.HandlerFunc   { return items(s.Org.Units) }
func (s *Server) handleUnitCreate() gin.HandlerFunc { return created(s.Org.CreateUnit) }
func (s *Server) handleUserList() gin.HandlerFunc   { return items(s.Identity.ListUsers) }
func (s *Server) handleUserCreate() gin.HandlerFunc { return created(s.Identity.CreateUser) }

func (s *Server) handleUserUpdate() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var in identity.UserUpdate
		if err := bindJSON(c, &in); err != nil {
			return err
		}
		if err := s.Org.MayManageUser(c.Request.Context(), c.Param("id")); err != nil {
			return err
		}
		u, err := s.Identity.UpdateUser(c.Request.Context(), c.Param("id"), in)
		if err != nil {
			return err
		}
		// A disabled user's roles stop at this instance's next request.
		if err := s.Authz.Reload(); err != nil {
			return err
		}
		return reply(c, http.StatusOK, u)
	})
}

func (s *Server) handleAssignmentList() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		as, err := s.Org.Assignments(c.Request.Context(), c.Query("user_id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": as})
	})
}

// assignmentRequest names the user by login (or id), as the API promises.
type assignmentRequest struct {
	User string `json:"user"`
	Role string `json:"role"`
	Unit string `json:"unit"`
}

func (s *Server) resolveAssignment(c *gin.Context, req assignmentRequest) (org.Assignment, error) {
	if req.User == "" {
		return org.Assignment{}, qms.Errorf(qms.ErrInvalid, "user is required")
	}
	u, err := s.Identity.UserByLogin(c.Request.Context(), req.User)
	if err != nil && qms.KindOf(err) == qms.ErrNotFound {
		u, err = s.Identity.User(c.Request.Context(), req.User)
	}
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return org.Assignment{}, qms.Errorf(qms.ErrInvalid, "no user %q", req.User)
		}
		return org.Assignment{}, err
	}
	return org.Assignment{UserID: u.ID, Login: u.Login, Role: req.Role, Unit: req.Unit}, nil
}

func (s *Server) handleAssign(add bool) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req assignmentRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		a, err := s.resolveAssignment(c, req)
		if err == nil {
			if add {
				err = s.Org.Assign(c.Request.Context(), a)
			} else {
				err = s.Org.Unassign(c.Request.Context(), a)
			}
		}
		if err != nil {
			return err
		}
		status := http.StatusCreated
		if !add {
			status = http.StatusOK
		}
		return reply(c, status, gin.H{"user": a.Login, "role": a.Role, "unit": a.Unit})
	})
}

func (s *Server) adminData(c *gin.Context) (gin.H, error) {
	ctx := c.Request.Context()
	us, err := s.Identity.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	units, err := s.Org.Units(ctx)
	if err != nil {
		return nil, err
	}
	as, err := s.Org.Assignments(ctx, "")
	if err != nil {
		return nil, err
	}
	byUser := map[string][]org.Assignment{}
	for _, a := range as {
		byUser[a.UserID] = append(byUser[a.UserID], a)
	}
	return gin.H{"Users": us, "Units": units, "Assignments": byUser, "Roles": org.Roles}, nil
}

func (s *Server) handleAdminUsersPage() gin.HandlerFunc {
	return s.adminPage("admin/users.html", "admin.users.title", "users")
}

func (s *Server) handleAdminUnitsPage() gin.HandlerFunc {
	return s.adminPage("admin/units.html", "admin.units.title", "units")
}

func (s *Server) adminPage(tmpl, title, perm string) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if !s.Authz.CanAnywhere(actor(c).UserID, "admin", perm) {
			return qms.Errorf(qms.ErrForbidden, "administrators only")
		}
		d, err := s.adminData(c)
		if err != nil {
			return err
		}
		s.render(c, http.StatusOK, tmpl, s.page(c, title, d))
		return nil
	})
}

// adminFormResult shows an admin page again with the outcome of a form:
// the success message, or the refusal (through refuse, as every form's).
func (s *Server) adminFormResult(c *gin.Context, tmpl, title string, err error, okKey string) error {
	show := func(status int, err error) error {
		d, derr := s.adminData(c)
		if derr != nil {
			return derr
		}
		p := s.page(c, title, d)
		if err != nil {
			p.Error = s.errorText(c, err)
		} else {
			p.Flash = s.T(c, okKey)
		}
		s.render(c, status, tmpl, p)
		return nil
	}
	if err != nil {
		return refuse(c, err, show)
	}
	return show(http.StatusOK, nil)
}

func (s *Server) handleAdminUserForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var err error
		if id := c.PostForm("id"); id != "" {
			var upd identity.UserUpdate
			if pl := c.PostForm("password_login"); pl != "" {
				on := pl == "on"
				upd.PasswordLogin = &on // the password sign-in of a person linked to single sign-on
			} else {
				status := c.PostForm("status")
				upd.Status = &status
			}
			if err = s.Org.MayManageUser(c.Request.Context(), id); err == nil {
				_, err = s.Identity.UpdateUser(c.Request.Context(), id, upd)
			}
			if err == nil {
				err = s.Authz.Reload()
			}
		} else {
			_, err = s.Identity.CreateUser(c.Request.Context(), identity.NewUser{Login: c.PostForm("login"), Name: c.PostForm("name"),
				Email: c.PostForm("email"), Password: c.PostForm("password"), Lang: c.PostForm("lang")})
		}
		return s.adminFormResult(c, "admin/users.html", "admin.users.title", err, "admin.saved")
	})
}

func (s *Server) handleAdminUnitForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		_, err := s.Org.CreateUnit(c.Request.Context(), org.Unit{Code: c.PostForm("code"), NameVI: c.PostForm("name_vi"),
			NameEN: c.PostForm("name_en"), Parent: c.PostForm("parent")})
		return s.adminFormResult(c, "admin/units.html", "admin.units.title", err, "admin.saved")
	})
}

func (s *Server) handleAdminRoleForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		a, err := s.resolveAssignment(c, assignmentRequest{User: c.PostForm("user"), Role: c.PostForm("role"), Unit: c.PostForm("unit")})
		if err == nil {
			if c.PostForm("op") == "remove" {
				err = s.Org.Unassign(c.Request.Context(), a)
			} else {
				err = s.Org.Assign(c.Request.Context(), a)
			}
		}
		return s.adminFormResult(c, "admin/users.html", "admin.users.title", err, "admin.saved")
	})
}

// trailFilter reads the query and limits the listing to the caller's scope:
// entries of units where they may read the trail; organisation-wide entries
// only for those who may read it everywhere.
func (s *Server) trailFilter(c *gin.Context) (trail.Filter, error) {
	f := trail.Filter{ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id")}
	if v := c.Query("after"); v != "" {
		n, err := parseInt(v)
		if err != nil {
			return f, qms.Errorf(qms.ErrInvalid, "after must be a sequence number")
		}
		f.AfterSeq = n
	}
	if v := c.Query("limit"); v != "" {
		n, err := parseInt(v)
		if err != nil || n < 1 || n > 1000 {
			return f, qms.Errorf(qms.ErrInvalid, "limit must be between 1 and 1000")
		}
		f.Limit = int(n)
	}
	sc := s.scope(c, "trail", "read")
	if sc.Empty() {
		return f, qms.Errorf(qms.ErrForbidden, "you may not read the trail")
	}
	f.Units = sc.Filter()
	return f, nil
}

func (s *Server) handleTrailList() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := s.trailFilter(c)
		if err != nil {
			return err
		}
		es, err := s.Trail.List(c.Request.Context(), f)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": es})
	})
}

func (s *Server) handleTrailVerify() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		res, err := s.Trail.Verify(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, res)
	})
}

func (s *Server) handleTrailPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := s.trailFilter(c)
		if err != nil {
			return err
		}
		if f.Limit == 0 {
			f.Limit = 200
		}
		es, err := s.Trail.List(c.Request.Context(), f)
		if err != nil {
			return err
		}
		_, names, err := s.unitNames(c)
		if err != nil {
			return err
		}
		d := gin.H{"Entries": s.trailRows(c, es, names), "Filter": f, "Types": s.trailTypes(c, f.ObjectType),
			"CanVerify": s.Authz.CanAnywhere(actor(c).UserID, "trail", "verify")}
		if c.Query("verify") == "1" && d["CanVerify"] == true {
			res, err := s.Trail.Verify(c.Request.Context())
			if err != nil {
				return err
			}
			d["Verify"] = res
		}
		s.render(c, http.StatusOK, "trail/index.html", s.page(c, "trail.title", d))
		return nil
	})
}

// trailRow is one entry of the trail page as an auditor reads it: the act,
// the object and the unit by name in the reader's language, the actor by
// name, with a link to the object's page where it has one.
type trailRow struct {
	trail.Entry
	ActionLabel string
	ObjectLabel string
	ObjectLink  string
	UnitName    string
	Actor       string
}

// trailObjectPages maps an object type to its page; the object id follows.
var trailObjectPages = map[string]string{
	"document": "/documents/", "revision": "/revisions/", "nc": "/ncs/", "record": "/records/",
	"audit": "/audits/", "directive": "/directives/", "meeting": "/meetings/", "dossier": "/dossiers/",
	"dossier_import": "/dossiers/imports/",
}

// trailObjectTypes are the object types of the trail filter, in this order.
var trailObjectTypes = []string{"document", "revision", "record", "record_type", "nc", "audit", "audit_clause", "evidence_pack",
	"dossier", "dossier_import", "service", "calendar", "objective", "meeting", "directive", "user", "unit"}

func (s *Server) trailRows(c *gin.Context, es []trail.Entry, unitNames map[string]string) []trailRow {
	tr := tr(c)
	out := make([]trailRow, len(es))
	for i, e := range es {
		r := trailRow{Entry: e, ActionLabel: e.Action, ObjectLabel: e.ObjectType, UnitName: unitNames[e.Unit], Actor: e.ActorName}
		if s.views.cat.Has("trail.action." + e.Action) {
			r.ActionLabel = tr.T("trail.action." + e.Action)
		}
		if s.views.cat.Has("trail.object." + e.ObjectType) {
			r.ObjectLabel = tr.T("trail.object." + e.ObjectType)
		}
		if p, ok := trailObjectPages[e.ObjectType]; ok && e.ObjectID != "" {
			r.ObjectLink = p + url.PathEscape(e.ObjectID)
		}
		if r.UnitName == "" {
			r.UnitName = e.Unit
		}
		if r.Actor == "" {
			r.Actor = e.ActorLogin
			if e.ActorID == nil && e.ActorLogin == "system" {
				r.Actor = tr.T("trail.system")
			}
		}
		out[i] = r
	}
	return out
}

// trailTypes are the choices of the trail filter's object type.
func (s *Server) trailTypes(c *gin.Context, selected string) []option {
	tr := tr(c)
	out := []option{{Value: "", Label: tr.T("trail.object.all"), Selected: selected == ""}}
	for _, t := range trailObjectTypes {
		out = append(out, option{Value: t, Label: tr.T("trail.object." + t), Selected: t == selected})
	}
	return out
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}
