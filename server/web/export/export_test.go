package export

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func rowsOf(rows ...[]string) Rows {
	return func(yield func([]string) error) error {
		for _, r := range rows {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\t=x": "'\t=x", "\r=x": "'\r=x", "NC-2026-0001": "NC-2026-0001", "": ""} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// The CSV starts with a byte-order mark, neutralises formulas, and a failure
// after the first rows ends the file with the reason.
func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, []string{"a", "b"}, rowsOf([]string{"=cmd", "Hồ sơ"}), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "\xef\xbb\xbf") {
		t.Fatal("no byte-order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\xef\xbb\xbf"))).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][0] != "'=cmd" || recs[1][1] != "Hồ sơ" {
		t.Fatalf("csv %q %v", recs, err)
	}
	b.Reset()
	boom := errors.New("too many")
	err = CSV(&b, []string{"a"}, func(yield func([]string) error) error {
		_ = yield([]string{"x"})
		return boom
	}, func(err error) string { return err.Error() })
	if !errors.Is(err, boom) || !strings.HasSuffix(b.String(), "# export stopped: too many\n") {
		t.Fatalf("err %v, file %q", err, b.String())
	}
}

// Every XLSX cell is text: a formula stays a string and is not evaluated.
func TestXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := XLSX(&b, "NC", []string{"number", "title"}, rowsOf([]string{"NC-1", "=1+1"})); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("NC")
	if err != nil || len(rows) != 2 || rows[1][1] != "=1+1" {
		t.Fatalf("rows %q %v", rows, err)
	}
	if f, _ := x.GetCellFormula("NC", "B2"); f != "" {
		t.Fatalf("formula %q", f)
	}
	var nothing bytes.Buffer
	if err := XLSX(&nothing, "NC", []string{"a"}, func(func([]string) error) error { return errors.New("x") }); err == nil || nothing.Len() != 0 {
		t.Fatalf("failed export wrote %d bytes, err %v", nothing.Len(), err)
	}
}
