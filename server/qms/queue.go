package qms

import (
	"encoding/json"
	"time"
)

// Job is one job of the durable queue as the administrator's page lists it:
// what it does (Kind, Args), where it stands (State) and how its attempts
// went (Attempt, Errors).
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	State       string          `json:"state"`
	Queue       string          `json:"queue"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	Args        json.RawMessage `json:"args"`
	Errors      []JobError      `json:"errors"`
	CreatedAt   time.Time       `json:"created_at"`
	ScheduledAt time.Time       `json:"scheduled_at"`
	AttemptedAt *time.Time      `json:"attempted_at,omitempty"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
}

// JobError is the error of one failed attempt of a job.
type JobError struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
}

// JobStates are the states a job of the queue can be in, in the order the
// jobs page offers them.
var JobStates = []string{"available", "scheduled", "running", "retryable", "completed", "cancelled", "discarded", "pending"}

// IsJobState reports whether s is one of JobStates.
func IsJobState(s string) bool {
	for _, v := range JobStates {
		if v == s {
			return true
		}
	}
	return false
}

// Email is one plain-text e-mail, already written in its reader's
// language. A capability hands its store the e-mail that goes with a
// notification or a link, and the store queues it in the transaction that
// writes them: it is sent if and only if that transaction commits. An
// empty To means no e-mail.
type Email struct {
	To      string
	Subject string
	Body    string
}
