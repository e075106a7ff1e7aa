package web_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// The controlled copies' and the QMS year's routes in the route × role ×
// unit matrix (matrix_test.go).
func init() {
	mxRoutes = append(mxRoutes,
		// Issuing a controlled copy of the revision in force: document
		// issue_copy in the document's unit; who may not read the document
		// gets "not found".
		mxRoute{Method: "POST", Path: "/api/v1/revisions/{id}/copies", Obj: "document", Act: "issue_copy", Targets: perUnit, Shared: true,
			Sees: mxSeesEffective, Hide: true,
			Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj {
				_, rev := x.f.EffectiveDocument(t, unit)
				return x.obj(unit, rev)
			},
			Send: mxPost(func(_ *mx, _ *mxActor, o *mxObj, n int) any {
				return map[string]string{"unit": o.Unit, "holder": fmt.Sprintf("Người giữ %d", n)}
			})},
		// Withdrawing a copy: the same permission, once per copy.
		mxRoute{Method: "POST", Path: "/api/v1/copies/{id}/withdraw", Obj: "document", Act: "issue_copy", Targets: perUnit,
			Sees: mxSeesEffective, Hide: true,
			Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj {
				_, rev := x.f.EffectiveDocument(t, unit)
				var c struct {
					ID string `json:"id"`
				}
				apptest.Expect(t, "issue copy", x.f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev+"/copies",
					map[string]string{"unit": unit, "holder": "Người giữ"}), http.StatusCreated, &c)
				return x.obj(unit, c.ID)
			},
			Send: mxPost(nil)},
		// Reprinting a controlled copy already issued: a read decided by
		// issue_copy, not by reading documents.
		mxRoute{Method: "GET", Path: "/api/v1/revisions/{id}/controlled-copy.pdf", Obj: "document", Act: "issue_copy", Targets: perUnit, Shared: true,
			Sees: mxSeesEffective, Hide: true,
			Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj {
				_, rev := x.f.EffectiveDocument(t, unit)
				var c struct {
					ID string `json:"id"`
				}
				apptest.Expect(t, "issue copy", x.f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev+"/copies",
					map[string]string{"unit": unit, "holder": "Người giữ"}), http.StatusCreated, &c)
				o := x.obj(unit, rev)
				o.Extra["copy"] = c.ID
				return o
			},
			Send: func(_ *mx, a *mxActor, o *mxObj, path string, _ int) *apptest.Response {
				return a.C.Do("GET", path+"?copy="+o.Extra["copy"], nil)
			}},
		// Closing a QMS year: qms_year close in every unit (the chairman,
		// the coordinator); each allowed act closes a year of its own.
		mxRoute{Method: "POST", Path: "/api/v1/qms-years", Obj: "qms_year", Act: "close", PermIn: "*", Targets: once,
			Send: mxPost(func(x *mx, a *mxActor, _ *mxObj, _ int) any {
				if !x.can(a, "*", "qms_year", "close") {
					return map[string]int{"year": 2000} // refused before the year is looked at
				}
				return map[string]int{"year": mxNextYear()}
			})},
	)
}

var mxYears struct {
	sync.Mutex
	next int
}

// mxNextYear is a past year no case has closed yet: closing a year the
// matrix's data are not dated in leaves the other entries undisturbed.
func mxNextYear() int {
	mxYears.Lock()
	defer mxYears.Unlock()
	if mxYears.next == 0 {
		mxYears.next = 2000
	}
	// Increasing: the year after each closed one is still open.
	mxYears.next++
	return mxYears.next
}
