package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestSearchFoldsAccentsAndRollsUpClauses: record and NC searches find
// "hiệu chuẩn" whether the query is typed with marks, without, or in
// capitals; a clause filter of 8.5 finds what is tagged 8.5.1 (as coverage
// counts it), for documents and records; a clause number typed in the
// search box finds what is tagged with it or under it; the checklist has
// the third-level clauses the tags use.
func TestSearchFoldsAccentsAndRollsUpClauses(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	co := f.As("coordinator")

	var rec, other struct{ ID string }
	apptest.Expect(t, "record", co.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt",
		"title": "Biên bản hiệu chuẩn cân điện tử", "date": f.Today(), "clauses": "8.5.1"},
		apptest.File{Field: "file", Name: "bb.pdf", Content: apptest.PDF}), http.StatusCreated, &rec)
	apptest.Expect(t, "other record", co.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt",
		"title": "Sổ theo dõi công văn", "date": f.Today(), "clauses": "7.5"},
		apptest.File{Field: "file", Name: "so.pdf", Content: apptest.PDF}), http.StatusCreated, &other)
	var nc struct{ ID string }
	apptest.Expect(t, "nc", co.Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Chưa hiệu chuẩn cân tại bộ phận một cửa", "clauses": []string{"8.5.1"}}), http.StatusCreated, &nc)
	var doc struct{ ID string }
	apptest.Expect(t, "document", co.Do("POST", "/api/v1/documents", map[string]any{"code": "QT-HC", "title": "Quy trình hiệu chuẩn",
		"type": "procedure", "unit": "tnmt", "clauses": []string{"8.5.1"}}), http.StatusCreated, &doc)

	ids := func(path string) map[string]bool {
		var out struct{ Items []struct{ ID string } }
		co.Do("GET", path, nil).MustStatus(200).Decode(&out)
		m := map[string]bool{}
		for _, it := range out.Items {
			m[it.ID] = true
		}
		return m
	}
	for _, q := range []string{"hiệu chuẩn", "hieu chuan", "HIỆU CHUẨN", "Hieu Chuan"} {
		if got := ids("/api/v1/records?q=" + url.QueryEscape(q)); !got[rec.ID] || got[other.ID] {
			t.Errorf("records q=%q: %v, want only %s", q, got, rec.ID)
		}
		if got := ids("/api/v1/ncs?q=" + url.QueryEscape(q)); !got[nc.ID] {
			t.Errorf("ncs q=%q: %v, want %s", q, got, nc.ID)
		}
	}
	if got := ids("/api/v1/records?q=hieu+chuan+x"); got[rec.ID] {
		t.Errorf("records q=hieu chuan x found %v: the fold must not loosen the match", got)
	}
	for _, clause := range []string{"8.5", "8.5.1", "8"} {
		if got := ids("/api/v1/records?clause=" + clause); !got[rec.ID] || got[other.ID] {
			t.Errorf("records clause=%s: %v", clause, got)
		}
		if got := ids("/api/v1/documents?clause=" + clause); !got[doc.ID] {
			t.Errorf("documents clause=%s: %v", clause, got)
		}
		if got := ids("/api/v1/records?q=" + clause); !got[rec.ID] || got[other.ID] {
			t.Errorf("records q=%s: %v", clause, got)
		}
		if got := ids("/api/v1/ncs?q=" + clause); !got[nc.ID] {
			t.Errorf("ncs q=%s: %v", clause, got)
		}
		if got := ids("/api/v1/documents?q=" + clause); !got[doc.ID] {
			t.Errorf("documents q=%s: %v", clause, got)
		}
	}
	if got := ids("/api/v1/documents?clause=8.2"); got[doc.ID] {
		t.Errorf("documents clause=8.2 found the 8.5.1 document")
	}
	if got := ids("/api/v1/records?clause=8.5.2"); got[rec.ID] {
		t.Errorf("records clause=8.5.2 found the 8.5.1 record")
	}

	var cl struct {
		Items []struct {
			Clause  string `json:"clause"`
			TitleVI string `json:"title_vi"`
		}
	}
	co.Do("GET", "/api/v1/audit-clauses", nil).MustStatus(200).Decode(&cl)
	has := map[string]string{}
	for _, c := range cl.Items {
		has[c.Clause] = c.TitleVI
	}
	for _, c := range []string{"8.5.1", "8.2.1", "10.2.1", "9.3.2"} {
		if has[c] == "" {
			t.Errorf("the checklist has no clause %s", c)
		}
	}
}
