package qms

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Upload is one file arriving with an act, streamed: the service hands Body
// to the object store and never buffers it. Kind and Replace are for
// capabilities whose files have roles (a revision's main file and
// attachments, the file a new upload replaces); others ignore them.
type Upload struct {
	Name    string
	Body    io.Reader
	Field   string // the form field it came in ("file", "attachment"), if any
	Kind    string
	Replace string
}

// FileSource yields uploads one at a time, so a multipart request is
// streamed part by part into the object store, never held whole. A
// capability is entered once per request with its FileSource, checks
// permission once, then ranges over the files.
type FileSource func(yield func(Upload) error) error

// FilesOf is a FileSource of the given uploads (tests, seeding, programs).
func FilesOf(ups ...Upload) FileSource {
	return func(yield func(Upload) error) error {
		for _, u := range ups {
			if err := yield(u); err != nil {
				return err
			}
		}
		return nil
	}
}

// NoFiles is the empty FileSource.
func NoFiles(func(Upload) error) error { return nil }

// CleanFileName keeps a display name from what the client sent: the last
// path element, at most 255 characters. It is never used as a storage key
// (keys are ids), but people read it and save the file under it, so it
// refuses what would fool them or their computer: control characters,
// invisible format characters (the right-to-left override that shows
// "invoice\u202Efdp.exe" as "invoiceexe.pdf", zero-width characters),
// names Windows reserves (CON, NUL.pdf, COM1, ...) and names ending in a dot
// or a space.
func CleanFileName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", Errorf(ErrInvalid, "the file name is not valid UTF-8")
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "", Errorf(ErrInvalid, "the file name contains control characters")
		}
		if unicode.Is(unicode.Cf, r) {
			return "", Errorf(ErrInvalid, "the file name contains invisible formatting characters (such as a right-to-left override)")
		}
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "", Errorf(ErrInvalid, "the file has no name")
	}
	if utf8.RuneCountInString(name) > 255 {
		return "", Errorf(ErrInvalid, "the file name is longer than 255 characters")
	}
	if strings.HasSuffix(name, ".") {
		return "", Errorf(ErrInvalid, "the file name may not end with a dot")
	}
	if reservedName(name) {
		return "", Errorf(ErrInvalid, "%q is a name Windows reserves for a device; rename the file", name)
	}
	return name, nil
}

// reservedName reports whether name (before its first dot) is a device
// name of Windows, in any case: CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and
// their superscript-digit forms).
func reservedName(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if r := []rune(base); len(r) == 4 && (string(r[:3]) == "COM" || string(r[:3]) == "LPT") {
		return unicode.IsDigit(r[3]) || r[3] == '¹' || r[3] == '²' || r[3] == '³'
	}
	return false
}
