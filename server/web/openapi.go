package web

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"

	"github.com/qmstrack/qmstrack/server/qms"
)

// The OpenAPI document is generated from the Go types of the bodies: serve
// records its request and result types itself; a route registered with a
// plain handler (api.GET, api.POST...) declares its types in apiDecls
// (openapi_types.go), keyed by "METHOD /api/v1/path". A route without a
// declaration has no response schema, and TestOpenAPITyped fails naming the
// entry to add.

// apiTypes are the Go types of one operation. Req and Resp are values (or
// pointers to values) of the body types; nil is no body. Status lists the
// success statuses (200 when empty); Content is the media type of a
// response that is not JSON (a file, CSV, PDF); Query lists the query
// parameters the handler reads, as "name" or "name:type" (type one of
// string, integer, boolean, date), separated by spaces.
type apiTypes struct {
	// NoBody: a POST, PUT or DELETE that takes no body.
	NoBody  bool
	Req     any
	Resp    any
	Status  []int
	Content string
	Query   string
}

// list is the answer of the routes that list items.
type list[T any] struct {
	Items []T `json:"items"`
}

// okReply is the answer of a state change that returns nothing else.
type okReply struct {
	OK bool `json:"ok"`
}

// errorCodes is the closed list of the error body's codes (statusOf).
var errorCodes = []any{"unauthenticated", "forbidden", "not_found", "invalid", "conflict", "state", "too_large",
	"too_many_requests", "unavailable", "storage_full", "internal", "method_not_allowed",
	"password_change_required", "totp_enrolment_required", "totp_code_required"}

// schemaOverrides are the schemas of the types that write their own JSON.
var schemaOverrides = map[reflect.Type]func() *openapi3.Schema{
	reflect.TypeOf(qms.Date{}): func() *openapi3.Schema {
		// No format "date": the zero Date is written as "".
		s := openapi3.NewStringSchema()
		s.Pattern = `^(\d{4}-\d{2}-\d{2})?$`
		s.Description = "a date, yyyy-mm-dd; empty when not set"
		return s
	},
	reflect.TypeOf(qms.Msg{}): func() *openapi3.Schema {
		s := openapi3.NewObjectSchema()
		s.Description = "a message: its id in the catalog and its arguments"
		s.WithProperty("id", openapi3.NewStringSchema())
		args := openapi3.NewArraySchema()
		args.Items = openapi3.NewSchemaRef("", openapi3.NewObjectSchema())
		s.WithProperty("args", args)
		s.Required = []string{"id"}
		return s
	},
	reflect.TypeOf(qms.FileSource(nil)): func() *openapi3.Schema {
		s := openapi3.NewStringSchema()
		s.Format = "binary"
		return s
	},
}

// schemaGen reflects Go types into the schemas of answers: json tags name
// the fields (an enum tag, "a,b", lists the only values a string field
// takes), every field encoding/json always writes is required, no other
// field is allowed, time.Time is a date-time, and what Go may write as
// null (a nil pointer, slice or map) is nullable. Schemas are written
// inline (a named component would lose the nullability of the field that
// points to it).
func schemaGen(t reflect.Type) (*openapi3.SchemaRef, error) { return genSchema(t, true) }

// requestSchemaGen reflects the type of a request body: as schemaGen, but
// no field is required by the schema. The API reads an absent field as
// its zero value; which fields an act needs is the service's rule, and a
// request without them is answered 400 "invalid" naming each one. An
// unknown field is refused (additionalProperties false), as the API does.
func requestSchemaGen(t reflect.Type) (*openapi3.SchemaRef, error) { return genSchema(t, false) }

func genSchema(t reflect.Type, answer bool) (*openapi3.SchemaRef, error) {
	g := openapi3gen.NewGenerator(
		openapi3gen.UseAllExportedFields(),
		openapi3gen.SchemaCustomizer(func(name string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
			if err := customizeSchema(name, t, tag, s); err != nil {
				return err
			}
			if !answer && s.Properties != nil {
				s.Required = nil
			}
			return nil
		}),
	)
	return g.NewSchemaRefForValue(reflect.New(t).Elem().Interface(), nil)
}

