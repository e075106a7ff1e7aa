package feed

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Service is the entry point of this capability.
type Service struct {
	store Store
	now   func() time.Time
	loc   *time.Location
}

// New returns the capability on store; now and loc (the office's time
// zone) decide what "today" is, time.Now and UTC when nil.
func New(store Store, now func() time.Time, loc *time.Location) *Service {
	if now == nil {
		now = time.Now
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Service{store: store, now: now, loc: loc}
}

// tokenPrefix marks a feed token, so one pasted where it does not belong
// is recognised.
const tokenPrefix = "qcal_"

// errNoFeed answers a token that opens no feed: unknown, replaced,
// revoked, or its owner's account suspended. It says no more, so a guess
// learns nothing.
var errNoFeed = qms.Errorf(qms.ErrNotFound, "this calendar feed does not exist or was revoked")

// Hash is the stored form of a token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Status is the acting person's feed.
func (s *Service) Status(ctx context.Context) (Status, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Status{}, err
	}
	return s.store.FeedStatus(ctx, a.UserID)
}

// Create makes the acting person's feed, replacing the one they had (whose
// address then opens nothing), and returns its token: shown once.
func (s *Service) Create(ctx context.Context) (string, Status, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return "", Status{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", Status{}, err
	}
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	st, err := s.store.ReplaceFeed(ctx, a.UserID, Hash(tok),
		trail.NewEvent(ctx, "calendar_feed.create", "user", a.Login, "", nil))
	if err != nil {
		return "", Status{}, err
	}
	return tok, st, nil
}

// Revoke ends the acting person's feed; a person without one is told so.
func (s *Service) Revoke(ctx context.Context) error {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return err
	}
	ok, err := s.store.DeleteFeed(ctx, a.UserID, trail.NewEvent(ctx, "calendar_feed.revoke", "user", a.Login, "", nil))
	if err != nil {
		return err
	}
	if !ok {
		return qms.Errorf(qms.ErrNotFound, "you have no calendar feed to revoke")
	}
	return nil
}

// Open reads the feed a token opens: its owner and the owner's due dates
// in the window around today, nearest first.
func (s *Service) Open(ctx context.Context, token string) (Owner, []Item, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) != len(tokenPrefix)+43 {
		return Owner{}, nil, errNoFeed
	}
	now := s.now()
	o, err := s.store.FeedOwner(ctx, Hash(token), now)
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return Owner{}, nil, errNoFeed
		}
		return Owner{}, nil, err
	}
	today := qms.DateOf(now, s.loc)
	items, err := s.store.DueItems(ctx, o.UserID, today.AddDays(-PastDays), today.AddDays(AheadDays), MaxItems)
	if err != nil {
		return Owner{}, nil, err
	}
	for i := range items {
		it := &items[i]
		switch {
		case it.Day != nil:
			it.Start = qms.DateFromTime(*it.Day)
		case it.At != nil:
			it.Start = qms.DateOf(*it.At, s.loc)
		}
		if it.EndDay != nil {
			it.End = qms.DateFromTime(*it.EndDay)
		}
		if it.End.IsZero() || it.End.Before(it.Start) {
			it.End = it.Start
		}
		it.Path = pathOf(*it)
	}
	return o, items, nil
}

// pathOf is the page of an item in qmstrack.
func pathOf(it Item) string {
	switch it.Kind {
	case KindAction, KindActionVerify:
		return "/ncs/" + it.Target
	case KindDirective:
		return "/directives/" + it.Target
	case KindReview:
		return "/documents/" + it.Target
	case KindAudit:
		return "/audits/" + it.Target
	case KindRecord:
		return "/records/" + it.Target
	case KindDossier:
		return "/dossiers/" + it.Target
	}
	return "/"
}
