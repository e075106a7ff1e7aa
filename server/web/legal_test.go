package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

type legalTask struct {
	ID             string `json:"id"`
	DocumentID     string `json:"document_id"`
	Unit           string `json:"unit"`
	DueOn          string `json:"due_on"`
	ClosedReason   string `json:"closed_reason"`
	ClosedRevision string `json:"closed_revision"`
	Overdue        bool   `json:"overdue"`
}

type legalBasis struct {
	ID           string `json:"id"`
	Number       string `json:"number"`
	Status       string `json:"status"`
	SupersededBy string `json:"superseded_by"`
	Version      int    `json:"version"`
	Supersedes   []struct{ ID string }
	Documents    []struct{ ID string }
	Services     []struct{ Code string }
	Tasks        []legalTask `json:"tasks"`
}

func legalBody(number, effective string, docs []string, services ...string) map[string]any {
	return map[string]any{"number": number, "title": "Nghị định sửa đổi thủ tục đất đai", "kind": "decree", "issuer": "Chính phủ",
		"issued_on": "2026-07-01", "effective_on": effective, "documents": docs, "services": services}
}

func tasksOf(t *testing.T, c *apptest.Client, query string) []legalTask {
	t.Helper()
	var out struct{ Items []legalTask }
	c.Do("GET", "/api/v1/revision-tasks?"+query, nil).MustStatus(http.StatusOK).Decode(&out)
	return out.Items
}

// publishRevision issues and publishes a new revision of a document of unit.
func publishRevision(t *testing.T, f *apptest.Fixtures, unit, docID string) string {
	t.Helper()
	rev := f.Revision(t, "author."+unit, docID)
	f.Submit(t, "author."+unit, rev, "head."+unit)
	f.Review(t, "head."+unit, rev)
	f.Approve(t, "chairman", rev)
	f.Publish(t, rev)
	return rev
}

