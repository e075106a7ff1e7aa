package leadership

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// NewMeeting is what recording a meeting takes: the meeting and, in a
// form, its minutes file.
type NewMeeting struct {
	HeldOn       workday.Date   `json:"held_on"`
	Title        string         `json:"title"`
	Chair        string         `json:"chair"`
	Participants string         `json:"participants"`
	Unit         string         `json:"unit"` // keeps the minutes
	MinutesRef   string         `json:"minutes_record"`
	Minutes      qms.FileSource `json:"-" form:"minutes"`
}

// minutesRecord says how the minutes of meeting m are filed.
func minutesRecord(m Meeting, filename string, r io.Reader) MinutesRecord {
	title := m.Title
	if rs := []rune(title); len(rs) > 200 {
		title = string(rs[:200]) + "…"
	}
	return MinutesRecord{Type: "meeting-minutes", Unit: m.Unit, Title: qms.M("Minutes: %s", title), Date: m.HeldOn,
		Clauses: []string{"5.1", "9.3"}, FileName: filename, File: r}
}

// CreateMeeting records a meeting (directive issue anywhere: the
// coordinator or the chairman). Its minutes file (the first one given) is
// filed as a record of the unit keeping the minutes when the record
// capability is wired (retention and object lock apply), otherwise
// streamed into the object store; either way before the meeting's row is
// written.
func (s *Service) CreateMeeting(ctx context.Context, in NewMeeting) (Meeting, error) {
	a, err := s.may(ctx, qms.AllUnits, actIssue)
	if err != nil {
		return Meeting{}, err
	}
	m := Meeting{HeldOn: in.HeldOn, Unit: in.Unit}
	fe := qms.FieldErrors{}
	if m.Title, err = qms.CleanText("title", in.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if m.Chair, err = qms.CleanText("chair", in.Chair, 200, true, false); err != nil {
		fe.AddErr("chair", err)
	}
	if m.Participants, err = qms.CleanText("participants", in.Participants, 4000, false, true); err != nil {
		fe.AddErr("participants", err)
	}
	if m.MinutesRef, err = qms.CleanText("minutes_record", in.MinutesRef, 100, false, false); err != nil {
		fe.AddErr("minutes_record", err)
	}
	if m.Unit != "" && !qms.ValidUnitCode(m.Unit) {
		fe.Add("unit", "unknown unit")
	}
	if m.HeldOn.IsZero() {
		fe.Add("held_on", "required (yyyy-mm-dd)")
	} else if s.today().Before(m.HeldOn) {
		fe.Add("held_on", "is in the future")
	}
	if err := fe.Err(); err != nil {
		return m, err
	}
	if in.Minutes != nil {
		filed := false
		err := in.Minutes(func(f qms.Upload) error {
			if filed {
				return nil // one minutes file; the others are skipped
			}
			filed = true
			return s.fileMinutes(ctx, &m, f)
		})
		if err != nil {
			return m, err
		}
	}
	m.CreatedBy = a.Login
	ev := trail.NewEvent(ctx, "meeting.create", "meeting", "", "", map[string]any{"title": m.Title, "held_on": m.HeldOn.String(), "chair": m.Chair})
	return s.store.CreateMeeting(ctx, m, ev)
}

// fileMinutes stores the minutes file f of m, as a record or in the object store.
func (s *Service) fileMinutes(ctx context.Context, m *Meeting, f qms.Upload) error {
	name, err := qms.CleanFileName(f.Name)
	if err != nil {
		return err
	}
	if s.o.Minutes == nil {
		obj, err := s.blobs.PutFile(ctx, "minutes/"+qms.NewID(), f.Body, s.o.MaxEvidence)
		if err != nil {
			return err
		}
		m.Minutes, m.MinutesName = &obj, name
		return nil
	}
	if m.Unit == "" {
		fe := qms.FieldErrors{}
		fe.Add("unit", "choose the unit that keeps the minutes")
		return fe.Err()
	}
	id, err := s.o.Minutes.FileMinutes(ctx, minutesRecord(*m, name, f.Body))
	if err != nil {
		return err
	}
	m.MinutesRef = id
	return nil
}

// Meetings lists the meetings the actor sees (meetingScope), newest first.
func (s *Service) Meetings(ctx context.Context) ([]Meeting, error) {
	sc, err := s.meetingScope(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.Meetings(ctx, sc)
}

// Meeting returns a meeting the actor sees (meetingScope) with the
// directives the actor may read; another is not found, as an unknown id.
func (s *Service) Meeting(ctx context.Context, id string) (Meeting, error) {
	m, _, err := s.visibleMeeting(ctx, id)
	if err != nil {
		return Meeting{}, err
	}
	sc, err := s.readScope(ctx)
	if err != nil {
		return Meeting{}, err
	}
	if m.Directives, err = s.list(ctx, DirectiveFilter{Scope: sc, MeetingID: id}); err != nil {
		return Meeting{}, err
	}
	return m, nil
}

// visibleMeeting reads meeting id and refuses it, as not found, unless
// the actor sees it: in the scope of meetingScope, its minutes are kept
// by a unit of the scope or it gave one of them a directive.
func (s *Service) visibleMeeting(ctx context.Context, id string) (Meeting, qms.Scope, error) {
	sc, err := s.meetingScope(ctx)
	if err != nil {
		return Meeting{}, sc, err
	}
	m, err := s.store.Meeting(ctx, id)
	if err != nil {
		return Meeting{}, sc, err
	}
	if sc.All || (m.Unit != "" && sc.Has(m.Unit)) {
		return m, sc, nil
	}
	if !sc.Empty() {
		ds, err := s.store.Directives(ctx, DirectiveFilter{Scope: sc, MeetingID: id})
		if err != nil {
			return Meeting{}, sc, err
		}
		if len(ds) > 0 {
			return m, sc, nil
		}
	}
	return Meeting{}, sc, qms.Errorf(qms.ErrNotFound, "no meeting %s", id)
}

// OpenMinutes opens the minutes file of a meeting the actor sees (one kept
// in the object store; minutes filed as a record are read as that record,
// with the record's permissions).
func (s *Service) OpenMinutes(ctx context.Context, id string) (Meeting, io.ReadSeekCloser, error) {
	m, _, err := s.visibleMeeting(ctx, id)
	if err != nil {
		return m, nil, err
	}
	if m.Minutes == nil {
		return m, nil, qms.Errorf(qms.ErrNotFound, "this meeting has no minutes file")
	}
	r, err := s.blobs.OpenVersion(ctx, m.Minutes.Key, m.Minutes.VersionID)
	return m, r, err
}
