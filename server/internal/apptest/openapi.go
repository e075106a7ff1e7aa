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
// application's own OpenAPI document (status and body), so the document
// cannot drift from what the routes send: a mismatch fails the test that
// made the request.

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
func (c *Client) validate(req *http.Request, res *http.Response, body []byte) {
	c.env.t.Helper()
	if err := c.env.CheckAnswer(req, res.StatusCode, res.Header, body); err != nil {
		c.env.t.Errorf("%v\nbody: %.600s", err, body)
	}
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
