package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// ReminderStore keeps the reminder schedule of overdue work (the offsets
// in working days after the due date) and the reminders sent, each once per
// item, due date and offset.
type ReminderStore struct{ db *sqlx.DB }

// NewReminderStore returns the store on db.
func NewReminderStore(db *sqlx.DB) *ReminderStore { return &ReminderStore{db: db} }

// MaxReminders and MaxReminderOffset bound a schedule.
const (
	MaxReminders      = 10
	MaxReminderOffset = 60
)

// CheckReminderSchedule checks offsets: they start at 0 (the escalation on
// the day an item becomes overdue), rise, stay within MaxReminderOffset
// working days, and are at most MaxReminders.
func CheckReminderSchedule(offsets []int) error {
	if len(offsets) == 0 || offsets[0] != 0 {
		return qms.Errorf(qms.ErrInvalid, "the reminder schedule must start at 0, the day an item becomes overdue")
	}
	if len(offsets) > MaxReminders {
		return qms.Errorf(qms.ErrInvalid, "the reminder schedule has %d offsets: at most %d", len(offsets), MaxReminders)
	}
	for i, o := range offsets {
		if o < 0 || o > MaxReminderOffset {
			return qms.Errorf(qms.ErrInvalid, "a reminder %d working days after the due date is out of range (0 to %d)", o, MaxReminderOffset)
		}
		if i > 0 && o <= offsets[i-1] {
			return qms.Errorf(qms.ErrInvalid, "the reminder offsets must rise: %d comes after %d", o, offsets[i-1])
		}
	}
	return nil
}

// Schedule returns the offsets in force.
func (s *ReminderStore) Schedule(ctx context.Context) ([]int, error) {
	var arr pq.Int64Array
	if err := s.db.QueryRowxContext(ctx, `SELECT offsets FROM reminder_settings`).Scan(&arr); err != nil {
		return nil, translate(err)
	}
	out := make([]int, len(arr))
	for i, v := range arr {
		out[i] = int(v)
	}
	return out, nil
}

