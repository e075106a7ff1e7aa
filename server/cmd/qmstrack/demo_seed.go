package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/process"
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

// textFile is a UTF-8 text file as an upload.
func textFile(name, text string) qms.FileSource {
	return qms.FilesOf(qms.Upload{Name: name, Body: bytes.NewReader([]byte(text)), Field: "file"})
}

// pdfFile is a small one-page PDF holding lines of text, as an upload.
func pdfFile(name string, lines ...string) qms.FileSource {
	return qms.FilesOf(qms.Upload{Name: name, Body: bytes.NewReader(demoPDF(lines...)), Field: "file"})
}

// demoPDF writes a valid one-page PDF (Helvetica, so the text is kept to
// ASCII: the Vietnamese letters become their base letters).
func demoPDF(lines ...string) []byte {
	var content bytes.Buffer
	content.WriteString("BT /F1 12 Tf 56 780 Td 16 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", pdfEscape(asciiOf(l)))
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// asciiOf is s with its Vietnamese letters as their base letters, case kept.
func asciiOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		f := process.Fold(string(r))
		if r == ' ' {
			f = " "
		}
		if unicode.IsUpper(r) {
			f = strings.ToUpper(f)
		}
		b.WriteString(f)
	}
	return b.String()
}

func pdfEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 32 && r < 127:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
