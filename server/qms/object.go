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
