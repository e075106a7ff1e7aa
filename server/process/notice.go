package process

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Every status change of a dossier leaves a notice: what the citizen was
// told, when, and by which channel (NĐ 224/2026 Art. 15.1(g): the agency,
// the receiving and the handling officer, the times of receipt, processing
// and return). The store writes the notice's facts with the change, in the
// same transaction; SendNotices writes the sentence (messages rendered in
// the language the citizen asked for, Vietnamese by default) and sends it by e-mail, or by SMS through an adapter,
// and keeps what was sent. Without an address the notice is logged only:
// the citizen learns it at the desk or on the public status page.

// Notice channels and states.
const (
	NoticeEmail   = "email"
	NoticeSMS     = "sms"
	NoticeCounter = "counter"

	NoticePending = "pending"
	NoticeSent    = "sent"
	NoticeFailed  = "failed"
	NoticeLogged  = "logged"
)

// maxNoticeAttempts bounds the tries of one notice before it is failed.
const maxNoticeAttempts = 5

// NoticeFacts are the facts a notice states.
type NoticeFacts struct {
	Number        string `json:"number"`
	Service       string `json:"service"`
	ServiceName   string `json:"service_name"`
	ServiceNameEN string `json:"service_name_en,omitempty"`
	// Lang is the language the applicant reads the notice in ("" for a
	// notice written before it was asked: Vietnamese).
	Lang             string     `json:"lang,omitempty"`
	Unit             string     `json:"unit"`
	ReceivingUnit    string     `json:"receiving_unit"`
	ReceivingOfficer string     `json:"receiving_officer"`
	HandlingOfficer  string     `json:"handling_officer"`
	Status           string     `json:"status"`
	Result           string     `json:"result,omitempty"`
	ReturnChannel    string     `json:"return_channel,omitempty"`
	ReceivedAt       time.Time  `json:"received_at"`
	DueAt            time.Time  `json:"due_at"`
	ReturnedAt       *time.Time `json:"returned_at,omitempty"`
	LookupCode       string     `json:"lookup_code"`
}

// Notice is one notice of a dossier's status change.
type Notice struct {
	ID        int64       `json:"id" db:"id"`
	DossierID string      `json:"-" db:"dossier_id"`
	Kind      string      `json:"kind" db:"kind"` // received, or the event's type
	At        time.Time   `json:"at" db:"at"`
	Status    string      `json:"status" db:"status"`
	Channel   string      `json:"channel" db:"channel"`
	Recipient string      `json:"recipient,omitempty" db:"recipient"`
	Facts     NoticeFacts `json:"facts" db:"-"`
	State     string      `json:"state" db:"state"`
	Attempts  int         `json:"attempts" db:"attempts"`
	Error     string      `json:"error,omitempty" db:"last_error"`
	Subject   string      `json:"subject,omitempty" db:"subject"`
	Body      string      `json:"body,omitempty" db:"body"`
	SentAt    *time.Time  `json:"sent_at,omitempty" db:"sent_at"`
}

// EmailSender sends one plain-text e-mail (server/mail implements it).
type EmailSender interface {
	Send(ctx context.Context, to, subject, body string) error
}

// SMSSender sends one text message; an operator's adapter implements it.
type SMSSender interface {
	SendSMS(ctx context.Context, phone, text string) error
}

