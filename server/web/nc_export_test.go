package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// The NC export speaks the reader's language: sheet name and headers
// localised, each code in its own column followed by its name (the unit's
// name, not only "tnmt"), while dates stay yyyy-mm-dd and flags yes/no.
func TestNCExportLocalised(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	id := f.NC(t, "tnmt")
	var nc struct{ Number string }
	env.As("coordinator").Do("GET", "/api/v1/ncs/"+id, nil).MustStatus(http.StatusOK).Decode(&nc)
	date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	for _, tc := range []struct {
		lang, sheet, unitHeader, unitName string
	}{
		{"vi", "Điểm không phù hợp", "Đơn vị", "Phòng Tài nguyên và Môi trường"},
		{"en", "Nonconformities", "Unit", ""},
	} {
		c := env.As("coordinator")
		setLang(t, c, tc.lang)
		r := c.Do("GET", "/api/v1/ncs/export.xlsx?unit=tnmt", nil).MustStatus(http.StatusOK)
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		if got := x.GetSheetName(0); got != tc.sheet {
			t.Fatalf("%s: sheet %q, want %q", tc.lang, got, tc.sheet)
		}
		rows, err := x.GetRows(tc.sheet)
		if err != nil || len(rows) != 2 {
			t.Fatalf("%s: rows %v %v", tc.lang, rows, err)
		}
		head, row := rows[0], rows[1]
		if head[8] == "unit" || head[9] != tc.unitHeader || row[8] != "tnmt" || row[9] == "tnmt" || row[9] == "" {
			t.Fatalf("%s: unit columns %q=%q %q=%q", tc.lang, head[8], row[8], head[9], row[9])
		}
		if tc.unitName != "" && row[9] != tc.unitName {
			t.Fatalf("%s: unit name %q, want %q", tc.lang, row[9], tc.unitName)
		}
		if row[0] != nc.Number || row[1] != "open" || row[2] == "open" || row[5] == row[6] {
			t.Fatalf("%s: code and name columns %q", tc.lang, row)
		}
		if !date.MatchString(row[13]) || !date.MatchString(row[17]) || (row[16] != "no" && row[16] != "yes") {
			t.Fatalf("%s: machine-readable columns changed: %q", tc.lang, row)
		}
		// the CSV has the same header
		r = c.Do("GET", "/api/v1/ncs/export.csv?unit=tnmt", nil).MustStatus(http.StatusOK)
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xef\xbb\xbf")))).ReadAll()
		if err != nil || len(recs) != 2 || recs[0][9] != tc.unitHeader || recs[1][9] != row[9] {
			t.Fatalf("%s: csv %v %q", tc.lang, err, recs)
		}
	}
}
