package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/seed"
	"github.com/qmstrack/qmstrack/server/trail"
)

const usage = `usage: qmstrack <command>

commands:
  serve                      run the web server (migrates first)
  migrate                    apply database migrations
  seed --demo                seed the demo organisation into an empty database
  user add -login L -name N -password P [-email E]
  user grant -login L -role R -unit U   (U is a unit code or * for every unit)
  trail verify [-check-only] chain the committed entries, then recompute the audit trail's hash chain
                             (-check-only: change nothing; fail on entries pending over 30 s)
  evidence verify [-offline] PACK.zip   check an evidence pack against its manifest and the live trail
  doctor [-repair]           check every row's file against the object store; exit 1 when one is missing
  health                     ask the server on QMS_ADDR whether it is alive (a container's health check)
`

// exitError carries a process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

// run is the whole program; main only calls it, so tests can too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: 2, err: errors.New("no command")}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg.LogLevel, stderr)
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, log, stdout)
	case "migrate":
		db, err := openDB(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		n, err := migrate(ctx, db)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "migrations applied: %d\n", n)
		return nil
	case "seed":
		return seedCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "user":
		return userCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "trail":
		if len(args) < 2 || args[1] != "verify" {
			fmt.Fprint(stderr, usage)
			return &exitError{code: 2, err: errors.New("usage: qmstrack trail verify")}
		}
		checkOnly := len(args) == 3 && args[2] == "-check-only"
		if len(args) > 3 || len(args) == 3 && !checkOnly {
			fmt.Fprint(stderr, usage)
			return &exitError{code: 2, err: errors.New("usage: qmstrack trail verify [-check-only]")}
		}
		return trailVerify(ctx, cfg, stdout, checkOnly)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "evidence":
		return evidenceCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "doctor":
		return doctorCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "health":
		return healthCmd(ctx, cfg.Addr, stdout)
	}
	fmt.Fprint(stderr, usage)
	return &exitError{code: 2, err: fmt.Errorf("unknown command %q", args[0])}
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func openDB(ctx context.Context, cfg config.Config) (*sqlx.DB, error) {
	return postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
}

// migrate applies migrations under an advisory lock, so instances that start
// together do not migrate at the same time.
func migrate(ctx context.Context, db *sqlx.DB) (int, error) {
	conn, err := db.Connx(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7262002)`); err != nil {
		return 0, err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7262002)`)
	return postgres.Migrate(ctx, db)
}

func openBlob(ctx context.Context, cfg config.Config) (*blob.Store, error) {
	st, err := blob.New(blob.Options{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		UseSSL: cfg.S3UseSSL, Region: cfg.S3Region, Bucket: cfg.S3Bucket,
		DisposalAccessKey: cfg.S3DisposalAccessKey, DisposalSecretKey: cfg.S3DisposalSecretKey,
		Timeout: cfg.S3Timeout, StallTimeout: cfg.S3StallTimeout})
	if err != nil {
		return nil, err
	}
	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := st.EnsureBucket(bctx); err != nil {
		return nil, fmt.Errorf("object store at %s: %w", cfg.S3Endpoint, err)
	}
	return st, nil
}

// build opens the database and object store and wires the application.
func build(ctx context.Context, cfg config.Config, log *slog.Logger) (*app.App, func(), error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if _, err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, nil, err
	}
	if changed, err := postgres.SetOfficeTimeZone(ctx, db, cfg.TimeZone); err != nil {
		db.Close()
		return nil, nil, err
	} else if changed {
		log.Warn("the office's time zone changed; dossier statistics written before keep the zone they were counted in", "time_zone", cfg.TimeZone)
	}
	st, err := openBlob(ctx, cfg)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	a, err := app.New(cfg, log, db, st, time.Now)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return a, func() { db.Close() }, nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, closeFn, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeFn()
	if _, err := a.Authz.Watch(ctx, cfg.DatabaseURL, log); err != nil {
		return fmt.Errorf("policy watcher: %w", err)
	}
	// The job queue stops with ctx, letting running jobs finish; the
	// database is closed only after it stopped (or the shutdown timed out).
	jobsDone := make(chan struct{})
	go func() { a.RunJobs(ctx, cfg.JobInterval); close(jobsDone) }()
	warnGovernance(ctx, a.Blob, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Web, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics address: %w", err)
		}
		msrv := &http.Server{Handler: a.Web.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics", "addr", mln.Addr().String())
	}
	fmt.Fprintf(stdout, "qmstrack serving on http://%s\n", displayAddr(ln.Addr().String()))
	log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	select {
	case <-jobsDone:
	case <-sctx.Done():
	}
	return err
}

