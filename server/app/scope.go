package app

import (
	"context"
	"io/fs"
	"time"

	"github.com/jmoiron/sqlx"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/leadership/announcementpdf"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// ConversionChecklistFile is the conversion checklist's default list (QĐ
// 101/QĐ-BKHCN 2019's model).
const ConversionChecklistFile = "assets/leadership/conversion-most.json"

// ConversionChecklist reads the checklist built into the binary.
func ConversionChecklist() ([]leadership.ChecklistItem, error) {
	data, err := fs.ReadFile(qmstrack.Assets, ConversionChecklistFile)
	if err != nil {
		return nil, err
	}
	return leadership.ParseChecklist(data)
}

// newScope builds the QMS scope and its announcement: printed by
// announcementpdf, signed with the identity's password check, filed as a
// record.
func newScope(a *App, db *sqlx.DB, store *blob.Store, loc *time.Location, now func() time.Time) (*leadership.ScopeService, error) {
	list, err := ConversionChecklist()
	if err != nil {
		return nil, err
	}
	return leadership.NewScope(postgres.NewScopeStore(db), a.Authz, store, a.Identity, leadership.ScopeOptions{
		Now: now, Location: loc, Agency: qms.Text{VI: a.Cfg.OfficeNameVI, EN: a.Cfg.OfficeNameEN}, Address: a.Cfg.OfficeAddress,
		Renderer: announcementpdf.New(loc), Records: announcementRecords{a.Records}, Checklist: list,
	}), nil
}

// announcementRecords files signed announcements as records.
type announcementRecords struct{ recs *record.Service }

// FileAnnouncement implements leadership.AnnouncementFiler.
func (m announcementRecords) FileAnnouncement(ctx context.Context, in leadership.MinutesRecord) (string, error) {
	rec, err := m.recs.FileTrusted(ctx, record.NewRecord{Type: in.Type, Unit: in.Unit, TitleMsg: &in.Title,
		Date: in.Date.String(), Clauses: in.Clauses, File: qms.FilesOf(qms.Upload{Name: in.FileName, Body: in.File})})
	return rec.ID, err
}
