package app

import (
	"context"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/document/docblob"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web"
)

// jobKeyDocuments is the advisory-lock key of the scheduled publication job.
const jobKeyDocuments = 7262010

// wireDocuments builds document control, its scheduled publication job
// and hands the service to the web layer.
func (a *App) wireDocuments(d *web.Deps) error {
	rules, err := authz.BaselinePolicy()
	if err != nil {
		return err
	}
	svc := document.New(postgres.NewDocumentStore(a.DB), docblob.New(a.Blob), a.Authz, a.Identity, document.Options{
		MaxUpload: a.Cfg.MaxUpload, Now: a.Now, RoleOf: roleNamer(a.Authz, rules),
	})
	d.Extra["documents"] = svc
	a.Jobs = append(a.Jobs, Job{Name: "documents.activate", Key: jobKeyDocuments, Run: func(ctx context.Context) error {
		_, err := svc.ActivateDue(ctx)
		return err
	}})
	return nil
}

// roleNamer names the role under which a user holds a permission in a
// unit, for the sign-off block: the first of their roles there (or in
// every unit) that grants it, most senior first.
func roleNamer(e *authz.Enforcer, rules [][]string) document.RoleNamer {
	grants := map[[3]string]bool{}
	for _, r := range rules {
		grants[[3]string{r[0], r[1], r[2]}] = true
	}
	order := map[string]int{"coordinator": 0, "head": 1, "author": 2, "auditor": 3, "staff": 4, "admin": 5}
	return func(userID, unit, obj, act string) string {
		best, rank := "", 99
		for _, as := range e.RolesOf(userID) {
			if (as.Unit == unit || as.Unit == qms.AllUnits) && grants[[3]string{as.Role, obj, act}] && order[as.Role] < rank {
				best, rank = as.Role, order[as.Role]
			}
		}
		return best
	}
}