func customizeSchema(name string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	if f, ok := schemaOverrides[t]; ok {
		nullable := s.Nullable
		*s = *f()
		s.Nullable = nullable
		return nil
	}
	// A closed list of values is written in the field's enum tag.
	if e := tag.Get("enum"); e != "" {
		for _, v := range strings.Split(e, ",") {
			s.Enum = append(s.Enum, v)
		}
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Interface:
		if !(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8) {
			s.Nullable = true
		}
	case reflect.Struct:
		if s.Properties == nil {
			break
		}
		no := false
		s.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
		s.Required = requiredFields(t, s)
	}
	if t.Implements(reflect.TypeOf((*interface{ MarshalText() ([]byte, error) })(nil)).Elem()) && s.Type != nil && s.Type.Is("object") {
		return fmt.Errorf("openapi: %s writes itself as text: give it a schema in schemaOverrides", t)
	}
	return nil
}

// requiredFields lists the properties encoding/json always writes for t:
// every exported field but those with omitempty or omitzero.
func requiredFields(t reflect.Type, s *openapi3.Schema) []string {
	var out []string
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" && (f.Type.Kind() == reflect.Struct || (f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct)) {
			continue // its fields are promoted
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,") {
			continue
		}
		if _, ok := s.Properties[name]; ok && !contains(out, name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func isAnyOf(v any) bool { _, ok := v.(anyOf); return ok }

func typeOf(v any) reflect.Type {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// OpenAPIDoc returns the OpenAPI 3 document of the registered routes,
// built once; it panics when a declared type cannot be reflected (a
// programming error the tests catch).
func (s *Server) OpenAPIDoc() *openapi3.T {
	s.api.mu.Lock()
	defer s.api.mu.Unlock()
	if s.api.doc == nil {
		s.api.doc, s.api.err = buildOpenAPI(s.api.ops)
	}
	if s.api.err != nil {
		panic(s.api.err)
	}
	return s.api.doc
}

// UnusedAPIDecls lists the entries of apiDecls that name no registered
// route (a route renamed or removed without its declaration).
func (s *Server) UnusedAPIDecls() []string {
	s.api.mu.Lock()
	defer s.api.mu.Unlock()
	have := map[string]bool{}
	for _, op := range s.api.ops {
		have[op.Method+" "+op.Path] = true
	}
	var out []string
	for k := range apiDecls {
		if !have[k] {
			out = append(out, k)
		}
	}
	return out
}

// typesOf returns the declared types of op: its own (serve) or its entry
// of apiDecls.
func typesOf(op apiOp) *apiTypes {
	if op.Types != nil {
		return op.Types
	}
	if d, ok := apiDecls[op.Method+" "+op.Path]; ok {
		return &d
	}
	return nil
}

func buildOpenAPI(in []apiOp) (*openapi3.T, error) {
	ops := append([]apiOp(nil), in...)
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	errRef, err := schemaGen(reflect.TypeOf(ErrorBody{}))
	if err != nil {
		return nil, err
	}
	errRef.Value.Properties["error"].Value.Properties["code"].Value.Enum = errorCodes
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: "qmstrack API", Version: "1",
			Description: "ISO 9001:2015 quality-management system. Authenticate with the session cookie from POST /api/v1/login (unsafe requests then need the X-CSRF-Token header, returned by login and /me) or with an API token as Authorization: Bearer."},
		Servers: openapi3.Servers{{URL: "/", Description: "this qmstrack (paths start with /api/v1)"}},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			SecuritySchemes: openapi3.SecuritySchemes{
				"cookie": {Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("cookie").WithName(sessionCookie)},
				"bearer": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer")},
			},
			Schemas: openapi3.Schemas{"Error": errRef},
		},
		Security: openapi3.SecurityRequirements{{"cookie": {}}, {"bearer": {}}},
	}
	tags := map[string]bool{}
	for _, op := range ops {
		p := ginParam.ReplaceAllString(op.Path, "{$1}")
		o := &openapi3.Operation{
			Summary:     op.Summary,
			Tags:        []string{op.Tag},
			OperationID: strings.ToLower(op.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(p),
			Responses:   openapi3.NewResponses(),
		}
		if o.Summary == "" {
			o.Summary = op.Method + " " + p
		}
		o.Responses.Delete("default")
		o.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Error").
			WithContent(openapi3.NewContentWithJSONSchemaRef(openapi3.NewSchemaRef("#/components/schemas/Error", errRef.Value)))})
		for _, m := range ginParam.FindAllStringSubmatch(op.Path, -1) {
			o.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		if op.Public {
			o.Security = &openapi3.SecurityRequirements{}
		}
		ty := typesOf(op)
		if ty != nil {
			if err := describeOp(o, op, ty); err != nil {
				return nil, fmt.Errorf("%s %s: %w", op.Method, op.Path, err)
			}
		} else {
			o.Description = "Its types are not declared."
		}
		doc.AddOperation(p, op.Method, o)
		tags[op.Tag] = true
	}
	var tagList []string
	for t := range tags {
		tagList = append(tagList, t)
	}
	sort.Strings(tagList)
	for _, t := range tagList {
		doc.Tags = append(doc.Tags, &openapi3.Tag{Name: t, Description: "The " + t + " operations"})
	}
	return doc, nil
}

