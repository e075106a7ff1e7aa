package postgres

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/webhook"
)

// EnqueueTx puts one job on the job queue inside tx (the queue's adapter
// supplies it), so the job exists if and only if tx commits.
type EnqueueTx func(ctx context.Context, tx *sql.Tx, kind string, args any) error

// WebhookStore keeps webhook subscriptions and their deliveries. The
// deliveries of events are added by the trigger on the trail (migration
// 00083); this store adds those sent again by hand.
type WebhookStore struct {
	db      *sqlx.DB
	enqueue EnqueueTx
}

// NewWebhookStore returns the store on db; enqueue queues a redelivery.
func NewWebhookStore(db *sqlx.DB, enqueue EnqueueTx) *WebhookStore {
	return &WebhookStore{db: db, enqueue: enqueue}
}

// Create adds w with its secret and writes ev.
func (s *WebhookStore) Create(ctx context.Context, w webhook.Webhook, secret string, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		const q = `INSERT INTO webhooks (id, url, secret, events, active, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
		if _, err := tx.ExecContext(ctx, q, w.ID, w.URL, secret, pq.Array(w.Events), w.Active, w.CreatedBy, w.CreatedAt); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
}

type webhookRow struct {
	webhook.Webhook
	Events pq.StringArray `db:"events"`
}

const qWebhooks = `SELECT w.id, w.url, w.events, w.active, w.created_by, w.created_at,
	       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id) AS deliveries,
	       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed') AS failed
	FROM webhooks w`

// List returns every subscription, newest first.
func (s *WebhookStore) List(ctx context.Context) ([]webhook.Webhook, error) {
	var rows []webhookRow
	if err := s.db.SelectContext(ctx, &rows, qWebhooks+` ORDER BY w.created_at DESC, w.id`); err != nil {
		return nil, translate(err)
	}
	out := make([]webhook.Webhook, 0, len(rows))
	for _, r := range rows {
		r.Webhook.Events = r.Events
		out = append(out, r.Webhook)
	}
	return out, nil
}

// Get returns one subscription.
func (s *WebhookStore) Get(ctx context.Context, id string) (webhook.Webhook, error) {
	if !isUUID(id) {
		return webhook.Webhook{}, qms.Errorf(qms.ErrNotFound, "webhook %s not found", id)
	}
	var r webhookRow
	if err := s.db.GetContext(ctx, &r, qWebhooks+` WHERE w.id = $1`, id); err != nil {
		return webhook.Webhook{}, notFound(err, "webhook %s not found", id)
	}
	r.Webhook.Events = r.Events
	return r.Webhook, nil
}

const qDeliveryCols = `id, webhook_id, event, trail_seq, status, attempts, last_status, last_error, last_at, delivered_at, created_at, payload`

// Deliveries returns a subscription's newest deliveries.
func (s *WebhookStore) Deliveries(ctx context.Context, webhookID string, limit int) ([]webhook.Delivery, error) {
	out := []webhook.Delivery{}
	q := `SELECT ` + qDeliveryCols + ` FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2`
	if err := s.db.SelectContext(ctx, &out, q, webhookID, limit); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// Target reads a delivery with its subscription's URL and secret.
func (s *WebhookStore) Target(ctx context.Context, deliveryID int64) (webhook.Target, error) {
	var r struct {
		webhook.Delivery
		URL    string `db:"url"`
		Secret string `db:"secret"`
	}
	q := `SELECT d.id, d.webhook_id, d.event, d.trail_seq, d.status, d.attempts, d.last_status, d.last_error, d.last_at,
	             d.delivered_at, d.created_at, d.payload, w.url, w.secret
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`
	if err := s.db.GetContext(ctx, &r, q, deliveryID); err != nil {
		return webhook.Target{}, notFound(err, "delivery %d not found", deliveryID)
	}
	return webhook.Target{Delivery: r.Delivery, URL: r.URL, Secret: r.Secret}, nil
}

// Attempted records the outcome of one attempt.
func (s *WebhookStore) Attempted(ctx context.Context, deliveryID int64, status int, errText string, ok bool) error {
	const q = `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = NULLIF($2, 0), last_error = $3,
		last_at = clock_timestamp(), status = CASE WHEN $4 THEN 'delivered' ELSE 'failed' END,
		delivered_at = CASE WHEN $4 THEN clock_timestamp() ELSE delivered_at END
		WHERE id = $1`
	if len(errText) > 1000 {
		errText = errText[:1000]
	}
	_, err := s.db.ExecContext(ctx, q, deliveryID, status, errText, ok)
	return translate(err)
}

// Redeliver queues the delivery again and writes ev, in one transaction.
func (s *WebhookStore) Redeliver(ctx context.Context, webhookID string, deliveryID int64, ev trail.Event) (webhook.Delivery, error) {
	if !isUUID(webhookID) {
		return webhook.Delivery{}, qms.Errorf(qms.ErrNotFound, "delivery %d not found", deliveryID)
	}
	var d webhook.Delivery
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		q := `UPDATE webhook_deliveries SET status = 'pending' WHERE id = $1 AND webhook_id = $2 RETURNING ` + qDeliveryCols
		if err := tx.GetContext(ctx, &d, q, deliveryID, webhookID); err != nil {
			return notFound(err, "delivery %d not found", deliveryID)
		}
		if err := s.enqueue(ctx, tx.Tx, webhook.KindDeliver, map[string]int64{"delivery": deliveryID}); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return d, err
}
