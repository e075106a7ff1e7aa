package document_test

import (
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/document"
)

// TestRegisterOfSomeUnitsEqualsVisibility: the register of a reader who
// sees some units only (read from their units first, see
// DocumentStore.List) lists, in every sort and across pages, exactly the
// documents the reader may open, in the same order as the whole register:
// their units' drafts, effective and withdrawn documents as their
// permissions allow, and another unit's document they were asked to
// acknowledge; never another unit's draft.
func TestRegisterOfSomeUnitsEqualsVisibility(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ code, unit string }{{"QT-T1", "tnmt"}, {"QT-T2", "tnmt"}, {"QT-V1", "vp"}} {
		f.published(f.newDoc(c.code, c.unit, false), "author."+c.unit, "head."+c.unit, "chairman", "Nội dung "+c.code)
	}
	for _, c := range []struct{ code, unit string }{{"BM-T3", "tnmt"}, {"BM-V2", "vp"}, {"BM-N1", "noivu"}, {"BM-N2", "noivu"}} {
		f.newDoc(c.code, c.unit, false)
	}
	// staff.vp was asked to acknowledge QT-T2 of another unit.
	if _, err := f.db.Exec(`INSERT INTO document_acks (revision_id, document_id, user_id)
		SELECT d.effective_rev, d.id, u.id FROM documents d, users u WHERE d.code = 'QT-T2' AND u.login = 'staff.vp'`); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	walk := func(who, sort string, limit int) []string {
		t.Helper()
		var out []string
		cur := ""
		for {
			p := must[document.ListPage](t)(f.svc.List(f.as(who), document.Filter{Sort: sort, Limit: limit, Cursor: cur}))
			for _, it := range p.Items {
				out = append(out, it.Code)
				ids[it.Code] = it.ID
			}
			if p.NextCursor == "" {
				return out
			}
			cur = p.NextCursor
		}
	}
	for _, sort := range []string{"code", "title", "updated"} {
		all := walk("coordinator", sort, 100)
		if len(all) != 7 {
			t.Fatalf("%s: the coordinator sees %v", sort, all)
		}
		for _, who := range []string{"staff.tnmt", "staff.vp", "author.vp", "head.tnmt", "author.tnmt"} {
			var want []string
			for _, code := range all {
				if _, err := f.svc.Get(f.as(who), ids[code]); err == nil {
					want = append(want, code)
				}
			}
			for _, limit := range []int{1, 2, 50} {
				if got := walk(who, sort, limit); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s, sort %s, %d a page: %v, want %v", who, sort, limit, got, want)
				}
			}
		}
	}
	// What the cases above rely on: the acknowledged document of another
	// unit is listed, another unit's draft is not.
	if got := strings.Join(walk("staff.vp", "code", 50), ","); !strings.Contains(got, "QT-T2") || strings.Contains(got, "BM-T3") ||
		strings.Contains(got, "QT-T1") {
		t.Fatalf("staff.vp lists %s", got)
	}
}
