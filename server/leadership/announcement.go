package leadership

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Announcement states. A draft is made from one scope version; signing it
// makes it effective and supersedes the one before; a change of the
// scope's services outdates the effective one; a new draft discards the
// previous draft.
const (
	AnnDraft      = "draft"
	AnnEffective  = "effective"
	AnnSuperseded = "superseded"
	AnnOutdated   = "outdated"
	AnnDiscarded  = "discarded"
)

// ObjAnnouncement is the announcement's object type in the trail and on
// its signature.
const ObjAnnouncement = "announcement"

// RecordTypeAnnouncement is the record type the signed announcement is
// filed as (kept permanently).
const RecordTypeAnnouncement = "qms-announcement"

// signMeaning is what the head of the agency's signature means.
const signMeaning = "announced"

// Announcement is the conformity announcement (công bố HTQLCL phù hợp
// TCVN ISO 9001:2015) in the format of QĐ 19/2014's annex.
type Announcement struct {
	ID           string              `json:"id"`
	ScopeVersion int                 `json:"scope_version"`
	State        string              `json:"state"`
	Place        string              `json:"place"`
	Date         qms.Date            `json:"date"`
	Content      AnnouncementContent `json:"content"`
	PDF          *qms.StoredObject   `json:"pdf,omitempty"` // the signed PDF
	RecordID     string              `json:"record_id,omitempty"`
	SignatureID  string              `json:"signature_id,omitempty"`
	SignedBy     string              `json:"signed_by,omitempty"`
	SignerName   string              `json:"signer_name,omitempty"`
	SignedAt     *time.Time          `json:"signed_at,omitempty"`
	// When the scope's services changed after it was signed: when, and
	// which services were added and removed.
	OutdatedAt *time.Time `json:"outdated_at,omitempty"`
	Added      []string   `json:"services_added,omitempty"`
	Removed    []string   `json:"services_removed,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
}

// AnnouncementContent is what the announcement says, with the names as
// they were when it was drafted.
type AnnouncementContent struct {
	Agency         qms.Text    `json:"agency"`
	Address        string      `json:"address,omitempty"`
	Standard       string      `json:"standard"`
	Services       []Named     `json:"services"`
	Units          []Named     `json:"units"`
	Exclusions     []Exclusion `json:"exclusions"`
	DecisionNumber string      `json:"decision_number"`
	DecisionDate   qms.Date    `json:"decision_date"`
	DecisionSigner string      `json:"decision_signer"`
}

// Named is a code with its name.
type Named struct {
	Code string   `json:"code"`
	Name qms.Text `json:"name"`
}

func (c AnnouncementContent) serviceCodes() []string {
	out := make([]string, 0, len(c.Services))
	for _, s := range c.Services {
		out = append(out, s.Code)
	}
	return out
}

// SignedAnnouncement is what signing adds to a draft.
type SignedAnnouncement struct {
	Signature qms.Signature
	PDF       qms.StoredObject
	RecordID  string
}

// AnnouncementIn drafts an announcement: the place and date printed on it
// (today when no date is given).
type AnnouncementIn struct {
	Place string   `json:"place"`
	Date  qms.Date `json:"date"`
}

// SignIn is the head of the agency's signature: the password again.
type SignIn struct {
	Password string `json:"password"`
}

// AnnouncementState is the scope page's view of the announcements.
type AnnouncementState struct {
	Draft     *Announcement `json:"draft,omitempty"`
	Effective *Announcement `json:"effective,omitempty"`
	// Outdated is the last signed announcement when the scope changed
	// after it and none was signed since: it has to be announced again.
	Outdated *Announcement  `json:"outdated,omitempty"`
	History  []Announcement `json:"history"`
}

// Announcements returns the draft, the effective announcement and the
// history.
func (s *ScopeService) Announcements(ctx context.Context) (AnnouncementState, error) {
	if err := s.mayRead(ctx); err != nil {
		return AnnouncementState{}, err
	}
	return s.announcementState(ctx)
}

func (s *ScopeService) announcementState(ctx context.Context) (AnnouncementState, error) {
	list, err := s.store.Announcements(ctx, 50)
	if err != nil {
		return AnnouncementState{}, err
	}
	st := AnnouncementState{History: list}
	signedSeen := false
	for i := range list {
		a := &list[i]
		switch a.State {
		case AnnDraft:
			st.Draft = a
		case AnnEffective:
			st.Effective = a
		case AnnOutdated:
			if !signedSeen {
				st.Outdated = a
			}
		}
		if a.SignedAt != nil {
			signedSeen = true
		}
	}
	return st, nil
}

// Effective returns the effective announcement, for the public page.
func (s *ScopeService) Effective(ctx context.Context) (Announcement, error) {
	st, err := s.announcementState(ctx)
	if err != nil {
		return Announcement{}, err
	}
	if st.Effective == nil {
		return Announcement{}, qms.Errorf(qms.ErrNotFound, "no conformity announcement is in force")
	}
	return *st.Effective, nil
}

// DraftAnnouncement drafts the announcement from the current scope (a
// previous draft is discarded).
func (s *ScopeService) DraftAnnouncement(ctx context.Context, in AnnouncementIn) (Announcement, error) {
	a, err := s.mayManage(ctx)
	if err != nil {
		return Announcement{}, err
	}
	fe := qms.FieldErrors{}
	place, err := qms.CleanText("place", in.Place, 100, true, false)
	if err != nil {
		fe.AddErr("place", err)
	}
	today := qms.DateOf(s.o.Now(), s.o.Location)
	day := in.Date
	if day.IsZero() {
		day = today
	} else if day.After(today) {
		fe.Add("date", "the announcement cannot be dated in the future")
	}
	if err := fe.Err(); err != nil {
		return Announcement{}, err
	}
	sc, err := s.store.Scope(ctx)
	if err != nil {
		return Announcement{}, err
	}
	if sc.Version == 0 {
		return Announcement{}, qms.Errorf(qms.ErrState, "set the QMS scope before announcing it")
	}
	content, err := s.content(ctx, sc)
	if err != nil {
		return Announcement{}, err
	}
	ann := Announcement{ScopeVersion: sc.Version, State: AnnDraft, Place: place, Date: day, Content: content, CreatedBy: a.Login}
	ev := trail.NewEvent(ctx, "announcement.draft", ObjAnnouncement, "", sc.RecordUnit,
		map[string]any{"scope_version": sc.Version, "services": sc.Services})
	return s.store.DraftAnnouncement(ctx, ann, ev)
}

// content is what an announcement of sc says, with today's names.
func (s *ScopeService) content(ctx context.Context, sc Scope) (AnnouncementContent, error) {
	named := func(kind string, codes []string) ([]Named, error) {
		names, err := s.store.Names(ctx, kind, codes)
		if err != nil {
			return nil, err
		}
		out := make([]Named, 0, len(codes))
		for _, c := range codes {
			out = append(out, Named{Code: c, Name: names[c]})
		}
		return out, nil
	}
	svcs, err := named(KindService, sc.Services)
	if err != nil {
		return AnnouncementContent{}, err
	}
	units, err := named(KindUnit, sc.Units)
	if err != nil {
		return AnnouncementContent{}, err
	}
	return AnnouncementContent{Agency: s.o.Agency, Address: s.o.Address, Standard: sc.Standard, Services: svcs, Units: units,
		Exclusions: sc.Exclusions, DecisionNumber: sc.DecisionNumber, DecisionDate: sc.DecisionDate, DecisionSigner: sc.DecisionSigner}, nil
}

// checkSign refuses a signature that is not the head of the agency's, or
// on an announcement that is not a draft of the current scope.
func (s *ScopeService) checkSign(a qms.Actor, ann Announcement, scopeVersion int) error {
	if !s.authz.Can(a.UserID, qms.AllUnits, ObjScope, actSign) {
		return qms.Errorf(qms.ErrForbidden, "only the head of the agency signs the conformity announcement")
	}
	if ann.State != AnnDraft {
		return qms.Errorf(qms.ErrState, "the announcement is %s; only a draft can be signed", qms.Label{Prefix: "scope.state", Code: ann.State})
	}
	if ann.ScopeVersion != scopeVersion {
		return qms.Errorf(qms.ErrState, "the scope changed after this draft was made; draft the announcement again")
	}
	return nil
}

// SignAnnouncement is the head of the agency's electronic signature of the
// draft: the password again, then the PDF with the signature block is
// printed, stored, filed as a record and its SHA-256 signed; the draft
// becomes the effective announcement, published on the public page.
func (s *ScopeService) SignAnnouncement(ctx context.Context, in SignIn) (Announcement, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Announcement{}, err
	}
	if !s.authz.Can(a.UserID, qms.AllUnits, ObjScope, actSign) {
		return Announcement{}, qms.Errorf(qms.ErrForbidden, "only the head of the agency signs the conformity announcement")
	}
	st, err := s.announcementState(ctx)
	if err != nil {
		return Announcement{}, err
	}
	if st.Draft == nil {
		return Announcement{}, qms.Errorf(qms.ErrState, "there is no draft announcement to sign")
	}
	ann := *st.Draft
	sc, err := s.store.Scope(ctx)
	if err != nil {
		return Announcement{}, err
	}
	if err := s.checkSign(a, ann, sc.Version); err != nil {
		return Announcement{}, err
	}
	if strings.TrimSpace(in.Password) == "" {
		fe := qms.FieldErrors{}
		fe.Add("password", "enter your password to sign")
		return Announcement{}, fe.Err()
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, in.Password); err != nil {
		return Announcement{}, err
	}
	if s.o.Renderer == nil {
		return Announcement{}, qms.Errorf(qms.ErrUnavailable, "the announcement cannot be printed")
	}
	now := s.o.Now().UTC()
	ann.SignedBy, ann.SignerName, ann.SignedAt = a.Login, a.Name, &now
	var buf bytes.Buffer
	if err := s.o.Renderer.RenderAnnouncement(&buf, ann); err != nil {
		return Announcement{}, err
	}
	pdf := buf.Bytes()
	sum := sha256.Sum256(pdf)
	obj, err := s.blobs.PutFile(ctx, "announcements/"+ann.ID+".pdf", bytes.NewReader(pdf), int64(len(pdf))+1)
	if err != nil {
		return Announcement{}, err
	}
	obj.MediaType = "application/pdf"
	signed := SignedAnnouncement{PDF: obj}
	if s.o.Records != nil {
		if signed.RecordID, err = s.o.Records.FileAnnouncement(ctx, MinutesRecord{Type: RecordTypeAnnouncement, Unit: sc.RecordUnit,
			Title: qms.M("QMS conformity announcement to %s", ann.Content.Standard), Date: ann.Date, Clauses: []string{"4.3"},
			FileName: "cong-bo-htqlcl.pdf", File: bytes.NewReader(pdf)}); err != nil {
			return Announcement{}, err
		}
	}
	hexSum := hex.EncodeToString(sum[:])
	signed.Signature = qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: "head", Meaning: signMeaning,
		ObjectType: ObjAnnouncement, ObjectID: ann.ID, SHA256s: []string{hexSum}, Comment: ann.Content.Standard}
	ev := trail.NewEvent(ctx, "announcement.sign", ObjAnnouncement, ann.ID, sc.RecordUnit,
		map[string]any{"sha256": hexSum, "record": signed.RecordID, "scope_version": ann.ScopeVersion})
	return s.store.SignAnnouncement(ctx, ann.ID, func(stored Announcement, version int) error {
		return s.checkSign(a, stored, version)
	}, signed, ev)
}

// OpenPDF opens announcement id's signed PDF for a reader of the scope.
func (s *ScopeService) OpenPDF(ctx context.Context, id string) (Announcement, io.ReadSeekCloser, error) {
	if err := s.mayRead(ctx); err != nil {
		return Announcement{}, nil, err
	}
	ann, err := s.store.Announcement(ctx, id)
	if err != nil {
		return Announcement{}, nil, err
	}
	return s.open(ctx, ann)
}

// OpenEffectivePDF opens the effective announcement's PDF, for the public.
func (s *ScopeService) OpenEffectivePDF(ctx context.Context) (Announcement, io.ReadSeekCloser, error) {
	ann, err := s.Effective(ctx)
	if err != nil {
		return Announcement{}, nil, err
	}
	return s.open(ctx, ann)
}

func (s *ScopeService) open(ctx context.Context, ann Announcement) (Announcement, io.ReadSeekCloser, error) {
	if ann.PDF == nil {
		// A draft has no PDF of its own: it is printed for review, marked
		// as a draft.
		return s.preview(ann)
	}
	rc, err := s.blobs.OpenVersion(ctx, ann.PDF.Key, ann.PDF.VersionID)
	return ann, rc, err
}

func (s *ScopeService) preview(ann Announcement) (Announcement, io.ReadSeekCloser, error) {
	if s.o.Renderer == nil {
		return ann, nil, qms.Errorf(qms.ErrUnavailable, "the announcement cannot be printed")
	}
	var buf bytes.Buffer
	if err := s.o.Renderer.RenderAnnouncement(&buf, ann); err != nil {
		return ann, nil, err
	}
	return ann, readSeekNopCloser{bytes.NewReader(buf.Bytes())}, nil
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

// ScopeTask is a task of the scope on a home page.
type ScopeTask struct {
	Kind  string // "reannounce": the scope changed after the announcement; "sign": a draft waits for the signature
	Since time.Time
}

// Tasks lists the actor's scope tasks: to the coordinator and the head of
// the agency, the announcement to make again when the scope changed; to
// the head of the agency, the draft to sign.
func (s *ScopeService) Tasks(ctx context.Context, a qms.Actor) ([]ScopeTask, error) {
	manage := s.authz.Can(a.UserID, qms.AllUnits, ObjScope, actManage)
	sign := s.authz.Can(a.UserID, qms.AllUnits, ObjScope, actSign)
	if !manage && !sign {
		return nil, nil
	}
	st, err := s.announcementState(ctx)
	if err != nil {
		return nil, err
	}
	var out []ScopeTask
	if st.Outdated != nil && st.Effective == nil {
		out = append(out, ScopeTask{Kind: "reannounce", Since: *st.Outdated.OutdatedAt})
	}
	if sign && st.Draft != nil {
		out = append(out, ScopeTask{Kind: "sign", Since: st.Draft.CreatedAt})
	}
	return out, nil
}
