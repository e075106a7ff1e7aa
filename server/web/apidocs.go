package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// The readable API page (GET /api/docs): the OpenAPI document's routes,
// grouped by tag, served by qmstrack itself (no viewer from a CDN). The
// machine-readable document stays at /api/v1/openapi.json.

type apiDocOp struct {
	Method, Path, Summary, Body string
	Public                      bool
	Params                      []string
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
		var tags []apiDocTag
		for _, op := range ops {
			if len(tags) == 0 || tags[len(tags)-1].Tag != op.Tag {
				tags = append(tags, apiDocTag{Tag: op.Tag})
			}
			d := apiDocOp{Method: op.Method, Path: ginParam.ReplaceAllString(op.Path, "{$1}"), Summary: op.Summary, Body: op.Body, Public: op.Public}
			for _, m := range ginParam.FindAllStringSubmatch(op.Path, -1) {
				d.Params = append(d.Params, m[1])
			}
			t := &tags[len(tags)-1]
			t.Ops = append(t.Ops, d)
		}
		p := s.page(c, "apidocs.title", gin.H{"Tags": tags, "Count": len(ops), "Base": strings.TrimRight(s.BaseURL, "/")})
		s.render(c, http.StatusOK, "apidocs.html", p)
		return nil
	})
}