// warnGovernance says at start when the service's object-store key can
// override governance retention: records of governance-mode types could
// then be deleted before their time by anyone holding the key.
func warnGovernance(ctx context.Context, st *blob.Store, log *slog.Logger) {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	bypass, err := st.CanBypassGovernance(pctx)
	switch {
	case err != nil:
		log.Warn("could not check whether the object-store key can bypass governance retention", "err", err)
	case bypass:
		log.Warn("the object-store key can bypass governance retention (s3:BypassGovernanceRetention): " +
			"give the service a key with policies/s3-service-policy.json and deletions a key with policies/s3-disposal-policy.json")
	}
}

func displayAddr(a string) string {
	if strings.HasPrefix(a, "[::]") {
		return "localhost" + strings.TrimPrefix(a, "[::]")
	}
	if strings.HasPrefix(a, "0.0.0.0") {
		return "localhost" + strings.TrimPrefix(a, "0.0.0.0")
	}
	return a
}

func seedCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "seed the demo organisation (only into an empty database)")
	extra := map[string]*int{}
	for name, h := range extraSeeds {
		extra[name] = fs.Int(name, 0, h.help)
	}
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	a, closeFn, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeFn()
	if *demo {
		// Demo content goes only into the database the demo organisation was
		// just seeded into: a second `seed --demo` changes nothing.
		seeded, err := seed.Demo(ctx, a.Identity, a.Org, cfg.DemoPassword, stdout)
		if err != nil {
			return err
		}
		if seeded {
			if err := seedDemoContent(ctx, a, stdout); err != nil {
				return err
			}
		}
	}
	for name, n := range extra {
		if *n > 0 {
			if err := extraSeeds[name].run(ctx, a, *n, stdout); err != nil {
				return err
			}
		}
	}
	return nil
}

// extraSeeds are the seed flags that generate data in bulk (load tests).
var extraSeeds = map[string]struct {
	help string
	run  func(ctx context.Context, a *app.App, n int, out io.Writer) error
}{
	"dossiers": {help: "generate N administrative dossiers over the last two years (COPY; for load tests)", run: seedDossiers},
}

// demoContent adds the demo content after the demo organisation is seeded,
// one seeder per kind of content (demo_*_seed.go, nc_seed.go), in the order
// a visitor's story runs: process data (services, dossiers, objectives),
// documents, records, nonconformities, the internal audit, the chairman's
// meeting and directives, and the leadership's scope, plan, risks and
// review.
var demoContent = []func(ctx context.Context, a *app.App, out io.Writer) error{seedProcessDemo, seedDemoDocuments, seedDemoRecords, seedDemoNCs, seedDemoAudit, seedDemoDirectives, seedDemoLeadership}

func seedDemoContent(ctx context.Context, a *app.App, out io.Writer) error {
	began := time.Now()
	for _, f := range demoContent {
		if err := f(ctx, a, out); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "demo content seeded in %s\n", time.Since(began).Round(time.Millisecond))
	return nil
}

func userCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "grant") {
		return &exitError{code: 2, err: errors.New("usage: qmstrack user add|grant with flags (see qmstrack help)")}
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	login := fs.String("login", "", "login name")
	name := fs.String("name", "", "full name (add)")
	email := fs.String("email", "", "email (add)")
	password := fs.String("password", "", "password (add)")
	role := fs.String("role", "", "role (grant): admin, coordinator, head, author, staff, auditor")
	unit := fs.String("unit", "", "unit code, or * for every unit (grant)")
	if err := fs.Parse(args[1:]); err != nil {
		return &exitError{code: 2, err: err}
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := migrate(ctx, db); err != nil {
		return err
	}
	ctx = qms.WithActor(ctx, qms.Actor{Login: "cli"})
	ids := identity.NewService(postgres.NewIdentityStore(db), time.Now, identity.Options{SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax})
	if args[0] == "add" {
		u, err := ids.CreateUser(ctx, identity.NewUser{Login: *login, Name: *name, Email: *email, Password: *password})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s created (%s)\n", u.Login, u.ID)
		return nil
	}
	u, err := ids.UserByLogin(ctx, *login)
	if err != nil {
		return err
	}
	enf, err := authzFor(db)
	if err != nil {
		return err
	}
	if err := org.NewService(postgres.NewOrgStore(db), enf).Assign(ctx, org.Assignment{UserID: u.ID, Login: u.Login, Role: *role, Unit: *unit}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s now holds %s in %s\n", u.Login, *role, *unit)
	return nil
}

// trailVerify first gives the committed pending entries their place (as the
// sequencer would), unless checkOnly, which changes nothing and so also
// runs against a read-only replica.
func trailVerify(ctx context.Context, cfg config.Config, stdout io.Writer, checkOnly bool) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ts := postgres.NewTrailStore(db)
	verify := ts.Verify
	if checkOnly {
		verify = ts.Check
	}
	res, err := verify(ctx)
	if err != nil {
		return err
	}
	if !res.OK {
		fmt.Fprintf(stdout, "trail BROKEN at entry %d: %s (%d entries verified before it)\n", res.BrokenAt, res.Reason, res.Checked)
		return &exitError{code: 3, err: fmt.Errorf("trail broken at entry %d", res.BrokenAt)}
	}
	fmt.Fprintf(stdout, "trail intact: %d entries verified\n", res.Checked)
	if res.Pending > 0 {
		fmt.Fprintf(stdout, "%d entries still waiting for their place in the chain\n", res.Pending)
	}
	return checkCheckpoints(ctx, cfg, ts, stdout)
}

// checkCheckpoints requires the chain to pass through every checkpoint of
// the object store (trail.Checkpoint), each signed by the configured key
// when QMS_TRAIL_SIGNING_KEY is set.
func checkCheckpoints(ctx context.Context, cfg config.Config, ts *postgres.TrailStore, stdout io.Writer) error {
	st, err := openBlob(ctx, cfg)
	if err != nil {
		return err
	}
	cps, err := st.Checkpoints(ctx)
	if err != nil {
		return err
	}
	var pub ed25519.PublicKey
	if cfg.TrailSigningKey != "" {
		key, err := trail.ParseSigningKey(cfg.TrailSigningKey)
		if err != nil {
			return err
		}
		pub = key.Public().(ed25519.PublicKey)
	}
	chain, err := ts.HashesAt(ctx, trail.Seqs(cps))
	if err != nil {
		return err
	}
	rep, err := trail.CheckCheckpoints(cps, pub, chain)
	var b *trail.BrokenError
	if errors.As(err, &b) {
		fmt.Fprintf(stdout, "trail BROKEN at entry %d: %s (%d checkpoints agreed before it)\n", b.Seq, b.Reason, rep.Checked)
		return &exitError{code: 3, err: fmt.Errorf("trail broken at entry %d", b.Seq)}
	}
	if err != nil {
		return err
	}
	if rep.Last == nil {
		fmt.Fprintln(stdout, "no trail checkpoint in the object store yet")
		return nil
	}
	fmt.Fprintf(stdout, "checkpoints: %d in the object store agree with the chain (the last at entry %d, %s)", rep.Checked, rep.Last.Seq, rep.Last.At.UTC().Format(time.RFC3339))
	if rep.Unsigned > 0 {
		fmt.Fprintf(stdout, "; %d unsigned", rep.Unsigned)
	}
	fmt.Fprintln(stdout)
	return nil
}
