package nonconformity_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	nonc "github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/queue/queuetest"
	"github.com/qmstrack/qmstrack/server/trail"
)

const ncPassword = "password123"

// ncJobKey is an advisory-lock key for the scan in these tests (the
// application's keys are in server/app/jobs.go).
const ncJobKey int64 = 0x6e63_0001

type ncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ncClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *ncClock) addDays(n int) {
	c.mu.Lock()
	c.t = c.t.AddDate(0, 0, n)
	c.mu.Unlock()
}

// ncBlobs adapts the object store to the capability's Blobs interface.
type ncBlobs struct{ s *blob.Store }

func (b ncBlobs) Put(ctx context.Context, key string, r io.Reader, max int64) (qms.StoredObject, error) {
	return b.s.Put(ctx, key, r, blob.PutOptions{MaxSize: max})
}

func (b ncBlobs) Open(ctx context.Context, key, version string) (io.ReadSeekCloser, error) {
	return b.s.Open(ctx, key, version)
}

type ncFixture struct {
	t     testing.TB
	env   *testenv.Env
	svc   *nonc.Service
	store *postgres.NCStore
	clk   *ncClock
	az    *authz.Enforcer
	ids   *identity.Service
	trail *postgres.TrailStore
	users map[string]qms.Actor
}

var hcm = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

// ncUsers: key -> role@unit assignments. Matrix users hold one role in unit
// "phong-a"; "owner-a"/"owner-b" carry out actions; "boss" is an
// organisation-wide coordinator used for setting up states.
var ncUsers = map[string][]string{
	"admin":       {"admin@phong-a"},
	"coordinator": {"coordinator@phong-a"},
	"head":        {"head@phong-a"},
	"author":      {"author@phong-a"},
	"staff":       {"staff@phong-a"},
	"auditor":     {"auditor@phong-a"},
	"owner-a":     {"staff@phong-a"},
	"head2-a":     {"head@phong-a"},
	"owner-b":     {"staff@phong-b"},
	"head-b":      {"head@phong-b"},
	"boss":        {"coordinator@*"},
	"boss2":       {"coordinator@*"},
}

func newNCFixture(t testing.TB) *ncFixture {
	t.Helper()
	env := testenv.New(t)
	ctx := context.Background()
	for _, u := range []string{"phong-a", "phong-b", "phong-c"} {
		if _, err := env.DB.ExecContext(ctx, `INSERT INTO units (code, name_vi, name_en) VALUES ($1, $2, $3)`,
			u, "Phòng "+u, "Office "+u); err != nil {
			t.Fatal(err)
		}
	}
	clk := &ncClock{t: time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)}
	ids := identity.NewService(postgres.NewIdentityStore(env.DB), clk.now, identity.Options{LoginMaxFailures: 1000})
	f := &ncFixture{t: t, env: env, clk: clk, users: map[string]qms.Actor{}, trail: postgres.NewTrailStore(env.DB)}
	keys := make([]string, 0, len(ncUsers))
	for k := range ncUsers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		u, err := ids.CreateUser(ctx, identity.NewUser{Login: k, Name: "Người " + k, Email: k + "@example.org", Password: ncPassword,
			Lang: map[bool]string{true: "en", false: "vi"}[strings.HasPrefix(k, "head")]})
		if err != nil {
			t.Fatal(err)
		}
		for _, ra := range ncUsers[k] {
			p := strings.SplitN(ra, "@", 2)
			if _, err := env.DB.ExecContext(ctx, `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, $2, $3)`, u.ID, p[0], p[1]); err != nil {
				t.Fatal(err)
			}
		}
		f.users[k] = qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Lang: u.Lang, Via: "session"}
	}
	az, err := authz.New(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	if err := az.Reload(); err != nil {
		t.Fatal(err)
	}
	f.az, f.ids = az, ids
	f.store = postgres.NewNCStore(env.DB, hcm)
	f.svc = nonc.New(f.store, ncBlobs{env.Blob}, az, ids, nonc.Options{
		Now: clk.now, Location: hcm, MaxFileSize: 1 << 20, AnalysisDays: 14, BaseURL: "http://qms.example",
		Trail: f.trail,
	})
	return f
}

func (f *ncFixture) as(key string) context.Context {
	a, ok := f.users[key]
	if !ok {
		f.t.Fatalf("no user %q", key)
	}
	return qms.WithActor(context.Background(), a)
}

func (f *ncFixture) id(key string) string { return f.users[key].UserID }

func pdf(name string) qms.Upload {
	return qms.Upload{Name: name, Body: strings.NewReader("%PDF-1.4\n% evidence " + name + "\n%%EOF\n")}
}

func (f *ncFixture) today() time.Time {
	y, m, d := f.clk.now().In(hcm).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// newNC creates an NC in unit as boss.
func (f *ncFixture) newNC(unit string) nonc.NC {
	f.t.Helper()
	nc, err := f.svc.Create(f.as("boss"), nonc.NewNC{Source: nonc.SourceExternalInspection, Severity: "minor", Unit: unit,
		Clauses: []string{"7.5.3"}, Title: "Hồ sơ lưu không đúng quy định", Description: "Thiếu sổ theo dõi"})
	if err != nil {
		f.t.Fatal(err)
	}
	return nc
}

// analysed returns an NC in unit with a root cause.
func (f *ncFixture) analysed(unit string) nonc.NC {
	f.t.Helper()
	nc := f.newNC(unit)
	nc, err := f.svc.RecordCause(f.as("boss"), nc.ID, nonc.Cause{Whys: []string{"Không có biểu mẫu"}, Categories: []string{"method"}, Summary: "Thiếu biểu mẫu"})
	if err != nil {
		f.t.Fatal(err)
	}
	return nc
}

// actionIn returns an NC of unit with one action owned by owner, brought to status.
func (f *ncFixture) actionIn(unit, owner, head, status string) (nonc.NC, nonc.Action) {
	f.t.Helper()
	nc := f.analysed(unit)
	today := f.today()
	nc, act, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: unit, Owner: f.id(owner),
		Description: "Lập sổ theo dõi", Due: today, VerifyAfter: today})
	if err != nil {
		f.t.Fatal(err)
	}
	steps := []struct {
		to string
		do func() error
	}{
		{nonc.ActionInProgress, func() error { _, err := f.svc.Start(f.as(owner), act.ID); return err }},
		{nonc.ActionDone, func() error {
			_, err := f.svc.Done(f.as(owner), act.ID, "Đã lập sổ", qms.FilesOf(pdf("so.pdf")))
			return err
		}},
		{nonc.ActionSignedOff, func() error { _, err := f.svc.SignOff(f.as(head), act.ID, ncPassword); return err }},
	}
	for _, st := range steps {
		if act.Status == status {
			break
		}
		if err := st.do(); err != nil {
			f.t.Fatalf("setup %s: %v", st.to, err)
		}
		act.Status = st.to
	}
	return nc, act
}

func kindName(err error) string {
	if err == nil {
		return "ok"
	}
	if k := qms.KindOf(err); k != nil {
		return k.Error()
	}
	return "internal: " + err.Error()
}

