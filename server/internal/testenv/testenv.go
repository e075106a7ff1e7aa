// Package testenv gives each test its own PostgreSQL database, cloned from a
// migrated template, and its own bucket with versioning and object lock on
// the real MinIO. Without the services a test skips; with CI=true it fails.
//
// Settings: QMS_TEST_DATABASE_URL (an admin connection, default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) and
// QMS_TEST_S3_ENDPOINT, QMS_TEST_S3_ACCESS_KEY, QMS_TEST_S3_SECRET_KEY
// (default 127.0.0.1:9100, qmstrack, qmstrack-secret; `make test` starts it).
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // driver
	"github.com/minio/minio-go/v7"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/postgres"
)

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// AdminURL is the admin connection used to create test databases.
func AdminURL() string {
	return getenv("QMS_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
}

// InCI reports whether the tests run under continuous integration: CI set
// to any true value (true, 1, yes, on, in any case). There a missing service
// or tool fails the test instead of skipping it.
func InCI() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "1", "t", "true", "y", "yes", "on":
		return true
	}
	return false
}

// Tool returns the path of a program a test needs (pdftotext, ...). When
// it is not installed the test skips, or fails under CI: the CI machine
// installs every tool (make tools), so a missing one is a broken setup,
// never a reason to pass.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, ok := HasTool(t, name)
	if !ok {
		t.Skipf("%s is not installed, skipping", name)
	}
	return p
}

// HasTool is Tool for a test that checks more than what needs the program:
// it answers false when the program is missing (and logs so), letting the
// rest of the test run, but under CI it fails the test instead.
func HasTool(t testing.TB, name string) (string, bool) {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p, true
	}
	if InCI() {
		t.Fatalf("%s is not installed (CI is set, so this fails instead of skipping); run make tools", name)
	}
	t.Logf("%s is not installed: what needs it is not tested", name)
	return "", false
}

// unavailable skips the test, or fails it under CI.
func unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is not reachable (CI is set, so this fails instead of skipping): %v", what, err)
	}
	t.Skipf("%s is not reachable, skipping: %v", what, err)
}

var (
	tmplOnce sync.Once
	tmplName string
	tmplErr  error
)

// migrationsHash names the template after the migrations, so a change to
// them yields a fresh template.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(qmstrack.Migrations, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(qmstrack.Migrations, p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDB(u, name string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	pu.Path = "/" + name
	return pu.String()
}

