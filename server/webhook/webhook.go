// Package webhook owns outbound webhooks: an administrator's subscriptions
// (a target URL, a shared secret, the events wanted), the signed delivery
// of each event to its target, and the log of deliveries.
//
// Events are born in the database: the trail entry of a change announces
// its event (the SQL function webhook_event, migration 00083) and, in the
// change's own transaction, a delivery and its queue job are added for
// every subscription that wants it. This package sends them (Deliver, the
// queue's handler): signed with HMAC-SHA256 over the timestamp and the
// body, refusing a target on a private or loopback address unless allowed
// (checked when the subscription is made and again on the address actually
// dialled, so a name that later resolves inside the network is refused).
package webhook

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// KindDeliver is the queue's job kind that sends one delivery.
const KindDeliver = "webhook.deliver"

// Events are the events a subscription may ask for, each announced by the
// trail action named in webhook_event (migration 00083).
var Events = []string{
	"document.published", "document.withdrawn", "nc.raised", "nc.closed", "nc.analysis_overdue", "action.overdue",
	"directive.reported", "directive.escalated", "dossier.late", "record.disposed",
}

// IsEvent reports whether e is one of Events.
func IsEvent(e string) bool {
	for _, v := range Events {
		if v == e {
			return true
		}
	}
	return false
}

// Webhook is one subscription. Its secret is shown once, when it is made.
type Webhook struct {
	ID        string    `json:"id" db:"id"`
	URL       string    `json:"url" db:"url"`
	Events    []string  `json:"events" db:"-"`
	Active    bool      `json:"active" db:"active"`
	CreatedBy string    `json:"created_by" db:"created_by"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	Secret    string    `json:"secret,omitempty" db:"-"`
	// The deliveries: how many, how many failed at their last attempt.
	Deliveries int `json:"deliveries" db:"deliveries"`
	Failed     int `json:"failed" db:"failed"`
}

// Delivery states.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// Delivery is one event sent (or to send) to one subscription.
type Delivery struct {
	ID          int64      `json:"id" db:"id"`
	WebhookID   string     `json:"webhook_id" db:"webhook_id"`
	Event       string     `json:"event" db:"event"`
	TrailSeq    *int64     `json:"trail_seq,omitempty" db:"trail_seq"`
	Status      string     `json:"status" db:"status"`
	Attempts    int        `json:"attempts" db:"attempts"`
	LastStatus  *int       `json:"last_status,omitempty" db:"last_status"`
	LastError   string     `json:"last_error" db:"last_error"`
	LastAt      *time.Time `json:"last_at,omitempty" db:"last_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty" db:"delivered_at"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	Payload     []byte     `json:"-" db:"payload"`
}

// Target is what a delivery is sent to and with.
type Target struct {
	Delivery Delivery
	URL      string
	Secret   string
}

// Store keeps subscriptions and deliveries.
type Store interface {
	// Create adds w with its secret and writes ev.
	Create(ctx context.Context, w Webhook, secret string, ev trail.Event) error
	List(ctx context.Context) ([]Webhook, error)
	Get(ctx context.Context, id string) (Webhook, error)
	Deliveries(ctx context.Context, webhookID string, limit int) ([]Delivery, error)
	// Target reads a delivery with its subscription's URL and secret.
	Target(ctx context.Context, deliveryID int64) (Target, error)
	// Attempted records the outcome of one attempt.
	Attempted(ctx context.Context, deliveryID int64, status int, errText string, ok bool) error
	// Redeliver queues delivery deliveryID of webhookID again and writes ev,
	// in one transaction.
	Redeliver(ctx context.Context, webhookID string, deliveryID int64, ev trail.Event) (Delivery, error)
}

// validation errors' message ids.
func invalid(format string, args ...any) error { return qms.Errorf(qms.ErrInvalid, format, args...) }