func (f *ncFixture) trailActions(ncID string) []string {
	f.t.Helper()
	es, err := f.trail.List(context.Background(), trail.Filter{ObjectType: nonc.ObjectNC, ObjectID: ncID, Limit: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	out := []string{}
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestNCLifecycle(t *testing.T) {
	f := newNCFixture(t)
	ctx := f.as("boss")
	today := f.today()

	nc, err := f.svc.Create(ctx, nonc.NewNC{Source: nonc.SourceExternalInspection, Severity: "major", Unit: "phong-a",
		Clauses: []string{"7.5.3", "8.5.1"}, Title: "Kết luận thanh tra tỉnh: hồ sơ trễ hạn", Description: "Đoàn kiểm tra phát hiện",
		DetectedBy: "Đoàn kiểm tra tỉnh", DetectedOn: today.AddDate(0, 0, -2), Files: qms.FilesOf(pdf("bien-ban.pdf"))})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Number != "NC-2026-0001" || nc.Status != nonc.StatusOpen || len(nc.Files) != 1 || nc.Files[0].SHA256 == "" {
		t.Fatalf("created: %+v", nc)
	}
	if !strings.HasPrefix(nc.Files[0].Key, "ncs/") || nc.Files[0].VersionID == "" || nc.Files[0].MediaType != "application/pdf" {
		t.Fatalf("file: %+v", nc.Files[0])
	}
	// The evidence file is readable back from the object store.
	_, open, err := f.svc.OpenFile(f.as("auditor"), nc.Files[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if !strings.Contains(string(b), "bien-ban.pdf") {
		t.Fatalf("file content %q", b)
	}

	if _, err := f.svc.RecordContainment(ctx, nc.ID, nonc.Containment{Text: "Đã rà soát và trả hồ sơ ngay", On: today}); err != nil {
		t.Fatal(err)
	}
	// Actions cannot be planned before the cause is known.
	if _, _, err := f.svc.AddAction(ctx, nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Description: "x", Due: today, VerifyAfter: today}); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("action before cause: %v", err)
	}
	// An earlier NC of the same unit shows up as similar.
	earlier := f.analysed("phong-c")
	nc, err = f.svc.RecordCause(ctx, nc.ID, nonc.Cause{Whys: []string{"Hồ sơ trễ", "Không theo dõi hạn", "Không có sổ", "", "Quy trình không yêu cầu"},
		Categories: []string{"method", "people", "method"}, Summary: "Quy trình thiếu bước theo dõi hạn"})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Status != nonc.StatusAnalysed || len(nc.Whys) != 4 || strings.Join(nc.CauseCategories, ",") != "method,people" {
		t.Fatalf("cause: %s %v %v", nc.Status, nc.Whys, nc.CauseCategories)
	}
	sim, err := f.svc.Similar(ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	// earlier was created after nc, so it is not "earlier": nothing similar yet.
	if len(sim) != 0 {
		t.Fatalf("similar before any earlier NC: %+v", sim)
	}
	later, err := f.svc.Similar(ctx, earlier)
	if err != nil {
		t.Fatal(err)
	}
	if len(later) != 1 || later[0].ID != nc.ID || strings.Join(later[0].Why, ",") != "clause,cause" {
		t.Fatalf("similar: %+v", later)
	}

	nc, a1, err := f.svc.AddAction(ctx, nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Description: "Lập sổ theo dõi hạn",
		Due: today.AddDate(0, 0, 7), VerifyAfter: today.AddDate(0, 0, 30)})
	if err != nil {
		t.Fatal(err)
	}
	nc, a2, err := f.svc.AddAction(ctx, nc.ID, nonc.NewAction{Unit: "phong-b", Owner: f.id("owner-b"), Description: "Sửa quy trình QT-07",
		Due: today.AddDate(0, 0, 7), VerifyAfter: today.AddDate(0, 0, 30)})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Status != nonc.StatusActionsPlanned || a1.No != 1 || a2.No != 2 || a2.OwnerName != "Người owner-b" {
		t.Fatalf("actions: %s %+v %+v", nc.Status, a1, a2)
	}
	for _, x := range []struct{ owner, head, id string }{{"owner-a", "head", a1.ID}, {"owner-b", "head-b", a2.ID}} {
		if _, err := f.svc.Start(f.as(x.owner), x.id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Done(f.as(x.owner), x.id, "Đã thực hiện", qms.FilesOf(pdf("ket-qua.pdf"))); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SignOff(f.as(x.head), x.id, ncPassword); err != nil {
			t.Fatal(err)
		}
	}
	// Verification waits for the verification date.
	if _, err := f.svc.Verify(ctx, a1.ID, nonc.Verification{Effective: true, Password: ncPassword}); qms.KindOf(err) != qms.ErrState || !strings.Contains(qms.Message(err), "on or after") {
		t.Fatalf("verify before date: %v", err)
	}
	f.clk.addDays(30)
	nc, err = f.svc.Verify(ctx, a1.ID, nonc.Verification{Effective: true, Comment: "Không còn hồ sơ trễ", Password: ncPassword,
		Files: qms.FilesOf(pdf("kiem-tra.pdf"))})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Status != nonc.StatusActionsPlanned {
		t.Fatalf("one of two verified: %s", nc.Status)
	}
	nc, err = f.svc.Verify(ctx, a2.ID, nonc.Verification{Effective: false, Comment: "Vẫn còn trễ", Password: ncPassword})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Status != nonc.StatusReopened {
		t.Fatalf("not effective: %s", nc.Status)
	}
	today = f.today()
	nc, a3, err := f.svc.AddAction(ctx, nc.ID, nonc.NewAction{Unit: "phong-b", Owner: f.id("owner-b"), Description: "Đào tạo lại",
		Due: today, VerifyAfter: today})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Status != nonc.StatusActionsPlanned || a3.No != 3 {
		t.Fatalf("new action: %s %d", nc.Status, a3.No)
	}
	if _, err := f.svc.Start(f.as("owner-b"), a3.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Done(f.as("owner-b"), a3.ID, "Đã đào tạo", qms.FilesOf(pdf("dao-tao.pdf"))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignOff(f.as("head-b"), a3.ID, ncPassword); err != nil {
		t.Fatal(err)
	}
	nc, err = f.svc.Verify(f.as("boss2"), a3.ID, nonc.Verification{Effective: true, Password: ncPassword})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Status != nonc.StatusClosed || nc.ClosedAt == nil {
		t.Fatalf("closed: %s", nc.Status)
	}
	// Signatures: sign-off and verification on each action, with file hashes.
	got, err := f.svc.Get(ctx, nc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range got.Actions {
		if len(a.Signatures) != 2 || a.Signatures[0].Meaning != "signed_off" || a.Signatures[1].Meaning != "verified" || len(a.Signatures[0].SHA256s) != 1 {
			t.Fatalf("action %d signatures: %+v", a.No, a.Signatures)
		}
	}
	if len(got.Actions[0].Signatures[1].SHA256s) != 2 { // done file + verification file
		t.Fatalf("verification hashes: %v", got.Actions[0].Signatures[1].SHA256s)
	}
	// Every act is in the trail, in order, and the chain verifies.
	want := []string{"nc.create", "nc.containment", "nc.cause", "action.create", "nc.status", "action.create",
		"action.start", "action.done", "action.signoff", "action.start", "action.done", "action.signoff",
		"action.verify", "action.verify", "nc.reopen", "action.create", "nc.status",
		"action.start", "action.done", "action.signoff", "action.verify", "nc.close"}
	if got := f.trailActions(nc.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("trail:\n got %v\nwant %v", got, want)
	}
	res, err := f.trail.Verify(context.Background())
	if err != nil || !res.OK {
		t.Fatalf("trail verify: %+v %v", res, err)
	}
	// Closed: no more acts.
	if _, err := f.svc.Cancel(ctx, nc.ID, "nhầm"); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("cancel closed: %v", err)
	}
	// The owner got an in-app notification for each assigned action.
	var n int
	if err := f.env.DB.Get(&n, `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'nc.action.assigned'`, f.id("owner-b")); err != nil || n != 2 {
		t.Fatalf("assignment notifications: %d %v", n, err)
	}
}

// matrixTarget prepares the object of one act inside (phong-a) or outside
// (phong-b) the matrix users' unit, and returns a function doing the act.
type matrixAct struct {
	name  string
	setup func(f *ncFixture, unit string) func(ctx context.Context) error
}

func ownerOf(unit string) string {
	if unit == "phong-a" {
		return "owner-a"
	}
	return "owner-b"
}

func headOf(unit string) string {
	if unit == "phong-a" {
		return "head2-a"
	}
	return "head-b"
}

var matrixActs = []matrixAct{
	{"read", func(f *ncFixture, unit string) func(context.Context) error {
		nc := f.newNC(unit)
		return func(ctx context.Context) error { _, err := f.svc.Get(ctx, nc.ID); return err }
	}},
	{"report", func(f *ncFixture, unit string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := f.svc.Create(ctx, nonc.NewNC{Source: nonc.SourceSelfReport, Severity: "observation", Unit: unit, Title: "Tự phát hiện"})
			return err
		}
	}},
	{"containment", func(f *ncFixture, unit string) func(context.Context) error {
		nc := f.newNC(unit)
		return func(ctx context.Context) error {
			_, err := f.svc.RecordContainment(ctx, nc.ID, nonc.Containment{Text: "Khắc phục ngay"})
			return err
		}
	}},
	{"cause", func(f *ncFixture, unit string) func(context.Context) error {
		nc := f.newNC(unit)
		return func(ctx context.Context) error {
			_, err := f.svc.RecordCause(ctx, nc.ID, nonc.Cause{Categories: []string{"people"}, Summary: "Sơ suất"})
			return err
		}
	}},
	{"add_action", func(f *ncFixture, unit string) func(context.Context) error {
		nc := f.analysed(unit)
		today := f.today()
		return func(ctx context.Context) error {
			_, _, err := f.svc.AddAction(ctx, nc.ID, nonc.NewAction{Unit: unit, Owner: f.id(ownerOf(unit)), Description: "Làm lại", Due: today, VerifyAfter: today})
			return err
		}
	}},
	{"start", func(f *ncFixture, unit string) func(context.Context) error {
		_, a := f.actionIn(unit, ownerOf(unit), headOf(unit), nonc.ActionOpen)
		return func(ctx context.Context) error { _, err := f.svc.Start(ctx, a.ID); return err }
	}},
	{"done", func(f *ncFixture, unit string) func(context.Context) error {
		_, a := f.actionIn(unit, ownerOf(unit), headOf(unit), nonc.ActionInProgress)
		return func(ctx context.Context) error {
			_, err := f.svc.Done(ctx, a.ID, "Xong", qms.FilesOf(pdf("x.pdf")))
			return err
		}
	}},
	{"signoff", func(f *ncFixture, unit string) func(context.Context) error {
		_, a := f.actionIn(unit, ownerOf(unit), headOf(unit), nonc.ActionDone)
		return func(ctx context.Context) error { _, err := f.svc.SignOff(ctx, a.ID, ncPassword); return err }
	}},
	{"verify", func(f *ncFixture, unit string) func(context.Context) error {
		_, a := f.actionIn(unit, ownerOf(unit), headOf(unit), nonc.ActionSignedOff)
		return func(ctx context.Context) error {
			_, err := f.svc.Verify(ctx, a.ID, nonc.Verification{Effective: true, Password: ncPassword})
			return err
		}
	}},
	{"cancel", func(f *ncFixture, unit string) func(context.Context) error {
		nc := f.newNC(unit)
		return func(ctx context.Context) error { _, err := f.svc.Cancel(ctx, nc.ID, "Trùng lặp"); return err }
	}},
}

// TestNCPermissionMatrix runs every role against every act, inside its unit
// (phong-a) and outside it (phong-b). "owner" is a staff member who owns
// the action in its unit.
func TestNCPermissionMatrix(t *testing.T) {
	f := newNCFixture(t)
	// Allowed acts inside phong-a; outside, nothing is allowed.
	allowed := map[string]string{
		"admin":       "",
		"coordinator": "read report containment cause add_action verify cancel",
		"head":        "read report containment cause add_action signoff",
		"author":      "read report",
		"staff":       "read report",
		"auditor":     "read report",
		"owner-a":     "read report start done",
	}
	roles := []string{"admin", "coordinator", "head", "author", "staff", "auditor", "owner-a"}
	// Denied attempts change nothing, so one target per act and unit serves
	// every denied actor; an allowed attempt consumes its target.
	targets := map[string]func(context.Context) error{}
	get := func(act matrixAct, unit string) func(context.Context) error {
		k := act.name + "/" + unit
		if targets[k] == nil {
			targets[k] = act.setup(f, unit)
		}
		return targets[k]
	}
	for _, unit := range []string{"phong-a", "phong-b"} {
		for _, role := range roles {
			for _, act := range matrixActs {
				want := unit == "phong-a" && strings.Contains(" "+allowed[role]+" ", " "+act.name+" ")
				do := get(act, unit)
				trailBefore := countTrail(t, f)
				err := do(f.as(role))
				if want {
					if err != nil {
						t.Errorf("%s %s in %s: want allowed, got %v", role, act.name, unit, err)
					}
					delete(targets, act.name+"/"+unit)
					continue
				}
				// Denied: 403 when the actor can see the NC, 404 when it cannot.
				k := qms.KindOf(err)
				if k != qms.ErrForbidden && k != qms.ErrNotFound {
					t.Errorf("%s %s in %s: want denied, got %s", role, act.name, unit, kindName(err))
				}
				if canSee := unit == "phong-a" && role != "admin"; canSee && act.name != "report" && k != qms.ErrForbidden {
					t.Errorf("%s %s in %s: a reader should get forbidden, got %s", role, act.name, unit, kindName(err))
				}
				if after := countTrail(t, f); after != trailBefore {
					t.Errorf("%s %s in %s: denied act wrote %d trail entries", role, act.name, unit, after-trailBefore)
				}
			}
		}
	}
}

func countTrail(t *testing.T, f *ncFixture) int {
	t.Helper()
	var n int
	if err := f.env.DB.Get(&n, `SELECT count(*) FROM trail`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNCConcurrency(t *testing.T) {
	f := newNCFixture(t)
	t.Run("50 NCs get 50 consecutive numbers", func(t *testing.T) {
		var wg sync.WaitGroup
		numbers := make([]string, 50)
		errs := make([]error, 50)
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				nc, err := f.svc.Create(f.as("staff"), nonc.NewNC{Source: nonc.SourceSelfReport, Severity: "minor", Unit: "phong-a",
					Title: fmt.Sprintf("Song song %d", i)})
				numbers[i], errs[i] = nc.Number, err
			}(i)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		sort.Strings(numbers)
		for i, n := range numbers {
			if want := fmt.Sprintf("NC-2026-%04d", i+1); n != want {
				t.Fatalf("number %d = %s, want %s (all: %v)", i, n, want, numbers)
			}
		}
	})
	race := func(t *testing.T, n int, do func(i int) error) (ok int, kinds []string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				err := do(i)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else {
					kinds = append(kinds, kindName(err))
				}
			}(i)
		}
		close(start)
		wg.Wait()
		return ok, kinds
	}
	t.Run("two sign-offs at once: exactly one", func(t *testing.T) {
		nc, a := f.actionIn("phong-a", "owner-a", "head", nonc.ActionDone)
		heads := []string{"head", "head2-a"}
		ok, kinds := race(t, 2, func(i int) error { _, err := f.svc.SignOff(f.as(heads[i]), a.ID, ncPassword); return err })
		if ok != 1 || len(kinds) != 1 || kinds[0] != "state" {
			t.Fatalf("ok=%d others=%v", ok, kinds)
		}
		if got := strings.Count(strings.Join(f.trailActions(nc.ID), " "), "action.signoff"); got != 1 {
			t.Fatalf("%d sign-off entries", got)
		}
		sigs, err := postgres.Signatures(context.Background(), f.env.DB, nonc.ObjectAction, a.ID)
		if err != nil || len(sigs) != 1 {
			t.Fatalf("signatures %d %v", len(sigs), err)
		}
	})
	t.Run("two verifications at once: exactly one", func(t *testing.T) {
		nc, a := f.actionIn("phong-a", "owner-a", "head", nonc.ActionSignedOff)
		bosses := []string{"boss", "boss2"}
		ok, kinds := race(t, 2, func(i int) error {
			_, err := f.svc.Verify(f.as(bosses[i]), a.ID, nonc.Verification{Effective: i == 0, Comment: "kết luận", Password: ncPassword})
			return err
		})
		if ok != 1 || len(kinds) != 1 || kinds[0] != "state" {
			t.Fatalf("ok=%d others=%v", ok, kinds)
		}
		if got := strings.Count(strings.Join(f.trailActions(nc.ID), " "), "action.verify"); got != 1 {
			t.Fatalf("%d verify entries", got)
		}
	})
	t.Run("the same source raised twice at once: one NC", func(t *testing.T) {
		ids := make([]string, 4)
		ok, kinds := race(t, 4, func(i int) error {
			nc, err := f.svc.Raise(context.Background(), nonc.NewNC{Source: nonc.SourceProcess, SourceRef: "dossier:000.00.21.H56-260301-0001",
				Severity: "minor", Unit: "phong-b", Clauses: []string{"8.5.1"}, Title: "Hồ sơ trễ hạn"})
			ids[i] = nc.ID
			return err
		})
		if ok != 4 {
			t.Fatalf("ok=%d errors=%v", ok, kinds)
		}
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Fatalf("different NCs: %v", ids)
			}
		}
		var n int
		if err := f.env.DB.Get(&n, `SELECT count(*) FROM ncs WHERE source_ref = 'dossier:000.00.21.H56-260301-0001'`); err != nil || n != 1 {
			t.Fatalf("%d rows %v", n, err)
		}
		// Gap-free: the losers' rolled-back increments left no hole.
		var maxSeq, count int
		if err := f.env.DB.QueryRow(`SELECT max(seq), count(*) FROM ncs WHERE year = 2026`).Scan(&maxSeq, &count); err != nil || maxSeq != count {
			t.Fatalf("numbers have a gap: max %d, count %d, %v", maxSeq, count, err)
		}
	})
}

func TestNCBadInput(t *testing.T) {
	f := newNCFixture(t)
	today := f.today()
	analysed := f.analysed("phong-a")
	_, signed := f.actionIn("phong-a", "owner-a", "head", nonc.ActionSignedOff)
	_, done := f.actionIn("phong-a", "owner-a", "head", nonc.ActionDone)
	_, inProgress := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress)
	// The signed-off action must wait for a later verification date.
	nc2 := f.analysed("phong-a")
	_, later, err := f.svc.AddAction(f.as("boss"), nc2.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Description: "Sau",
		Due: today, VerifyAfter: today.AddDate(0, 0, 10)})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.svc.Start(f.as("owner-a"), later.ID)
	must(err)
	_, err = f.svc.Done(f.as("owner-a"), later.ID, "xong", qms.FilesOf(pdf("a.pdf")))
	must(err)
	_, err = f.svc.SignOff(f.as("head"), later.ID, ncPassword)
	must(err)

	cases := []struct {
		name  string
		actor string
		do    func(ctx context.Context) error
		kind  error
		field string
		msg   string
	}{
		{"due date in the past", "boss", func(ctx context.Context) error {
			_, _, err := f.svc.AddAction(ctx, analysed.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Description: "x",
				Due: today.AddDate(0, 0, -1), VerifyAfter: today})
			return err
		}, qms.ErrInvalid, "due", ""},
		{"verification before due", "boss", func(ctx context.Context) error {
			_, _, err := f.svc.AddAction(ctx, analysed.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Description: "x",
				Due: today.AddDate(0, 0, 5), VerifyAfter: today})
			return err
		}, qms.ErrInvalid, "verify_after", ""},
		{"owner outside the action's unit", "boss", func(ctx context.Context) error {
			_, _, err := f.svc.AddAction(ctx, analysed.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-b"), Description: "x",
				Due: today, VerifyAfter: today})
			return err
		}, qms.ErrInvalid, "owner", ""},
		{"owner is not a user id", "boss", func(ctx context.Context) error {
			_, _, err := f.svc.AddAction(ctx, analysed.ID, nonc.NewAction{Unit: "phong-a", Owner: "'; DROP TABLE ncs; --", Description: "x",
				Due: today, VerifyAfter: today})
			return err
		}, qms.ErrInvalid, "owner", ""},
		{"verification before the verification date", "boss", func(ctx context.Context) error {
			_, err := f.svc.Verify(ctx, later.ID, nonc.Verification{Effective: true, Password: ncPassword})
			return err
		}, qms.ErrState, "", "on or after"},
		{"head of another unit signs off", "head-b", func(ctx context.Context) error {
			_, err := f.svc.SignOff(ctx, done.ID, ncPassword)
			return err
		}, qms.ErrNotFound, "", ""},
		{"owner verifies own action", "owner-a", func(ctx context.Context) error {
			_, err := f.svc.Verify(ctx, signed.ID, nonc.Verification{Effective: true, Password: ncPassword})
			return err
		}, qms.ErrForbidden, "", ""},
		{"sign-off with a wrong password", "head", func(ctx context.Context) error {
			_, err := f.svc.SignOff(ctx, done.ID, "wrong-password")
			return err
		}, qms.ErrForbidden, "", "password"},
		{"not effective without a comment", "boss", func(ctx context.Context) error {
			_, err := f.svc.Verify(ctx, signed.ID, nonc.Verification{Effective: false, Password: ncPassword})
			return err
		}, qms.ErrInvalid, "", "comment"},
		{"done without evidence", "owner-a", func(ctx context.Context) error {
			_, err := f.svc.Done(ctx, inProgress.ID, "xong", nil)
			return err
		}, qms.ErrInvalid, "", "evidence"},
		{"done with an executable", "owner-a", func(ctx context.Context) error {
			_, err := f.svc.Done(ctx, inProgress.ID, "xong", qms.FilesOf(qms.Upload{Name: "x.exe", Body: strings.NewReader("MZ\x90\x00\x03\x00\x00\x00")}))
			return err
		}, qms.ErrInvalid, "", "not accepted"},
		{"done with a file over the limit", "owner-a", func(ctx context.Context) error {
			big := "%PDF-1.4\n" + strings.Repeat("x", 2<<20)
			_, err := f.svc.Done(ctx, inProgress.ID, "xong", qms.FilesOf(qms.Upload{Name: "big.pdf", Body: strings.NewReader(big)}))
			return err
		}, qms.ErrTooLarge, "", ""},
		{"auditor edits the containment", "auditor", func(ctx context.Context) error {
			_, err := f.svc.RecordContainment(ctx, analysed.ID, nonc.Containment{Text: "sửa"})
			return err
		}, qms.ErrForbidden, "", ""},
		{"unknown source and severity, no title", "staff", func(ctx context.Context) error {
			_, err := f.svc.Create(ctx, nonc.NewNC{Source: "rumour", Severity: "huge", Unit: "phong-a"})
			return err
		}, qms.ErrInvalid, "source", ""},
		{"bad clause", "staff", func(ctx context.Context) error {
			_, err := f.svc.Create(ctx, nonc.NewNC{Source: "self_report", Severity: "minor", Unit: "phong-a", Title: "x", Clauses: []string{"11.2"}})
			return err
		}, qms.ErrInvalid, "clauses", ""},
		{"detected in the future", "staff", func(ctx context.Context) error {
			_, err := f.svc.Create(ctx, nonc.NewNC{Source: "self_report", Severity: "minor", Unit: "phong-a", Title: "x", DetectedOn: today.AddDate(0, 0, 1)})
			return err
		}, qms.ErrInvalid, "detected_on", ""},
		{"unknown unit", "boss", func(ctx context.Context) error {
			_, err := f.svc.Create(ctx, nonc.NewNC{Source: "self_report", Severity: "minor", Unit: "khong-co", Title: "x"})
			return err
		}, qms.ErrInvalid, "", ""},
		{"cause without whys or categories", "boss", func(ctx context.Context) error {
			_, err := f.svc.RecordCause(ctx, analysed.ID, nonc.Cause{Summary: "?"})
			return err
		}, qms.ErrInvalid, "whys", ""},
		{"unknown cause category", "boss", func(ctx context.Context) error {
			_, err := f.svc.RecordCause(ctx, analysed.ID, nonc.Cause{Summary: "?", Categories: []string{"luck"}})
			return err
		}, qms.ErrInvalid, "categories", ""},
		{"cancel without a reason", "boss", func(ctx context.Context) error {
			_, err := f.svc.Cancel(ctx, analysed.ID, "  ")
			return err
		}, qms.ErrInvalid, "", ""},
		{"unknown action", "boss", func(ctx context.Context) error {
			_, err := f.svc.Start(ctx, "not-a-uuid")
			return err
		}, qms.ErrNotFound, "", ""},
		{"raise without a source reference", "boss", func(ctx context.Context) error {
			_, err := f.svc.Raise(ctx, nonc.NewNC{Source: "process", Severity: "minor", Unit: "phong-a", Title: "x"})
			return err
		}, qms.ErrInvalid, "", ""},
		{"no actor", "", func(ctx context.Context) error {
			_, err := f.svc.Create(ctx, nonc.NewNC{Source: "self_report", Severity: "minor", Unit: "phong-a", Title: "x"})
			return err
		}, qms.ErrUnauthenticated, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			if c.actor != "" {
				ctx = f.as(c.actor)
			}
			var rows [4]int
			count := func() [4]int {
				var r [4]int
				_ = f.env.DB.QueryRow(`SELECT (SELECT count(*) FROM trail), (SELECT count(*) FROM ncs), (SELECT count(*) FROM nc_files),
					(SELECT count(*) FROM signatures)`).Scan(&r[0], &r[1], &r[2], &r[3])
				return r
			}
			rows = count()
			err := c.do(ctx)
			if !errors.Is(err, c.kind) {
				t.Fatalf("want %v, got %s (%v)", c.kind, kindName(err), err)
			}
			if c.field != "" {
				var ve *qms.ValidationError
				if !errors.As(err, &ve) || ve.Fields[c.field].ID == "" {
					t.Fatalf("want a message for field %q, got %v", c.field, err)
				}
			}
			if c.msg != "" && !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("message %q does not mention %q", err.Error(), c.msg)
			}
			if after := count(); after != rows {
				t.Fatalf("nothing may be written: before %v, after %v", rows, after)
			}
		})
	}
	// State is unchanged after every refusal.
	got, err := f.svc.Get(f.as("boss"), signed.NCID)
	if err != nil || got.Actions[0].Status != nonc.ActionSignedOff {
		t.Fatalf("signed action changed: %v %v", got.Actions, err)
	}
}