func template(ctx context.Context) (string, error) {
	tmplOnce.Do(func() {
		admin, err := sql.Open("postgres", AdminURL())
		if err != nil {
			tmplErr = err
			return
		}
		defer admin.Close()
		conn, err := admin.Conn(ctx)
		if err != nil {
			tmplErr = err
			return
		}
		defer conn.Close()
		// Test binaries of several packages run at once: one builds the template.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7262001)`); err != nil {
			tmplErr = err
			return
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7262001)`)
		name := "qmstrack_tmpl_" + migrationsHash()
		var exists bool
		if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
			tmplErr = err
			return
		}
		if !exists {
			building := name + "_building"
			_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
			if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
				tmplErr = err
				return
			}
			db, err := postgres.Open(ctx, withDB(AdminURL(), building), 2)
			if err != nil {
				tmplErr = err
				return
			}
			_, err = postgres.Migrate(ctx, db)
			db.Close()
			if err != nil {
				tmplErr = err
				return
			}
			if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
				tmplErr = err
				return
			}
			// Templates of other migration sets are left alone: another
			// checkout (a branch) may be running its tests on one right now.
		}
		tmplName = name
	})
	return tmplName, tmplErr
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DatabaseURL creates a fresh migrated database for the test, dropped at
// cleanup, and returns its URL.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, tmpl := openAdmin(t, ctx)
	defer admin.Close()
	return cloneDatabase(t, ctx, admin, tmpl)
}

// openAdmin connects to the PostgreSQL server of the tests (skipping, or
// failing under CI, when it does not answer) and returns the name of the
// migrated template.
func openAdmin(t testing.TB, ctx context.Context) (*sql.DB, string) {
	t.Helper()
	admin, err := sql.Open("postgres", AdminURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		unavailable(t, "PostgreSQL", err)
	}
	tmpl, err := template(ctx)
	if err != nil {
		admin.Close()
		t.Fatalf("test database template: %v", err)
	}
	return admin, tmpl
}

// cloneDatabase creates a test database from tmpl, dropped at cleanup.
func cloneDatabase(t testing.TB, ctx context.Context, admin *sql.DB, tmpl string) string {
	t.Helper()
	name := "qmstrack_test_" + randomSuffix()
	var err error
	for attempt := 0; ; attempt++ {
		_, err = admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+tmpl)
		if err == nil || attempt >= 20 || !strings.Contains(err.Error(), "being accessed") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("postgres", AdminURL())
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return withDB(AdminURL(), name)
}

// DB returns a connection pool to a fresh migrated database for the test.
func DB(t testing.TB) *sqlx.DB {
	t.Helper()
	u := DatabaseURL(t)
	db, err := postgres.Open(context.Background(), u, 20)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// S3Options returns the test object store settings with a fresh bucket
// name and the keys qmstrack runs with: the service key (no version
// deletion, no governance bypass) and the disposal key, as
// scripts/minio-users.sh gives them to the test MinIO (make minio-test).
func S3Options() blob.Options {
	return blob.Options{
		Endpoint:          getenv("QMS_TEST_S3_ENDPOINT", "127.0.0.1:9100"),
		AccessKey:         getenv("QMS_TEST_S3_SERVICE_ACCESS_KEY", "qmstrack-app"),
		SecretKey:         getenv("QMS_TEST_S3_SERVICE_SECRET_KEY", "qmstrack-app-secret"),
		DisposalAccessKey: getenv("QMS_TEST_S3_DISPOSAL_ACCESS_KEY", "qmstrack-dispose"),
		DisposalSecretKey: getenv("QMS_TEST_S3_DISPOSAL_SECRET_KEY", "qmstrack-dispose-secret"),
		Region:            "us-east-1",
		Bucket:            "t-" + randomSuffix(),
	}
}

// AdminS3Options are the test object store's root credentials, for what
// only the tests do: removing buckets, and showing what even an admin
// cannot do to locked versions.
func AdminS3Options() blob.Options {
	o := S3Options()
	o.AccessKey = getenv("QMS_TEST_S3_ACCESS_KEY", "qmstrack")
	o.SecretKey = getenv("QMS_TEST_S3_SECRET_KEY", "qmstrack-secret")
	o.DisposalAccessKey, o.DisposalSecretKey = "", ""
	return o
}

// AdminClient is a client of the test object store with its root credentials.
func AdminClient(t testing.TB) *minio.Client {
	t.Helper()
	s, err := blob.New(AdminS3Options())
	if err != nil {
		t.Fatal(err)
	}
	return s.Client()
}

// Blob returns a store on a fresh bucket with versioning and object lock,
// connected with the service key. The bucket is left behind at cleanup when
// it holds locked versions (object lock forbids deleting them); otherwise
// it is emptied and removed with the root key.
func Blob(t testing.TB) *blob.Store {
	t.Helper()
	o := S3Options()
	s, err := blob.New(o)
	if err != nil {
		t.Fatalf("object store: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		unavailable(t, "MinIO at "+o.Endpoint, err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("test bucket with the service key (does the test MinIO have the users of scripts/minio-users.sh? make minio-test): %v", err)
	}
	ao := AdminS3Options()
	ao.Bucket = o.Bucket
	admin, err := blob.New(ao)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeBucket(admin) })
	return s
}

func removeBucket(s *blob.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.Client()
	for o := range c.ListObjects(ctx, s.Bucket(), listAllVersions()) {
		if o.Err != nil {
			return
		}
		_ = c.RemoveObject(ctx, s.Bucket(), o.Key, removeVersion(o.VersionID))
	}
	_ = c.RemoveBucket(ctx, s.Bucket())
}

// Env is a database and a bucket for one test.
type Env struct {
	DB    *sqlx.DB
	DBURL string
	Blob  *blob.Store
}

// New returns a fresh database and bucket for the test.
func New(t testing.TB) *Env {
	t.Helper()
	u := DatabaseURL(t)
	db, err := postgres.Open(context.Background(), u, 30)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &Env{DB: db, DBURL: u, Blob: Blob(t)}
}

// Describe is used in failure messages.
func (e *Env) Describe() string { return fmt.Sprintf("db=%s bucket=%s", e.DBURL, e.Blob.Bucket()) }

// Seeder fills a template database once (for example with the demo
// organisation); every test database cloned from it starts with that content.
// The template is named after the migrations, Name and a hash of Version, so
// a change to the seed code (whose hash the seeder gives as Version) builds a
// new template instead of cloning a stale one.
type Seeder struct {
	Name    string // part of the template's name: lower-case letters and digits
	Version string // names the seed content, e.g. seed.SourceHash(); required
	Seed    func(ctx context.Context, url string) error
}

// templateName is the name of the template seeder fills from base.
func (s Seeder) templateName(base string) string {
	h := sha256.Sum256([]byte(s.Version))
	return base + "_" + s.Name + "_" + hex.EncodeToString(h[:])[:12]
}

var (
	seededMu  sync.Mutex
	seededTpl = map[string]string{}
)

// SeededDatabaseURL is DatabaseURL cloned from a template that seeder filled.
func SeededDatabaseURL(t testing.TB, seeder Seeder) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	admin, base := openAdmin(t, ctx)
	defer admin.Close()
	if seeder.Version == "" {
		t.Fatalf("seeder %s has no Version: the template would outlive a change to its seed", seeder.Name)
	}
	key := seeder.templateName(base)
	seededMu.Lock()
	name, ok := seededTpl[key]
	if !ok {
		var err error
		name, err = buildSeeded(ctx, admin, base, seeder)
		if err != nil {
			seededMu.Unlock()
			t.Fatalf("seeded template %s: %v", seeder.Name, err)
		}
		seededTpl[key] = name
	}
	seededMu.Unlock()
	return cloneDatabase(t, ctx, admin, name)
}

func buildSeeded(ctx context.Context, admin *sql.DB, base string, seeder Seeder) (string, error) {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7262003)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7262003)`)
	name := seeder.templateName(base)
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_b"
	_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building+` TEMPLATE `+base); err != nil {
		return "", err
	}
	if err := seeder.Seed(ctx, withDB(AdminURL(), building)); err != nil {
		_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, nil
}
