package process

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Import columns (the names of our fields; a mapping says which CSV header
// holds each).
const (
	ColNumber       = "number"
	ColService      = "service"
	ColChannel      = "channel"
	ColApplicantRef = "applicant_ref"
	ColReceivedAt   = "received_at"
	ColSupplementAt = "supplement_at"
	ColResubmitAt   = "resubmitted_at"
	ColReturnedAt   = "returned_at"
	ColResult       = "result"
	ColReason       = "reason"
	ColWithdrawnAt  = "withdrawn_at"
)

// ImportColumns lists the columns an import understands; the first four
// are required.
var ImportColumns = []string{ColNumber, ColService, ColChannel, ColReceivedAt, ColApplicantRef, ColSupplementAt, ColResubmitAt, ColReturnedAt, ColResult, ColReason, ColWithdrawnAt}

// headerAliases are header spellings recognized without a mapping: the
// usual Vietnamese column titles of one-stop software exports.
var headerAliases = map[string]string{
	"số hồ sơ": ColNumber, "so ho so": ColNumber, "mã hồ sơ": ColNumber,
	"mã thủ tục": ColService, "ma thu tuc": ColService, "thủ tục": ColService,
	"hình thức": ColChannel, "kênh": ColChannel, "hinh thuc": ColChannel,
	"mã người nộp": ColApplicantRef, "người nộp": ColApplicantRef,
	"ngày tiếp nhận": ColReceivedAt, "ngay tiep nhan": ColReceivedAt, "ngày nhận": ColReceivedAt,
	"ngày yêu cầu bổ sung": ColSupplementAt, "ngày bổ sung": ColResubmitAt,
	"ngày trả kết quả": ColReturnedAt, "ngay tra ket qua": ColReturnedAt, "ngày trả": ColReturnedAt,
	"kết quả": ColResult, "ket qua": ColResult, "lý do": ColReason, "ngày rút": ColWithdrawnAt,
}

// ImportRow is one row on its way to the store: a valid dossier with its
// clock computed, or (Reject set) a rejected row with its reason, which the
// store keeps with the import.
type ImportRow struct {
	Line    int
	Dossier Dossier
	Number  string // of a rejected row
	Reject  string
}

// Rejection is one rejected row and why.
type Rejection struct {
	Line   int    `json:"line"`
	Number string `json:"number,omitempty"`
	Reason string `json:"reason"`
}

// MaxRejectionDetail bounds the rejections kept in a report; the count
// stays exact beyond it, so memory does not grow with a bad file.
const MaxRejectionDetail = 1000

// ImportReport is the outcome of one import.
type ImportReport struct {
	ID         string      `json:"id" db:"id"`
	Total      int         `json:"total" db:"total"`
	Inserted   int         `json:"inserted" db:"inserted"`
	Updated    int         `json:"updated" db:"updated"`
	Unchanged  int         `json:"unchanged" db:"unchanged"`
	Rejected   int         `json:"rejected" db:"rejected"`
	Rejections []Rejection `json:"rejections" db:"-"`
	Truncated  bool        `json:"rejections_truncated" db:"-"`
	Late       int         `json:"late" db:"late"`
	NCsRaised  int         `json:"ncs_raised" db:"ncs_raised"`
	Seconds    float64     `json:"seconds" db:"-"`
}

// Reject adds a rejection, keeping at most MaxRejectionDetail details.
func (r *ImportReport) Reject(line int, number, reason string) {
	r.Rejected++
	if len(r.Rejections) < MaxRejectionDetail {
		r.Rejections = append(r.Rejections, Rejection{line, number, reason})
	} else {
		r.Truncated = true
	}
}

// ImportOptions tune an import.
type ImportOptions struct {
	// Mapping maps our column names to the CSV header that holds them;
	// unmapped columns are found by their own name or a known alias.
	Mapping  map[string]string `json:"mapping"`
	Filename string            `json:"filename"`
	// Comma is the separator; 0 means detect ',' or ';' from the header.
	Comma rune `json:"-"`
}

var timeLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04",
	"02/01/2006 15:04:05", "02/01/2006 15:04", "2/1/2006 15:04", "02/01/2006", "2/1/2006", "2006-01-02"}

// ParseTime reads the time formats one-stop exports use; without a zone
// it is office time, and a date alone means the start of that day.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time (dd/mm/yyyy hh:mm or RFC 3339)", truncate(s, 40))
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func normalizeResult(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "granted", "approved", "chấp thuận", "đã giải quyết", "giải quyết", "cấp", "đạt":
		return ResultGranted, true
	case "refused", "rejected", "từ chối", "không giải quyết", "không đạt":
		return ResultRefused, true
	}
	return "", false
}