func TestNCListAndScorecard(t *testing.T) {
	f := newNCFixture(t)
	ncA, _ := f.actionIn("phong-a", "owner-a", "head", nonc.ActionOpen)
	f.newNC("phong-b")
	f.analysed("phong-c")
	_, err := f.svc.Create(f.as("staff"), nonc.NewNC{Source: nonc.SourceComplaint, Severity: "major", Unit: "phong-a",
		Clauses: []string{"9.1.2"}, Title: "=HYPERLINK(\"http://evil\",\"bấm\")"})
	if err != nil {
		t.Fatal(err)
	}
	list := func(actor string, fl nonc.Filter) []string {
		t.Helper()
		ncs, err := f.svc.List(f.as(actor), fl)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, n := range ncs {
			out = append(out, n.Number)
		}
		return out
	}
	if got := list("boss", nonc.Filter{}); strings.Join(got, " ") != "NC-2026-0004 NC-2026-0003 NC-2026-0002 NC-2026-0001" {
		t.Fatalf("all: %v", got)
	}
	if got := list("staff", nonc.Filter{}); strings.Join(got, " ") != "NC-2026-0004 NC-2026-0001" {
		t.Fatalf("staff of phong-a sees %v", got)
	}
	if got := list("admin", nonc.Filter{}); len(got) != 0 {
		t.Fatalf("admin sees %v", got)
	}
	if got := list("boss", nonc.Filter{Unit: "phong-a", Severity: "major"}); strings.Join(got, " ") != "NC-2026-0004" {
		t.Fatalf("filter: %v", got)
	}
	if got := list("boss", nonc.Filter{Clause: "7.5"}); len(got) != 3 { // 7.5.3 matches 7.5
		t.Fatalf("clause filter: %v", got)
	}
	if got := list("boss", nonc.Filter{Status: nonc.StatusActionsPlanned}); strings.Join(got, " ") != ncA.Number {
		t.Fatalf("status filter: %v", got)
	}
	if got := list("boss", nonc.Filter{Limit: 2, Cursor: "NC-2026-0003"}); strings.Join(got, " ") != "NC-2026-0002 NC-2026-0001" {
		t.Fatalf("cursor: %v", got)
	}
	if _, err := f.svc.List(f.as("boss"), nonc.Filter{Status: "weird"}); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("bad filter: %v", err)
	}
	if got := list("boss", nonc.Filter{Overdue: true}); len(got) != 0 {
		t.Fatalf("overdue today: %v", got)
	}
	// Time passes: the action is overdue; NCs without a cause are unanswered.
	f.clk.addDays(15)
	if got := list("boss", nonc.Filter{Overdue: true}); strings.Join(got, " ") != ncA.Number {
		t.Fatalf("overdue: %v", got)
	}
	sc, err := f.svc.Scorecard(f.as("boss"))
	if err != nil {
		t.Fatal(err)
	}
	byUnit := map[string]nonc.UnitScore{}
	for _, u := range sc.Units {
		byUnit[u.Unit] = u
	}
	if a := byUnit["phong-a"]; a.Open != 2 || a.Overdue != 1 || a.Unanswered != 1 || !a.NonComplying {
		t.Fatalf("phong-a: %+v", a)
	}
	if b := byUnit["phong-b"]; b.Open != 1 || b.Unanswered != 1 || !b.NonComplying {
		t.Fatalf("phong-b: %+v", b)
	}
	if c := byUnit["phong-c"]; c.NonComplying || c.Open != 1 {
		t.Fatalf("phong-c: %+v", c)
	}
	if len(sc.NonComplying) != 2 || sc.NonComplying[0].Unit != "phong-a" {
		t.Fatalf("non-complying: %+v", sc.NonComplying)
	}
	if len(sc.Causes) != 1 || sc.Causes[0].Category != "method" || sc.Causes[0].Count != 2 || sc.Causes[0].CumulativePct != 100 {
		t.Fatalf("causes: %+v", sc.Causes)
	}
	if len(sc.Monthly) != 12 || sc.Monthly[11].Month != "2026-03" || sc.Monthly[11].Opened != 4 {
		t.Fatalf("monthly: %+v", sc.Monthly[len(sc.Monthly)-1])
	}
	// The export row keeps the title as written (neutralising formulas is
	// the export writer's: web/export).
	all, _ := f.svc.List(f.as("boss"), nonc.Filter{})
	if row := nonc.ExportRow(all[0], f.today(), time.UTC); !strings.HasPrefix(row[7], "=") {
		t.Fatalf("title column %q", row[7])
	}
}

