package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// scopeBody is a valid scope of the demo office at version.
func scopeBody(version int, services ...string) map[string]any {
	return map[string]any{"version": version, "services": services, "units": []string{"vp", "tnmt", "noivu"},
		"exclusions":      []map[string]string{{"clause": "8.3", "justification": "Cơ quan không thiết kế, phát triển dịch vụ mới"}},
		"decision_number": "123/QĐ-UBND", "decision_date": "2026-01-05", "decision_signer": "Chủ tịch UBND huyện", "record_unit": "vp"}
}

type scopeAnnState struct {
	Draft     *struct{ ID, State string }
	Effective *struct {
		ID, State   string
		SignerName  string `json:"signer_name"`
		RecordID    string `json:"record_id"`
		SignatureID string `json:"signature_id"`
		PDF         struct{ SHA256 string }
	}
	Outdated *struct {
		ID      string
		Added   []string `json:"services_added"`
		Removed []string `json:"services_removed"`
	}
}

func scopeState(t *testing.T, c *apptest.Client) scopeAnnState {
	t.Helper()
	var st scopeAnnState
	c.Do("GET", "/api/v1/scope/announcement", nil).MustStatus(http.StatusOK).Decode(&st)
	return st
}

func errorMsg(t *testing.T, r *apptest.Response) string {
	t.Helper()
	var b struct {
		Error struct {
			Message string
			Fields  map[string]string
		}
	}
	r.Decode(&b)
	out := b.Error.Message
	for k, v := range b.Error.Fields {
		out += " " + k + "=" + v
	}
	return out
}

// TestScopeValidation: a scope names services, units and clauses that
// exist; each unknown one is refused with its message, nothing is
// written; two people editing from the same version: the second is
// refused.
func TestScopeValidation(t *testing.T) {
	env, co := procSetup(t)
	co.Do("GET", "/api/v1/scope", nil).MustStatus(http.StatusOK)
	cases := []struct {
		name string
		edit func(b map[string]any)
		want string
	}{
		{"unknown service", func(b map[string]any) { b["services"] = []string{"DD-01", "NOPE-9"} }, "NOPE-9"},
		{"unknown unit", func(b map[string]any) { b["units"] = []string{"vp", "nowhere"} }, "nowhere"},
		{"unknown clause", func(b map[string]any) {
			b["exclusions"] = []map[string]string{{"clause": "8.9.9", "justification": "x"}}
		}, "8.9.9 is not a clause"},
		{"no justification", func(b map[string]any) {
			b["exclusions"] = []map[string]string{{"clause": "8.3", "justification": ""}}
		}, "8.3"},
		{"no services", func(b map[string]any) { b["services"] = []string{} }, "services"},
		{"record unit outside", func(b map[string]any) { b["record_unit"] = "motcua" }, "record_unit"},
		{"no decision", func(b map[string]any) { b["decision_number"] = "" }, "decision_number"},
	}
	for _, tc := range cases {
		b := scopeBody(0, "DD-01")
		tc.edit(b)
		r := co.Do("PUT", "/api/v1/scope", b)
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" || !strings.Contains(errorMsg(t, r), tc.want) {
			t.Errorf("%s: %s", tc.name, r)
		}
	}
	// A refusal in Vietnamese names the procedure too.
	b := scopeBody(0, "NOPE-9")
	if r := env.As("coordinator").Do("PUT", "/api/v1/scope", b); !strings.Contains(string(r.Body), "NOPE-9") {
		t.Errorf("vi refusal %s", r)
	}
	var sc struct{ Version int }
	co.Do("GET", "/api/v1/scope", nil).MustStatus(200).Decode(&sc)
	if sc.Version != 0 {
		t.Fatalf("a refused scope was written: version %d", sc.Version)
	}
	// Only the coordinator changes it.
	for _, who := range []string{"chairman", "head.tnmt", "staff.vp", "auditor"} {
		if r := env.As(who).Do("PUT", "/api/v1/scope", scopeBody(0, "DD-01")); r.Status != http.StatusForbidden {
			t.Errorf("%s changes the scope: %s", who, r)
		}
	}
	co.Do("PUT", "/api/v1/scope", scopeBody(0, "DD-01")).MustStatus(http.StatusOK).Decode(&sc)
	if sc.Version != 1 {
		t.Fatalf("version %d", sc.Version)
	}
	// Edited from version 0 again: someone else's change is not overwritten.
	r := co.Do("PUT", "/api/v1/scope", scopeBody(0, "HT-01"))
	if r.Status != http.StatusConflict || !strings.Contains(errorMsg(t, r), "version 1") {
		t.Fatalf("stale edit: %s", r)
	}
	var got struct{ Services []string }
	co.Do("GET", "/api/v1/scope", nil).MustStatus(200).Decode(&got)
	if len(got.Services) != 1 || got.Services[0] != "DD-01" {
		t.Fatalf("services %v", got.Services)
	}
}

