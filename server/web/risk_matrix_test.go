package web_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// The register of risks and opportunities in the route × role × unit
// matrix: heads and the coordinator keep their units' entries (risk
// manage), who may not read an entry gets 404 as for an id that does not
// exist; suggested risks are seen and decided only by who holds risk
// decide in their unit (the coordinator), others get 404.
func init() {
	mxRoutes = append(mxRoutes, riskMxRoutes...)
	mxForms = append(mxForms, riskMxForms...)
}

func mxSeesRisk(x *mx, a *mxActor, o *mxObj) bool { return x.can(a, o.Unit, "risk", "read") }

func mxSeesSuggestion(x *mx, a *mxActor, o *mxObj) bool { return x.can(a, o.Unit, "risk", "decide") }

// mxRisk adds an entry of unit (as the coordinator) on the unit's service.
func (x *mx) risk(t testing.TB, unit string) string {
	var r struct{ ID string }
	apptest.Expect(t, "risk", x.f.As("coordinator").Do("POST", "/api/v1/risks", mxRiskBody(x, unit, 0)), http.StatusCreated, &r)
	return r.ID
}

func mxRiskBody(x *mx, unit string, n int) map[string]any {
	return map[string]any{"unit": unit, "process_kind": "service", "process_code": x.services[unit], "title": fmt.Sprintf("Rủi ro trễ hạn %d", n),
		"likelihood": 1 + n%5, "impact": 3, "residual_likelihood": 1, "residual_impact": 2, "treatment": "reduce", "owner": "coordinator",
		"review_on": x.f.Day(30)}
}

func mxRiskUpdate(n int) map[string]any {
	return map[string]any{"process_kind": "service", "title": fmt.Sprintf("Rủi ro đã sửa %d", n), "likelihood": 2, "impact": 2,
		"residual_likelihood": 1, "residual_impact": 1, "treatment": "accept", "owner": "coordinator", "review_on": time.Now().AddDate(0, 1, 0).Format("2006-01-02"),
		"status": "monitored", "version": 1}
}

var (
	mxLateMu   sync.Mutex
	mxLateDone = map[*mx]map[string]bool{}
)

// suggestion makes a suggested risk of unit: the unit's service returned
// half its dossiers late in each of the last three complete months (the
// monthly figures written once per unit), and a new objective of 90 % on
// time on it (a new objective is a new streak, so each build is a new
// suggestion).
func (x *mx) suggestion(t testing.TB, unit string) *mxObj {
	now := time.Now().In(x.f.Loc)
	first := time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, time.UTC)
	svc := x.services[unit]
	mxLateMu.Lock()
	if mxLateDone[x] == nil {
		mxLateDone[x] = map[string]bool{}
	}
	if !mxLateDone[x][unit] {
		for m := 1; m <= 3; m++ {
			month := first.AddDate(0, -m, 0).Format("2006-01-02")
			for _, outcome := range []string{"late", "on_time"} {
				if _, err := x.env.App.DB.Exec(`INSERT INTO dossier_stats_month (month, unit, service_code, field, channel, outcome, n, days)
					VALUES ($1, $2, $3, 'land', 'online_full', $4, 5, 0)`, month, unit, svc, outcome); err != nil {
					t.Fatal(err)
				}
			}
		}
		mxLateDone[x][unit] = true
	}
	mxLateMu.Unlock()
	var o struct{ ID string }
	apptest.Expect(t, "objective", x.f.As("coordinator").Do("POST", "/api/v1/objectives", map[string]any{"title": fmt.Sprintf("Đúng hạn %d", x.f.Next()),
		"kpi": "on_time_rate", "target": 90, "period_from": first.AddDate(0, -4, 0).Format("2006-01-02"),
		"period_to": first.AddDate(0, 2, 0).Format("2006-01-02"), "unit": unit, "service": svc}), http.StatusCreated, &o)
	return x.obj(unit, o.ID+"."+first.AddDate(0, -3, 0).Format("2006-01"))
}

var riskMxRoutes = []mxRoute{
	{Method: "POST", Path: "/api/v1/risks", Obj: "risk", Act: "manage", Targets: perUnit,
		Send: mxPost(func(x *mx, _ *mxActor, o *mxObj, n int) any { return mxRiskBody(x, o.Unit, n) })},
	{Method: "PUT", Path: "/api/v1/risks/{id}", Obj: "risk", Act: "manage", Targets: perUnit, Sees: mxSeesRisk, Hide: true,
		Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj { return x.obj(unit, x.risk(t, unit)) },
		Send: mxJSON(func(x *mx, _ *mxActor, o *mxObj, n int) any {
			b := mxRiskUpdate(n)
			b["process_code"] = x.services[o.Unit]
			return b
		}, "PUT")},
	{Method: "POST", Path: "/api/v1/risks/{id}/links", Obj: "risk", Act: "manage", Targets: perUnit, Sees: mxSeesRisk, Hide: true,
		Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj {
			o := x.obj(unit, x.risk(t, unit))
			o.Extra["nc"] = x.f.NC(t, unit)
			return o
		},
		Send: mxPost(func(_ *mx, _ *mxActor, o *mxObj, _ int) any {
			return map[string]string{"kind": "nc", "target_id": o.Extra["nc"]}
		})},
	{Method: "POST", Path: "/api/v1/risk-suggestions/{id}/accept", Obj: "risk", Act: "decide", Targets: perUnit, Sees: mxSeesSuggestion, Hide: true,
		Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj { return x.suggestion(t, unit) },
		Send:  mxPost(func(*mx, *mxActor, *mxObj, int) any { return map[string]string{"cause": "Thiếu cán bộ"} })},
	{Method: "POST", Path: "/api/v1/risk-suggestions/{id}/dismiss", Obj: "risk", Act: "decide", Targets: perUnit, Sees: mxSeesSuggestion, Hide: true,
		Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj { return x.suggestion(t, unit) },
		Send:  mxPost(func(*mx, *mxActor, *mxObj, int) any { return map[string]string{"reason": "Đã có kế hoạch"} })},
}

var riskMxForms = []mxRoute{
	{Method: "POST", Path: "/ui/risks/{id}/edit", Obj: "risk", Act: "manage", Targets: perUnit, Sees: mxSeesRisk, Hide: true,
		Build: func(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj { return x.obj(unit, x.risk(t, unit)) },
		Send: mxPost(func(x *mx, _ *mxActor, o *mxObj, n int) any {
			b := mxRiskUpdate(n)
			b["process_code"] = x.services[o.Unit]
			return b
		})},
}