func TestNCMyActions(t *testing.T) {
	f := newNCFixture(t)
	_, open := f.actionIn("phong-a", "owner-a", "head", nonc.ActionOpen)
	_, done := f.actionIn("phong-a", "owner-a", "head", nonc.ActionDone)
	_, signed := f.actionIn("phong-b", "owner-b", "head-b", nonc.ActionSignedOff)
	ids := func(actor string) string {
		as, err := f.svc.MyActions(f.as(actor))
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, a := range as {
			out = append(out, a.ID)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	if got := ids("owner-a"); got != open.ID {
		t.Fatalf("owner-a: %s", got)
	}
	if got := ids("head"); got != done.ID {
		t.Fatalf("head: %s", got)
	}
	if got := ids("boss"); got != signed.ID {
		t.Fatalf("boss: %s", got)
	}
	if got := ids("head-b"); got != "" {
		t.Fatalf("head-b: %s", got)
	}
	if got := ids("auditor"); got != "" {
		t.Fatalf("auditor: %s", got)
	}
}

// TestNCOverdueJob: overdue actions and NCs left without a root cause are
// escalated once to the owner, the unit's heads and the coordinators, in
// the app and by email through a real SMTP exchange; two runners at once
// fire once.
func TestNCOverdueJob(t *testing.T) {
	f := newNCFixture(t)
	smtpd := mailtest.Start(t, "", "")
	sender, err := mail.New(mail.Options{Host: "127.0.0.1", Port: smtpd.Port, From: "qmstrack@example.org", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	// The e-mails are queued in the escalation's transaction and sent by
	// the queue's job over a real SMTP exchange.
	q := queuetest.Start(t, f.env.DB, sender)
	store := postgres.NewNCStore(f.env.DB, hcm).WithMail(queue.Mailer{Q: q}.SendTx)
	svc := nonc.New(store, ncBlobs{f.env.Blob}, f.az, nil, nonc.Options{
		Now: f.clk.now, Location: hcm, AnalysisDays: 14, BaseURL: "http://qms.example", Render: cat.Msg})
	// waitMails waits for n e-mails, then a little longer for a duplicate.
	waitMails := func(n int) []mailtest.Message {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); len(smtpd.Messages()) < n && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		return smtpd.Messages()
	}
	ncA, act := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress) // due today
	ncB := f.newNC("phong-b")                                                   // no root cause yet
	ctx := context.Background()
	// runner is one instance's scheduled run: under the cluster-wide lock.
	runner := func(_ chan struct{}) (bool, nonc.JobReport, error) {
		var rep nonc.JobReport
		ran, err := postgres.TryExclusive(ctx, f.env.DB, ncJobKey, func(ctx context.Context) error {
			var err error
			rep, err = svc.RunOverdue(ctx)
			return err
		})
		return ran, rep, err
	}
	notes := func(kind string) map[string]int {
		t.Helper()
		rows, err := f.env.DB.Query(`SELECT u.login, count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = $1 GROUP BY u.login`, kind)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var l string
			var n int
			if err := rows.Scan(&l, &n); err != nil {
				t.Fatal(err)
			}
			out[l] = n
		}
		return out
	}
	if _, rep, err := runner(nil); err != nil || rep.LateActions != 0 || rep.Notified != 0 {
		t.Fatalf("nothing is late on the due date: %+v %v", rep, err)
	}

	f.clk.addDays(1)
	// One runner holds the lock while the other tries: the second does not run.
	locked, hold := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		ran, err := postgres.TryExclusive(ctx, f.env.DB, ncJobKey, func(ctx context.Context) error {
			close(locked)
			<-hold
			_, err := svc.RunOverdue(ctx)
			return err
		})
		if err == nil && !ran {
			err = errors.New("the first runner did not get the lock")
		}
		first <- err
	}()
	<-locked
	if ran, _, err := runner(nil); err != nil || ran {
		t.Fatalf("a second runner ran while the first held the lock: %v %v", ran, err)
	}
	close(hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"owner-a": 1, "head": 1, "head2-a": 1, "coordinator": 1, "boss": 1, "boss2": 1}
	if got := notes("nc.action.overdue"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("overdue notifications: %v, want %v", got, want)
	}
	if got := strings.Count(strings.Join(f.trailActions(ncA.ID), " "), "action.overdue"); got != 1 {
		t.Fatalf("%d action.overdue trail entries", got)
	}
	msgs := waitMails(6)
	if len(msgs) != 6 {
		t.Fatalf("%d emails, want 6", len(msgs))
	}
	var en, vi int
	for _, m := range msgs {
		switch {
		case strings.HasPrefix(m.Subject, "Corrective action overdue: "+ncA.Number+" #1 (due 10/03/2026)"):
			en++
		case strings.HasPrefix(m.Subject, "Hành động khắc phục quá hạn: "+ncA.Number+" #1 (hạn 10/03/2026)"):
			vi++
		default:
			t.Fatalf("subject %q", m.Subject)
		}
		if !strings.Contains(m.Body, "http://qms.example/ncs/"+ncA.ID) {
			t.Fatalf("body without link: %q", m.Body)
		}
	}
	if en != 2 || vi != 4 { // heads read English in this fixture
		t.Fatalf("languages: en %d vi %d", en, vi)
	}
	var flagged *time.Time
	if err := f.env.DB.Get(&flagged, `SELECT overdue_at FROM nc_actions WHERE id = $1`, act.ID); err != nil || flagged == nil {
		t.Fatalf("action not marked overdue: %v", err)
	}

	// Two runners at once, again: nothing new fires.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := runner(nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(queuetest.Queued(t, f.env.DB)) != 6 || len(waitMails(6)) != 6 || fmt.Sprint(notes("nc.action.overdue")) != fmt.Sprint(want) {
		t.Fatal("a second scan escalated again")
	}

	// After the analysis period, the NC without a root cause is escalated to
	// phong-b's head and the organisation-wide coordinators.
	f.clk.addDays(14)
	wg = sync.WaitGroup{}
	ranN := make(chan bool, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ran, _, err := runner(nil)
			if err != nil {
				t.Error(err)
			}
			ranN <- ran
		}()
	}
	wg.Wait()
	wantB := map[string]int{"head-b": 1, "boss": 1, "boss2": 1}
	if got := notes("nc.analysis.overdue"); fmt.Sprint(got) != fmt.Sprint(wantB) {
		t.Fatalf("analysis notifications: %v, want %v", got, wantB)
	}
	if got := strings.Count(strings.Join(f.trailActions(ncB.ID), " "), "nc.analysis_overdue"); got != 1 {
		t.Fatalf("%d nc.analysis_overdue trail entries", got)
	}
	if n := len(waitMails(9)); n != 9 {
		t.Fatalf("%d emails, want 9", n)
	}
	// ncA was analysed at once, so it is never "without a root cause".
	if got := strings.Count(strings.Join(f.trailActions(ncA.ID), " "), "nc.analysis_overdue"); got != 0 {
		t.Fatal("an analysed NC was escalated for analysis")
	}
}