// TestAnnouncementLifecycle: the coordinator drafts the announcement, only
// the head of the agency signs it (with the password), the signed PDF
// holds the Vietnamese header and the procedures, is filed as a record
// and published; a change of the scope's services outdates it, raises the
// task to announce again on the coordinator's and the chairman's home
// page, and takes it off the public page.
func TestAnnouncementLifecycle(t *testing.T) {
	env, co := procSetup(t)
	chair := env.As("chairman")
	co.Do("PUT", "/api/v1/scope", scopeBody(0, "DD-01")).MustStatus(http.StatusOK)
	co.Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}).MustStatus(http.StatusCreated)
	env.As("head.tnmt").Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "X"}).MustStatus(http.StatusForbidden)

	// A draft is not public.
	if pg := env.Anon().Do("GET", "/public/announcement", nil).MustStatus(200); strings.Contains(string(pg.Body), "pub-announcement") {
		t.Fatal("the draft is on the public page")
	}
	env.Anon().Do("GET", "/public/announcement.pdf", nil).MustStatus(http.StatusNotFound)
	if !hasTask(t, chair, "announcement-sign") {
		t.Error("the chairman has no task to sign the draft")
	}

	// Only the head of the agency signs: not the coordinator, not a unit head.
	for _, who := range []string{"coordinator", "head.tnmt", "head.vp"} {
		r := env.As(who).Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password})
		if r.Status != http.StatusForbidden || !strings.Contains(errorMsg(t, r), "head of the agency") {
			t.Errorf("%s signs: %s", who, r)
		}
	}
	chair.Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": "wrong-password"}).MustStatus(http.StatusForbidden)
	if st := scopeState(t, co); st.Effective != nil || st.Draft == nil {
		t.Fatalf("a refused signature changed the state: %+v", st)
	}
	chair.Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password}).MustStatus(http.StatusOK)
	st := scopeState(t, co)
	if st.Effective == nil || st.Draft != nil || st.Effective.SignerName == "" || st.Effective.RecordID == "" || st.Effective.SignatureID == "" {
		t.Fatalf("after signing: %+v", st)
	}
	var sig struct{ N int }
	if err := env.App.DB.Get(&sig.N, `SELECT count(*) FROM signatures WHERE object_type = 'announcement' AND object_id = $1 AND $2 = ANY(sha256s)`,
		st.Effective.ID, st.Effective.PDF.SHA256); err != nil || sig.N != 1 {
		t.Fatalf("signature of the PDF's SHA-256: %d %v", sig.N, err)
	}
	var recType string
	if err := env.App.DB.Get(&recType, `SELECT type_code FROM records WHERE id = $1`, st.Effective.RecordID); err != nil || recType != "qms-announcement" {
		t.Fatalf("record %q %v", recType, err)
	}
	chair.Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password}).MustStatus(http.StatusConflict)

	// The public PDF and page.
	pdf := env.Anon().Do("GET", "/public/announcement.pdf", nil).MustStatus(http.StatusOK)
	text := strings.Join(strings.Fields(pdfText(t, pdf.Body)), " ")
	for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "CÔNG BỐ",
		"TCVN ISO 9001:2015", "Đăng ký biến động đất đai", "Châu Thành", "123/QĐ-UBND", "8.3", "THỦ TRƯỞNG CƠ QUAN", "Chủ tịch UBND"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "DỰ THẢO") {
		t.Error("the signed PDF says draft")
	}
	page := string(env.Anon().Do("GET", "/public/announcement", nil).MustStatus(200).Body)
	if !strings.Contains(page, "pub-announcement") || !strings.Contains(page, "Đăng ký biến động đất đai") {
		t.Fatalf("public page:\n%s", page)
	}
	if !strings.Contains(string(env.Anon().Do("GET", "/public", nil).MustStatus(200).Body), `href="/public/announcement"`) {
		t.Error("the public index does not link the announcement")
	}
	if hasTask(t, co, "announcement-reannounce") {
		t.Error("a re-announce task before any change")
	}

	// A change that keeps the services does not outdate it.
	b := scopeBody(1, "DD-01")
	b["units"] = []string{"vp", "tnmt"}
	co.Do("PUT", "/api/v1/scope", b).MustStatus(http.StatusOK)
	if st := scopeState(t, co); st.Effective == nil {
		t.Fatal("a change of units outdated the announcement")
	}
	// A service added outdates it.
	co.Do("PUT", "/api/v1/scope", scopeBody(2, "DD-01", "HT-01")).MustStatus(http.StatusOK)
	st = scopeState(t, co)
	if st.Effective != nil || st.Outdated == nil || len(st.Outdated.Added) != 1 || st.Outdated.Added[0] != "HT-01" {
		t.Fatalf("after adding a service: %+v", st)
	}
	for _, c := range []*apptest.Client{co, chair} {
		if !hasTask(t, c, "announcement-reannounce") {
			t.Error("no re-announce task")
		}
	}
	if hasTask(t, env.As("head.tnmt"), "announcement-reannounce") {
		t.Error("a unit head has the re-announce task")
	}
	if pg := env.Anon().Do("GET", "/public/announcement", nil).MustStatus(200); strings.Contains(string(pg.Body), "pub-announcement") {
		t.Fatal("the outdated announcement is still on the public page")
	}
	env.Anon().Do("GET", "/public/announcement.pdf", nil).MustStatus(http.StatusNotFound)

	// A draft of an older scope version cannot be signed.
	co.Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}).MustStatus(http.StatusCreated)
	co.Do("PUT", "/api/v1/scope", scopeBody(3, "DD-01", "HT-01")).MustStatus(http.StatusOK)
	r := chair.Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password})
	if r.Status != http.StatusConflict || !strings.Contains(errorMsg(t, r), "draft the announcement again") {
		t.Fatalf("stale draft signed: %s", r)
	}
	// Re-issued: it is public again, with both procedures, and the task is gone.
	co.Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}).MustStatus(http.StatusCreated)
	chair.Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password}).MustStatus(http.StatusOK)
	page = string(env.Anon().Do("GET", "/public/announcement", nil).MustStatus(200).Body)
	if !strings.Contains(page, "Đăng ký khai sinh") {
		t.Fatalf("re-issued announcement lacks the new service:\n%s", page)
	}
	if hasTask(t, co, "announcement-reannounce") {
		t.Error("the re-announce task outlived the new announcement")
	}
	var states []string
	if err := env.App.DB.Select(&states, `SELECT state FROM qms_announcements ORDER BY created_at`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(states, ",") != "outdated,discarded,effective" {
		t.Fatalf("states %v", states)
	}
	// A service removed outdates it too.
	co.Do("PUT", "/api/v1/scope", scopeBody(4, "HT-01")).MustStatus(http.StatusOK)
	st = scopeState(t, co)
	if st.Effective != nil || st.Outdated == nil || len(st.Outdated.Removed) != 1 || st.Outdated.Removed[0] != "DD-01" || len(st.Outdated.Added) != 0 {
		t.Fatalf("after removing a service: %+v", st)
	}
}

