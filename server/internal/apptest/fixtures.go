package apptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fixtures builds real objects through the API, each step as a demo user
// who may take it, so a test starts from the state a route needs (a
// revision in review, an action reported done, a record, an audit in its
// window, a directive reported back...) without reaching around the
// application. Every builder fails the test when a step is not answered
// as it should be. Clients are signed in once per login and reused.
type Fixtures struct {
	Env *Env
	Loc *time.Location // the office's time zone (Asia/Ho_Chi_Minh)

	mu      sync.Mutex
	clients map[string]*Client
	n       int
}

// Fixtures returns a builder of objects on the running application.
func (e *Env) Fixtures() *Fixtures {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		loc = time.FixedZone("ICT", 7*3600)
	}
	return &Fixtures{Env: e, Loc: loc, clients: map[string]*Client{}}
}

// As returns a client signed in as login, signing in the first time only.
func (f *Fixtures) As(login string) *Client {
	f.mu.Lock()
	c := f.clients[login]
	f.mu.Unlock()
	if c != nil {
		return c
	}
	c = f.Env.As(login)
	f.mu.Lock()
	f.clients[login] = c
	f.mu.Unlock()
	return c
}

// Next returns a number not returned before, for unique codes and numbers.
func (f *Fixtures) Next() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	return f.n
}

// Today is the office's date, yyyy-mm-dd.
func (f *Fixtures) Today() string { return time.Now().In(f.Loc).Format("2006-01-02") }

// Day is the office's date n days from today, yyyy-mm-dd.
func (f *Fixtures) Day(n int) string {
	return time.Now().In(f.Loc).AddDate(0, 0, n).Format("2006-01-02")
}

// Expect fails t unless r has status want, and decodes the body into out
// when out is not nil. It returns r.
func Expect(t testing.TB, what string, r *Response, want int, out any) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: %d, want %d: %.400s", what, r.Status, want, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			t.Fatalf("%s: decode %.200q: %v", what, r.Body, err)
		}
	}
	return r
}

type idOnly struct {
	ID string `json:"id"`
}

// PDF is a small file the object store accepts as a PDF.
var PDF = []byte("%PDF-1.4\n% qmstrack fixture\n%%EOF\n")

// --- administration

