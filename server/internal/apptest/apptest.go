// Package apptest starts the whole qmstrack application (app.New, the same
// wiring as the binary) on a fresh PostgreSQL database seeded with the demo
// organisation and a fresh bucket on the real MinIO, behind an
// httptest.Server, and gives tests HTTP clients signed in as demo users.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/seed"
)

// Password is every demo user's password in tests.
const Password = "demo12345"

// Env is a running application for one test.
type Env struct {
	App    *app.App
	Server *httptest.Server
	URL    string
	DBURL  string
	t      testing.TB
}

// Option adjusts the application before it starts.
type Option func(*config.Config, *qms.Clock)

// WithClock makes the application read time from now.
func WithClock(now qms.Clock) Option { return func(_ *config.Config, c *qms.Clock) { *c = now } }

// WithConfig edits the configuration.
func WithConfig(f func(*config.Config)) Option {
	return func(cfg *config.Config, _ *qms.Clock) { f(cfg) }
}

// DemoSeeder seeds the demo organisation into a template database.
var DemoSeeder = testenv.Seeder{Name: "demo", Version: seed.SourceHash() + "/" + Password, Seed: func(ctx context.Context, url string) error {
	db, err := postgres.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	enf, err := authz.New(db)
	if err != nil {
		return err
	}
	ids := identity.NewService(postgres.NewIdentityStore(db), time.Now, identity.Options{SessionIdle: time.Hour, SessionMax: time.Hour})
	_, err = seed.Demo(ctx, ids, org.NewService(postgres.NewOrgStore(db), enf), Password, io.Discard)
	return err
}}

// New starts the application with the demo organisation.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	url := testenv.SeededDatabaseURL(t, DemoSeeder)
	store := testenv.Blob(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = url
	cfg.LoginMaxFailures = 50
	var now qms.Clock = time.Now
	for _, o := range opts {
		o(&cfg, &now)
	}
	db, err := postgres.Open(context.Background(), url, 30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if os.Getenv("QMS_TEST_LOG") != "" {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	a, err := app.New(cfg, log, db, store, now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Web)
	t.Cleanup(srv.Close)
	return &Env{App: a, Server: srv, URL: srv.URL, DBURL: url, t: t}
}

// Client is an HTTP client with its own cookie jar and CSRF token.
type Client struct {
	env   *Env
	HTTP  *http.Client
	CSRF  string
	Login string
	Token string // when set, sent as Authorization: Bearer
}

// Anon returns a client that is not signed in.
func (e *Env) Anon() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// As signs in as a demo user (by login) and returns the client.
func (e *Env) As(login string) *Client {
	e.t.Helper()
	c := e.Anon()
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	r := c.Do("POST", "/api/v1/login", map[string]string{"login": login, "password": Password})
	if r.Status != http.StatusOK {
		e.t.Fatalf("login as %s: %d %s", login, r.Status, r.Body)
	}
	r.Decode(&out)
	c.CSRF, c.Login = out.CSRF, login
	return c
}

// Response is a finished request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	t      testing.TB
}

// Decode unmarshals the JSON body into v.
func (r *Response) Decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// ErrorCode returns the code of a JSON error body, or "".
func (r *Response) ErrorCode() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// Do sends a request; body is JSON-encoded unless it is an io.Reader or []byte.
func (c *Client) Do(method, path string, body any) *Response {
	c.env.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case io.Reader:
		rd = b
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	case string:
		rd, ct = bytes.NewReader([]byte(b)), "application/json"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.env.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequest(method, c.env.URL+path, rd)
	if err != nil {
		c.env.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return c.Send(req)
}

// Send sends a prepared request with the client's credentials.
func (c *Client) Send(req *http.Request) *Response {
	c.env.t.Helper()
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.env.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.env.t.Fatal(err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b, t: c.env.t}
}

// File is one file part of a multipart request.
type File struct {
	Field, Name string
	Content     []byte
}

// Multipart POSTs fields and files as multipart/form-data.
func (c *Client) Multipart(path string, fields map[string]string, files ...File) *Response {
	c.env.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.Field, f.Name)
		if err != nil {
			c.env.t.Fatal(err)
		}
		_, _ = fw.Write(f.Content)
	}
	_ = w.Close()
	req, err := http.NewRequest("POST", c.env.URL+path, &buf)
	if err != nil {
		c.env.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Send(req)
}

// MustStatus fails the test unless r has the wanted status.
func (r *Response) MustStatus(want int) *Response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

// String describes the response for messages.
func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }
