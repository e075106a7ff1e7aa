package record

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Dispose signs the disposition of a record whose retention has expired and
// then deletes its object versions. The signer re-enters the password; the
// signature records who, when and why. If the object store still refuses
// (locked or held), nothing is recorded.
func (s *Service) Dispose(ctx context.Context, id, reason, password string) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if !s.authz.Can(a.UserID, r.Unit, permRecord, actDispose) {
		return Record{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may dispose of records")
	}
	if reason, err = qms.CleanText("reason", reason, 1000, true, true); err != nil {
		return Record{}, err
	}
	if password == "" {
		return Record{}, qms.Errorf(qms.ErrInvalid, "re-enter your password to sign")
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, password); err != nil {
		return Record{}, err
	}
	now := s.o.Now()
	check := func(cur Record) error {
		switch {
		case cur.Status != StatusActive:
			return qms.Errorf(qms.ErrState, "the record was already disposed of")
		case cur.Permanent:
			return qms.Errorf(qms.ErrState, "records of this type are kept permanently")
		case cur.Held:
			return qms.Errorf(qms.ErrState, "the record is under legal hold")
		case now.Before(cur.RetainUntil):
			return qms.Errorf(qms.ErrState, "the retention period runs until the end of %s",
				qms.DateOf(cur.LastDay(), s.o.Location).Display())
		}
		return nil
	}
	if err := check(r); err != nil {
		return Record{}, err
	}
	hashes := make([]string, 0, len(r.Versions))
	for _, v := range r.Versions {
		hashes = append(hashes, v.SHA256)
	}
	sig := qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: "coordinator", Meaning: signMeaning,
		ObjectType: "record", ObjectID: r.ID, Comment: reason, SHA256s: hashes}
	ev := trail.NewEvent(ctx, "record.dispose", "record", r.ID, r.Unit, map[string]any{"reason": reason, "sha256s": hashes})
	return s.store.Mutate(ctx, r.ID, func(cur *Record) (Change, error) {
		if err := check(*cur); err != nil {
			return Change{}, err
		}
		live := cur.Live()
		at := now.UTC()
		cur.Status, cur.DisposedAt = StatusDisposed, &at
		for i := range cur.Versions {
			if cur.Versions[i].DeletedAt == nil {
				cur.Versions[i].DeletedAt = &at
			}
		}
		// Last, so that a refusal (still locked or held) rolls back the
		// signature; the row lock keeps a concurrent disposition waiting.
		return Change{Events: []trail.Event{ev}, Signature: &sig, Apply: func() error {
			for _, v := range live {
				if err := s.blobs.DeleteVersion(ctx, v.Key, v.VersionID); err != nil {
					return err
				}
			}
			return nil
		}}, nil
	})
}

// NotifyDue tells the coordinators about the records whose retention has
// ended (the scheduled retention-expiry job); it returns how many new
// notifications it added.
func (s *Service) NotifyDue(ctx context.Context) (int, error) {
	return s.store.NotifyDue(ctx, s.o.Now(), dueSubject)
}

// dueSubject is the notice of a record whose retention has ended.
func dueSubject(title string) qms.Msg { return qms.M("Retention ended: %s", title) }
