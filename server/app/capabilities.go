package app

import "github.com/qmstrack/qmstrack/server/web"

// wireCapabilities builds the quality capabilities (documents,
// nonconformities, records, audits, process performance) and hands them to
// the web layer. Each capability adds its block here.
func (a *App) wireCapabilities(d *web.Deps) error {
	// Document control (ISO 9001 7.5): see documents.go.
	if err := a.wireDocuments(d); err != nil {
		return err
	}
	// Nonconformities and corrective actions (ISO 9001 10.2): see nc.go.
	if _, err := a.wireNC(d); err != nil {
		return err
	}
	// Records, internal audits and evidence (ISO 9001 7.5.3, 9.2): see audit.go.
	if err := a.wireRecordsAudits(d); err != nil {
		return err
	}
	// Process performance, dossiers, objectives, directives (ISO 9001 9.1): see process.go.
	if err := a.wireProcess(d); err != nil {
		return err
	}
	return nil
}
