package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// The scope's routes in the route × role × unit matrix: the scope and the
// checklist are changed by the holders of scope manage in every unit (the
// coordinator), the announcement drafted by them and signed by the holders
// of scope sign in every unit (the head of the agency, the chairman).
func init() {
	mxRoutes = append(mxRoutes,
		mxRoute{Method: "PUT", Path: "/api/v1/scope", Obj: "scope", Act: "manage", PermIn: "*", Targets: once,
			Send: mxJSON(func(x *mx, _ *mxActor, _ *mxObj, n int) any { return mxScopeBody(x, n) }, "PUT")},
		mxRoute{Method: "POST", Path: "/api/v1/scope/announcement", Obj: "scope", Act: "manage", PermIn: "*", Targets: once,
			Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj { x.ensureScope(t); return x.obj(unit, "") },
			Send: mxPost(func(_ *mx, _ *mxActor, _ *mxObj, n int) any {
				return map[string]any{"place": fmt.Sprintf("Châu Thành %d", n)}
			})},
		mxRoute{Method: "POST", Path: "/api/v1/scope/announcement/sign", Obj: "scope", Act: "sign", PermIn: "*", Targets: once,
			Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj {
				x.ensureScope(t)
				apptest.Expect(t, "draft announcement", x.f.As("coordinator").Do("POST", "/api/v1/scope/announcement",
					map[string]any{"place": "Châu Thành"}), http.StatusCreated, nil)
				return x.obj(unit, "")
			},
			Send: mxPost(func(*mx, *mxActor, *mxObj, int) any { return map[string]string{"password": apptest.Password} })},
		mxRoute{Method: "PUT", Path: "/api/v1/conversion-checklist", Obj: "scope", Act: "manage", PermIn: "*", Targets: once,
			Send: mxJSON(func(x *mx, _ *mxActor, _ *mxObj, n int) any {
				return map[string]any{"items": []any{map[string]any{"code": "context", "done": n%2 == 0,
					"note": fmt.Sprintf("Ghi chú %d", n), "version": x.conversionVersion("context")}}}
			}, "PUT")},
	)
	mxForms = append(mxForms,
		mxRoute{Method: "POST", Path: "/ui/scope", Obj: "scope", Act: "manage", PermIn: "*", Targets: once,
			Send: mxPost(func(x *mx, _ *mxActor, _ *mxObj, n int) any {
				b := mxScopeBody(x, n)
				b["exclusions"] = "8.3: Không thiết kế dịch vụ mới"
				return b
			})},
		mxRoute{Method: "POST", Path: "/ui/conversion-checklist/item", Obj: "scope", Act: "manage", PermIn: "*", Targets: once,
			Send: mxPost(func(x *mx, _ *mxActor, _ *mxObj, n int) any {
				return map[string]any{"code": "risks", "done": n%2 == 0, "note": fmt.Sprintf("Ghi chú %d", n),
					"version": x.conversionVersion("risks")}
			})},
	)
}

// mxScopeBody is a scope at the current version, its services changing
// with n (so that each allowed act outdates the announcement, if any).
func mxScopeBody(x *mx, n int) map[string]any {
	services := []string{x.services["tnmt"]}
	if n%2 == 0 {
		services = append(services, x.services["vp"])
	}
	return map[string]any{"version": x.scopeVersion(), "services": services, "units": []string{"vp", "tnmt"},
		"exclusions":      []map[string]string{{"clause": "8.3", "justification": "Không thiết kế dịch vụ mới"}},
		"decision_number": fmt.Sprintf("%d/QĐ-UBND", n), "decision_date": "2026-01-05", "decision_signer": "Chủ tịch UBND",
		"record_unit": "vp"}
}

func (x *mx) scopeVersion() int {
	var v int
	_ = x.env.App.DB.Get(&v, `SELECT coalesce(max(version), 0) FROM qms_scope_versions`)
	return v
}

func (x *mx) conversionVersion(code string) int {
	var v int
	_ = x.env.App.DB.Get(&v, `SELECT coalesce(max(version), 0) FROM conversion_items WHERE code = $1`, code)
	return v
}

// ensureScope sets a scope when there is none, as the coordinator.
func (x *mx) ensureScope(t testing.TB) {
	if x.scopeVersion() > 0 {
		return
	}
	apptest.Expect(t, "scope", x.f.As("coordinator").Do("PUT", "/api/v1/scope", mxScopeBody(x, x.f.Next())), http.StatusOK, nil)
}