// TestNCOverdueEmailsQueuedInTheEscalation: the overdue escalation queues
// its e-mails in the transaction that writes its notifications. When that
// transaction fails after the notifications and an e-mail job were written
// (the hook fails once it has queued the second e-mail), neither a
// notification, nor a job, nor the overdue mark, nor a trail entry stays;
// the next run commits one e-mail job per person notified, to their address
// and in their language; a run after it queues nothing more.
func TestNCOverdueEmailsQueuedInTheEscalation(t *testing.T) {
	f := newNCFixture(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	q := queuetest.New(t, f.env.DB, nil) // queued only: the jobs stay to be read
	hook := queue.Mailer{Q: q}.SendTx
	service := func(mail postgres.MailTx) *nonc.Service {
		return nonc.New(postgres.NewNCStore(f.env.DB, hcm).WithMail(mail), ncBlobs{f.env.Blob}, f.az, nil, nonc.Options{
			Now: f.clk.now, Location: hcm, AnalysisDays: 14, BaseURL: "http://qms.example", Render: cat.Msg})
	}
	nc, act := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress)
	f.clk.addDays(1)
	ctx := context.Background()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := f.env.DB.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if _, err := service(queuetest.FailAfter(hook, 2)).RunOverdue(ctx); !errors.Is(err, queuetest.ErrInjected) {
		t.Fatalf("the failing escalation answered %v, want the injected failure", err)
	}
	if n := count(`SELECT count(*) FROM notifications WHERE kind = 'nc.action.overdue'`); n != 0 {
		t.Fatalf("%d notifications left by the escalation that failed", n)
	}
	if jobs := queuetest.Queued(t, f.env.DB); len(jobs) != 0 {
		t.Fatalf("the escalation that failed left %d e-mail jobs: %+v", len(jobs), jobs)
	}
	if n := count(`SELECT count(*) FROM nc_actions WHERE id = $1 AND overdue_at IS NOT NULL`, act.ID); n != 0 {
		t.Fatal("the escalation that failed marked the action overdue")
	}
	if got := strings.Count(strings.Join(f.trailActions(nc.ID), " "), "action.overdue"); got != 0 {
		t.Fatalf("the escalation that failed left %d trail entries", got)
	}

	rep, err := service(hook).RunOverdue(ctx)
	if err != nil || rep.Notified != 6 || rep.Emailed != 6 {
		t.Fatalf("escalation: %+v %v, want 6 notified and 6 e-mailed", rep, err)
	}
	byTo := queuetest.To(t, f.env.DB)
	for _, login := range []string{"owner-a", "head", "head2-a", "coordinator", "boss", "boss2"} {
		mails := byTo[login+"@example.org"]
		if len(mails) != 1 {
			t.Fatalf("%s has %d e-mail jobs, want 1: %+v", login, len(mails), byTo)
		}
		prefix := "Hành động khắc phục quá hạn: " + nc.Number + " #1"
		if strings.HasPrefix(login, "head") { // heads read English in this fixture
			prefix = "Corrective action overdue: " + nc.Number + " #1"
		}
		if m := mails[0]; !strings.HasPrefix(m.Subject, prefix) || !strings.Contains(m.Body, "http://qms.example/ncs/"+nc.ID) || m.State != "available" {
			t.Fatalf("%s's e-mail: %+v, want subject %q and the NC's link", login, m, prefix)
		}
	}
	if len(byTo) != 6 {
		t.Fatalf("e-mails to %d addresses, want 6", len(byTo))
	}

	again, err := service(hook).RunOverdue(ctx)
	if err != nil || again.Notified != 0 || again.Emailed != 0 || len(queuetest.Queued(t, f.env.DB)) != 6 {
		t.Fatalf("a second run: %+v %v, %d jobs; want nothing new", again, err, len(queuetest.Queued(t, f.env.DB)))
	}
}

