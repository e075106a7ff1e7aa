// Package app wires qmstrack together: from a configuration, a database and
// an object store it builds every service, the web server and the scheduled
// jobs. The command and the end-to-end tests both start qmstrack through it,
// so what is tested is what runs.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web"
)

// Job is a scheduled task. Every instance runs it; the advisory lock Key
// lets only one of them fire at a time.
type Job struct {
	Name string
	Key  int64
	Run  func(ctx context.Context) error
}

// App is a wired qmstrack instance.
type App struct {
	Cfg      config.Config
	Log      *slog.Logger
	DB       *sqlx.DB
	Blob     *blob.Store
	Authz    *authz.Enforcer
	Identity *identity.Service
	Org      *org.Service
	Trail    *postgres.TrailStore
	Web      *web.Server
	Now      qms.Clock
	Jobs     []Job
}

// New builds every service on db and store.
func New(cfg config.Config, log *slog.Logger, db *sqlx.DB, store *blob.Store, now qms.Clock) (*App, error) {
	if now == nil {
		now = time.Now
	}
	a := &App{Cfg: cfg, Log: log, DB: db, Blob: store, Now: now, Trail: postgres.NewTrailStore(db)}
	var err error
	if a.Authz, err = authz.New(db); err != nil {
		return nil, err
	}
	a.Identity = identity.NewService(postgres.NewIdentityStore(db), now, identity.Options{
		SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax,
		LoginMaxFailures: cfg.LoginMaxFailures, LoginWindow: cfg.LoginWindow,
	})
	a.Org = org.NewService(postgres.NewOrgStore(db), a.Authz)
	deps := web.Deps{
		Log: log, Identity: a.Identity, Org: a.Org, Authz: a.Authz, Trail: a.Trail,
		Notifications: postgres.NewNotificationStore(db), Now: now, Location: cfg.Location,
		MaxUploadBytes: cfg.MaxUpload, SecureCookies: cfg.SecureCookies, SessionMax: cfg.SessionMax,
		Ready: []web.ReadyCheck{
			{Name: "postgres", Check: func(ctx context.Context) error { return postgres.Ping(ctx, db) }},
			{Name: "object_store", Check: store.Ping},
		},
		Extra: map[string]any{},
	}
	if err := a.wireCapabilities(&deps); err != nil {
		return nil, err
	}
	if a.Web, err = web.New(deps); err != nil {
		return nil, err
	}
	return a, nil
}

// RunJobs runs every job each interval until ctx ends. Each run takes the
// job's advisory lock, so a job fires once per cluster however many
// instances run.
func (a *App) RunJobs(ctx context.Context, interval time.Duration) {
	if len(a.Jobs) == 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, j := range a.Jobs {
			ran, err := postgres.TryExclusive(ctx, a.DB, j.Key, j.Run)
			if err != nil && ctx.Err() == nil {
				a.Log.Error("scheduled job failed", "job", j.Name, "err", err)
			} else if ran {
				a.Log.Debug("scheduled job ran", "job", j.Name)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
