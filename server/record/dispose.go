package record

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Dispose signs the disposition of a record whose retention has expired.
// The signer re-enters the password; the signature records who, when and
// why. The decision commits in one transaction (the record disposing, the
// signature, the record.dispose entry, every live version to delete), and
// only then are the versions deleted from the object store, each marked
// deleted after the store deleted it (see pending.go). Dispose tries to
// finish at once; what it cannot (a restart, a store that refuses or does
// not answer) the scheduled job finishes. The record it returns is
// disposed, or disposing with the reason of each version still stored.
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
	sig := qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: "coordinator", Meaning: signMeaning,
		ObjectType: "record", ObjectID: r.ID, Comment: reason}
	ev := trail.NewEvent(ctx, "record.dispose", "record", r.ID, r.Unit, map[string]any{"reason": reason})
	decided, err := s.store.Mutate(ctx, r.ID, func(cur *Record) (Change, error) {
		if err := check(*cur); err != nil {
			return Change{}, err
		}
		// The signature and the decision name the files as they are under
		// the row lock, not as they were read before it.
		at := now.UTC()
		hashes := make([]string, 0, len(cur.Versions))
		for i := range cur.Versions {
			hashes = append(hashes, cur.Versions[i].SHA256)
			if cur.Versions[i].DeletedAt == nil {
				cur.Versions[i].DeleteRequestedAt = &at
			}
		}
		sig.SHA256s = hashes
		ev.Details["sha256s"] = hashes
		cur.Status = StatusDisposing
		return Change{Events: []trail.Event{ev}, Signature: &sig}, nil
	})
	if err != nil {
		return Record{}, err
	}
	s.step("dispose.after-decision")
	// The decision stands whatever happens to the request now: the
	// deletion goes on without the request's cancellation, for a while.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.DisposeWithin)
	defer cancel()
	// Best effort: what is left, the scheduled job retries, and the
	// record read below shows why.
	_, _ = s.finishOne(dctx, decided.ID)
	out, err := s.store.Get(ctx, decided.ID)
	if err != nil {
		return decided, nil
	}
	return out, nil
}

// NotifyDue tells the coordinators about the records whose retention has
// ended (the scheduled retention-expiry job); it returns how many new
// notifications it added.
func (s *Service) NotifyDue(ctx context.Context) (int, error) {
	return s.store.NotifyDue(ctx, s.o.Now(), dueSubject)
}

// dueSubject is the notice of a record whose retention has ended.
func dueSubject(title string) qms.Msg { return qms.M("Retention ended: %s", title) }

// defaultDisposeWithin bounds the deletion a disposition runs in its own
// request; the scheduled job finishes a longer one.
const defaultDisposeWithin = 2 * time.Minute
