package record

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// NewRecord is the input of Create: a form or a multipart request, the
// fields before the file.
type NewRecord struct {
	Type         string   `json:"type"`
	Unit         string   `json:"unit"`
	Title        string   `json:"title"`
	Date         string   `json:"date"` // yyyy-mm-dd or dd/mm/yyyy
	Clauses      []string `json:"clauses"`
	LinkRevision string   `json:"link_revision"`
	LinkNC       string   `json:"link_nc"`
	LinkAction   string   `json:"link_action"`
	LinkAudit    string   `json:"link_audit"`
	// File is the record's one file.
	File qms.FileSource `json:"-" form:"file"`
	// TitleMsg is the title a capability filing the record writes (an
	// audit report, meeting minutes), kept as a message so each reader
	// reads it in their language; Title is then its rendering in the
	// office's language, for search and programs.
	TitleMsg *qms.Msg `json:"-"`
}

// Correction is the input of AddVersion.
type Correction struct {
	Reason string         `json:"reason"`
	File   qms.FileSource `json:"-" form:"file"`
}

// Create files a new record: the file is streamed into the object store,
// the row is written, and then the version is locked until the record date
// plus the type's period (retention after the row: a file whose row never
// came is left unlocked, for the reconciler to remove). If the lock cannot
// be applied now the record is filed with the version lock_pending and the
// scheduled job applies it.
func (s *Service) Create(ctx context.Context, in NewRecord) (Record, error) {
	return s.create(ctx, in, true)
}

// FileTrusted files a record for a capability that authorized the act
// itself: an internal audit files its report as the lead auditor, who holds
// no right to file records in the audited unit.
func (s *Service) FileTrusted(ctx context.Context, in NewRecord) (Record, error) {
	return s.create(ctx, in, false)
}

func (s *Service) create(ctx context.Context, in NewRecord, checkAccess bool) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	fe := qms.FieldErrors{}
	r := Record{Unit: strings.TrimSpace(in.Unit), Status: StatusActive, CreatedBy: a.UserID, VersionsN: 1}
	if !qms.ValidUnitCode(r.Unit) {
		fe.Add("unit", "choose a unit")
	} else if checkAccess && !s.authz.Can(a.UserID, r.Unit, permRecord, actCreate) {
		return Record{}, qms.Errorf(qms.ErrForbidden, "you may not file records in unit %s", r.Unit)
	}
	var typ Type
	if strings.TrimSpace(in.Type) == "" {
		fe.Add("type", "choose a record type")
	} else if typ, err = s.store.Type(ctx, strings.TrimSpace(in.Type)); err != nil {
		if qms.KindOf(err) != qms.ErrNotFound {
			return Record{}, err
		}
		fe.Add("type", "unknown record type")
	}
	if in.TitleMsg != nil {
		in.Title, r.TitleMsg = s.render(*in.TitleMsg), in.TitleMsg
	}
	if r.Title, err = qms.CleanText("title", in.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	// A day of slack: a record dated tomorrow is a clock or zone mismatch,
	// not a forgery.
	day, err := qms.ParseDate(in.Date)
	switch {
	case err != nil:
		fe.Add("date", "use dd/mm/yyyy")
	case day.After(s.today().AddDays(1)):
		fe.Add("date", "a record cannot be dated in the future")
	case day.Year < 1900:
		fe.Add("date", "too far in the past")
	}
	r.Date = day.UTC()
	if r.Clauses, err = qms.NormalizeClauses(in.Clauses); err != nil {
		fe.AddErr("clauses", err)
	}
	r.Links = cleanLinks(Links{Revision: in.LinkRevision, NC: in.LinkNC, Action: in.LinkAction, Audit: in.LinkAudit}, fe)
	if err := fe.Err(); err != nil {
		return Record{}, err
	}
	if r.Links, err = s.resolveLinks(ctx, r.Links, checkAccess); err != nil {
		return Record{}, err
	}
	r.Type, r.Mode, r.Permanent = typ.Code, typ.Mode, typ.Permanent()
	years := PermanentYears
	if !r.Permanent {
		years = *typ.RetentionYears
	}
	r.RetainUntil = RetainUntil(day, years, s.o.Location)
	noFile := qms.FieldErrors{}
	noFile.Add("file", "attach the file")
	v, err := s.putOne(ctx, r, in.File, "", noFile.Err())
	if err != nil {
		return Record{}, err
	}
	ev := trail.NewEvent(ctx, "record.create", "record", "", r.Unit, map[string]any{
		"type": r.Type, "title": r.Title, "date": day.String(), "retain_until": r.RetainUntil,
		"mode": r.Mode, "sha256": v.SHA256, "version_id": v.VersionID, "key": v.Key})
	out, err := s.store.Create(ctx, r, v, ev)
	if err != nil {
		return Record{}, err
	}
	return s.lockFiled(ctx, out, 1), nil
}

