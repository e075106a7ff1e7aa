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
// path element, no control characters, at most 255 characters. It is never
// used as a storage key (keys are ids).
func CleanFileName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", Errorf(ErrInvalid, "the file name is not valid UTF-8")
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "", Errorf(ErrInvalid, "the file name contains control characters")
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
	return name, nil
}
