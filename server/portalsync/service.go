package portalsync

import (
	"bytes"
	"context"
	"encoding/json"

	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Options are the portal's address and the sender's bounds.
type Options struct {
	URL    string // the portal's sync endpoint (QMS_PORTAL_SYNC_URL); "" turns the sync off
	Token  string // sent as Authorization: Bearer (QMS_PORTAL_SYNC_TOKEN)
	Agency string // the receiving agency's code at the portal (QMS_PORTAL_AGENCY)
	// Workers send the changes of that many dossiers at once. Default 16.
	Workers int
	// Batch is how many dossiers one claim takes. Default 500.
	Batch int
	// Lease is how long a claimed dossier is kept from other runners;
	// longer than a send may take. Default 2 minutes.
	Lease time.Duration
	// Timeout of one send. Default 15 s.
	Timeout time.Duration
	// Backoff is the wait before the next attempt after n failed ones.
	// Default 2ⁿ seconds, at most 30 minutes.
	Backoff func(n int) time.Duration
	Client  *http.Client
	Now     func() time.Time
}

// Service sends the captured changes.
type Service struct {
	store Store
	o     Options
}

// New returns the sender on store.
func New(store Store, o Options) *Service {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration {
			if n > 11 {
				return 30 * time.Minute
			}
			return min(time.Duration(1<<n)*time.Second, 30*time.Minute)
		}
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: store, o: o}
}

// Enabled says whether changes are sent.
func (s *Service) Enabled() bool { return s.o.URL != "" }

// Start turns the capture on when the sync is configured, off when not:
// an office without a portal keeps no backlog.
func (s *Service) Start(ctx context.Context) error { return s.store.SetEnabled(ctx, s.Enabled()) }

// Report counts what a run did.
type Report struct {
	Dossiers, Sent, Failed int
}

// Run sends every change that is due, claim after claim, until none is
// left or ctx ends.
func (s *Service) Run(ctx context.Context) (Report, error) {
	var rep Report
	if !s.Enabled() {
		return rep, nil
	}
	for ctx.Err() == nil {
		changes, err := s.store.Claim(ctx, s.o.Now(), s.o.Batch, s.o.Lease)
		if err != nil {
			return rep, err
		}
		if len(changes) == 0 {
			return rep, nil
		}
		byDossier := [][]Change{}
		for i, c := range changes {
			if i == 0 || c.DossierID != changes[i-1].DossierID {
				byDossier = append(byDossier, nil)
			}
			byDossier[len(byDossier)-1] = append(byDossier[len(byDossier)-1], c)
		}
		rep.Dossiers += len(byDossier)
		work := make(chan []Change)
		var mu sync.Mutex
		var wg sync.WaitGroup
		var firstErr error
		for range min(s.o.Workers, len(byDossier)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for cs := range work {
					sent, failed, err := s.sendDossier(ctx, cs)
					mu.Lock()
					rep.Sent += sent
					rep.Failed += failed
					if err != nil && firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}()
		}
		for _, cs := range byDossier {
			work <- cs
		}
		close(work)
		wg.Wait()
		if firstErr != nil {
			return rep, firstErr
		}
	}
	return rep, ctx.Err()
}

// sendDossier sends one dossier's changes in order, stopping at the first
// that fails; the error is only the store's (a failed send is recorded).
func (s *Service) sendDossier(ctx context.Context, cs []Change) (sent, failed int, err error) {
	for _, c := range cs {
		if ctx.Err() != nil {
			return sent, failed, nil // the lease runs out; another run sends the rest
		}
		if serr := s.send(ctx, c); serr != nil {
			if ctx.Err() != nil {
				return sent, failed, nil
			}
			failed++
			return sent, failed, s.store.Failed(ctx, c, oneLine(serr.Error()), s.o.Now().Add(s.o.Backoff(c.Attempts+1)))
		}
		if err := s.store.Synced(ctx, c.ID, s.o.Now()); err != nil {
			return sent, failed, err
		}
		sent++
	}
	return sent, failed, nil
}

func (s *Service) send(ctx context.Context, c Change) error {
	var d Snapshot
	if err := json.Unmarshal(c.Snapshot, &d); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	body, err := json.Marshal(messageOf(s.o.Agency, c, d))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", s.o.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Idempotency-Key", "qmstrack-"+strconv.FormatInt(c.ID, 10))
	if s.o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.o.Token)
	}
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the portal answered %s: %s", resp.Status, msg)
	}
	return nil
}

func oneLine(s string) string {
	if len(s) > 1000 {
		s = s[:1000]
	}
	return string(bytes.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, []byte(s)))
}

// Dossier is the sync status of each change of a dossier; qms.ErrNotFound
// for a dossier without any (or not synced at all). Whether the reader
// may see the dossier is the caller's to check.
func (s *Service) Dossier(ctx context.Context, number string) ([]Status, error) {
	st, err := s.store.DossierSync(ctx, number, s.o.Now())
	if err != nil {
		return nil, err
	}
	if len(st) == 0 {
		return nil, qms.Errorf(qms.ErrNotFound, "no change of this dossier was captured for the portal")
	}
	return st, nil
}