// Import reads a CSV of dossiers and stores the valid rows, idempotently
// by dossier number: a row identical to the stored dossier changes
// nothing, a row with new data (the dossier was returned since) updates
// it, dossiers kept by pushed events are not overwritten. The file is read
// row by row and streamed to the store (COPY into a staging table), so
// memory does not grow with it. Rejected rows are reported with a reason.
func (p *Service) Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error) {
	rep := ImportReport{Rejections: []Rejection{}}
	a, err := p.require(ctx, qms.AllUnits, ObjProcess, ActManage)
	if err != nil {
		// A head may import the dossiers of their own units: checked per row.
		if a, err = qms.MustActor(ctx); err != nil {
			return rep, err
		}
	}
	started := time.Now()
	for k := range o.Mapping {
		if !oneOf(k, ImportColumns) {
			return rep, qms.Errorf(qms.ErrInvalid, "mapping: unknown column %q (known: %s)", k, strings.Join(ImportColumns, ", "))
		}
	}
	br := newPeekReader(r)
	comma := o.Comma
	if comma == 0 {
		comma = br.detectComma()
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return rep, qms.Errorf(qms.ErrInvalid, "the file has no header row")
	}
	idx := map[string]int{}
	byHeader := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		byHeader[strings.ToLower(h)] = i
	}
	for _, col := range ImportColumns {
		if h, ok := o.Mapping[col]; ok {
			i, found := byHeader[strings.ToLower(strings.TrimSpace(h))]
			if !found {
				return rep, qms.Errorf(qms.ErrInvalid, "mapping: the file has no column %q", h)
			}
			idx[col] = i
			continue
		}
		if i, ok := byHeader[col]; ok {
			idx[col] = i
		}
	}
	for h, i := range byHeader {
		if col, ok := headerAliases[h]; ok {
			if _, set := idx[col]; !set {
				idx[col] = i
			}
		}
	}
	for _, col := range ImportColumns[:4] {
		if _, ok := idx[col]; !ok {
			return rep, qms.Errorf(qms.ErrInvalid, "the file has no %s column; map it to one of the file's columns", col)
		}
	}
	services, err := p.store.Procedures(ctx, qms.Scope{All: true})
	if err != nil {
		return rep, err
	}
	svcs := map[string]Procedure{}
	for _, s := range services {
		svcs[s.Code] = s
	}
	cal, _, err := p.Calendar(ctx)
	if err != nil {
		return rep, err
	}
	canUnit := map[string]bool{}
	now := p.now()
	rows := func(yield func(ImportRow) error) error {
		line := 1
		reject := func(line int, number, reason string) error {
			rep.Reject(line, number, reason)
			return yield(ImportRow{Line: line, Number: number, Reject: reason})
		}
		for {
			rec, err := cr.Read()
			line++
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rep.Total++
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					if err := reject(line, "", "unreadable CSV row: "+pe.Err.Error()); err != nil {
						return err
					}
					continue
				}
				return qms.Wrap(qms.ErrInvalid, err, "the file could not be read")
			}
			get := func(col string) string {
				if i, ok := idx[col]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			number := get(ColNumber)
			d, reason := p.importRow(get, svcs, cal, now)
			if reason != "" {
				if err := reject(line, truncate(number, 64), reason); err != nil {
					return err
				}
				continue
			}
			ok, seen := canUnit[d.Unit]
			if !seen {
				ok = p.authz.Can(a.UserID, d.Unit, ObjDossier, ActWrite)
				canUnit[d.Unit] = ok
			}
			if !ok {
				if err := reject(line, number, "you may not write dossiers of unit "+d.Unit); err != nil {
					return err
				}
				continue
			}
			if err := yield(ImportRow{Line: line, Dossier: d}); err != nil {
				return err
			}
		}
	}
	ev := trail.NewEvent(ctx, "dossier.import", "dossier_import", o.Filename, "", nil)
	if err := p.store.Import(ctx, rows, &rep, ev); err != nil {
		return rep, err
	}
	// Events that arrived before these dossiers are applied now.
	if nums, err := p.store.PendingRecorded(ctx, 10000); err == nil {
		for _, num := range nums {
			if d, err := p.store.Dossier(ctx, num); err == nil {
				_, _ = p.applyPending(ctx, d)
			}
		}
	}
	n, _ := p.ProcessLate(ctx, now)
	rep.NCsRaised = n
	_ = p.store.SetImportNCs(ctx, rep.ID, n)
	rep.Seconds = time.Since(started).Seconds()
	return rep, nil
}