// A legal change opens one task per linked procedure, in the document's
// unit, due three calendar months after the effective date (30/11 → 28/02);
// publishing a new revision of an unrelated document leaves it open, and
// publishing one of the procedure closes it, naming that revision.
func TestLegalChangeOpensRevisionTasksThatPublicationCloses(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	coord := env.As("coordinator")
	land, _ := f.EffectiveDocument(t, "tnmt")
	culture, _ := f.EffectiveDocument(t, "vhtt")
	svc := f.Service(t, "tnmt", 10)

	var b legalBasis
	coord.Do("POST", "/api/v1/legal-bases", legalBody("309/2026/NĐ-CP", "2026-11-30", []string{land}, svc)).MustStatus(http.StatusCreated).Decode(&b)
	if len(b.Tasks) != 1 || len(b.Documents) != 1 || len(b.Services) != 1 || b.Services[0].Code != svc || b.Version != 1 {
		t.Fatalf("registered: %+v", b)
	}
	task := b.Tasks[0]
	if task.DocumentID != land || task.Unit != "tnmt" || task.DueOn != "2027-02-28" || task.ClosedReason != "" {
		t.Fatalf("task: %+v, want the land procedure's, of tnmt, due 2027-02-28", task)
	}
	if open := tasksOf(t, env.As("staff.vhtt"), "state=open&unit=tnmt"); len(open) != 1 || open[0].ID != task.ID {
		t.Fatalf("open tasks of tnmt, read by anyone signed in: %+v", open)
	}
	// The head and the author of tnmt have it on their home page; vhtt's do not.
	for login, want := range map[string]bool{"head.tnmt": true, "author.tnmt": true, "head.vhtt": false, "staff.tnmt": false} {
		var home struct{ Items []struct{ Kind, Link string } }
		env.As(login).Do("GET", "/api/v1/tasks", nil).MustStatus(http.StatusOK).Decode(&home)
		got := false
		for _, it := range home.Items {
			if it.Kind == "revision" && strings.Contains(it.Link, task.ID) {
				got = true
			}
		}
		if got != want {
			t.Errorf("%s has the revision task at home: %v, want %v", login, got, want)
		}
	}

	publishRevision(t, f, "vhtt", culture)
	if open := tasksOf(t, coord, "state=open&document="+land); len(open) != 1 {
		t.Fatalf("an unrelated publication closed the task: %+v", open)
	}
	rev := publishRevision(t, f, "tnmt", land)
	closed := tasksOf(t, coord, "state=closed&document="+land)
	if len(closed) != 1 || closed[0].ClosedReason != "revised" || closed[0].ClosedRevision != rev {
		t.Fatalf("after the procedure's new revision: %+v, want closed as revised by %s", closed, rev)
	}
	if open := tasksOf(t, coord, "state=open"); len(open) != 0 {
		t.Fatalf("tasks still open: %+v", open)
	}
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM trail WHERE action = 'revision_task.close' AND object_id = $1`, task.ID); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d trail entries of the close, want 1", n)
	}
	// A text registered as already applied opens no task.
	var applied legalBasis
	body := legalBody("26/2014/TT-BKHCN", "2014-11-15", []string{land})
	body["issued_on"], body["already_applied"] = "2014-10-01", true
	coord.Do("POST", "/api/v1/legal-bases", body).MustStatus(http.StatusCreated).Decode(&applied)
	if len(applied.Tasks) != 0 {
		t.Fatalf("a text already applied opened %+v", applied.Tasks)
	}
}

// An overdue task is escalated to the unit's head and the coordinators once
// per due date, however often the scan runs, and its unit is listed among
// the units not complying until the procedure is revised.
func TestOverdueRevisionTaskEscalatesOnceAndUnitNotComplying(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	coord := env.As("coordinator")
	land, _ := f.EffectiveDocument(t, "tnmt")
	// In force 15/05/2026: due 15/08/2026, long past.
	early := legalBody("100/2026/NĐ-CP", "2026-05-15", []string{land})
	early["issued_on"] = "2026-04-01"
	coord.Do("POST", "/api/v1/legal-bases", early).MustStatus(http.StatusCreated)
	open := tasksOf(t, coord, "state=overdue")
	if len(open) != 1 || !open[0].Overdue || open[0].DueOn != "2026-08-15" {
		t.Fatalf("overdue tasks: %+v", open)
	}
	ctx := context.Background()
	rep, err := env.App.Legal.EscalateRevisions(ctx)
	if err != nil || rep.Directives != 1 || rep.Notified < 2 {
		t.Fatalf("first scan: %+v %v, want one task, its head and the coordinator notified", rep, err)
	}
	again, err := env.App.Legal.EscalateRevisions(ctx)
	if err != nil || again.Directives != 0 || again.Notified != 0 {
		t.Fatalf("second scan: %+v %v, want nothing new", again, err)
	}
	for _, login := range []string{"head.tnmt", "coordinator"} {
		var notes struct{ Items []struct{ Link string } }
		env.As(login).Do("GET", "/api/v1/notifications", nil).MustStatus(http.StatusOK).Decode(&notes)
		n := 0
		for _, x := range notes.Items {
			if strings.Contains(x.Link, open[0].ID) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has %d notifications of the task, want 1", login, n)
		}
	}
	var entries int
	if err := env.App.DB.Get(&entries, `SELECT count(*) FROM trail WHERE action = 'revision_task.escalate'`); err != nil {
		t.Fatal(err)
	}
	if entries != 1 {
		t.Fatalf("%d escalation trail entries, want 1", entries)
	}
	type unit struct {
		Unit             string `json:"unit"`
		OverdueRevisions int    `json:"overdue_revisions"`
	}
	listed := func() *unit {
		var out struct{ Items []unit }
		coord.Do("GET", "/api/v1/non-compliant-units", nil).MustStatus(http.StatusOK).Decode(&out)
		for _, u := range out.Items {
			if u.Unit == "tnmt" {
				return &u
			}
		}
		return nil
	}
	if u := listed(); u == nil || u.OverdueRevisions != 1 {
		t.Fatalf("tnmt among the units not complying: %+v, want one overdue revision", u)
	}
	publishRevision(t, f, "tnmt", land)
	if u := listed(); u != nil && u.OverdueRevisions != 0 {
		t.Fatalf("tnmt still counted after the revision: %+v", u)
	}
}

// The register's rules: who keeps it, what a text must say, which
// documents it links, superseded-by links and optimistic versions. Every
// refusal says why and changes nothing.
func TestLegalBasisRulesAndRefusals(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	coord := env.As("coordinator")
	land, _ := f.EffectiveDocument(t, "tnmt")
	count := func() (n int) {
		t.Helper()
		if err := env.App.DB.Get(&n, `SELECT (SELECT count(*) FROM legal_bases) + (SELECT count(*) FROM revision_tasks)
			+ (SELECT count(*) FROM trail WHERE object_type IN ('legal_basis', 'revision_task'))`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var old legalBasis
	oldBody := legalBody("118/2025/NĐ-CP", "2025-07-01", []string{land})
	oldBody["issued_on"] = "2025-06-15"
	coord.Do("POST", "/api/v1/legal-bases", oldBody).MustStatus(http.StatusCreated).Decode(&old)

	var form struct{ ID string }
	coord.Do("POST", "/api/v1/documents", map[string]any{"code": "BM-01", "title": "Biểu mẫu thử", "type": "form", "unit": "tnmt"}).
		MustStatus(http.StatusCreated).Decode(&form)

	refusals := []struct {
		name, who, method, path string
		body                    map[string]any
		status                  int
		field, says             string
	}{
		{"a head may not register", "head.tnmt", "POST", "/api/v1/legal-bases", legalBody("1/2026/NĐ-CP", "2026-08-01", nil), 403, "", "only the QMS coordinator"},
		{"nor the chairman", "chairman", "POST", "/api/v1/legal-bases", legalBody("1/2026/NĐ-CP", "2026-08-01", nil), 403, "", "only the QMS coordinator"},
		{"a number without its issuer", "coordinator", "POST", "/api/v1/legal-bases", legalBody("118/2025", "2026-08-01", nil), 400, "number", "such as 118/2025/NĐ-CP"},
		{"a number with spaces", "coordinator", "POST", "/api/v1/legal-bases", legalBody("Nghị định 118", "2026-08-01", nil), 400, "number", "such as 118/2025/NĐ-CP"},
		{"effective before issued", "coordinator", "POST", "/api/v1/legal-bases", legalBody("2/2026/NĐ-CP", "2026-06-30", nil), 400, "effective_on", "before it is issued"},
		{"an unknown kind", "coordinator", "POST", "/api/v1/legal-bases", func() map[string]any {
			b := legalBody("3/2026/NĐ-CP", "2026-08-01", nil)
			b["kind"] = "memo"
			return b
		}(), 400, "kind", "kind of text"},
		{"a form is not a procedure", "coordinator", "POST", "/api/v1/legal-bases", legalBody("4/2026/NĐ-CP", "2026-08-01", []string{form.ID}), 400, "documents", "is not a procedure"},
		{"an unknown service", "coordinator", "POST", "/api/v1/legal-bases", legalBody("5/2026/NĐ-CP", "2026-08-01", nil, "NOPE-1"), 400, "services", "NOPE-1"},
		{"the same number again", "coordinator", "POST", "/api/v1/legal-bases", legalBody("118/2025/nđ-cp", "2026-08-01", nil), 409, "", "already in the register"},
		{"superseded without a successor", "coordinator", "POST", "/api/v1/legal-bases", func() map[string]any {
			b := legalBody("6/2026/NĐ-CP", "2026-08-01", nil)
			b["status"] = "superseded"
			return b
		}(), 400, "superseded_by", "names the text that supersedes it"},
		{"a stale version", "coordinator", "PUT", "/api/v1/legal-bases/" + old.ID, func() map[string]any {
			b := oldBody
			b["version"] = 7
			return b
		}(), 409, "", "changed meanwhile"},
		{"no version", "coordinator", "PUT", "/api/v1/legal-bases/" + old.ID, oldBody, 400, "version", "the version you read"},
		{"a head may not change it", "head.tnmt", "PUT", "/api/v1/legal-bases/" + old.ID, oldBody, 403, "", "only the QMS coordinator"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if r.method == "PUT" && r.name == "no version" {
				delete(r.body, "version")
			}
			before := count()
			resp := env.As(r.who).Do(r.method, r.path, r.body)
			if resp.Status != r.status {
				t.Fatalf("%s, want %d", resp, r.status)
			}
			var eb struct {
				Error struct {
					Message string            `json:"message"`
					Fields  map[string]string `json:"fields"`
				} `json:"error"`
			}
			resp.Decode(&eb)
			said := eb.Error.Message
			if r.field != "" {
				said = eb.Error.Fields[r.field]
			}
			if !strings.Contains(said, r.says) {
				t.Errorf("said %q (%s), want %q", said, resp.Body, r.says)
			}
			if after := count(); after != before {
				t.Errorf("a refusal changed the tables: %d rows, then %d", before, after)
			}
		})
	}

	// NĐ 118 superseded by a new decree: the new one lists what it supersedes.
	var succ legalBasis
	coord.Do("POST", "/api/v1/legal-bases", legalBody("200/2026/NĐ-CP", "2026-09-01", nil)).MustStatus(http.StatusCreated).Decode(&succ)
	up := legalBody("118/2025/NĐ-CP", "2025-07-01", []string{land})
	up["issued_on"], up["superseded_by"], up["version"] = "2025-06-15", succ.ID, old.Version
	var changed legalBasis
	coord.Do("PUT", "/api/v1/legal-bases/"+old.ID, up).MustStatus(http.StatusOK).Decode(&changed)
	if changed.Status != "superseded" || changed.SupersededBy != succ.ID || changed.Version != old.Version+1 {
		t.Fatalf("after the change: %+v", changed)
	}
	var s2 legalBasis
	coord.Do("GET", "/api/v1/legal-bases/"+succ.ID, nil).MustStatus(http.StatusOK).Decode(&s2)
	if len(s2.Supersedes) != 1 || s2.Supersedes[0].ID != old.ID {
		t.Fatalf("the successor lists %+v, want %s", s2.Supersedes, old.ID)
	}
	// The successor cannot in turn be superseded by the text it replaced.
	loop := legalBody("200/2026/NĐ-CP", "2026-09-01", nil)
	loop["superseded_by"], loop["version"] = old.ID, s2.Version
	before := count()
	resp := coord.Do("PUT", "/api/v1/legal-bases/"+succ.ID, loop)
	if resp.Status != http.StatusBadRequest || !strings.Contains(string(resp.Body), "superseded_by") {
		t.Fatalf("a supersession loop: %s", resp)
	}
	if count() != before {
		t.Fatal("the refused loop changed the tables")
	}
	self := legalBody("200/2026/NĐ-CP", "2026-09-01", nil)
	self["superseded_by"], self["version"] = succ.ID, s2.Version
	if resp := coord.Do("PUT", "/api/v1/legal-bases/"+succ.ID, self); resp.Status != http.StatusBadRequest {
		t.Fatalf("a text superseding itself: %s", resp)
	}
	// Moving the effective date moves the open task's due date; unlinking
	// the procedure closes it.
	var d1 legalBasis
	coord.Do("GET", "/api/v1/legal-bases/"+old.ID, nil).MustStatus(http.StatusOK).Decode(&d1)
	up["effective_on"], up["version"] = "2025-08-31", d1.Version
	coord.Do("PUT", "/api/v1/legal-bases/"+old.ID, up).MustStatus(http.StatusOK).Decode(&d1)
	if len(d1.Tasks) != 1 || d1.Tasks[0].DueOn != "2025-11-30" {
		t.Fatalf("after the new effective date: %+v, want due 2025-11-30", d1.Tasks)
	}
	up["documents"], up["version"] = []string{}, d1.Version
	coord.Do("PUT", "/api/v1/legal-bases/"+old.ID, up).MustStatus(http.StatusOK).Decode(&d1)
	if len(d1.Tasks) != 1 || d1.Tasks[0].ClosedReason != "unlinked" {
		t.Fatalf("after unlinking: %+v", d1.Tasks)
	}
}

// A revision published for a later day closes the task only when the
// scheduled activation makes it effective; a withdrawn procedure's task
// closes at the scheduled scan as withdrawn.
func TestRevisionTaskClosesAtScheduledActivationAndWithdrawal(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	env := apptest.New(t, apptest.WithClock(clk.now))
	f := env.Fixtures()
	coord := env.As("coordinator")
	land, _ := f.EffectiveDocument(t, "tnmt")
	other, _ := f.EffectiveDocument(t, "tnmt")
	coord.Do("POST", "/api/v1/legal-bases", legalBody("7/2026/NĐ-CP", "2026-11-01", []string{land, other})).MustStatus(http.StatusCreated)

	rev := f.Revision(t, "author.tnmt", land)
	f.Submit(t, "author.tnmt", rev, "head.tnmt")
	f.Review(t, "head.tnmt", rev)
	f.Approve(t, "chairman", rev)
	coord.Do("POST", "/api/v1/revisions/"+rev+"/publish", map[string]any{"password": apptest.Password, "effective_at": "2026-12-10"}).MustStatus(http.StatusOK)
	if open := tasksOf(t, coord, "state=open&document="+land); len(open) != 1 {
		t.Fatalf("a revision scheduled for later closed the task: %+v", open)
	}
	clk.add(9 * 24 * time.Hour)
	if n, err := env.App.Documents.ActivateDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("activation: %d %v", n, err)
	}
	closed := tasksOf(t, env.As("coordinator"), "state=closed&document="+land)
	if len(closed) != 1 || closed[0].ClosedReason != "revised" || closed[0].ClosedRevision != rev {
		t.Fatalf("after the scheduled activation: %+v", closed)
	}

	env.As("coordinator").Do("POST", "/api/v1/documents/"+other+"/withdraw", map[string]any{"reason": "Thủ tục bị bãi bỏ"}).MustStatus(http.StatusOK)
	if open := tasksOf(t, env.As("coordinator"), "state=open&document="+other); len(open) != 1 {
		t.Fatalf("the withdrawal itself closed the task: %+v", open)
	}
	if _, err := env.App.Legal.EscalateRevisions(context.Background()); err != nil {
		t.Fatal(err)
	}
	closed = tasksOf(t, env.As("coordinator"), "state=closed&document="+other)
	if len(closed) != 1 || closed[0].ClosedReason != "withdrawn" {
		t.Fatalf("after the scan: %+v, want closed as withdrawn", closed)
	}
}

// Registering a text that supersedes another: in one act the old text
// becomes superseded by the new one (with its trail entry), the old text's
// service and procedure are linked to the new one, whose revision task for
// the procedure is due three months after it takes effect, and publishing
// a new revision of the procedure closes that task. Superseding a text not
// in force, an unknown text, by a text not in force, or through a change
// is refused and writes nothing.
func TestLegalBasisSupersedesAnotherOnRegistration(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	coord := env.As("coordinator")
	land, _ := f.EffectiveDocument(t, "tnmt")
	svc := f.Service(t, "tnmt", 10)
	var old legalBasis
	body := legalBody("118/2025/NĐ-CP", "2025-07-01", []string{land}, svc)
	body["issued_on"], body["already_applied"] = "2025-06-15", true
	coord.Do("POST", "/api/v1/legal-bases", body).MustStatus(http.StatusCreated).Decode(&old)
	if len(old.Tasks) != 0 || old.Status != "in_force" {
		t.Fatalf("the old text: %+v", old)
	}

	var succ legalBasis
	nb := legalBody("309/2026/NĐ-CP", "2026-11-30", nil)
	nb["supersedes"] = []string{old.ID}
	coord.Do("POST", "/api/v1/legal-bases", nb).MustStatus(http.StatusCreated).Decode(&succ)
	if len(succ.Supersedes) != 1 || succ.Supersedes[0].ID != old.ID || len(succ.Documents) != 1 || succ.Documents[0].ID != land ||
		len(succ.Services) != 1 || succ.Services[0].Code != svc {
		t.Fatalf("the new text: %+v", succ)
	}
	if len(succ.Tasks) != 1 || succ.Tasks[0].DocumentID != land || succ.Tasks[0].DueOn != "2027-02-28" {
		t.Fatalf("the new text's tasks: %+v, want the land procedure's due 2027-02-28", succ.Tasks)
	}
	var was legalBasis
	coord.Do("GET", "/api/v1/legal-bases/"+old.ID, nil).MustStatus(http.StatusOK).Decode(&was)
	if was.Status != "superseded" || was.SupersededBy != succ.ID || was.Version != old.Version+1 {
		t.Fatalf("the old text after: %+v", was)
	}
	if n := env.Count(t, `SELECT count(*) FROM trail WHERE action = 'legal.update' AND object_id = $1 AND details->>'superseded_by' = $2`, old.ID, succ.ID); n != 1 {
		t.Fatalf("trail entries of the supersession: %d", n)
	}

	count := func() int {
		return env.Count(t, `SELECT (SELECT count(*) FROM legal_bases) + (SELECT count(*) FROM revision_tasks)
			+ (SELECT count(*) FROM trail WHERE object_type IN ('legal_basis', 'revision_task'))
			+ (SELECT sum(version) FROM legal_bases) + (SELECT count(*) FROM legal_basis_documents)`)
	}
	before := count()
	for _, r := range []struct {
		name       string
		method     string
		path       string
		body       map[string]any
		field, say string
	}{
		{"a text superseded already", "POST", "/api/v1/legal-bases", map[string]any{"supersedes": []string{old.ID}}, "supersedes", "118/2025/NĐ-CP is not in force"},
		{"an unknown text", "POST", "/api/v1/legal-bases", map[string]any{"supersedes": []string{"5e0c2a3e-4a4b-4c7e-9a59-0d9a3b2f4d11"}}, "supersedes", "no legal basis"},
		{"by a repealed text", "POST", "/api/v1/legal-bases", map[string]any{"supersedes": []string{succ.ID}, "status": "repealed"}, "supersedes", "only a text in force supersedes"},
		{"through a change", "PUT", "/api/v1/legal-bases/" + succ.ID, map[string]any{"supersedes": []string{old.ID}, "version": 1}, "supersedes", "when it is registered"},
	} {
		b := legalBody("310/2026/NĐ-CP", "2026-12-01", nil)
		if r.method == "PUT" {
			b = legalBody("309/2026/NĐ-CP", "2026-11-30", nil)
		}
		for k, v := range r.body {
			b[k] = v
		}
		resp := coord.Do(r.method, r.path, b)
		if resp.Status != http.StatusBadRequest || !strings.Contains(errOf(resp).Error.Fields[r.field], r.say) {
			t.Errorf("%s: %s", r.name, resp)
		}
	}
	if after := count(); after != before {
		t.Fatalf("refusals changed the tables: %d, then %d", before, after)
	}

	// The procedure's new revision closes the new text's task.
	rev := publishRevision(t, f, "tnmt", land)
	closed := tasksOf(t, coord, "state=closed&document="+land)
	if len(closed) != 1 || closed[0].ID != succ.Tasks[0].ID || closed[0].ClosedReason != "revised" || closed[0].ClosedRevision != rev {
		t.Fatalf("after the new revision: %+v", closed)
	}
}