// TestNCDesignatedVerifier: a designated verifier who is not a coordinator
// may verify; the owner can never be made the verifier; nobody else may.
func TestNCDesignatedVerifier(t *testing.T) {
	f := newNCFixture(t)
	today := f.today()
	nc := f.analysed("phong-a")
	if _, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Verifier: f.id("owner-a"),
		Description: "x", Due: today, VerifyAfter: today}); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("owner as verifier: %v", err)
	}
	// Who may be named: not an auditor of the unit, not a head of the unit
	// (they sign off), not someone without verify rights who heads no unit.
	// Each refusal names its reason and adds no action.
	for who, why := range map[string]string{
		"auditor": "an auditor of the unit", "head2-a": "signs the action off", "owner-b": "must hold verify rights",
	} {
		_, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Verifier: f.id(who),
			Description: "x", Due: today, VerifyAfter: today})
		var ve *qms.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields["verifier"].String(), why) {
			t.Errorf("%s named verifier: %v, want a refusal saying %q", who, err, why)
		}
	}
	if got, _ := f.svc.Get(f.as("boss"), nc.ID); len(got.Actions) != 0 {
		t.Fatalf("refused verifiers added %d actions", len(got.Actions))
	}
	// A coordinator of the unit may be named.
	if _, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Verifier: f.id("coordinator"),
		Description: "Thư ký ISO kiểm tra", Due: today, VerifyAfter: today}); err != nil {
		t.Fatalf("coordinator as verifier: %v", err)
	}
	_, act, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Verifier: f.id("head-b"),
		Description: "Kiểm tra chéo", Due: today, VerifyAfter: today})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Start(f.as("owner-a"), act.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Done(f.as("owner-a"), act.ID, "xong", qms.FilesOf(pdf("a.pdf"))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignOff(f.as("head"), act.ID, ncPassword); err != nil {
		t.Fatal(err)
	}
	// head-b reads the NC as its designated verifier and has it in "my actions".
	mine, err := f.svc.MyActions(f.as("head-b"))
	if err != nil || len(mine) != 1 || mine[0].ID != act.ID {
		t.Fatalf("verifier's actions: %v %v", mine, err)
	}
	if _, err := f.svc.Verify(f.as("head2-a"), act.ID, nonc.Verification{Effective: true, Password: ncPassword}); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("another head verifies: %v", err)
	}
	got, err := f.svc.Verify(f.as("head-b"), act.ID, nonc.Verification{Effective: true, Comment: "Đạt", Password: ncPassword})
	if err != nil {
		t.Fatal(err)
	}
	if got.Actions[1].Status != nonc.ActionVerifiedEffective || got.Actions[1].Signatures[1].Role != "verifier" {
		t.Fatalf("verified by the verifier: %s %+v", got.Actions[1].Status, got.Actions[1].Signatures)
	}
}

