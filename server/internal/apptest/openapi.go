package apptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Every JSON answer of /api/v1 a Client receives is validated against the
// application's own OpenAPI document (status and body), and so is every
// request the API accepted (a 2xx answer: its query parameters and JSON
// body), so the document cannot drift from what the routes send or take:
// a mismatch fails the test that made the request. Refused requests are
// not checked against the request schema: the tests send wrong types and
// missing fields on purpose, and the answer they get is checked instead.

var pathParam = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// route finds the operation of the document that serves method and path,
// preferring, as the router does, the path with the most fixed segments.
func route(doc *openapi3.T, method, path string) (*routers.Route, map[string]string) {
	var best *routers.Route
	var bestParams map[string]string
	bestFixed := -1
	segs := strings.Split(path, "/")
	for tmpl, item := range doc.Paths.Map() {
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		fixed, params, ok := 0, map[string]string{}, true
		for i, s := range ts {
			if pathParam.MatchString(s) && s[0] == '{' && s[len(s)-1] == '}' {
				if segs[i] == "" {
					ok = false
					break
				}
				params[s[1:len(s)-1]] = segs[i]
				continue
			}
			if s != segs[i] {
				ok = false
				break
			}
			fixed += len(ts) - i // an early fixed segment weighs more
		}
		if ok && fixed > bestFixed {
			best = &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}
			bestParams, bestFixed = params, fixed
		}
	}
	return best, bestParams
}

// validate checks one answer against the document; it reports a mismatch
// on the test.
func (c *Client) validate(req *http.Request, sent []byte, res *http.Response, body []byte) {
	c.env.t.Helper()
	if err := c.env.CheckAnswer(req, res.StatusCode, res.Header, body); err != nil {
		c.env.t.Errorf("%v\nbody: %.600s", err, body)
	}
	if res.StatusCode/100 == 2 {
		if err := c.env.CheckRequest(req, sent); err != nil {
			c.env.t.Errorf("%v\nrequest body: %.600s", err, sent)
		}
	}
}

// CheckRequest validates a request of /api/v1 that the API accepted
// against the application's OpenAPI document: its query parameters must
// be declared with the types sent, and a JSON body must match the
// operation's request schema. Other bodies (multipart uploads, CSV) and
// paths that are no operation are not checked.
func (e *Env) CheckRequest(req *http.Request, body []byte) error {
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return nil
	}
	doc := e.App.Web.OpenAPIDoc()
	rt, params := route(doc, req.Method, req.URL.Path)
	if rt == nil {
		return nil
	}
	// Every query parameter sent is one the operation declares (the
	// validator checks the types of declared ones only).
	for name := range req.URL.Query() {
		declared := false
		for _, p := range rt.Operation.Parameters {
			declared = declared || (p.Value != nil && p.Value.In == "query" && p.Value.Name == name)
		}
		if !declared {
			return fmt.Errorf("%s %s was accepted, but the OpenAPI document (%s %s) declares no query parameter %q",
				req.Method, req.URL.RequestURI(), strings.ToUpper(req.Method), rt.Path, name)
		}
	}
	// A request of its own, with the body as sent: the validator reads it.
	var rd io.Reader = http.NoBody
	exclude := true
	if len(body) > 0 && strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		rd, exclude = bytes.NewReader(body), false
	}
	r, err := http.NewRequest(req.Method, req.URL.String(), rd)
	if err != nil {
		return err
	}
	r.Header = req.Header.Clone()
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: rt,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
			ExcludeRequestBody: exclude, SkipSettingDefaults: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s was accepted, but the OpenAPI document (%s %s) does not describe the request: %w",
			req.Method, req.URL.RequestURI(), strings.ToUpper(req.Method), rt.Path, err)
	}
	return nil
}

// CheckAnswer validates one JSON answer of /api/v1 to req against the
// application's OpenAPI document: its status must be one the operation
// lists and its body match that status's schema. Answers that are not
// JSON, and paths that are no operation, are not checked.
func (e *Env) CheckAnswer(req *http.Request, status int, header http.Header, body []byte) error {
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.json" ||
		!strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		return nil
	}
	doc := e.App.Web.OpenAPIDoc()
	rt, params := route(doc, req.Method, req.URL.Path)
	if rt == nil {
		return nil // not a route (gin's 404 or 405)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: rt},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s answered %d, which the OpenAPI document (%s %s) does not describe: %w",
			req.Method, req.URL.Path, status, strings.ToUpper(req.Method), rt.Path, err)
	}
	return nil
}
