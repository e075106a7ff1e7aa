package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

// The readable API page (GET /api/docs): the OpenAPI document's routes,
// grouped by tag, served by qmstrack itself (no viewer from a CDN). The
// machine-readable document stays at /api/v1/openapi.json.

type apiDocOp struct {
	Method, Path, Summary, Body string
	Public                      bool
	Params                      []string
	// From the typed document: the query parameters, the request body's
	// fields and the success answer's (its status and fields).
	Query, Request, Answer []apiDocField
	Status                 string
}

// apiDocField is one field of a schema as the page lists it: its name,
// its type in the document's words ("string", "array of integer",
// "string date-time", a closed list of values) and whether it is
// required (an answer's fields that are always written).
type apiDocField struct {
	Name, Type string
	Required   bool
}

// schemaType words a schema's type for the page.
func schemaType(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil {
		return ""
	}
	v := ref.Value
	var w string
	switch {
	case v.Type == nil && len(v.AnyOf) > 0:
		var alt []string
		for _, a := range v.AnyOf {
			alt = append(alt, schemaType(a))
		}
		w = strings.Join(alt, " | ")
	case v.Type == nil:
		w = "any"
	case v.Type.Is("array"):
		w = "array of " + schemaType(v.Items)
	default:
		w = strings.Join(v.Type.Slice(), "|")
		if v.Format != "" {
			w += " " + v.Format
		}
	}
	if len(v.Enum) > 0 {
		var vals []string
		for _, e := range v.Enum {
			if s, ok := e.(string); ok {
				vals = append(vals, s)
			}
		}
		w += " (" + strings.Join(vals, ", ") + ")"
	}
	if v.Nullable {
		w += ", null"
	}
	return w
}

// schemaFields lists the top-level fields of an object schema, by name.
func schemaFields(ref *openapi3.SchemaRef) []apiDocField {
	if ref == nil || ref.Value == nil {
		return nil
	}
	v := ref.Value
	if v.Type != nil && v.Type.Is("array") && v.Items != nil && v.Items.Value != nil && len(v.Items.Value.Properties) > 0 {
		v = v.Items.Value // a list: the fields of each item
	}
	var out []apiDocField
	for name, p := range v.Properties {
		out = append(out, apiDocField{Name: name, Type: schemaType(p), Required: contains(v.Required, name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// describe fills d's fields from the operation o of the typed document.
func (d *apiDocOp) describe(o *openapi3.Operation) {
	if o == nil {
		return
	}
	for _, p := range o.Parameters {
		if p.Value != nil && p.Value.In == "query" {
			d.Query = append(d.Query, apiDocField{Name: p.Value.Name, Type: schemaType(p.Value.Schema), Required: p.Value.Required})
		}
	}
	if o.RequestBody != nil && o.RequestBody.Value != nil {
		if mt := o.RequestBody.Value.Content.Get("application/json"); mt != nil {
			d.Request = schemaFields(mt.Schema)
		} else if mt := o.RequestBody.Value.Content.Get("multipart/form-data"); mt != nil {
			d.Request = schemaFields(mt.Schema)
		}
	}
	if o.Responses == nil {
		return
	}
	codes := make([]string, 0, len(o.Responses.Map()))
	for code := range o.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	if len(codes) == 0 {
		return
	}
	d.Status = codes[0]
	if r := o.Responses.Value(d.Status); r != nil && r.Value != nil {
		if mt := r.Value.Content.Get("application/json"); mt != nil {
			d.Answer = schemaFields(mt.Schema)
		}
	}
}

type apiDocTag struct {
	Tag string
	Ops []apiDocOp
}

func (s *Server) handleAPIDocs() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		s.api.mu.Lock()
		ops := append([]apiOp(nil), s.api.ops...)
		s.api.mu.Unlock()
		sort.SliceStable(ops, func(i, j int) bool {
			if ops[i].Tag != ops[j].Tag {
				return ops[i].Tag < ops[j].Tag
			}
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		doc := s.OpenAPIDoc()
		var tags []apiDocTag
		for _, op := range ops {
			if len(tags) == 0 || tags[len(tags)-1].Tag != op.Tag {
				tags = append(tags, apiDocTag{Tag: op.Tag})
			}
			d := apiDocOp{Method: op.Method, Path: ginParam.ReplaceAllString(op.Path, "{$1}"), Summary: op.Summary, Body: op.Body, Public: op.Public}
			for _, m := range ginParam.FindAllStringSubmatch(op.Path, -1) {
				d.Params = append(d.Params, m[1])
			}
			if item := doc.Paths.Value(d.Path); item != nil {
				d.describe(item.GetOperation(op.Method))
			}
			t := &tags[len(tags)-1]
			t.Ops = append(t.Ops, d)
		}
		p := s.page(c, "apidocs.title", gin.H{"Tags": tags, "Count": len(ops), "Base": strings.TrimRight(s.BaseURL, "/")})
		s.render(c, http.StatusOK, "apidocs.html", p)
		return nil
	})
}