// User creates a user (as admin) with the given roles ("role@unit", unit
// "*" for every unit) and returns its id and login.
func (f *Fixtures) User(t testing.TB, roles ...string) (id, login string) {
	t.Helper()
	admin := f.As("admin")
	login = fmt.Sprintf("fx.user%d", f.Next())
	var u idOnly
	Expect(t, "create user", admin.Do("POST", "/api/v1/users", map[string]string{"login": login, "name": "Người thử " + login, "password": Password}), http.StatusCreated, &u)
	for _, r := range roles {
		role, unit, _ := strings.Cut(r, "@")
		Expect(t, "assign "+r, admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": login, "role": role, "unit": unit}), http.StatusCreated, nil)
	}
	return u.ID, login
}

// Token creates an API token of login and returns its id.
func (f *Fixtures) Token(t testing.TB, login string) string {
	t.Helper()
	var tok idOnly
	Expect(t, "create token", f.As(login).Do("POST", "/api/v1/tokens", map[string]string{"name": fmt.Sprintf("fixture %d", f.Next())}), http.StatusCreated, &tok)
	return tok.ID
}

// Notification gives login an unread in-app notification and returns its
// id. No API creates one on demand (capabilities notify as a side effect
// of their acts), so it is written as the notification store writes it.
func (f *Fixtures) Notification(t testing.TB, login string) string {
	t.Helper()
	var id string
	err := f.Env.App.DB.Get(&id, `INSERT INTO notifications (user_id, kind, subject, link)
		SELECT id, 'fixture', 'Thông báo thử', '/' FROM users WHERE login = $1 RETURNING id`, login)
	if err != nil {
		t.Fatalf("notification for %s: %v", login, err)
	}
	return id
}

// --- documents

// Document registers a draft document of unit by login and returns its id.
func (f *Fixtures) Document(t testing.TB, by, unit string) string {
	t.Helper()
	var d idOnly
	Expect(t, "register document", f.As(by).Do("POST", "/api/v1/documents", map[string]any{"code": fmt.Sprintf("FX-%d", f.Next()),
		"title": "Quy trình thử", "type": "procedure", "unit": unit, "clauses": []string{"8.2"}}), http.StatusCreated, &d)
	return d.ID
}

// Revision starts the next revision of a document, with a main file, as by.
func (f *Fixtures) Revision(t testing.TB, by, docID string) string {
	t.Helper()
	return f.RevisionWith(t, by, docID, File{Name: "quy-trinh.txt", Content: []byte("Nội dung quy trình thử")})
}

// RevisionWith starts the next revision of a document with main as its
// main file, as by.
func (f *Fixtures) RevisionWith(t testing.TB, by, docID string, main File) string {
	t.Helper()
	var r idOnly
	main.Field = "file"
	Expect(t, "start revision", f.As(by).Multipart("/api/v1/documents/"+docID+"/revisions", map[string]string{"change": "Ban hành lần đầu"},
		main), http.StatusCreated, &r)
	return r.ID
}

// Submit sends a draft revision to review by the reviewers (logins), as by.
func (f *Fixtures) Submit(t testing.TB, by, revID string, reviewers ...string) {
	t.Helper()
	Expect(t, "submit", f.As(by).Do("POST", "/api/v1/revisions/"+revID+"/submit", map[string]any{"reviewers": reviewers}), http.StatusOK, nil)
}

// Review signs a reviewer's approval.
func (f *Fixtures) Review(t testing.TB, by, revID string) {
	t.Helper()
	Expect(t, "review", f.As(by).Do("POST", "/api/v1/revisions/"+revID+"/review", map[string]any{"decision": "approve", "password": Password}), http.StatusOK, nil)
}

// Approve signs the approval of a revision every reviewer approved.
func (f *Fixtures) Approve(t testing.TB, by, revID string) {
	t.Helper()
	Expect(t, "approve", f.As(by).Do("POST", "/api/v1/revisions/"+revID+"/approve", map[string]any{"password": Password}), http.StatusOK, nil)
}

// Publish makes an approved revision effective now (as the coordinator).
func (f *Fixtures) Publish(t testing.TB, revID string) {
	t.Helper()
	Expect(t, "publish", f.As("coordinator").Do("POST", "/api/v1/revisions/"+revID+"/publish", map[string]any{"password": Password}), http.StatusOK, nil)
}

// EffectiveDocument registers a document of unit and takes its first
// revision to effective: drafted by author.<unit>, reviewed by
// head.<unit>, approved by the chairman, published by the coordinator.
// Everyone holding a role in the unit must acknowledge it.
func (f *Fixtures) EffectiveDocument(t testing.TB, unit string) (docID, revID string) {
	t.Helper()
	return f.EffectiveDocumentWith(t, unit, File{Name: "quy-trinh.txt", Content: []byte("Nội dung quy trình thử")})
}

// EffectiveDocumentWith is EffectiveDocument with main as the main file.
func (f *Fixtures) EffectiveDocumentWith(t testing.TB, unit string, main File) (docID, revID string) {
	t.Helper()
	author := "author." + unit
	docID = f.Document(t, author, unit)
	revID = f.RevisionWith(t, author, docID, main)
	f.Submit(t, author, revID, "head."+unit)
	f.Review(t, "head."+unit, revID)
	f.Approve(t, "chairman", revID)
	f.Publish(t, revID)
	return docID, revID
}

// --- nonconformities

// NC reports an open nonconformity of unit, as the coordinator.
func (f *Fixtures) NC(t testing.TB, unit string) string {
	t.Helper()
	var nc idOnly
	Expect(t, "report NC", f.As("coordinator").Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": unit,
		"title": fmt.Sprintf("Điểm không phù hợp thử %d", f.Next())}), http.StatusCreated, &nc)
	return nc.ID
}

