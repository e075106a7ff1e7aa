package reconcile_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/qms"
)

// BenchmarkCheck measures one check (Inspect: rows read twice when
// something looks wrong, every version listed, nothing removed) over
// benchRows NC evidence files with their rows and benchOrphans versions
// without a row. README "Reconciler and doctor" records the figures.
func BenchmarkCheck(b *testing.B) {
	const benchRows, benchOrphans = 2000, 200
	env := apptest.New(b)
	ctx := context.Background()
	var nc struct{ ID string }
	env.As("staff.tnmt").Do("POST", "/api/v1/ncs", map[string]string{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Đo kiểm tra kho tệp"}).MustStatus(201).Decode(&nc)
	objs := make([]qms.StoredObject, benchRows+benchOrphans)
	var wg sync.WaitGroup
	errs := make(chan error, len(objs))
	next := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				o, err := env.App.Blob.PutFile(ctx, "ncs/"+qms.NewID(), bytes.NewReader(pdf), 1<<20)
				if err != nil {
					errs <- err
					continue
				}
				objs[i] = o
			}
		}()
	}
	for i := range objs {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for _, o := range objs[:benchRows] {
		if _, err := env.App.DB.ExecContext(ctx, `INSERT INTO nc_files (nc_id, purpose, object_key, version_id, size, sha256, media_type, file_name)
			VALUES ($1, 'evidence', $2, $3, $4, $5, $6, 'e.pdf')`, nc.ID, o.Key, o.VersionID, o.Size, o.SHA256, o.MediaType); err != nil {
			b.Fatal(err)
		}
	}
	svc := service(env, func() time.Time { return time.Now().Add(2 * time.Hour) }, time.Hour)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := svc.Inspect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if c.RowsChecked != benchRows || c.OrphansRemoved != benchOrphans {
			b.Fatalf("rows %d, removable %d", c.RowsChecked, c.OrphansRemoved)
		}
	}
}