func hasTask(t *testing.T, c *apptest.Client, kind string) bool {
	t.Helper()
	var ts struct{ Items []struct{ Kind string } }
	c.Do("GET", "/api/v1/tasks", nil).MustStatus(http.StatusOK).Decode(&ts)
	for _, x := range ts.Items {
		if x.Kind == kind {
			return true
		}
	}
	return false
}

// TestConversionChecklist: the default list comes from the data file;
// an item is ticked with evidence that exists; unknown items and evidence
// are refused; a stale version refuses the whole change.
func TestConversionChecklist(t *testing.T) {
	env, co := procSetup(t)
	f := env.Fixtures()
	docID := f.Document(t, "coordinator", "vp")
	var doc struct{ Code string }
	if err := env.App.DB.Get(&doc.Code, `SELECT code FROM documents WHERE id = $1`, docID); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			Code     string
			Done     bool
			Version  int
			Evidence []struct{ Kind, ID, Label string }
		}
	}
	co.Do("GET", "/api/v1/conversion-checklist", nil).MustStatus(200).Decode(&list)
	if len(list.Items) < 10 || list.Items[0].Code != "context" {
		t.Fatalf("checklist %+v", list)
	}
	for _, tc := range []struct {
		name string
		item map[string]any
		want string
	}{
		{"unknown item", map[string]any{"code": "nope", "done": true}, "nope"},
		{"unknown document", map[string]any{"code": "risks", "done": true, "evidence": []map[string]string{{"kind": "document", "id": "QT-NOPE"}}}, "QT-NOPE"},
		{"unknown record", map[string]any{"code": "risks", "done": true, "evidence": []map[string]string{{"kind": "record", "id": "0b0e1c2a-3f4d-4e5f-8a6b-7c8d9e0f1a2b"}}}, "no record"},
		{"bad kind", map[string]any{"code": "risks", "done": true, "evidence": []map[string]string{{"kind": "nc", "id": "x"}}}, "evidence"},
	} {
		r := co.Do("PUT", "/api/v1/conversion-checklist", map[string]any{"items": []any{tc.item}})
		if r.Status != http.StatusBadRequest || !strings.Contains(errorMsg(t, r), tc.want) {
			t.Errorf("%s: %s", tc.name, r)
		}
	}
	env.As("head.tnmt").Do("PUT", "/api/v1/conversion-checklist", map[string]any{"items": []any{map[string]any{"code": "risks", "done": true}}}).
		MustStatus(http.StatusForbidden)
	co.Do("PUT", "/api/v1/conversion-checklist", map[string]any{"items": []any{
		map[string]any{"code": "risks", "done": true, "note": "Sổ đăng ký rủi ro", "evidence": []map[string]string{{"kind": "document", "id": doc.Code}}},
	}}).MustStatus(200)
	co.Do("GET", "/api/v1/conversion-checklist", nil).MustStatus(200).Decode(&list)
	var risks = list.Items[6]
	if risks.Code != "risks" || !risks.Done || risks.Version != 1 || len(risks.Evidence) != 1 || !strings.Contains(risks.Evidence[0].Label, doc.Code) {
		t.Fatalf("risks %+v", risks)
	}
	// Read at version 0 again: refused, and the other item is not written either.
	r := co.Do("PUT", "/api/v1/conversion-checklist", map[string]any{"items": []any{
		map[string]any{"code": "context", "done": true, "version": 0},
		map[string]any{"code": "risks", "done": false, "version": 0},
	}})
	if r.Status != http.StatusConflict || !strings.Contains(errorMsg(t, r), "risks") {
		t.Fatalf("stale: %s", r)
	}
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM conversion_items`); err != nil || n != 1 {
		t.Fatalf("a refused change wrote %d rows (%v)", n, err)
	}
	if pg := string(co.Do("GET", "/conversion", nil).MustStatus(200).Body); !strings.Contains(pg, "Hành động giải quyết rủi ro và cơ hội") {
		t.Fatalf("conversion page")
	}
}

// TestScopeFormsAndPublicAPI: the scope form refuses an unknown clause on
// its page, in Vietnamese, with nothing written; the public API has no
// announcement before one is signed; the checklist's data file names
// clauses of the clause list.
func TestScopeFormsAndPublicAPI(t *testing.T) {
	env, co := procSetup(t)
	r := co.AsForm().Do("POST", "/ui/scope", map[string]any{"version": 0, "services": []string{"DD-01"}, "units": []string{"vp"},
		"exclusions": "9.9.9: không áp dụng", "decision_number": "1/QĐ-UBND", "decision_date": "05/01/2026",
		"decision_signer": "Chủ tịch", "record_unit": "vp"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "9.9.9 không phải là điều khoản của tiêu chuẩn") {
		t.Fatalf("form refusal: %d %s", r.Status, around(string(r.Body), "9.9.9"))
	}
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM qms_scope_versions`); err != nil || n != 0 {
		t.Fatalf("a refused form wrote %d versions (%v)", n, err)
	}
	r = co.AsForm().Do("POST", "/ui/scope", map[string]any{"version": 0, "services": []string{"DD-01"}, "units": []string{"vp"},
		"exclusions": "8.3: Không thiết kế", "decision_number": "1/QĐ-UBND", "decision_date": "05/01/2026",
		"decision_signer": "Chủ tịch", "record_unit": "vp"})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("form: %s", r)
	}
	var sc struct {
		Version    int
		Exclusions []struct{ Clause, Justification string }
	}
	co.Do("GET", "/api/v1/scope", nil).MustStatus(200).Decode(&sc)
	if sc.Version != 1 || len(sc.Exclusions) != 1 || sc.Exclusions[0].Clause != "8.3" || sc.Exclusions[0].Justification != "Không thiết kế" {
		t.Fatalf("scope from the form %+v", sc)
	}
	env.Anon().Do("GET", "/api/v1/public/announcement", nil).MustStatus(http.StatusNotFound)
	co.Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành", "date": "2099-01-01"}).MustStatus(http.StatusBadRequest)
	env.Anon().Do("GET", "/api/v1/scope/announcement", nil).MustStatus(http.StatusUnauthorized)

	var clauses []string
	var list struct{ Items []struct{ Clauses []string } }
	co.Do("GET", "/api/v1/conversion-checklist", nil).MustStatus(200).Decode(&list)
	for _, it := range list.Items {
		clauses = append(clauses, it.Clauses...)
	}
	var unknown []string
	if err := env.App.DB.Select(&unknown, `SELECT c FROM unnest($1::text[]) c WHERE c NOT IN (SELECT clause FROM audit_clauses)`, "{"+strings.Join(clauses, ",")+"}"); err != nil {
		t.Fatal(err)
	}
	if len(clauses) < 10 || len(unknown) > 0 {
		t.Fatalf("the checklist's clauses %v, not in the clause list: %v", clauses, unknown)
	}
}
