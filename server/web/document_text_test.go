package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// officeZip builds an OOXML package: the content types and relationships
// first, as office programs write them (the type is told by the first
// entries), then parts, each written by its function.
func officeZip(t *testing.T, main string, parts ...func(z *zip.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.Create("[Content_Types].xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/`+main+`" ContentType="application/xml"/></Types>`)
	w, _ = z.Create("_rels/.rels")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="`+main+`"/></Relationships>`)
	for _, p := range parts {
		p(z)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// emptyCellsXLSX is the attack of the issue: a small workbook of many
// sheets, each megabytes of empty elements once decompressed.
func emptyCellsXLSX(t *testing.T, sheets, cellsPerSheet int) []byte {
	return officeZip(t, "xl/workbook.xml", func(z *zip.Writer) {
		w, _ := z.Create("xl/workbook.xml")
		io.WriteString(w, `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>`)
		for i := 1; i <= sheets; i++ {
			w, _ := z.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", i))
			io.WriteString(w, `<worksheet><sheetData><row>`)
			cells := bytes.Repeat([]byte("<v/>"), cellsPerSheet)
			w.Write(cells)
			io.WriteString(w, `</row></sheetData></worksheet>`)
		}
	})
}

func wordDocx(t *testing.T, text string) []byte {
	return officeZip(t, "word/document.xml", func(z *zip.Writer) {
		w, _ := z.Create("word/document.xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>`+text+`</w:t></w:r></w:p></w:body></w:document>`)
	})
}

type textFile struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	TextState  string `json:"text_state"`
	TextReason string `json:"text_reason"`
}

// TestDocumentTextIndexedLater: an upload stores the revision and its files
// at once, whatever their text; a scheduled job extracts the text for
// search afterwards within a budget. A workbook of many sheets of empty
// elements (the attack) ends "not indexed", shown on the page in
// both languages, never a failed upload; a normal DOCX becomes searchable.
func TestDocumentTextIndexedLater(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	d := createDoc(t, coord, "QT-40", "tnmt", false)
	author := env.As("author.tnmt")
	// A sheet of 36 MiB of empty elements once decompressed: it declares more
	// than the whole budget, so the outcome is decided by bytes, not by how
	// fast this machine reads (many sheets read byte by byte are
	// TestTextIndexedAfterUpload's, with the clock out of the way).
	bomb := emptyCellsXLSX(t, 1, 9<<20)
	t.Logf("crafted workbook: %d bytes", len(bomb))
	var rev struct {
		ID    string     `json:"id"`
		Files []textFile `json:"files"`
	}
	start := time.Now()
	author.Multipart("/api/v1/documents/"+d.ID+"/revisions", map[string]string{"change": "Dự thảo lần đầu"},
		apptest.File{Field: "file", Name: "Bảng theo dõi.xlsx", Content: bomb},
		apptest.File{Field: "attachment", Name: "Hướng dẫn.docx", Content: wordDocx(t, "Thẩm định hồ sơ giao đất nông nghiệp")}).
		MustStatus(http.StatusCreated).Decode(&rev)
	t.Logf("upload answered in %v", time.Since(start).Round(time.Millisecond)) // measured, not asserted
	if len(rev.Files) != 2 {
		t.Fatalf("files: %+v", rev.Files)
	}
	for _, f := range rev.Files {
		if f.TextState != "pending" {
			t.Errorf("%s right after the upload: text %q, want pending", f.Name, f.TextState)
		}
	}
	search := func() []string {
		var p struct {
			Items []apiDoc `json:"items"`
		}
		author.Do("GET", "/api/v1/documents?q="+url.QueryEscape("tham dinh ho so giao dat"), nil).MustStatus(200).Decode(&p)
		var codes []string
		for _, it := range p.Items {
			codes = append(codes, it.Code)
		}
		return codes
	}
	if got := search(); len(got) != 0 {
		t.Fatalf("found by its file's text before the text was extracted: %v", got)
	}
	page := string(author.Do("GET", "/documents/"+d.ID, nil).MustStatus(200).Body)
	if strings.Count(page, `text-state text-pending`) != 2 {
		t.Errorf("the page does not say the text is waiting to be indexed")
	}

	ran := false
	for _, j := range env.App.Jobs {
		if j.Name == "documents.index" {
			if err := j.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			ran = true
		}
	}
	if !ran {
		t.Fatal("no documents.index job")
	}

	var after struct {
		Revision struct {
			Files []textFile `json:"files"`
		} `json:"revision"`
	}
	author.Do("GET", "/api/v1/revisions/"+rev.ID, nil).MustStatus(200).Decode(&after)
	got := map[string]string{}
	for _, f := range after.Revision.Files {
		got[f.Name] = f.TextState + "/" + f.TextReason
	}
	if got["Bảng theo dõi.xlsx"] != "not_indexed/too_large" || got["Hướng dẫn.docx"] != "indexed/" {
		t.Fatalf("after the job: %v", got)
	}
	if got := search(); strings.Join(got, ",") != "QT-40" {
		t.Fatalf("the DOCX text is not searchable after the job: %v", got)
	}
	page = string(author.Do("GET", "/documents/"+d.ID, nil).MustStatus(200).Body)
	if !strings.Contains(page, "Nội dung không được lập chỉ mục để tìm kiếm: tệp vượt quá giới hạn đọc nội dung") {
		t.Errorf("the Vietnamese page does not say the text is not indexed")
	}
	author.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "en"}).MustStatus(200)
	page = string(author.Do("GET", "/documents/"+d.ID, nil).MustStatus(200).Body)
	if !strings.Contains(page, "Text not indexed for search: the file holds more than the indexing limit reads") {
		t.Errorf("the English page does not say the text is not indexed")
	}
	if strings.Contains(page, "text-pending") {
		t.Errorf("the page still says the text is waiting")
	}
}