// SetSchedule replaces the offsets and writes the trail entry, in one
// transaction; a schedule that does not pass CheckReminderSchedule changes
// nothing.
func (s *ReminderStore) SetSchedule(ctx context.Context, offsets []int) ([]int, error) {
	if err := CheckReminderSchedule(offsets); err != nil {
		return nil, err
	}
	arr := make(pq.Int64Array, len(offsets))
	for i, o := range offsets {
		arr[i] = int64(o)
	}
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var before pq.Int64Array
		if err := tx.QueryRowxContext(ctx, `SELECT offsets FROM reminder_settings FOR UPDATE`).Scan(&before); err != nil {
			return translate(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET offsets = $1, updated_at = now()`, arr); err != nil {
			return translate(err)
		}
		_, err := AppendTrail(ctx, tx, trail.NewEvent(ctx, "reminders.schedule", "reminder_schedule", "office", "",
			map[string]any{"before": []int64(before), "after": offsets}))
		return err
	})
	if err != nil {
		return nil, err
	}
	return offsets, nil
}

// OverdueItem is an overdue corrective action or directive, as a reminder
// names it.
type OverdueItem struct {
	Type   string `db:"type"` // "action" or "directive"
	ID     string `db:"id"`
	Link   string `db:"link"`
	Number string `db:"number"` // the NC's number of an action
	No     int    `db:"no"`     // the action's number within its NC
	Title  string `db:"title"`
	Unit   string `db:"unit"`
	// The unit's name, for the people who read the reminder.
	UnitVI string   `db:"unit_vi"`
	UnitEN string   `db:"unit_en"`
	Owner  string   `db:"owner"` // the action's owner; empty for a directive
	DueISO string   `db:"due"`
	Due    qms.Date `db:"-"`
}

// OverdueItems lists the corrective actions still to do and the
// directives open or returned whose due date is before today.
func (s *ReminderStore) OverdueItems(ctx context.Context, today qms.Date) ([]OverdueItem, error) {
	const q = `SELECT 'action' AS type, a.id::text AS id, '/ncs/' || a.nc_id AS link, n.number, a.no, n.title, a.unit,
			u.name_vi AS unit_vi, u.name_en AS unit_en, coalesce(a.owner::text, '') AS owner, a.due::text AS due
		FROM nc_actions a JOIN ncs n ON n.id = a.nc_id JOIN units u ON u.code = a.unit
		WHERE a.status IN ('open', 'in_progress') AND a.due < $1::date AND n.status NOT IN ('closed', 'cancelled')
		UNION ALL
		SELECT 'directive', d.id::text, '/directives/' || d.id, '', 0, d.title, d.unit, u.name_vi, u.name_en, '', d.due_on::text
		FROM directives d JOIN units u ON u.code = d.unit WHERE d.state IN ('open', 'returned') AND d.due_on < $1::date
		ORDER BY due, type, id`
	out := []OverdueItem{}
	if err := s.db.SelectContext(ctx, &out, q, today.String()); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		d, err := qms.ParseISODate(out[i].DueISO)
		if err != nil {
			return nil, err
		}
		out[i].Due = d
	}
	return out, nil
}

// Remind sends the reminder of it at offset (> 0) working days once: in one
// transaction it claims (it, due date, offset) in reminders_sent, notifies
// the action's owner, the unit's heads and the coordinators in the
// application, writes the trail entry and calls mail for each person
// notified who has an e-mail address (the caller enqueues the e-mail in
// tx, so it is sent if and only if the reminder is recorded). It returns
// how many were notified and false when the reminder had already been sent.
func (s *ReminderStore) Remind(ctx context.Context, it OverdueItem, offset int, subject qms.Msg,
	mail func(tx *sql.Tx, n Notified) error) (int, bool, error) {
	if offset <= 0 {
		return 0, false, fmt.Errorf("reminder offset %d: the escalation at 0 is the overdue scan's", offset)
	}
	var notified int
	sent := false
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		notified, sent = 0, false
		// Claimed once; and never after a later reminder of the same due
		// date (a schedule changed to earlier offsets does not go back).
		res, err := tx.ExecContext(ctx, `INSERT INTO reminders_sent (object_type, object_id, due, offset_days)
			SELECT $1, $2, $3::date, $4 WHERE NOT EXISTS (SELECT 1 FROM reminders_sent
				WHERE object_type = $1 AND object_id = $2 AND due = $3::date AND offset_days >= $4)
			ON CONFLICT DO NOTHING`, it.Type, it.ID, it.Due.String(), offset)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		sent = true
		var users []string
		if it.Owner != "" {
			users = append(users, it.Owner)
		}
		for _, role := range []string{"head", "coordinator"} {
			us, err := UsersWithRole(ctx, tx, role, it.Unit)
			if err != nil {
				return err
			}
			users = append(users, us...)
		}
		key := fmt.Sprintf("reminder:%s:%s:%s:%d", it.Type, it.ID, it.Due, offset)
		fresh, err := NotifyEach(ctx, tx, users, it.Type+"_reminder", subject, it.Link, key)
		if err != nil {
			return err
		}
		notified = len(fresh)
		if _, err := tx.ExecContext(ctx, `UPDATE reminders_sent SET notified = $5 WHERE object_type = $1 AND object_id = $2 AND due = $3::date AND offset_days = $4`,
			it.Type, it.ID, it.Due.String(), offset, notified); err != nil {
			return translate(err)
		}
		objType, objID := "directive", it.ID
		details := map[string]any{"due": it.Due.String(), "offset": offset, "notified": notified}
		if it.Type == "action" {
			// An action's trail is its NC's, as its overdue escalation's is.
			objType = "nc"
			objID = it.Link[len("/ncs/"):]
			details["action"], details["no"], details["number"] = it.ID, it.No, it.Number
		}
		if _, err := AppendTrail(ctx, tx, trail.NewEvent(ctx, "reminder.sent", objType, objID, it.Unit, details)); err != nil {
			return err
		}
		for _, n := range fresh {
			if n.Email == "" || mail == nil {
				continue
			}
			if err := mail(tx.Tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	return notified, sent, err
}
