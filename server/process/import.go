package process

import (
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
	ColReturnVia    = "return_channel"
	// The facts the reform index counts (all optional; empty is "not recorded").
	ColResultElectronic = "result_electronic"
	ColDigitised        = "digitised"
	ColDataReused       = "data_reused"
	ColFeePaidOnline    = "fee_paid_online"
	ColSatisfaction     = "satisfaction"
	ColComplaint        = "complaint"
	ColComplaintOnTime  = "complaint_on_time"
)

// factColumns are the import's yes/no fact columns.
var factColumns = []string{ColResultElectronic, ColDigitised, ColDataReused, ColFeePaidOnline, ColComplaint, ColComplaintOnTime}

// ImportColumns lists the columns an import understands; the first four
// are required.
var ImportColumns = []string{ColNumber, ColService, ColChannel, ColReceivedAt, ColApplicantRef, ColSupplementAt, ColResubmitAt, ColReturnedAt, ColResult, ColReason, ColWithdrawnAt, ColReturnVia,
	ColResultElectronic, ColDigitised, ColDataReused, ColFeePaidOnline, ColSatisfaction, ColComplaint, ColComplaintOnTime}

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
	"hình thức nộp": ColChannel, "kênh tiếp nhận": ColChannel, "hình thức trả kết quả": ColReturnVia,
	"trả kết quả qua": ColReturnVia, "hình thức nhận kết quả": ColReturnVia,
	"kết quả điện tử": ColResultElectronic, "trả kết quả điện tử": ColResultElectronic,
	"số hóa": ColDigitised, "số hoá": ColDigitised, "đã số hóa": ColDigitised,
	"tái sử dụng dữ liệu": ColDataReused, "sử dụng lại dữ liệu": ColDataReused,
	"thanh toán trực tuyến": ColFeePaidOnline, "mức độ hài lòng": ColSatisfaction, "đánh giá": ColSatisfaction,
	"phản ánh": ColComplaint, "khiếu nại": ColComplaint, "phản ánh đúng hạn": ColComplaintOnTime, "xử lý phản ánh đúng hạn": ColComplaintOnTime,
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
	// Size is the file's length as the sender announced it (a body's
	// Content-Length), -1 or 0 when unknown: a file announced larger than
	// the bound is refused before it is read.
	Size int64 `json:"-"`
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

