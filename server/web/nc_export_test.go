package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"testing"
	"time"

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

// The dashboard workbook names its sheets in the reader's language and puts
// each unit's name beside its code.
func TestDashboardExportLocalised(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	svc := f.Service(t, "tnmt", 5)
	f.Dossier(t, "coordinator", svc, time.Now().Add(-2*time.Hour))
	for _, tc := range []struct{ lang, units, name string }{
		{"vi", "Đơn vị", "Phòng Tài nguyên và Môi trường"},
		{"en", "Units", ""},
	} {
		c := env.As("coordinator")
		setLang(t, c, tc.lang)
		r := c.Do("GET", "/dashboard/export.xlsx", nil).MustStatus(http.StatusOK)
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(tc.units)
		if err != nil {
			t.Fatalf("%s: no sheet %q among %v", tc.lang, tc.units, x.GetSheetList())
		}
		found := false
		for _, row := range rows[1:] {
			if len(row) > 2 && row[0] == "tnmt" {
				found = row[1] != "" && row[1] != "tnmt" && (tc.name == "" || row[1] == tc.name)
			}
		}
		if !found {
			t.Fatalf("%s: the units sheet lacks tnmt with its name: %q", tc.lang, rows)
		}
	}
}
