// Package evidence serves auditors: the evidence pack (a ZIP streamed
// straight from the object store with manifest.json, manifest.csv and the
// trail excerpt), its offline verifier, clause coverage, and the adapters
// that wire the record and internal-audit capabilities together.
package evidence