// normalizeResult reads a result, with or without diacritics. "Đã trả
// kết quả" (the one-stop software's status "result returned") is a grant:
// a refusal is exported as such, with its reason.
func normalizeResult(s string) (string, bool) {
	switch Fold(s) {
	case "granted", "approved", "chap thuan", "da giai quyet", "giai quyet", "cap", "dat", "da tra ket qua", "tra ket qua",
		"hoan thanh", "da hoan thanh":
		return ResultGranted, true
	case "refused", "rejected", "tu choi", "khong giai quyet", "khong dat", "da tu choi":
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
//
// An import needs the right to write dossiers in some unit, checked before
// the file is read (CheckImport); each row is then checked against its own
// unit and rejected when the person may not write there. The file is
// bounded by Options.MaxImport and each row by MaxImportLine: beyond either
// the whole import is refused (ErrTooLarge) and nothing is stored, neither
// dossiers nor the report nor its trail entry.
func (p *Service) Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error) {
	rep := ImportReport{Rejections: []Rejection{}}
	sc, err := p.importScope(ctx, o.Size)
	if err != nil {
		return rep, err
	}
	started := time.Now()
	f, err := openImport(r, o, p.o.MaxImport)
	if err != nil {
		return rep, err
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
	ctx, now := p.withNow(ctx)
	// The late dossiers of this file: the report counts the
	// nonconformities raised for them, not those the same pass raises for
	// other dossiers that were waiting.
	lateHere := map[string]bool{}
	rows := func(yield func(ImportRow) error) error {
		reject := func(line int, number, reason string) error {
			rep.Reject(line, number, reason)
			return yield(ImportRow{Line: line, Number: number, Reject: reason})
		}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			line, get, err := f.next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Total++
				if err := reject(line, "", "unreadable CSV row: "+pe.Err.Error()); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			rep.Total++
			number := get(ColNumber)
			d, reason := p.importRow(get, svcs, cal, now)
			if reason != "" {
				if err := reject(line, truncate(number, 64), reason); err != nil {
					return err
				}
				continue
			}
			if !sc.Has(d.Unit) {
				if err := reject(line, number, "you may not write dossiers of unit "+d.Unit); err != nil {
					return err
				}
				continue
			}
			if d.Late {
				lateHere[d.Number] = true
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
	raised, _ := p.processLate(ctx, now)
	n := 0
	for _, num := range raised {
		if lateHere[num] {
			n++
		}
	}
	rep.NCsRaised = n
	_ = p.store.SetImportNCs(ctx, rep.ID, n)
	rep.Seconds = time.Since(started).Seconds()
	return rep, nil
}

// CheckImport refuses an import before its file is read: when the actor
// may not write dossiers in any unit (ErrForbidden), or when the sender
// announced a file larger than the bound (size, the body's length; < 0 when
// not announced: ErrTooLarge). Import checks the same first; the web layer
// asks it before reading the request, so a refused body is never read.
func (p *Service) CheckImport(ctx context.Context, size int64) error {
	_, err := p.importScope(ctx, size)
	return err
}

// MaxImport is the bound of one import file.
func (p *Service) MaxImport() int64 { return p.o.MaxImport }

// importScope is the units where the actor may write dossiers, refused
// when there are none or the announced size is over the bound.
func (p *Service) importScope(ctx context.Context, size int64) (qms.Scope, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return qms.Scope{}, err
	}
	sc := p.authz.Scope(a.UserID, ObjDossier, ActWrite)
	if sc.Empty() {
		return sc, qms.Errorf(qms.ErrForbidden, "you may not import dossiers: you may not write dossiers in any unit")
	}
	if size > p.o.MaxImport {
		return sc, errImportTooLarge(p.o.MaxImport)
	}
	return sc, nil
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
		return Dossier{}, fmt.Sprintf("unknown channel %q (accepted: in person “in_person”, postal “postal”, partly online “online_partial”, fully online “online_full”, or the Vietnamese name: Trực tiếp, Bưu chính công ích, Trực tuyến một phần, Trực tuyến toàn trình)", truncate(get(ColChannel), 40))
	}
	rch := ""
	if v := get(ColReturnVia); v != "" {
		if rch, ok = NormalizeReturnChannel(v); !ok {
			return Dossier{}, fmt.Sprintf("unknown result return channel %q (accepted: in person “in_person”, postal “postal”, online “online”, or the Vietnamese name: Trực tiếp, Bưu chính công ích, Trực tuyến)", truncate(v, 40))
		}
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
			return fmt.Sprintf("returned without a valid result %q (accepted: granted “granted”, refused “refused”, or the Vietnamese name: Giải quyết, Từ chối)", truncate(get(ColResult), 40))
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
	facts, msg := importFacts(get)
	if msg != "" {
		return Dossier{}, msg
	}
	d := Dossier{Number: number, Service: svc.Code, Field: svc.Field, Unit: svc.Unit, Channel: ch, ApplicantRef: ref, ReceivedAt: rec.UTC(), Clock: c,
		ReturnChannel: rch, Facts: facts}
	d.Late = c.Outcome == "late" || c.Overdue(now)
	return d, ""
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

// importFacts reads the fact columns of a row; a message says what is wrong.
func importFacts(get func(string) string) (Facts, string) {
	var f Facts
	dst := map[string]**bool{ColResultElectronic: &f.ResultElectronic, ColDigitised: &f.Digitised, ColDataReused: &f.DataReused,
		ColFeePaidOnline: &f.FeePaidOnline, ColComplaint: &f.Complaint, ColComplaintOnTime: &f.ComplaintOnTime}
	for _, col := range factColumns {
		v, ok := parseFlag(get(col))
		if !ok {
			return f, fmt.Sprintf("%s: %q is not yes or no", col, truncate(get(col), 40))
		}
		*dst[col] = v
	}
	sat, ok := normalizeSatisfaction(get(ColSatisfaction))
	if !ok {
		return f, fmt.Sprintf("satisfaction: %q is not very_satisfied, satisfied or dissatisfied", truncate(get(ColSatisfaction), 40))
	}
	f.Satisfaction = sat
	if f.ComplaintOnTime != nil && (f.Complaint == nil || !*f.Complaint) {
		return f, "complaint_on_time without a complaint"
	}
	return f, ""
}
