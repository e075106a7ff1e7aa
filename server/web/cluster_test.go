package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestTwoInstancesServeOneOffice runs two instances on one database and
// bucket, as the compose file's two replicas behind the proxy: a session
// made on one works on the other, a file stored through one is read
// through the other, and a role taken away on one is refused on the other
// once its notification arrives (the watcher: within a second here),
// without a restart; the first instance refuses at its very next request.
func TestTwoInstancesServeOneOffice(t *testing.T) {
	a := apptest.New(t)
	b := a.Instance(t)
	// Each instance listens for the policy's changes, as "qmstrack serve" does.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, e := range []*apptest.Env{a, b} {
		if _, err := e.App.Authz.Watch(ctx, e.DBURL, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
	}
	f := a.Fixtures()
	ncID := f.NC(t, "tnmt")
	recID := f.Record(t, "staff.tnmt", "tnmt", f.Today())

	staffA := a.As("staff.tnmt")
	staffB := staffA.On(b)
	apptest.Expect(t, "session on b", staffB.Do("GET", "/api/v1/me", nil), http.StatusOK, nil)
	apptest.Expect(t, "NC on b", staffB.Do("GET", "/api/v1/ncs/"+ncID, nil), http.StatusOK, nil)
	apptest.Expect(t, "record on b", staffB.Do("GET", "/api/v1/records/"+recID, nil), http.StatusOK, nil)

	var roles struct {
		Items []struct{ Role, Unit string }
	}
	admin := a.As("admin")
	var me struct{ ID string }
	apptest.Expect(t, "me", staffA.Do("GET", "/api/v1/me", nil), http.StatusOK, &me)
	apptest.Expect(t, "roles", admin.Do("GET", "/api/v1/role-assignments?user_id="+me.ID, nil), http.StatusOK, &roles)
	for _, r := range roles.Items {
		apptest.Expect(t, "revoke", admin.Do("DELETE", "/api/v1/role-assignments", map[string]string{"user": "staff.tnmt", "role": r.Role, "unit": r.Unit}), http.StatusOK, nil)
	}
	if len(roles.Items) == 0 {
		t.Fatal("staff.tnmt holds no role to take away")
	}
	if r := staffA.Do("GET", "/api/v1/ncs/"+ncID, nil); r.Status != http.StatusNotFound {
		t.Errorf("the instance that took the roles away answers %d at the next request, want 404", r.Status)
	}
	start := time.Now()
	for {
		r := staffB.Do("GET", "/api/v1/ncs/"+ncID, nil)
		if r.Status == http.StatusNotFound {
			t.Logf("the other instance refused %v after the revocation", time.Since(start).Round(time.Millisecond))
			break
		}
		if r.Status != http.StatusOK {
			t.Fatalf("b answers %s", r)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the other instance still serves the NC 5 s after the roles were taken away")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The session itself still works on both: the person is signed in, with no role.
	apptest.Expect(t, "session still on b", staffB.Do("GET", "/api/v1/me", nil), http.StatusOK, nil)
}