// lockFiled applies the retention of version no of r, just filed, and
// returns the record as it is then. The filing stands either way: a
// retention not applied now stays lock_pending for the scheduled job.
func (s *Service) lockFiled(ctx context.Context, r Record, no int) Record {
	if err := s.applyLock(ctx, r.ID, no); err != nil {
		return r
	}
	if got, err := s.store.Get(ctx, r.ID); err == nil {
		return got
	}
	return r
}

var linkRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func cleanLinks(l Links, fe qms.FieldErrors) Links {
	for _, f := range []struct {
		name string
		v    *string
	}{{"link_revision", &l.Revision}, {"link_nc", &l.NC}, {"link_action", &l.Action}, {"link_audit", &l.Audit}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v != "" && !linkRE.MatchString(*f.v) {
			fe.Add(f.name, "not a valid identifier")
		}
	}
	return l
}

// resolveLinks names each linked object by id and refuses a link to an
// object that does not exist or, when visible is set (a filing by a person),
// that the actor may not see. Both get the same answer, field by field (400,
// "no such nonconformity", ...), so that probing ids teaches nothing about
// other units: a record may only belong to what its filer can see, else a
// foreign record would appear among another unit's NC or audit evidence.
func (s *Service) resolveLinks(ctx context.Context, l Links, visible bool) (Links, error) {
	if l == (Links{}) {
		return l, nil
	}
	ids, missing, err := s.store.ResolveLinks(ctx, l)
	if err != nil {
		return Links{}, err
	}
	if visible {
		var see LinkTargets = noLinks{}
		if s.o.Links != nil {
			see = s.o.Links
		}
		for _, c := range []struct {
			field, id string
			check     func(context.Context, string) error
		}{{"link_revision", ids.Revision, see.Revision}, {"link_nc", ids.NC, see.NC},
			{"link_action", ids.Action, see.Action}, {"link_audit", ids.Audit, see.Audit}} {
			if c.id == "" || slices.Contains(missing, c.field) {
				continue
			}
			err := c.check(ctx, c.id)
			switch k := qms.KindOf(err); {
			case err == nil:
			case k == qms.ErrNotFound || k == qms.ErrForbidden:
				missing = append(missing, c.field)
			default:
				return Links{}, err
			}
		}
	}
	if len(missing) > 0 {
		return Links{}, LinkError(missing)
	}
	return ids, nil
}

// noLinks sees nothing: without the capabilities that own the targets, a
// person's filing links to nothing.
type noLinks struct{}

func (noLinks) Revision(context.Context, string) error { return qms.ErrNotFound }
func (noLinks) NC(context.Context, string) error       { return qms.ErrNotFound }
func (noLinks) Action(context.Context, string) error   { return qms.ErrNotFound }
func (noLinks) Audit(context.Context, string) error    { return qms.ErrNotFound }

