package qms

import "time"

// StoredObject describes one version of a file in the object store, as the
// database keeps it: the row is written only after the object exists.
type StoredObject struct {
	Key       string `json:"key" db:"object_key"`
	VersionID string `json:"version_id" db:"version_id"`
	Size      int64  `json:"size" db:"size"`
	SHA256    string `json:"sha256" db:"sha256"`
	MediaType string `json:"media_type" db:"media_type"`
}

// Retention asks the object store to lock an object version (WORM) until a date.
type Retention struct {
	Mode  string // "COMPLIANCE" or "GOVERNANCE"; empty for none
	Until time.Time
}

// Notification is an in-app message to one user (an escalation, a task).
type Notification struct {
	ID        string     `json:"id" db:"id"`
	UserID    string     `json:"user_id" db:"user_id"`
	Kind      string     `json:"kind" db:"kind"`
	Subject   string     `json:"subject" db:"subject"` // in English, as the API speaks
	Message   Msg        `json:"-" db:"-"`             // the subject as a message, shown in the reader's language
	Link      string     `json:"link" db:"link"`
	CreatedAt time.Time  `json:"created_at" db:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty" db:"read_at"`
}

// Task is an item on a person's home page ("my tasks"): something they must
// do, contributed by each capability.
type Task struct {
	Kind    string     `json:"kind"`  // e.g. "acknowledge", "action", "review"
	Title   string     `json:"title"` // in the actor's language
	Link    string     `json:"link"`
	Due     *time.Time `json:"due,omitempty"`
	Overdue bool       `json:"overdue"`
	// Badge, when set, is the message id of the task's state where it is
	// not a deadline passed (an objective off track: "Chưa đạt", not
	// "Quá hạn").
	Badge string `json:"badge,omitempty"`
}
