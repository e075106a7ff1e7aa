package app

import "github.com/qmstrack/qmstrack/server/config"

// officeName is the office's name in a language (English falls back to
// the Vietnamese name), for the header of printed copies.
func officeName(cfg config.Config, lang string) string {
	if lang == "en" && cfg.OfficeNameEN != "" {
		return cfg.OfficeNameEN
	}
	return cfg.OfficeNameVI
}
