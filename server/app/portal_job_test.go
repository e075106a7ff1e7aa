package app_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/postgres"
)

// TestRunJobsSyncsDossiersToThePortal: with the portal's address set, the
// application registers the portal.sync job, and RunJobs on two instances
// of one database sends a recorded dossier's receipt to the portal, once,
// however many more rounds both run. Without the address the job is not
// registered (TestRunJobsFiresEveryJobOnceAcrossInstances counts the rest).
func TestRunJobsSyncsDossiersToThePortal(t *testing.T) {
	portal := apptest.NewPortal(t)
	received := portal.Received

	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.PortalSyncURL = portal.URL }))
	registered := false
	for _, j := range env.App.Jobs {
		registered = registered || j.Name == "portal.sync"
	}
	if !registered {
		t.Fatal("with the portal's address set, the portal.sync job is not registered")
	}
	f := env.Fixtures()
	number := f.Dossier(t, "staff.tnmt", f.Service(t, "tnmt", 5), time.Now().Add(-time.Hour))
	if n := received(number); n != 0 {
		t.Fatalf("the portal got %d messages before any job ran", n)
	}

	db2, err := postgres.Open(context.Background(), env.DBURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	second, err := app.New(env.App.Cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db2, env.App.Blob, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, a := range []*app.App{env.App, second} {
		wg.Go(func() { a.RunJobs(ctx, 25*time.Millisecond) })
	}
	for deadline := time.Now().Add(60 * time.Second); received(number) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if received(number) == 0 {
		cancel()
		wg.Wait()
		t.Fatalf("the dossier %s did not reach the portal through RunJobs within 60 s", number)
	}
	time.Sleep(40 * 25 * time.Millisecond) // many more rounds of both instances
	cancel()
	wg.Wait()
	if n := received(number); n != 1 {
		t.Fatalf("the portal got the receipt of %s %d times, want once", number, n)
	}

	off := apptest.New(t)
	for _, j := range off.App.Jobs {
		if j.Name == "portal.sync" {
			t.Fatal("without the portal's address, the portal.sync job is registered")
		}
	}
}