func (p *Service) importRow(get func(string) string, svcs map[string]Procedure, cal *workday.Calendar, now time.Time) (Dossier, string) {
	number := get(ColNumber)
	if !ValidNumber(number) {
		if number == "" {
			return Dossier{}, "the dossier number is missing"
		}
		return Dossier{}, "the dossier number may hold letters, digits, . _ - (at most 64)"
	}
	svc, ok := svcs[get(ColService)]
	if !ok {
		return Dossier{}, fmt.Sprintf("unknown service %q", truncate(get(ColService), 40))
	}
	ch, ok := NormalizeChannel(get(ColChannel))
	if !ok {
		return Dossier{}, fmt.Sprintf("unknown channel %q (in_person, postal, online)", truncate(get(ColChannel), 40))
	}
	ref, err := qms.CleanText("applicant_ref", get(ColApplicantRef), 100, false, false)
	if err != nil {
		return Dossier{}, qms.Message(err)
	}
	rec, err := ParseTime(get(ColReceivedAt), p.o.Location)
	if err != nil {
		return Dossier{}, "received_at: " + err.Error()
	}
	if rec.After(now) {
		return Dossier{}, "received_at is in the future"
	}
	var evs []Event
	addAt := func(col, typ string, fill func(*Event) string) string {
		v := get(col)
		if v == "" {
			return ""
		}
		t, err := ParseTime(v, p.o.Location)
		if err != nil {
			return col + ": " + err.Error()
		}
		if t.After(now) {
			return col + " is in the future"
		}
		e := Event{EventID: col, Type: typ, At: t, Seq: int64(len(evs))}
		if fill != nil {
			if msg := fill(&e); msg != "" {
				return msg
			}
		}
		evs = append(evs, e)
		return ""
	}
	reason, err := qms.CleanText("reason", get(ColReason), 2000, false, true)
	if err != nil {
		return Dossier{}, qms.Message(err)
	}
	if msg := addAt(ColSupplementAt, EventSupplementRequested, nil); msg != "" {
		return Dossier{}, msg
	}
	if msg := addAt(ColResubmitAt, EventResubmitted, nil); msg != "" {
		return Dossier{}, msg
	}
	if msg := addAt(ColReturnedAt, EventReturned, func(e *Event) string {
		res, ok := normalizeResult(get(ColResult))
		if !ok {
			return fmt.Sprintf("returned without a valid result %q (granted or refused)", truncate(get(ColResult), 40))
		}
		if res == ResultRefused && reason == "" {
			return "a refusal needs its reason"
		}
		e.Result, e.Reason = res, reason
		return ""
	}); msg != "" {
		return Dossier{}, msg
	}
	if msg := addAt(ColWithdrawnAt, EventWithdrawn, nil); msg != "" {
		return Dossier{}, msg
	}
	if get(ColReturnedAt) == "" && get(ColResult) != "" {
		return Dossier{}, "a result without the date it was returned"
	}
	c, err := Replay(cal, svc, rec, evs)
	if err != nil {
		return Dossier{}, qms.Message(err)
	}
	d := Dossier{Number: number, Service: svc.Code, Field: svc.Field, Unit: svc.Unit, Channel: ch, ApplicantRef: ref, ReceivedAt: rec.UTC(), Clock: c}
	d.Late = c.Outcome == "late" || c.Overdue(now)
	return d, ""
}

// peekReader lets the import look at the header line to pick the
// separator without reading the file twice.
type peekReader struct{ *bufio.Reader }

func newPeekReader(r io.Reader) peekReader { return peekReader{bufio.NewReaderSize(r, 64<<10)} }

// detectComma picks ';' when the first line has more semicolons than
// commas (spreadsheets in Vietnamese locales often export so), else ','.
func (p peekReader) detectComma() rune {
	head, _ := p.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		return ';'
	}
	return ','
}

// ImportRejections streams every rejected row of an earlier import to fn,
// in line order.
func (p *Service) ImportRejections(ctx context.Context, id string, fn func(Rejection) error) error {
	if _, err := p.GetImport(ctx, id); err != nil {
		return err
	}
	return p.store.ImportRejections(ctx, id, fn)
}

// GetImport returns the report of an earlier import (the coordinator or
// whoever may manage processes).
func (p *Service) GetImport(ctx context.Context, id string) (ImportReport, error) {
	if _, err := p.scope(ctx, ObjDossier, ActWrite); err != nil {
		return ImportReport{}, err
	}
	a, _ := qms.MustActor(ctx)
	rep, actor, err := p.store.ImportReport(ctx, id)
	if err != nil {
		return rep, err
	}
	if actor != a.Login && !p.authz.Can(a.UserID, qms.AllUnits, ObjProcess, ActManage) {
		return ImportReport{}, qms.Errorf(qms.ErrNotFound, "no import %s", id)
	}
	return rep, nil
}
