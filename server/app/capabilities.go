package app

import "github.com/qmstrack/qmstrack/server/web"

// wireCapabilities builds the quality capabilities (documents,
// nonconformities, records, audits, process performance) and hands them to
// the web layer. Each capability adds its block here.
func (a *App) wireCapabilities(d *web.Deps) error {
	return nil
}
