package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// apiDoc collects every API route as it is registered, so the OpenAPI
// document cannot drift from the routes: a route registered around the
// wrapper is caught by the coverage test.
type apiDoc struct {
	mu  sync.Mutex
	ops []apiOp
}

type apiOp struct {
	Method, Path, Summary, Tag string
	Public                     bool
	Body                       string // "json", "multipart", "csv" or ""
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
	a.g.Handle(method, path, h...)
	a.s.api.mu.Lock()
	a.s.api.ops = append(a.s.api.ops, apiOp{Method: method, Path: "/api/v1" + path, Summary: summary, Tag: a.tag, Public: a.public, Body: body})
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

// OpenAPI builds the OpenAPI 3 document from the registered routes.
func (s *Server) OpenAPI() map[string]any {
	s.api.mu.Lock()
	ops := append([]apiOp(nil), s.api.ops...)
	s.api.mu.Unlock()
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	paths := map[string]any{}
	tags := map[string]bool{}
	for _, op := range ops {
		p := ginParam.ReplaceAllString(op.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		var params []any
		for _, m := range ginParam.FindAllStringSubmatch(op.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		o := map[string]any{
			"summary":     op.Summary,
			"tags":        []string{op.Tag},
			"operationId": strings.ToLower(op.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(p),
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}},
				"default": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.Public {
			o["security"] = []any{}
		}
		switch op.Body {
		case "json":
			o["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		case "multipart":
			o["requestBody"] = map[string]any{"content": map[string]any{"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object"}}}}
		case "csv":
			o["requestBody"] = map[string]any{"content": map[string]any{"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}}}
		}
		item[strings.ToLower(op.Method)] = o
		tags[op.Tag] = true
	}
	var tagList []any
	for t := range tags {
		tagList = append(tagList, map[string]any{"name": t})
	}
	sort.Slice(tagList, func(i, j int) bool {
		return tagList[i].(map[string]any)["name"].(string) < tagList[j].(map[string]any)["name"].(string)
	})
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "qmstrack API", "version": "1",
			"description": "ISO 9001:2015 quality-management system. Authenticate with the session cookie from POST /api/v1/login (unsafe requests then need the X-CSRF-Token header, returned by login and /me) or with an API token as Authorization: Bearer."},
		"servers": []any{map[string]any{"url": "/", "description": "this qmstrack (paths start with /api/v1)"}},
		"tags":    tagList,
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object",
					"properties": map[string]any{
						"code":    map[string]any{"type": "string", "enum": []string{"unauthenticated", "forbidden", "not_found", "invalid", "conflict", "state", "too_large", "too_many_requests", "unavailable", "storage_full"}},
						"message": map[string]any{"type": "string"},
						"fields":  map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
					}}}},
			},
		},
		"security": []any{map[string]any{"cookie": []any{}}, map[string]any{"bearer": []any{}}},
	}
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