// TestNCAuditorVerifierSetting: with the office's setting an auditor of the
// unit may be named verifier; without it, not (TestNCDesignatedVerifier).
func TestNCAuditorVerifierSetting(t *testing.T) {
	f := newNCFixture(t)
	az, err := authz.New(f.env.DB)
	if err != nil {
		t.Fatal(err)
	}
	svc := nonc.New(f.store, ncBlobs{f.env.Blob}, az, nil, nonc.Options{Now: f.clk.now, Location: hcm, Trail: f.trail, AuditorsMayVerify: true})
	today := f.today()
	nc := f.analysed("phong-a")
	if _, _, err := svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Verifier: f.id("auditor"),
		Description: "Đánh giá viên kiểm tra", Due: today, VerifyAfter: today}); err != nil {
		t.Fatalf("auditor as verifier with the setting: %v", err)
	}
}

// TestNCReopenAfterClose: closed -> reopened when an action verified
// effective proves not effective after all (the problem came back).
func TestNCReopenAfterClose(t *testing.T) {
	f := newNCFixture(t)
	nc, act := f.actionIn("phong-a", "owner-a", "head", nonc.ActionSignedOff)
	nc, err := f.svc.Verify(f.as("boss"), act.ID, nonc.Verification{Effective: true, Password: ncPassword})
	if err != nil || nc.Status != nonc.StatusClosed {
		t.Fatalf("close: %v %s", err, nc.Status)
	}
	if p := f.svc.PermissionsOf(f.as("boss"), nc); len(p.Actions[act.ID]) != 1 || p.Actions[act.ID][0] != "reverify" {
		t.Fatalf("permissions on a closed NC: %+v", p)
	}
	if p := f.svc.PermissionsOf(f.as("owner-a"), nc); len(p.Actions) != 0 {
		t.Fatalf("the owner may reverify: %+v", p)
	}
	// Verify does not reach a closed NC: a late second verification of the
	// same action is refused, whatever it says.
	if _, err := f.svc.Verify(f.as("boss2"), act.ID, nonc.Verification{Effective: false, Comment: "x", Password: ncPassword}); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("verify on a closed NC: %v", err)
	}
	for _, c := range []struct {
		actor string
		in    nonc.Verification
		kind  error
	}{
		{"boss", nonc.Verification{Password: ncPassword}, qms.ErrInvalid}, // no comment
		{"owner-a", nonc.Verification{Comment: "x", Password: ncPassword}, qms.ErrForbidden},
		{"head", nonc.Verification{Comment: "x", Password: ncPassword}, qms.ErrForbidden},
		{"boss", nonc.Verification{Comment: "x", Password: "wrong-password"}, qms.ErrForbidden},
	} {
		if _, err := f.svc.Reverify(f.as(c.actor), act.ID, c.in); !errors.Is(err, c.kind) {
			t.Fatalf("%s %+v: want %v, got %v", c.actor, c.in, c.kind, err)
		}
	}
	// Reverify only reaches closed NCs.
	_, open := f.actionIn("phong-a", "owner-a", "head", nonc.ActionSignedOff)
	if _, err := f.svc.Reverify(f.as("boss"), open.ID, nonc.Verification{Comment: "x", Password: ncPassword}); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("reverify an open NC: %v", err)
	}
	if _, err := f.svc.Start(f.as("owner-a"), act.ID); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("act on a closed NC: %v", err)
	}
	nc, err = f.svc.Reverify(f.as("boss2"), act.ID, nonc.Verification{Comment: "Tái diễn sau 2 tháng", Password: ncPassword})
	if err != nil {
		t.Fatal(err)
	}
	if nc.Status != nonc.StatusReopened || nc.ClosedAt != nil || nc.Actions[0].Status != nonc.ActionVerifiedNotEffective || len(nc.Actions[0].Signatures) != 3 {
		t.Fatalf("reopened: %s %v %s %d", nc.Status, nc.ClosedAt, nc.Actions[0].Status, len(nc.Actions[0].Signatures))
	}
	tr := strings.Join(f.trailActions(nc.ID), " ")
	if !strings.HasSuffix(tr, "action.verify nc.close action.reverify nc.reopen") {
		t.Fatalf("trail: %s", tr)
	}
}

