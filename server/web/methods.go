package web

import (
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// errMethodNotAllowed answers 405 (statusOf); the Allow header lists the
// methods the address has.
var errMethodNotAllowed = qms.Errorf(qms.ErrInvalid, "this address does not take that method")

// routeMethod is one registered route, as a pattern to match paths.
type routeMethod struct {
	method string
	re     *regexp.Regexp
}

var routeParam = regexp.MustCompile(`:[^/]+|\*[^/]*$`)

func routeMethods(rs gin.RoutesInfo) []routeMethod {
	out := make([]routeMethod, 0, len(rs))
	for _, r := range rs {
		pat := routeParam.ReplaceAllStringFunc(regexp.QuoteMeta(r.Path), func(p string) string {
			if strings.HasPrefix(p, "*") {
				return `.*`
			}
			return `[^/]+`
		})
		// QuoteMeta escaped nothing that routeParam matches: ':' and '*' are
		// matched before quoting would matter for them.
		out = append(out, routeMethod{method: r.Method, re: regexp.MustCompile(`^` + pat + `$`)})
	}
	return out
}

// allowed lists the methods registered for path (HEAD with GET).
func (s *Server) allowed(path string) []string {
	seen := map[string]bool{}
	for _, r := range s.methods {
		if r.re.MatchString(path) {
			seen[r.method] = true
			if r.method == http.MethodGet {
				seen[http.MethodHead] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// headWriter answers a HEAD request: the GET's status and headers, no body.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

// validText refuses, with 400 and before anything reads them, an address
// whose path or query holds bytes that are not UTF-8 text or a NUL byte:
// nothing downstream (the database above all) has to meet them.
func validText(c *gin.Context) {
	bad := func(s string) bool { return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 }
	if bad(c.Request.URL.Path) {
		fail(c, qms.Errorf(qms.ErrInvalid, "the address holds bytes that are not text (UTF-8)"))
		return
	}
	for k, vs := range c.Request.URL.Query() {
		for _, v := range append([]string{k}, vs...) {
			if bad(v) {
				fail(c, qms.Errorf(qms.ErrInvalid, "the parameter %q holds bytes that are not text (UTF-8)", strings.ToValidUTF8(k, "?")))
				return
			}
		}
	}
	c.Next()
}

// isMethodNotAllowed reports whether err is the 405 refusal.
func isMethodNotAllowed(err error) bool { return errors.Is(err, errMethodNotAllowed) }
