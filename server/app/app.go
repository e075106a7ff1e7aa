// Package app wires qmstrack together: from a configuration, a database and
// an object store it builds every service once, in dependency order, hands
// them to the web layer as typed fields, and lists the scheduled jobs. The
// command and the end-to-end tests both start qmstrack through it, so what
// is tested is what runs.
//
// Three files: app.go builds (New), bridges.go holds the adapters through
// which one capability uses another (field mapping only; the rules and texts
// belong to the capabilities), jobs.go lists every scheduled job with its
// advisory-lock key.
package app

import (
	"context"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	qmstrack "github.com/qmstrack/qmstrack"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/document/copypdf"
	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/feed"
	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/index766"
	"github.com/qmstrack/qmstrack/server/internal/failpoint"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/leadership/reviewpdf"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/portalsync"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/process/deskpdf"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/reconcile"
	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/web"
	"github.com/qmstrack/qmstrack/server/webhook"
)

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
	// Now is the instance's own clock; Clock is the database's, which
	// every instance shares and every rule that compares times across
	// instances asks (README: which clock decides what).
	Now   qms.Clock
	Clock func(ctx context.Context) time.Time
	Jobs  []Job
	// Queue is the durable job queue (River) every job runs through.
	Queue *queue.Queue
	// Reminders of overdue work on the coordinator's schedule.
	Reminders *Reminders
	// Webhooks are the administrator's outbound subscriptions.
	Webhooks *webhook.Service
	// checkpoint is this instance's last trail checkpoint (CheckpointTrail).
	checkpoint checkpointState

	// The quality capabilities.
	Documents  *document.Service
	NCs        *nonconformity.Service
	Records    *record.Service
	Audits     *internalaudit.Service
	Evidence   *evidence.Service
	Process    *process.Service
	Leadership *leadership.Service
	Index766   *index766.Service
	Feed       *feed.Service // each person's calendar feed of due dates
	// PortalSync sends the dossiers' changes to the public-service portal.
	PortalSync *portalsync.Service
	// Scope is the QMS scope, its conformity announcement and the
	// conversion checklist (ISO 9001 4.3, QĐ 19/2014).
	Scope *leadership.ScopeService
	// Legal is the register of legal bases and its revision tasks.
	Legal *leadership.Legal
	// Risks is the register of risks and opportunities (ISO 9001 6.1).
	Risks   *leadership.Risks
	Copies  *document.Copies
	Years   *leadership.Years
	Reviews *leadership.Reviews

	// Reconcile keeps the rows and the object store in step.
	Reconcile *reconcile.Service
}

