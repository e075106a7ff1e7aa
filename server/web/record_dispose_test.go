package web_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

type recordJSON struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Disposal *struct {
		Comment string `json:"comment"`
	} `json:"disposal"`
	Versions []struct {
		No          int     `json:"no"`
		Key         string  `json:"key"`
		VersionID   string  `json:"version_id"`
		DeletedAt   *string `json:"deleted_at"`
		DeleteError string  `json:"delete_error"`
		Requested   *string `json:"delete_requested_at"`
	} `json:"versions"`
}

// TestRecordDisposingOverHTTP: a disposition the object store refuses in
// part answers 200 with status disposing; the record (API and page, in
// both languages) shows which version is not deleted and why; its files
// are refused with 409 and that reason rather than "missing from the store".
func TestRecordDisposingOverHTTP(t *testing.T) {
	env := apptest.New(t)
	staff := env.As("staff.tnmt")
	coord := env.As("coordinator")
	var created struct{ ID string }
	staff.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt", "title": "Phiếu cũ", "date": "2015-03-02"},
		apptest.File{Field: "file", Name: "old.pdf", Content: recPDF("old")}).MustStatus(201).Decode(&created)
	staff.Multipart("/api/v1/records/"+created.ID+"/versions", map[string]string{"reason": "Bổ sung"},
		apptest.File{Field: "file", Name: "v2.pdf", Content: recPDF("v2")}).MustStatus(201)
	var rec recordJSON
	coord.Do("GET", "/api/v1/records/"+created.ID, nil).MustStatus(200).Decode(&rec)
	// The store itself holds version 1 (a hold the register does not know).
	on := minio.LegalHoldEnabled
	v1 := rec.Versions[0]
	if err := testenv.AdminClient(t).PutObjectLegalHold(context.Background(), env.App.Blob.Bucket(), v1.Key,
		minio.PutObjectLegalHoldOptions{VersionID: v1.VersionID, Status: &on}); err != nil {
		t.Fatal(err)
	}

	var out recordJSON
	coord.Do("POST", "/api/v1/records/"+created.ID+"/dispose", map[string]any{"reason": "Hết hạn lưu trữ", "password": apptest.Password}).
		MustStatus(200).Decode(&out)
	if out.Status != "disposing" || out.Disposal == nil || out.Disposal.Comment != "Hết hạn lưu trữ" {
		t.Fatalf("dispose answered %+v", out)
	}
	coord.Do("GET", "/api/v1/records/"+created.ID, nil).MustStatus(200).Decode(&rec)
	if rec.Status != "disposing" || len(rec.Versions) != 2 ||
		rec.Versions[0].DeletedAt != nil || rec.Versions[0].Requested == nil ||
		rec.Versions[0].DeleteError != "the object store refuses to delete this version: it is still locked or held" ||
		rec.Versions[1].DeletedAt == nil || rec.Versions[1].DeleteError != "" {
		t.Fatalf("record while disposing %+v", rec)
	}
	for _, no := range []string{"1", "2", "latest"} {
		r := coord.Do("GET", "/api/v1/records/"+created.ID+"/versions/"+no+"/file", nil).MustStatus(409)
		if !strings.Contains(string(r.Body), "being disposed of") {
			t.Fatalf("download %s: %s", no, r)
		}
	}
	coord.Do("POST", "/api/v1/records/"+created.ID+"/dispose", map[string]any{"reason": "lần nữa", "password": apptest.Password}).MustStatus(409)

	for lang, want := range map[string][]string{
		"vi": {"Đang hủy", "Chưa xóa được: Kho lưu trữ không cho phép xóa phiên bản này", "Quyết định hủy ký bởi"},
		"en": {"Being disposed of", "Not deleted yet: the object store refuses to delete this version", "Disposition signed by"},
	} {
		coord.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": lang}).MustStatus(200)
		req, _ := http.NewRequest("GET", env.URL+"/records/"+created.ID, nil)
		req.Header.Set("Accept", "text/html")
		r := coord.Send(req)
		if r.Status != 200 {
			t.Fatalf("%s page: %d", lang, r.Status)
		}
		for _, w := range want {
			if !bytes.Contains(r.Body, []byte(w)) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
		if bytes.Contains(r.Body, []byte(`/versions/1/file"`)) {
			t.Errorf("%s page links the file of a disposing record", lang)
		}
	}
}