// auditWindow stands for the internal-audit capability: who audits which
// units today.
type auditWindow map[string][]string

func (w auditWindow) AuditedUnits(_ context.Context, userID string, _ time.Time) ([]string, error) {
	return w[userID], nil
}

// TestNCAuditWindow: an auditor reads the NCs of the units of the audit they
// conduct, during its window, and still changes nothing there.
func TestNCAuditWindow(t *testing.T) {
	f := newNCFixture(t)
	ncB := f.newNC("phong-b")
	ids := identity.NewService(postgres.NewIdentityStore(f.env.DB), f.clk.now, identity.Options{})
	withWindow := nonc.New(f.store, ncBlobs{f.env.Blob}, f.az, ids, nonc.Options{Now: f.clk.now, Location: hcm, Trail: f.trail,
		Audits: auditWindow{f.id("auditor"): {"phong-b"}}})
	if _, err := f.svc.Get(f.as("auditor"), ncB.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("without the window: %v", err)
	}
	if _, err := withWindow.Get(f.as("auditor"), ncB.ID); err != nil {
		t.Fatalf("within the window: %v", err)
	}
	list, err := withWindow.List(f.as("auditor"), nonc.Filter{})
	if err != nil || len(list) != 1 || list[0].ID != ncB.ID {
		t.Fatalf("list within the window: %v %v", list, err)
	}
	if _, err := withWindow.RecordContainment(f.as("auditor"), ncB.ID, nonc.Containment{Text: "sửa"}); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("auditor edits within the window: %v", err)
	}
	// Others are not affected by an auditor's window.
	if _, err := withWindow.Get(f.as("staff"), ncB.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("staff of another unit: %v", err)
	}
}