// New builds every service on db and store, each once and after what it
// needs: the foundation (authorization, identity, units), then documents,
// records, the leadership's directives, nonconformities, audits and
// evidence, process performance, and last the web server that serves them
// all.
func New(cfg config.Config, log *slog.Logger, db *sqlx.DB, store *blob.Store, now qms.Clock, opts ...Option) (*App, error) {
	if now == nil {
		now = time.Now
	}
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.shared == nil {
		// The database's clock, through its offset from this instance's
		// (measured at most every sharedNowEvery): no query per request.
		o.shared = newSharedNow(now, postgres.NewClock(db, now).Now).At
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	a := &App{Cfg: cfg, Log: log, DB: db, Blob: store, Now: now, Clock: o.shared, Trail: postgres.NewTrailStore(db)}
	shared := a.Clock
	// Records, the leadership's directives and internal audits take their
	// "now" as a plain function: the same shared clock.
	sharedNow := func() time.Time { return shared(context.Background()) }
	var err error
	if a.Authz, err = authz.New(db); err != nil {
		return nil, err
	}
	mailer, err := newMailer(cfg)
	if err != nil {
		return nil, err
	}
	if a.Queue, err = a.newQueue(mailer); err != nil {
		return nil, err
	}
	// Every capability's e-mail goes on the queue, durably, and is sent by
	// its job, retried with backoff until the SMTP server takes it; the
	// SMTP sender itself is only the job's (queue.go). The stores that
	// write a notification or a link with an e-mail beside it queue the
	// e-mail in that same transaction (mailTx): nothing is sent for a
	// change that rolled back, nothing lost for one that committed. No
	// SMTP server: no hook, and no e-mail is queued.
	var mailTx postgres.MailTx
	if mailer != nil {
		mailTx = queue.Mailer{Q: a.Queue}.SendTx
	}
	a.Webhooks = a.newWebhooks()
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	idOpts := identity.Options{
		SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax,
		LoginMaxFailures: cfg.LoginMaxFailures, LoginWindow: cfg.LoginWindow, Clock: shared,
		Render: cat.Msg, BaseURL: cfg.BaseURL, TOTPRoles: cfg.TOTPRequiredRoles, Roles: userRoles{a}.Roles,
		MailFailed: func(login string, err error) {
			log.Warn("the password-reset link could not be sent", "login", login, "err", err)
		},
	}
	a.Identity = identity.NewService(postgres.NewIdentityStore(db).WithTokenClock(shared).WithMail(mailTx), now, idOpts)
	a.Org = org.NewService(postgres.NewOrgStore(db), a.Authz)

	// Document control (ISO 9001 7.5). Auditors read the documents that
	// apply to the units they audit during the audit's window.
	auditStore := postgres.NewAuditStore(db)
	a.Documents = document.New(postgres.NewDocumentStore(db), store, a.Authz, a.Identity, document.Options{
		Now: now, Clock: shared, Location: loc, MaxUpload: cfg.MaxUpload, RoleOf: a.Authz.SigningRole,
		Audits: AuditWindow{auditStore, loc}, Effective: revisedProcedures{a},
	})

	// Records under retention (ISO 9001 7.5.3), then the leadership's
	// meetings and directives, whose minutes are records (5.1, 9.3).
	a.Records = record.New(postgres.NewRecordStore(db), store, a.Authz, a.Identity, record.Options{Render: cat.Msg,
		MaxSize: cfg.MaxUpload, Now: sharedNow, Location: loc, Audits: AuditWindow{auditStore, loc}, Links: recordLinks{a},
		Step: failpoint.Hit})
	// The reform index (QĐ 766): its definition is the versioned data
	// file; the improvement plan's items name its criteria.
	def, err := Index766Definition()
	if err != nil {
		return nil, err
	}
	leadOpts := leadership.Options{Criteria: def.Has, Now: sharedNow, Location: loc, MaxEvidence: cfg.MaxUpload, Minutes: minutesRecords{a.Records},
		BaseURL: cfg.BaseURL, Render: cat.Msg}
	a.Leadership = leadership.New(postgres.NewLeadershipStore(db).WithMail(mailTx), a.Authz, store, leadOpts)
	if a.Scope, err = newScope(a, db, store, loc, sharedNow); err != nil {
		return nil, err
	}
	// The register of legal bases: a legal change opens revision tasks
	// that a publication of the procedure closes.
	a.Legal = leadership.NewLegal(postgres.NewLegalStore(db).WithMail(mailTx), a.Authz, leadOpts)
	// The register of risks and opportunities (6.1), on its configured scales.
	a.Risks = leadership.NewRisks(postgres.NewRiskStore(db), a.Authz, leadership.RiskOptions{Now: sharedNow, Location: loc,
		Scale: leadership.Scale{Likelihood: cfg.RiskLikelihoodLevels, Impact: cfg.RiskImpactLevels}})

	// Nonconformities and corrective actions (ISO 9001 10.2). Auditors read
	// the NCs of the units they audit during the audit's window; overdue
	// leadership directives count in the list of units not complying.
	ncOpts := nonconformity.Options{
		Now: now, Clock: shared, Location: loc, MaxFileSize: cfg.MaxUpload, AnalysisDays: cfg.NCAnalysisDays,
		BaseURL: cfg.BaseURL, Trail: a.Trail, Render: cat.Msg, AuditorsMayVerify: cfg.NCAuditorVerifier,
		Audits:     AuditWindow{auditStore, loc},
		Directives: overdueDirectives{a.Leadership},
	}
	a.NCs = nonconformity.New(postgres.NewNCStore(db, loc).WithMail(mailTx), ncBlobs{store}, a.Authz, a.Identity, ncOpts)

	// Internal audits and evidence (ISO 9001 9.2).
	pdf, err := auditpdf.New(auditpdf.Options{Now: now, Location: loc, UnitName: unitNamer{a.Org}.Name})
	if err != nil {
		return nil, err
	}
	a.Audits = internalaudit.New(auditStore, a.Authz, internalaudit.Options{Now: sharedNow, Location: loc,
		NC: AuditNCs{a.NCs}, Records: AuditReports{a.Records}, Renderer: pdf})
	a.Evidence = evidence.New(postgres.NewEvidenceStore(db), store, a.Authz, EvidenceAudits{a.Audits},
		evidence.Options{Now: now, Location: loc})

	// Process performance: procedures, dossiers, KPIs, objectives (ISO 9001 9.1).
	papers, err := deskpdf.New(deskpdf.Options{Location: loc, UnitName: unitNamer{a.Org}.Name, Office: cfg.OfficeNameVI, OfficeEN: cfg.OfficeNameEN})
	if err != nil {
		return nil, err
	}
	procOpts := process.Options{Now: now, Clock: shared, Location: loc, MaxImport: cfg.MaxUpload,
		NC: lateNCs{a.NCs}, NCs: ncSummary{a.NCs}, Directives: processDirectives{a.Leadership, a.Legal},
		Papers: papers, BaseURL: cfg.BaseURL, UnitName: unitNamer{a.Org}.Name, Render: cat.Msg,
		Lookup: process.LookupLimits{PerAddr: cfg.LookupMaxPerAddr, PerNumber: cfg.LookupMaxPerNumber, Window: cfg.LookupWindow}}
	// The notices to applicants keep their own outbox (dossier_notices):
	// written in the change's transaction, retried by SendNotices, and
	// shown per dossier as sent, logged or failed at the desk, so they are
	// sent by SMTP from there and not queued a second time.
	if mailer != nil { // a nil *Sender must not become a non-nil interface
		procOpts.Email = mailer
	}
	a.Process = process.New(postgres.NewProcessStore(db), a.Authz, procOpts)

	// Controlled copies of documents and the public check page; the QMS
	// year, which the chairman or the coordinator closes into the next.
	copyPrinter, err := copypdf.New(copypdf.Options{Location: loc, UnitName: unitNamer{a.Org}.Name,
		Office: func(lang string) string { return officeName(cfg, lang) }})
	if err != nil {
		return nil, err
	}
	a.Copies = document.NewCopies(a.Documents, postgres.NewCopyStore(db), copyPrinter, cfg.BaseURL)
	a.Years = leadership.NewYears(postgres.NewYearStore(db), a.Authz, sharedNow, loc)

	a.Index766 = index766.New(postgres.NewIndex766Store(db), a.Authz, index766.Options{Definition: def, Clock: shared, Location: loc})
	// Each person's calendar feed of the due dates that are theirs (feed).
	a.Feed = feed.New(postgres.NewFeedStore(db), sharedNow, loc)
	// The sync of dossiers to the public-service portal: the capture of
	// changes is on exactly when the portal's address is set.
	a.PortalSync = portalsync.New(postgres.NewPortalSyncStore(db), portalsync.Options{URL: cfg.PortalSyncURL,
		Token: cfg.PortalSyncToken, Agency: cfg.PortalAgency})
	if err := a.PortalSync.Start(context.Background()); err != nil {
		return nil, err
	}

	// Management review (ISO 9001 9.3): its inputs read the process, the
	// index and the store; its directives are the leadership's; its pack
	// is printed in Vietnamese and filed as a record.
	reviewStore := postgres.NewReviewStore(db)
	a.Reviews = leadership.NewReviews(a.Leadership, leadership.ReviewOptions{Store: reviewStore,
		Data: reviewData{store: reviewStore, proc: a.Process, index: a.Index766}, Filer: minutesRecords{a.Records},
		PDF: reviewpdf.New(reviewpdf.Options{Location: loc, T: cat.T, UnitName: unitNamer{a.Org}.Name, Office: cfg.OfficeNameVI})})

	// The reconciler: rows against the bucket's versions, under the lock
	// of its scheduled job when started by hand.
	a.Reconcile = reconcile.New(postgres.NewReconcileStore(db), store.Inventory(), a.Authz, reconcile.Options{
		Now: now, Grace: cfg.ObjectGrace,
		Exclusive: func(ctx context.Context, fn func(ctx context.Context) error) (bool, error) {
			return postgres.TryExclusive(ctx, db, jobKeyObjects, fn)
		}})

	a.Reminders = a.newReminders(cat.Msg, mailer != nil)

	a.Web, err = web.New(web.Deps{
		Log: log, Catalog: cat, Identity: a.Identity, Org: a.Org, Authz: a.Authz, Trail: a.Trail,
		Notifications: postgres.NewNotificationStore(db), Now: now, Location: loc,
		BaseURL: cfg.BaseURL, MaxUploadBytes: cfg.MaxUpload, MetricsToken: cfg.MetricsToken,
		BodyMinRate: cfg.BodyMinRate, BodyGrace: cfg.BodyGrace, SecureCookies: cfg.SecureCookies, SessionMax: cfg.SessionMax,
		TrustedProxies: cfg.TrustedProxies,
		Office:         web.Office{NameVI: cfg.OfficeNameVI, NameEN: cfg.OfficeNameEN, Address: cfg.OfficeAddress, Emblem: cfg.Emblem, EmblemType: cfg.EmblemType},
		PublicFigures:  cfg.PublicFigures, PublicFiguresMonths: cfg.PublicFiguresMonths, KioskSeconds: cfg.KioskSeconds,
		Collectors: []prometheus.Collector{newOfficeGauges(db, loc.String()), newQueueGauges(db)},
		Ready: []web.ReadyCheck{
			{Name: "postgres", Check: func(ctx context.Context) error { return postgres.Ping(ctx, db) }},
			{Name: "object_store", Check: store.Ready},
		},
		Documents: a.Documents, NCs: a.NCs, Records: a.Records, Audits: a.Audits, Evidence: a.Evidence,
		Process: a.Process, Leadership: a.Leadership, Objects: a.Reconcile, Index766: a.Index766,
		Feed: a.Feed, PortalSync: a.PortalSync,
		OIDC: web.OIDC{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, Scopes: cfg.OIDCScopes,
			ClaimLogin: cfg.OIDCClaimLogin, ClaimName: cfg.OIDCClaimName, ClaimEmail: cfg.OIDCClaimEmail, ClaimRoles: cfg.OIDCClaimRoles,
			LinkByLogin: cfg.OIDCLinkByLogin},
		Scope: a.Scope,
		Legal: a.Legal,
		Risks: a.Risks,
		Jobs:  queue.Admin{DB: db, Q: a.Queue}, Webhooks: a.Webhooks,
		Copies: a.Copies, Years: a.Years,
		Reviews:   a.Reviews,
		Reminders: a.Reminders,
	})
	if err != nil {
		return nil, err
	}
	a.Jobs = a.jobs()
	return a, nil
}

// Option adjusts what New builds.
type Option func(*options)

type options struct {
	shared func(ctx context.Context) time.Time
}

// WithSharedClock replaces the database's clock as the time the rules
// decide by: for tests that set the time of the whole cluster (every
// instance and the database agreeing on a date in the past). A deployment
// never sets it.
func WithSharedClock(c func(ctx context.Context) time.Time) Option {
	return func(o *options) { o.shared = c }
}

// newMailer returns the e-mail sender, nil when no SMTP host is configured.
func newMailer(cfg config.Config) (*mail.Sender, error) {
	if cfg.SMTPHost == "" {
		return nil, nil
	}
	return mail.New(mail.Options{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPassword,
		From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
}

// Index766File is the version of the reform index's definition in use.
const Index766File = "assets/index766/v2025.json"

// Index766Definition reads and checks the index definition built into the binary.
func Index766Definition() (*index766.Definition, error) {
	data, err := fs.ReadFile(qmstrack.Assets, Index766File)
	if err != nil {
		return nil, err
	}
	return index766.Parse(data)
}