func describeOp(o *openapi3.Operation, op apiOp, ty *apiTypes) error {
	for _, q := range strings.Fields(ty.Query) {
		name, kind, _ := strings.Cut(q, ":")
		var sch *openapi3.Schema
		switch kind {
		case "", "string":
			sch = openapi3.NewStringSchema()
		case "integer":
			sch = openapi3.NewIntegerSchema()
		case "boolean":
			sch = openapi3.NewStringSchema()
			sch.Enum = []any{"true", "false", "1", "0", ""}
		case "date":
			sch = schemaOverrides[reflect.TypeOf(qms.Date{})]()
		default:
			return fmt.Errorf("query parameter %q: unknown type %q", name, kind)
		}
		o.AddParameter(openapi3.NewQueryParameter(name).WithSchema(sch))
	}
	if ty.NoBody {
		o.Extensions = map[string]any{"x-no-body": true}
	}
	if t := typeOf(ty.Req); t != nil {
		ref, err := requestSchemaGen(t)
		if err != nil {
			return err
		}
		media := "application/json"
		switch op.Body {
		case "multipart":
			media = "multipart/form-data"
		case "csv":
			media = "text/csv"
		}
		content := openapi3.NewContentWithSchemaRef(ref, []string{media})
		if op.Body == "multipart" {
			// The API also takes the same fields as JSON when no file is sent.
			content["application/json"] = openapi3.NewMediaType().WithSchemaRef(ref)
		}
		o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithContent(content)}
	} else if op.Body == "csv" {
		o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/csv"}))}
	}
	var content openapi3.Content
	switch {
	case ty.Content != "":
		bin := openapi3.NewStringSchema()
		bin.Format = "binary"
		content = openapi3.NewContentWithSchema(bin, strings.Fields(ty.Content))
	case isAnyOf(ty.Resp):
		one := &openapi3.Schema{}
		for _, v := range ty.Resp.(anyOf) {
			ref, err := schemaGen(typeOf(v))
			if err != nil {
				return err
			}
			one.AnyOf = append(one.AnyOf, ref)
		}
		content = openapi3.NewContentWithJSONSchema(one)
	case typeOf(ty.Resp) != nil:
		ref, err := schemaGen(typeOf(ty.Resp))
		if err != nil {
			return err
		}
		content = openapi3.NewContentWithJSONSchemaRef(ref)
	default:
		return nil
	}
	status := ty.Status
	if len(status) == 0 {
		status = []int{http.StatusOK}
	}
	for _, st := range status {
		o.Responses.Set(strconv.Itoa(st), &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(http.StatusText(st)).WithContent(content)})
	}
	return nil
}
