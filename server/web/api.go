package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// apiDoc collects every API route as it is registered, so the OpenAPI
// document cannot drift from the routes: a route registered around the
// wrapper is caught by the coverage test.
type apiDoc struct {
	mu  sync.Mutex
	ops []apiOp
	doc *openapi3.T // built once from ops, on first use
	err error
}

type apiOp struct {
	Method, Path, Summary, Tag string
	Public                     bool
	Body                       string // "json", "multipart", "csv" or ""
	// Types are the Go types of the bodies and the query parameters; serve
	// records its own, a plain handler's come from apiTypes (openapi.go).
	Types *apiTypes
}

func newAPIDoc() *apiDoc { return &apiDoc{} }

// api registers JSON API routes under /api/v1 and records them for OpenAPI.
type api struct {
	s      *Server
	g      *gin.RouterGroup
	tag    string
	public bool
}

// apiGroup returns a registrar for the API under /api/v1 with a tag for the
// OpenAPI document; routes require a signed-in user unless public.
func (s *Server) apiGroup(tag string, public bool) *api {
	g := s.engine.Group("/api/v1")
	if !public {
		g.Use(requireUser)
	}
	return &api{s: s, g: g, tag: tag, public: public}
}

func (a *api) handle(method, path, summary, body string, h ...gin.HandlerFunc) {
	a.handleTyped(method, path, summary, body, nil, h...)
}

// handleTyped registers a route whose body types are known where it is
// registered (serve); nil leaves them to the apiTypes table.
func (a *api) handleTyped(method, path, summary, body string, types *apiTypes, h ...gin.HandlerFunc) {
	a.g.Handle(method, path, h...)
	a.s.api.mu.Lock()
	a.s.api.ops = append(a.s.api.ops, apiOp{Method: method, Path: "/api/v1" + path, Summary: summary, Tag: a.tag, Public: a.public, Body: body, Types: types})
	a.s.api.doc = nil
	a.s.api.mu.Unlock()
}

// GET registers a GET route.
func (a *api) GET(path, summary string, h ...gin.HandlerFunc) {
	a.handle("GET", path, summary, "", h...)
}

// POST registers a POST route with a JSON body.
func (a *api) POST(path, summary string, h ...gin.HandlerFunc) {
	a.handle("POST", path, summary, "json", h...)
}

// PUT registers a PUT route with a JSON body.
func (a *api) PUT(path, summary string, h ...gin.HandlerFunc) {
	a.handle("PUT", path, summary, "json", h...)
}

// DELETE registers a DELETE route with a JSON body.
func (a *api) DELETE(path, summary string, h ...gin.HandlerFunc) {
	a.handle("DELETE", path, summary, "json", h...)
}

// Upload registers a POST route with a multipart/form-data body.
func (a *api) Upload(path, summary string, h ...gin.HandlerFunc) {
	a.handle("POST", path, summary, "multipart", h...)
}

// PostCSV registers a POST route with a text/csv (or multipart) body.
func (a *api) PostCSV(path, summary string, h ...gin.HandlerFunc) {
	a.handle("POST", path, summary, "csv", h...)
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// OpenAPI returns the OpenAPI 3 document as a JSON object (see OpenAPIDoc).
func (s *Server) OpenAPI() map[string]any {
	b, err := json.Marshal(s.OpenAPIDoc())
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// maxJSONBody bounds JSON request bodies; files go through multipart.
const maxJSONBody = 1 << 20

// bindJSON decodes the request body into v with a size bound and a clear
// message for wrong types or malformed JSON.
func bindJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return qms.Errorf(qms.ErrInvalid, "send the body as application/json")
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	// A field the request does not take is an error, never ignored: a
	// client sending "password" to a route that does not change it must
	// hear so.
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name, _ = strconv.Unquote(name)
			return qms.Errorf(qms.ErrInvalid, "unknown field %q: this request does not take it", name)
		}
		var mbe *http.MaxBytesError
		var ute *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &mbe):
			return qms.Errorf(qms.ErrTooLarge, "the JSON body is larger than 1 MiB")
		case errors.Is(err, io.EOF):
			return qms.Errorf(qms.ErrInvalid, "the request body is empty; send a JSON object")
		case errors.As(err, &ute):
			return qms.Errorf(qms.ErrInvalid, "field %q must be of type %s", ute.Field, ute.Type.String())
		case errors.As(err, &se):
			return qms.Errorf(qms.ErrInvalid, "malformed JSON at byte %d", se.Offset)
		}
		return qms.Errorf(qms.ErrInvalid, "malformed JSON body")
	}
	return nil
}
