// Package portalsync sends each dossier's receipt and every change of its
// progress to the public-service portal (or the provincial one-stop
// system), in the shape of the portal's one-stop sync messages: the
// dossier sync message on receipt and a progress update on each change,
// dates as yyyyMMddHHmmss in Vietnam time. The index (QĐ 766) gives
// points for dossiers whose receipt and progress reach the portal in real
// time; Sync records, per change, when it reached the portal and how late.
//
// Delivery: the database captures every change in the transaction that
// makes it (migration 00087), numbered per dossier. Run, a job of the
// queue, takes the dossiers with changes to send (leasing them, so a
// second runner or a restart does not send them twice at once), sends
// each dossier's changes in order, one at a time, each with its
// idempotency key (Idempotency-Key: qmstrack-<change id>), and stops a
// dossier at its first failure, to retry it after a backoff: the portal
// receives every change in order per dossier, at least once, and the key
// lets it keep each exactly once. A runner that stops mid-send (a restart)
// leaves its lease to expire, and the change is sent again under the same
// key.
//
// It imports qms and the standard library only; the store is in
// server/postgres.
package portalsync

import (
	"context"
	"encoding/json"
	"time"
)

// Change is one captured change of a dossier.
type Change struct {
	ID        int64           `db:"id"`
	DossierID string          `db:"dossier_id"`
	Seq       int             `db:"seq"`
	Kind      string          `db:"kind"` // receipt, progress
	Snapshot  json.RawMessage `db:"snapshot"`
	ChangedAt time.Time       `db:"changed_at"`
	Attempts  int             `db:"attempts"`
}

// Snapshot is the dossier as it stood after a change.
type Snapshot struct {
	Number           string     `json:"number"`
	ServiceCode      string     `json:"service_code"`
	ServiceName      string     `json:"service_name"`
	Field            string     `json:"field"`
	Unit             string     `json:"unit"`
	CurrentUnit      string     `json:"current_unit"`
	ReceivingUnit    string     `json:"receiving_unit"`
	ReceivingOfficer string     `json:"receiving_officer"`
	Channel          string     `json:"channel"`
	ApplicantRef     string     `json:"applicant_ref"`
	ReceivedAt       time.Time  `json:"received_at"`
	DueAt            *time.Time `json:"due_at"`
	Status           string     `json:"status"`
	Supplements      int        `json:"supplements"`
	ReturnedAt       *time.Time `json:"returned_at"`
	Result           string     `json:"result"`
	Steps            []struct {
		Step    string     `json:"step"`
		Unit    string     `json:"unit"`
		Start   time.Time  `json:"start"`
		Due     *time.Time `json:"due"`
		End     *time.Time `json:"end"`
		Officer string     `json:"officer"`
	} `json:"steps"`
}

// Status is how one change of a dossier stands with the portal.
type Status struct {
	Seq       int        `json:"seq" db:"seq"`
	Kind      string     `json:"kind" db:"kind"`
	ChangedAt time.Time  `json:"changed_at" db:"changed_at"`
	SyncedAt  *time.Time `json:"synced_at,omitempty" db:"synced_at"`
	// LateSeconds is how long after the change it reached the portal
	// (or, unsent, how long it has waited).
	LateSeconds float64 `json:"late_seconds" db:"late_seconds"`
	Attempts    int     `json:"attempts" db:"attempts"`
	LastError   string  `json:"last_error,omitempty" db:"last_error"`
}

// Store keeps the captured changes.
type Store interface {
	// SetEnabled turns the capture of changes on or off.
	SetEnabled(ctx context.Context, on bool) error
	// Claim leases the unsent changes of up to limit dossiers whose first
	// unsent change is due, until now+lease, in order per dossier.
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Change, error)
	// Synced marks a change as received by the portal.
	Synced(ctx context.Context, id int64, at time.Time) error
	// Failed records a failed attempt and when to try again, and gives
	// back the lease of the dossier's later changes.
	Failed(ctx context.Context, c Change, msg string, next time.Time) error
	// DossierSync is the sync status of each change of a dossier, by number.
	DossierSync(ctx context.Context, number string, now time.Time) ([]Status, error)
}
