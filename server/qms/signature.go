package qms

import "time"

// Signature is an electronic signature: the signer re-entered the password,
// and the signature records who, in which role, what it means, when (UTC)
// and the SHA-256 of every file signed.
type Signature struct {
	ID         string     `json:"id" db:"id"`
	UserID     string     `json:"user_id" db:"user_id"`
	Login      string     `json:"login" db:"login"`
	Name       string     `json:"name" db:"name"`
	Role       string     `json:"role" db:"role"`
	Meaning    string     `json:"meaning" db:"meaning"` // e.g. "reviewed", "approved", "published", "signed_off"
	ObjectType string     `json:"object_type" db:"object_type"`
	ObjectID   string     `json:"object_id" db:"object_id"`
	Comment    string     `json:"comment" db:"comment"`
	SHA256s    []string   `json:"sha256s" db:"-"`
	SignedAt   time.Time  `json:"signed_at" db:"signed_at"`
	VoidedAt   *time.Time `json:"voided_at,omitempty" db:"voided_at"`
	VoidReason string     `json:"void_reason,omitempty" db:"void_reason"`
}