// LinkError refuses links to objects that do not exist or that the filer
// may not see, given the fields that name them.
func LinkError(fields []string) error {
	fe := qms.FieldErrors{}
	for _, f := range fields {
		switch f {
		case "link_revision":
			fe.Add(f, "no such document revision")
		case "link_nc":
			fe.Add(f, "no such nonconformity")
		case "link_action":
			fe.Add(f, "no such corrective action")
		case "link_audit":
			fe.Add(f, "no such audit")
		}
	}
	return fe.Err()
}

// AddVersion files a correction: a new version with a reason; the earlier
// versions stay retrievable and locked. A correction of a held record is
// held too: the hold is applied after the row, under the row lock, as the
// record is then, so a hold set or lifted at the same time cannot miss it.
func (s *Service) AddVersion(ctx context.Context, id string, in Correction) (Version, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Version{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Version{}, err
	}
	if !s.authz.Can(a.UserID, r.Unit, permRecord, actCreate) {
		return Version{}, qms.Errorf(qms.ErrForbidden, "you may not correct records of unit %s", r.Unit)
	}
	if r.Status != StatusActive {
		return Version{}, qms.Errorf(qms.ErrState, "the record was disposed of")
	}
	reason, err := qms.CleanText("reason", in.Reason, 1000, true, true)
	if err != nil {
		return Version{}, err
	}
	v, err := s.putOne(ctx, r, in.File, reason, qms.Errorf(qms.ErrInvalid, "attach the corrected file"))
	if err != nil {
		return Version{}, err
	}
	ev := trail.NewEvent(ctx, "record.correct", "record", r.ID, r.Unit, map[string]any{
		"reason": reason, "sha256": v.SHA256, "version_id": v.VersionID, "key": v.Key})
	out, err := s.store.Mutate(ctx, r.ID, func(cur *Record) (Change, error) {
		if cur.Status != StatusActive {
			return Change{}, qms.Errorf(qms.ErrState, "the record was disposed of")
		}
		cur.VersionsN++
		v.No = cur.VersionsN
		ev.Details["no"] = v.No
		// Locked and held after the row, under the row lock again, as the
		// record is then (lockFiled).
		v.LockPending = v.Locked || cur.Held
		return Change{Events: []trail.Event{ev}, Version: &v}, nil
	})
	if err != nil {
		return Version{}, err
	}
	out = s.lockFiled(ctx, out, v.No)
	for _, got := range out.Versions {
		if got.No == v.No {
			return got, nil
		}
	}
	return v, nil
}

// putOne streams the one file of a filing or a correction for record r
// (none is the refusal when there is no file); blob first, the row comes
// after.
func (s *Service) putOne(ctx context.Context, r Record, files qms.FileSource, reason string, none error) (Version, error) {
	if files == nil {
		files = qms.NoFiles
	}
	var v Version
	n := 0
	err := files(func(u qms.Upload) error {
		if n++; n > 1 {
			return qms.Errorf(qms.ErrInvalid, "send one file per record")
		}
		var err error
		v, err = s.put(ctx, r, u, reason)
		return err
	})
	switch {
	case err != nil:
		return Version{}, err
	case n == 0:
		return Version{}, none
	}
	return v, nil
}

func (s *Service) put(ctx context.Context, r Record, u qms.Upload, reason string) (Version, error) {
	name, err := qms.CleanFileName(u.Name)
	if err != nil {
		return Version{}, err
	}
	a, _ := qms.ActorFrom(ctx)
	// The object store accepts a retain-until date only in the future of
	// its own clock (the wall clock, whatever ours says): a record filed
	// after its period ended is never locked and is due.
	locked := r.RetainUntil.After(s.o.Now().Add(time.Minute)) && r.RetainUntil.After(time.Now().Add(time.Minute))
	// Stored without a lock: the lock comes once the row exists.
	obj, err := s.blobs.PutFile(ctx, "record/"+s.o.NewKey(), u.Body, s.o.MaxSize)
	if err != nil {
		return Version{}, err
	}
	return Version{StoredObject: obj, FileName: name, Reason: reason, RetainUntil: r.RetainUntil,
		Locked: locked, LockPending: locked, CreatedBy: a.UserID}, nil
}
