package record_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// Tests written against the mutants that survived `make mutate` on the
// record package (README, Mutation testing): each names the rule it pins.

// seesNCs is the NC capability's visibility as the record service asks it:
// the filer sees the NCs of the ids given.
type seesNCs struct{ ids []string }

func (s seesNCs) NC(_ context.Context, id string) error {
	if slices.Contains(s.ids, id) {
		return nil
	}
	return qms.Errorf(qms.ErrNotFound, "no such nonconformity")
}
func (seesNCs) Revision(context.Context, string) error { return qms.Errorf(qms.ErrNotFound, "no") }
func (seesNCs) Action(context.Context, string) error   { return qms.Errorf(qms.ErrNotFound, "no") }
func (seesNCs) Audit(context.Context, string) error    { return qms.Errorf(qms.ErrNotFound, "no") }

// addNC inserts a numbered NC of unit as the NC capability would have.
func addNC(t *testing.T, db *sql.DB, number, unit string) string {
	t.Helper()
	var id string
	var seq int
	fmt.Sscanf(number[len("NC-2026-"):], "%d", &seq)
	if err := db.QueryRow(`INSERT INTO ncs (id, number, year, seq, source, severity, unit, title, detected_by, detected_on, status)
		VALUES (gen_random_uuid(), $1, 2026, $2, 'self_report', 'minor', $3, 'Hồ sơ trả chậm', 'x', '2026-03-10', 'open') RETURNING id`,
		number, seq, unit).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRecordLinkToAVisibleNC: a filing linked to an NC its filer may see
// keeps the link (by the NC's id, given its number); one linked to an NC
// the filer may not see is refused on that field, as an unknown NC is.
func TestRecordLinkToAVisibleNC(t *testing.T) {
	f := newFixture(t, 0)
	seen := addNC(t, f.env.DB.DB, "NC-2026-0001", "land")
	addNC(t, f.env.DB.DB, "NC-2026-0002", "finance")
	az, err := authz.New(f.env.DB)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = record.New(f.store, f.env.Blob, az, passwords{}, record.Options{Now: func() time.Time { return f.now }, Location: loc,
		Links: seesNCs{ids: []string{seen}}})
	r, err := f.svc.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "Phiếu kiểm tra hồ sơ",
		Date: f.today(), LinkNC: "NC-2026-0001", File: file("phieu.pdf", pdf("x"))})
	if err != nil || r.Links.NC != seen {
		t.Fatalf("a link to a visible NC: %+v %v", r.Links, err)
	}
	_, err = f.svc.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "Phiếu kiểm tra hồ sơ",
		Date: f.today(), LinkNC: "NC-2026-0002", File: file("phieu.pdf", pdf("x"))})
	var ve *qms.ValidationError
	if qms.KindOf(err) != qms.ErrInvalid || !errors.As(err, &ve) || ve.Fields["link_nc"].ID != "no such nonconformity" || len(ve.Fields) != 1 {
		t.Fatalf("a link to an NC the filer may not see: %v", err)
	}
}

// TestRecordListStatusAndLimit: every status a list may ask is accepted and
// lists its records, another is refused; a limit is kept when it is 1 to
// 500 and becomes 200 otherwise.
func TestRecordListStatusAndLimit(t *testing.T) {
	f := newFixture(t, 0)
	for i := 0; i < 3; i++ {
		f.create(t, "meeting-minutes", f.today())
	}
	for _, st := range []string{"", record.StatusActive, record.StatusDisposing, record.StatusDisposed} {
		list, err := f.svc.List(f.as("coord"), record.Filter{Status: st})
		if err != nil {
			t.Fatalf("status %q refused: %v", st, err)
		}
		if want := map[string]int{"": 3, record.StatusActive: 3}[st]; len(list) != want {
			t.Errorf("status %q lists %d records, want %d", st, len(list), want)
		}
	}
	if _, err := f.svc.List(f.as("coord"), record.Filter{Status: "lost"}); err == nil || !strings.Contains(err.Error(), "status: active, disposing or disposed") {
		t.Errorf("status lost: %v", err)
	}
	for limit, want := range map[int]int{1: 1, 2: 2, 0: 3, -1: 3, 501: 3} {
		list, err := f.svc.List(f.as("coord"), record.Filter{Limit: limit})
		if err != nil || len(list) != want {
			t.Errorf("limit %d: %d records (%v), want %d", limit, len(list), err, want)
		}
	}
}

// TestRecordTypeRetentionBounds: a type's retention is 1 to PermanentYears
// years, both ends included.
func TestRecordTypeRetentionBounds(t *testing.T) {
	f := newFixture(t, 0)
	for _, c := range []struct {
		years int
		ok    bool
	}{{0, false}, {1, true}, {record.PermanentYears, true}, {record.PermanentYears + 1, false}} {
		y := c.years
		_, err := f.svc.SaveType(f.as("coord"), record.Type{Code: fmt.Sprintf("t-%d", y), NameVI: "Loại", NameEN: "Type", RetentionYears: &y, Mode: "GOVERNANCE"})
		if (err == nil) != c.ok {
			t.Errorf("retention of %d years: %v, want accepted %v", y, err, c.ok)
		}
	}
}

// zeros is a stream of n zero bytes after a PDF header, never held in memory.
type zeros struct{ n, off int64 }

func (z *zeros) Read(p []byte) (int, error) {
	head := []byte("%PDF-1.4\n")
	if z.off >= z.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && z.off < z.n {
		if z.off < int64(len(head)) {
			p[k] = head[z.off]
		} else {
			p[k] = 0
		}
		k++
		z.off++
	}
	return k, nil
}

// TestRecordDefaultUploadLimit: a service configured without a limit takes
// DefaultMaxSize (256 MiB): a file one byte longer is refused as too large
// and no record is written.
func TestRecordDefaultUploadLimit(t *testing.T) {
	f := newFixture(t, 0)
	_, err := f.svc.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "Bản quét hồ sơ",
		Date: f.today(), File: file("ban-quet.pdf", &zeros{n: record.DefaultMaxSize + 1})})
	if qms.KindOf(err) != qms.ErrTooLarge {
		t.Fatalf("a file of DefaultMaxSize+1 bytes: %v", err)
	}
	var n int
	if err := f.env.DB.Get(&n, `SELECT count(*) FROM records`); err != nil || n != 0 {
		t.Fatalf("%d records after the refusal (%v)", n, err)
	}
}
