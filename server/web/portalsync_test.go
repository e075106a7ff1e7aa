package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestDossierSyncStatus: with the portal's address set, a dossier recorded
// through the API is captured, sent by the sync job, and its sync status
// (each change, when it arrived, how late) is read by those who may read
// the dossier; anyone else gets the dossier's 404. Without an address the
// status says the sync is off.
func TestDossierSyncStatus(t *testing.T) {
	portal := apptest.NewPortal(t)
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.PortalSyncURL = portal.URL }))
	f := env.Fixtures()
	svc := f.Service(t, "tnmt", 5)
	number := f.Dossier(t, "staff.tnmt", svc, time.Now().Add(-time.Hour))
	if _, err := env.App.PortalSync.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Enabled bool `json:"enabled"`
		Items   []struct {
			Seq      int        `json:"seq"`
			Kind     string     `json:"kind"`
			SyncedAt *time.Time `json:"synced_at"`
		} `json:"items"`
	}
	apptest.Expect(t, "sync status", f.As("head.tnmt").Do("GET", "/api/v1/dossiers/"+number+"/sync", nil), http.StatusOK, &st)
	if !st.Enabled || len(st.Items) == 0 || st.Items[0].Kind != "receipt" || st.Items[0].SyncedAt == nil {
		t.Fatalf("sync status %+v", st)
	}
	if n := portal.Received(number); n != len(st.Items) {
		t.Errorf("the portal got %d messages for %s, the status lists %d", n, number, len(st.Items))
	}
	if r := f.As("staff.noivu").Do("GET", "/api/v1/dossiers/"+number+"/sync", nil); r.Status != http.StatusNotFound {
		t.Errorf("another unit's staff reads the sync status: %d", r.Status)
	}

	off := apptest.New(t)
	fo := off.Fixtures()
	n2 := fo.Dossier(t, "staff.tnmt", fo.Service(t, "tnmt", 5), time.Now())
	apptest.Expect(t, "sync off", fo.As("head.tnmt").Do("GET", "/api/v1/dossiers/"+n2+"/sync", nil), http.StatusOK, &st)
	if st.Enabled || len(st.Items) != 0 {
		t.Errorf("without a portal: %+v", st)
	}
}
