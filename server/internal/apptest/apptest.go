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
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/blob"
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
type Option func(*options)

type options struct {
	cfg     *config.Config
	now     qms.Clock
	cluster bool // now is the time of the whole cluster, the database's clock included
}

// WithClock makes the application, and the clock its instances share (the
// database's), read time from now: the whole cluster lives at that time.
func WithClock(now qms.Clock) Option {
	return func(o *options) { o.now, o.cluster = now, true }
}

// WithInstanceClock sets only this instance's own clock; the rules still
// decide by the database's clock, as in a cluster whose machines' clocks
// differ.
func WithInstanceClock(now qms.Clock) Option {
	return func(o *options) { o.now, o.cluster = now, false }
}

// WithConfig edits the configuration.
func WithConfig(f func(*config.Config)) Option {
	return func(o *options) { f(o.cfg) }
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
	cfg.QueuePoll = 50 * time.Millisecond
	// Trail checkpoints the test bucket's cleanup can remove.
	cfg.TrailCheckpointMode = "GOVERNANCE"
	return start(t, url, store, cfg, opts)
}

// Instance starts another instance of the application on the same
// database and bucket (a cluster of two behind one load balancer), with
// e's configuration adjusted by opts.
func (e *Env) Instance(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return start(t, e.DBURL, e.App.Blob, e.App.Cfg, opts)
}

func start(t testing.TB, url string, store *blob.Store, cfg config.Config, opts []Option) *Env {
	t.Helper()
	o := options{cfg: &cfg, now: time.Now}
	for _, f := range opts {
		f(&o)
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
	var appOpts []app.Option
	if o.cluster {
		now := o.now
		appOpts = append(appOpts, app.WithSharedClock(func(context.Context) time.Time { return now() }))
	}
	a, err := app.New(cfg, log, db, store, o.now, appOpts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Web)
	t.Cleanup(srv.Close)
	return &Env{App: a, Server: srv, URL: srv.URL, DBURL: url, t: t}
}

// On returns a copy of c that sends its requests to instance e, with the
// same session cookie, CSRF token and API token: one person whose requests
// the load balancer sends to another instance.
func (c *Client) On(e *Env) *Client {
	cp := *c
	cp.env = e
	return &cp
}

// Client is an HTTP client with its own cookie jar and CSRF token.
type Client struct {
	env   *Env
	HTTP  *http.Client
	CSRF  string
	Login string
	Token string // when set, sent as Authorization: Bearer
	// Form, when set, makes the client a browser posting the site's forms:
	// Do sends its body as an URL-encoded form and Multipart adds the
	// form's CSRF field, both asking for HTML (see AsForm).
	Form bool
	// Unchecked skips holding requests and answers to the API document:
	// for load benchmarks, where the client's validation would take CPU
	// from the server it measures. Tests never set it.
	Unchecked bool
}

// Load returns the same signed-in client without the document checks
// (Unchecked), for load benchmarks.
func (c *Client) Load() *Client {
	f := *c
	f.Unchecked = true
	return &f
}

// AsForm returns the same signed-in client posting as the pages' forms do,
// so a /ui route is sent the body its API twin is sent.
func (c *Client) AsForm() *Client {
	f := *c
	f.Form = true
	return &f
}

// formValues turns a JSON-like body into form values: a string, number or
// boolean is one value, a list one value per element; a nested object has
// no form encoding and fails the test.
func (c *Client) formValues(body any) url.Values {
	c.env.t.Helper()
	v := url.Values{}
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			c.env.t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(buf, &m); err != nil {
			c.env.t.Fatalf("a form body must be an object: %s", buf)
		}
		for k, val := range m {
			vals, ok := val.([]any)
			if !ok {
				vals = []any{val}
			}
			for _, e := range vals {
				switch e := e.(type) {
				case string:
					v.Add(k, e)
				case float64, bool:
					v.Add(k, fmt.Sprint(e))
				default:
					c.env.t.Fatalf("field %s: %v has no form encoding", k, e)
				}
			}
		}
	}
	if c.CSRF != "" {
		v.Set("_csrf", c.CSRF)
	}
	return v
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
	if c.Form {
		if _, ok := body.(io.Reader); !ok {
			body = strings.NewReader(c.formValues(body).Encode())
			ct = "application/x-www-form-urlencoded"
		}
	}
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
	if c.Form {
		req.Header.Set("Accept", "text/html")
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
	// A JSON body is kept to check it against the document once the API
	// has accepted it (validate); other bodies (uploads, which may be
	// large and streamed) are sent as they are.
	var sent []byte
	if !c.Unchecked && req.Body != nil && req.Body != http.NoBody && strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		var err error
		if sent, err = io.ReadAll(req.Body); err != nil {
			c.env.t.Fatal(err)
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(sent))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(sent)), nil }
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
	if !c.Unchecked {
		c.validate(req, sent, res, b)
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
	if c.Form && c.CSRF != "" {
		_ = w.WriteField("_csrf", c.CSRF)
	}
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
	if c.Form {
		req.Header.Set("Accept", "text/html")
	}
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

// Count answers a query of one integer (a count) on the app's database,
// failing t on an error: how the tests read what a request changed.
func (e *Env) Count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.App.DB.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