// Cause records a root cause (the NC becomes analysed), as the coordinator.
func (f *Fixtures) Cause(t testing.TB, ncID string) {
	t.Helper()
	Expect(t, "cause", f.As("coordinator").Do("POST", "/api/v1/ncs/"+ncID+"/cause", map[string]any{"whys": []string{"Không theo dõi hạn"},
		"categories": []string{"method"}, "summary": "Thiếu bước theo dõi"}), http.StatusOK, nil)
}

// Action plans a corrective action of unit owned by owner (a login), due
// and verifiable today, with an optional designated verifier (a login),
// as the coordinator; it returns the action's id.
func (f *Fixtures) Action(t testing.TB, ncID, unit, owner, verifier string) string {
	t.Helper()
	var out struct {
		Action idOnly `json:"action"`
	}
	Expect(t, "plan action", f.As("coordinator").Do("POST", "/api/v1/ncs/"+ncID+"/actions", map[string]string{"unit": unit, "owner": owner,
		"verifier": verifier, "description": "Lập sổ theo dõi hạn", "due": f.Today(), "verify_after": f.Today()}), http.StatusCreated, &out)
	return out.Action.ID
}

// ActionIn builds an NC of ncUnit with one action of unit owned by owner
// (and the designated verifier, when not empty) and takes the action to
// status: open, in_progress, done (with an evidence file), signed_off (by
// head.<unit>) or verified_effective (by the coordinator, which closes the
// NC). It returns the NC's and the action's ids.
func (f *Fixtures) ActionIn(t testing.TB, ncUnit, unit, owner, verifier, status string) (ncID, actionID string) {
	t.Helper()
	ncID = f.NC(t, ncUnit)
	f.Cause(t, ncID)
	actionID = f.Action(t, ncID, unit, owner, verifier)
	if status == "open" {
		return ncID, actionID
	}
	for _, st := range []string{"in_progress", "done", "signed_off", "verified_effective"} {
		switch st {
		case "in_progress":
			Expect(t, "start", f.As(owner).Do("POST", "/api/v1/actions/"+actionID+"/start", nil), http.StatusOK, nil)
		case "done":
			Expect(t, "done", f.As(owner).Multipart("/api/v1/actions/"+actionID+"/done", map[string]string{"report": "Đã lập sổ"},
				File{Field: "file", Name: "so-theo-doi.pdf", Content: PDF}), http.StatusOK, nil)
		case "signed_off":
			Expect(t, "sign off", f.As("head."+unit).Do("POST", "/api/v1/actions/"+actionID+"/signoff", map[string]string{"password": Password}), http.StatusOK, nil)
		case "verified_effective":
			Expect(t, "verify", f.As("coordinator").Do("POST", "/api/v1/actions/"+actionID+"/verify", map[string]any{"effective": true,
				"comment": "Không còn trễ", "password": Password}), http.StatusOK, nil)
		}
		if st == status {
			return ncID, actionID
		}
	}
	t.Fatalf("ActionIn: unknown status %q", status)
	return "", ""
}

// --- records

// Record files a record of unit as by: a filled form dated date
// (yyyy-mm-dd). A date whose retention period has ended gives a record
// stored unlocked and due for disposition at once.
func (f *Fixtures) Record(t testing.TB, by, unit, date string) string {
	t.Helper()
	var r idOnly
	Expect(t, "file record", f.As(by).Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": unit,
		"title": fmt.Sprintf("Hồ sơ thử %d", f.Next()), "date": date}, File{Field: "file", Name: "bieu-mau.pdf", Content: PDF}), http.StatusCreated, &r)
	return r.ID
}

// --- internal audits

// Audit plans an audit of unit (as the coordinator) led by lead (a login),
// in its window from today for a week; it returns the audit's id and the
// id of its first checklist item.
func (f *Fixtures) Audit(t testing.TB, unit, lead string) (auditID, itemID string) {
	t.Helper()
	var a struct {
		ID    string   `json:"id"`
		Items []idOnly `json:"items"`
	}
	Expect(t, "plan audit", f.As("coordinator").Do("POST", "/api/v1/audits", map[string]any{"title": fmt.Sprintf("Đánh giá nội bộ thử %d", f.Next()),
		"units": []string{unit}, "planned_start": f.Today(), "planned_end": f.Day(7), "lead_auditor": lead}), http.StatusCreated, &a)
	if len(a.Items) == 0 {
		Expect(t, "get audit", f.As("coordinator").Do("GET", "/api/v1/audits/"+a.ID, nil), http.StatusOK, &a)
	}
	if len(a.Items) == 0 {
		t.Fatalf("audit %s has no checklist", a.ID)
	}
	return a.ID, a.Items[0].ID
}

// Finding records an observation on an item of an audit of unit, as by.
func (f *Fixtures) Finding(t testing.TB, by, auditID, itemID, unit string) {
	t.Helper()
	Expect(t, "finding", f.As(by).Do("POST", "/api/v1/audits/"+auditID+"/findings", map[string]any{"item_id": itemID, "unit": unit,
		"kind": "observation", "description": "Sổ theo dõi chưa cập nhật"}), http.StatusCreated, nil)
}

// --- process performance

// Service creates an administrative service of unit with a statutory time
// of days working days, as the coordinator, and returns its code.
func (f *Fixtures) Service(t testing.TB, unit string, days int) string {
	t.Helper()
	code := fmt.Sprintf("FX-S%d", f.Next())
	Expect(t, "create service", f.As("coordinator").Do("POST", "/api/v1/services", map[string]any{"code": code, "name_vi": "Thủ tục thử " + code,
		"field": "land", "unit": unit, "days": days}), http.StatusCreated, nil)
	return code
}

// Dossier records a dossier of service received at receivedAt, as by, and
// returns its number.
func (f *Fixtures) Dossier(t testing.TB, by, service string, receivedAt time.Time) string {
	t.Helper()
	number := fmt.Sprintf("FX-D%d", f.Next())
	Expect(t, "record dossier", f.As(by).Do("POST", "/api/v1/dossiers", map[string]any{"number": number, "service": service, "channel": "online",
		"received_at": receivedAt.Format(time.RFC3339)}), http.StatusCreated, nil)
	return number
}

// DossierReturned pushes the return of a dossier (granted) at at, as by.
func (f *Fixtures) DossierReturned(t testing.TB, by, number string, at time.Time) {
	t.Helper()
	Expect(t, "return dossier", f.As(by).Do("POST", "/api/v1/dossiers/"+number+"/events", map[string]any{"event_id": fmt.Sprintf("fx-%d", f.Next()),
		"type": "returned", "result": "granted", "at": at.Format(time.RFC3339)}), http.StatusCreated, nil)
}

// --- leadership

// Meeting records a meeting held today, as by, and returns its id.
func (f *Fixtures) Meeting(t testing.TB, by string) string {
	t.Helper()
	var m idOnly
	Expect(t, "record meeting", f.As(by).Do("POST", "/api/v1/meetings", map[string]any{"held_on": f.Today(), "title": fmt.Sprintf("Họp giao ban %d", f.Next()),
		"chair": "Chủ tịch UBND"}), http.StatusCreated, &m)
	return m.ID
}

// Directive assigns a directive of a meeting to unit, due in two weeks,
// as by, and returns its id.
func (f *Fixtures) Directive(t testing.TB, by, meetingID, unit string) string {
	t.Helper()
	var d idOnly
	Expect(t, "assign directive", f.As(by).Do("POST", "/api/v1/meetings/"+meetingID+"/directives", map[string]any{"unit": unit,
		"title": fmt.Sprintf("Rà soát hồ sơ trễ hạn %d", f.Next()), "due_on": f.Day(14)}), http.StatusCreated, &d)
	return d.ID
}

// ReportDirective reports back on a directive with an evidence file, as by.
func (f *Fixtures) ReportDirective(t testing.TB, by, directiveID string) {
	t.Helper()
	Expect(t, "report directive", f.As(by).Multipart("/api/v1/directives/"+directiveID+"/report", map[string]string{"text": "Đã rà soát"},
		File{Field: "files", Name: "ra-soat.pdf", Content: PDF}), http.StatusOK, nil)
}
