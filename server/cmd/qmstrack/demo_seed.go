package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The demo content lives here, beside the command, not in package seed:
// the tests' template database (apptest.DemoSeeder, named after
// seed.SourceHash) holds only the organisation that seed.Demo creates, so
// these files are not part of what that hash must cover; every test that
// wants the content runs `seed --demo` itself (demo_seed_test.go).

// demo is what every demo-content seeder shares: the application, the
// office's today and acting as a demo user. Every act goes through the
// application's services as that user, so its rules, trail entries,
// signatures and files are the real ones.
type demo struct {
	a     *app.App
	today qms.Date // the office's date
	out   io.Writer
}

func newDemo(a *app.App, out io.Writer) *demo {
	return &demo{a: a, today: qms.DateOf(a.Now(), a.Cfg.Location), out: out}
}

// as returns ctx acting as the demo user login.
func (d *demo) as(ctx context.Context, login string) (context.Context, error) {
	u, err := d.a.Identity.UserByLogin(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("demo user %s: %w", login, err)
	}
	return qms.WithActor(ctx, qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Lang: "vi", Via: "session"}), nil
}

// userID is the id of the demo user login.
func (d *demo) userID(ctx context.Context, login string) (string, error) {
	u, err := d.a.Identity.UserByLogin(ctx, login)
	if err != nil {
		return "", fmt.Errorf("demo user %s: %w", login, err)
	}
	return u.ID, nil
}

// password is every demo user's password: the e-signatures re-authenticate.
func (d *demo) password() string { return d.a.Cfg.DemoPassword }

// day is the office's date n days from today.
func (d *demo) day(n int) qms.Date { return d.today.AddDays(n) }

// dayTime is that date at midnight UTC, the form the NC capability takes.
func (d *demo) dayTime(n int) time.Time { return d.day(n).UTC() }

// past returns the same application living daysAgo days ago (its own and
// the shared clock both), for the acts of the office's recent history
// whose dates have passed by today: an action due last week was planned
// before it was due.
func (d *demo) past(daysAgo int) (*demo, error) {
	shift := time.Duration(daysAgo) * 24 * time.Hour
	now := func() time.Time { return time.Now().Add(-shift) }
	pa, err := app.New(d.a.Cfg, d.a.Log, d.a.DB, d.a.Blob, now,
		app.WithSharedClock(func(context.Context) time.Time { return now() }))
	if err != nil {
		return nil, err
	}
	return newDemo(pa, d.out), nil
}

// pdfFile is a one-page PDF of lines of text in Vietnamese (DejaVu Sans,
// so pdftotext reads it back and a printed copy carries it), as an upload.
func pdfFile(name string, lines ...string) qms.FileSource {
	var body io.Reader
	b, err := auditpdf.TextPDF(lines)
	if err != nil {
		body = failedReader{err}
	} else {
		body = bytes.NewReader(b)
	}
	return qms.FilesOf(qms.Upload{Name: name, Body: body, Field: "file"})
}

// failedReader hands the error of a file that could not be made to the
// upload that reads it, which fails with it.
type failedReader struct{ err error }

func (r failedReader) Read([]byte) (int, error) { return 0, r.err }
