package process

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// FuzzImportCSV: whatever file and column mapping a person sends, the
// import's reader and its mapping to dossiers neither panic nor hold more
// than a bounded row, fail only with the kinds a person is shown (invalid,
// too large) or a row's rejection, and every row they accept is a dossier
// the rules allow: a valid number, a known service and channel, received
// in the past, a clock that starts at receipt or later and is due after it
// starts. The seed corpus is in testdata/fuzz/FuzzImportCSV.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("number,service,channel,received_at,returned_at,result,reason\nL-1,DD-01,online,02/11/2026 09:00,10/11/2026 10:00,granted,\n"), "")
	f.Add([]byte("Số hồ sơ;Mã thủ tục;Hình thức;Ngày tiếp nhận\nL-1;HT-01;trực tuyến;2026-11-23 08:00\n"), "")
	f.Add([]byte("So,TT,Kenh,Ngay\nM-1,HT-01,online,24/11/2026 09:00\n"), `{"number":"So","service":"TT","channel":"Kenh","received_at":"Ngay"}`)
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, loc)
	p := New(nil, nil, Options{Location: loc, Now: func() time.Time { return now }})
	cal := workday.New(loc)
	cal.Open, cal.Close = 7*60+30, 17*60
	svcs := map[string]Procedure{
		"DD-01": {Code: "DD-01", Field: "land", Unit: "land", Days: 10, Steps: []Step{{Code: "receive", Days: 1}, {Code: "process", Days: 9}}},
		"HT-01": {Code: "HT-01", Field: "civil_status", Unit: "justice", Days: 1},
	}
	const max = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte, mapping string) {
		var o ImportOptions
		if mapping != "" && json.Unmarshal([]byte(mapping), &o.Mapping) != nil {
			return // the web layer refuses a mapping that is not a JSON object
		}
		file, err := openImport(bytes.NewReader(data), o, max)
		if err != nil {
			if k := qms.KindOf(err); k != qms.ErrInvalid && k != qms.ErrTooLarge {
				t.Fatalf("open: %v (kind %v)", err, k)
			}
			return
		}
		for rows := 0; ; rows++ {
			if rows > len(data) {
				t.Fatalf("%d rows from %d bytes", rows, len(data))
			}
			line, get, err := file.next()
			if errors.Is(err, io.EOF) {
				return
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			if err != nil {
				if k := qms.KindOf(err); k != qms.ErrInvalid && k != qms.ErrTooLarge {
					t.Fatalf("line %d: %v (kind %v)", line, err, k)
				}
				return
			}
			for _, col := range ImportColumns {
				if n := len(get(col)); n > MaxImportLine {
					t.Fatalf("line %d: column %s holds %d bytes", line, col, n)
				}
			}
			d, reason := p.importRow(get, svcs, cal, now)
			if reason != "" {
				if !utf8.ValidString(reason) || len(reason) > 4000 {
					t.Fatalf("line %d: a rejection a person cannot read: %q", line, reason)
				}
				continue
			}
			svc, ok := svcs[d.Service]
			switch {
			case !ValidNumber(d.Number):
				t.Fatalf("line %d: accepted number %q", line, d.Number)
			case !ok || d.Unit != svc.Unit:
				t.Fatalf("line %d: accepted service %q of unit %q", line, d.Service, d.Unit)
			case !oneOf(d.Channel, Channels):
				t.Fatalf("line %d: accepted channel %q", line, d.Channel)
			case d.ReceivedAt.After(now):
				t.Fatalf("line %d: received in the future %v", line, d.ReceivedAt)
			case d.ClockStart.Before(d.ReceivedAt.Truncate(time.Minute)) || !d.DueAt.After(d.ClockStart):
				t.Fatalf("line %d: clock %v -> %v for a receipt at %v", line, d.ClockStart, d.DueAt, d.ReceivedAt)
			case !utf8.ValidString(d.ApplicantRef):
				t.Fatalf("line %d: applicant %q", line, d.ApplicantRef)
			case d.ReturnedAt != nil && d.Result != ResultGranted && d.Result != ResultRefused:
				t.Fatalf("line %d: returned with result %q", line, d.Result)
			}
		}
	})
}