var (
	emailRE = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$`)
	phoneRE = regexp.MustCompile(`^\+?[0-9]{8,15}$`)
)

// cleanContact checks the optional e-mail address and phone number a
// citizen gives for the notices.
func cleanContact(fe qms.FieldErrors, email, phone string) (string, string) {
	email, phone = strings.TrimSpace(email), strings.ReplaceAll(strings.TrimSpace(phone), " ", "")
	if email != "" && (len(email) > 254 || !emailRE.MatchString(email)) {
		fe.Add("notify_email", "not an e-mail address")
	}
	if phone != "" && !phoneRE.MatchString(phone) {
		fe.Add("notify_phone", "a phone number: 8 to 15 digits, + first for an international one")
	}
	return email, phone
}

// Notices lists the notices of a dossier the actor may read, oldest first.
func (p *Service) Notices(ctx context.Context, number string) ([]Notice, error) {
	d, err := p.GetDossier(ctx, number)
	if err != nil {
		return nil, err
	}
	return p.store.Notices(ctx, d.ID)
}

// NoticeReport counts what one SendNotices pass did.
type NoticeReport struct{ Sent, Logged, Failed, Retry int }

// SendNotices writes and sends the notices waiting, at most limit, each
// claimed by one instance (the scheduled job calls it).
func (p *Service) SendNotices(ctx context.Context, limit int) (NoticeReport, error) {
	var rep NoticeReport
	err := p.store.SendNotices(ctx, limit, func(n Notice) Notice {
		n.Subject, n.Body = p.noticeText(n)
		n.Attempts++
		var err error
		switch n.Channel {
		case NoticeEmail:
			if p.o.Email == nil {
				err = fmt.Errorf("no e-mail sender is configured")
			} else {
				err = p.o.Email.Send(ctx, n.Recipient, n.Subject, n.Body)
			}
		case NoticeSMS:
			if p.o.SMS == nil {
				err = fmt.Errorf("no SMS sender is configured")
			} else {
				err = p.o.SMS.SendSMS(ctx, n.Recipient, n.Subject)
			}
		default:
			n.State = NoticeLogged
			rep.Logged++
			return n
		}
		now := p.now(ctx)
		switch {
		case err == nil:
			n.State, n.SentAt, n.Error = NoticeSent, &now, ""
			rep.Sent++
		case n.Attempts >= maxNoticeAttempts:
			n.State, n.Error = NoticeFailed, err.Error()
			rep.Failed++
		default:
			n.Error = err.Error()
			rep.Retry++
		}
		return n
	})
	return rep, err
}

// noticeStatus is how a notice names the change (a message id).
var noticeStatus = map[string]string{
	"received":               "has been received",
	EventHandedOver:          "has been handed over for processing",
	EventRouted:              "has been sent to the competent agency",
	EventSupplementRequested: "needs further papers",
	EventResubmitted:         "has been completed and is being processed again",
	EventExtended:            "has been given more time",
	EventReturned:            "has a result",
	EventWithdrawn:           "has been withdrawn",
}

// noticeText writes what a notice tells the citizen, in the language they
// asked for: the change, the agency, the receiving and handling officers and
// the times. Each line is a message rendered by the one translator.
func (p *Service) noticeText(n Notice) (subject, body string) {
	f := n.Facts
	lang := f.Lang
	if lang != "en" {
		lang = "vi"
	}
	render := func(m qms.Msg) string {
		if p.o.Render == nil {
			return m.String()
		}
		return p.o.Render(lang, m)
	}
	at := func(t time.Time) string { return t.In(p.o.Location).Format("15:04 02/01/2006") }
	unit := func(code string) string {
		if p.o.UnitName != nil {
			if s := p.o.UnitName(code, lang); s != "" {
				return s
			}
		}
		return code
	}
	id := noticeStatus[n.Kind]
	if id == "" {
		id = "has changed status"
	}
	what := qms.M(id)
	service := f.ServiceName
	if lang == "en" && f.ServiceNameEN != "" {
		service = f.ServiceNameEN
	}
	subject = render(qms.M("Dossier %s %s", f.Number, what))
	lines := []qms.Msg{qms.M("Dossier no. %s (%s) %s at %s.", f.Number, service, what, at(n.At)),
		qms.M("Handling agency: %s.", unit(f.Unit))}
	if f.ReceivingUnit != "" {
		lines = append(lines, qms.M("Received at: %s; received by: %s; time of receipt: %s.", unit(f.ReceivingUnit), f.ReceivingOfficer, at(f.ReceivedAt)))
	} else {
		lines = append(lines, qms.M("Time of receipt: %s.", at(f.ReceivedAt)))
	}
	if f.HandlingOfficer != "" {
		lines = append(lines, qms.M("Handled by: %s.", f.HandlingOfficer))
	}
	if f.ReturnedAt != nil {
		lines = append(lines, qms.M("Result returned at: %s.", at(*f.ReturnedAt)))
	} else {
		lines = append(lines, qms.M("Result due: %s.", at(f.DueAt)))
	}
	lines = append(lines, qms.M("Look it up: %s", p.StatusURL(Dossier{Number: f.Number, LookupCode: f.LookupCode})))
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(render(l))
		b.WriteByte('\n')
	}
	return subject, b.String()
}
