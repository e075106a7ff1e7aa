package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/casbin/casbin/v2/persist"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Channel is the PostgreSQL notification channel for policy changes.
const Channel = "qmstrack_policy"

// Watcher is a Casbin watcher over PostgreSQL LISTEN/NOTIFY. Stores that
// change role assignments call Notify inside their transaction, so the
// notification is delivered exactly when the change commits.
type Watcher struct {
	l        *pq.Listener
	mu       sync.Mutex
	callback func(string)
	done     chan struct{}
	once     sync.Once
}

var _ persist.Watcher = (*Watcher)(nil)

// NewWatcher listens on Channel with its own connection to dsn.
func NewWatcher(dsn string, log *slog.Logger) (*Watcher, error) {
	w := &Watcher{done: make(chan struct{})}
	w.l = pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			log.Warn("policy listener", "event", ev, "err", err)
		}
		// After a reconnect notifications may have been missed: reload.
		if ev == pq.ListenerEventReconnected {
			w.fire("reconnected")
		}
	})
	if err := w.l.Listen(Channel); err != nil {
		w.l.Close()
		return nil, err
	}
	go w.loop()
	return w, nil
}

func (w *Watcher) loop() {
	for {
		select {
		case <-w.done:
			return
		case n, ok := <-w.l.Notify:
			if !ok {
				return
			}
			if n == nil { // connection re-established
				w.fire("reconnected")
				continue
			}
			w.fire(n.Extra)
		case <-time.After(90 * time.Second):
			go func() { _ = w.l.Ping() }()
		}
	}
}

func (w *Watcher) fire(msg string) {
	w.mu.Lock()
	cb := w.callback
	w.mu.Unlock()
	if cb != nil {
		cb(msg)
	}
}

// SetUpdateCallback sets the function called on every change notification.
func (w *Watcher) SetUpdateCallback(cb func(string)) error {
	w.mu.Lock()
	w.callback = cb
	w.mu.Unlock()
	return nil
}

// Update is not used: stores notify in their transactions (see Notify).
func (w *Watcher) Update() error { return nil }

// Close stops listening.
func (w *Watcher) Close() {
	w.once.Do(func() {
		close(w.done)
		_ = w.l.Close()
	})
}

// The reasons of a notification that concerns one user's roles only: the
// reason is the word, a space and the user's id, and every instance reads
// that user's assignments again (ReloadUser) instead of all of them. Any
// other reason reloads the whole policy.
const (
	ReasonAssign   = "assign"   // a role given
	ReasonUnassign = "unassign" // a role taken away
	ReasonUser     = "user"     // the user's status changed (a disabled user holds no role)
)

// Notify queues a policy-change notification in tx; PostgreSQL delivers it to
// every listening instance when tx commits, and never when it rolls back.
// See ReasonAssign for the reasons that name one user.
func Notify(ctx context.Context, tx *sqlx.Tx, reason string) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, Channel, reason)
	return err
}
