package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// maxFormField bounds one text field of a multipart form, maxFormFields
// all of them together (what comes before the files is held in memory).
const (
	maxFormField  = 64 << 10
	maxFormFields = 1 << 20
)

// partBody is a file part as its reader sees it: a body cut short or
// malformed is an interrupted upload (invalid input, or too large when a
// size limit cut it), never a bare I/O error that would read as a fault of
// the server.
type partBody struct{ p *multipart.Part }

func (b partBody) Read(buf []byte) (int, error) {
	n, err := b.p.Read(buf)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, partError(err, "the upload was interrupted or is not valid multipart")
	}
	return n, err
}

// partError is the error of a failed part read: a body cut by a size limit
// is too large (413), anything else an interrupted or malformed upload.
func partError(err error, msg string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return qms.Wrap(qms.ErrTooLarge, err, "the upload is larger than allowed")
	}
	return qms.Wrap(qms.ErrInvalid, err, msg)
}

// This is the one reader of multipart bodies: every upload, of every
// capability, goes through it, so the edge cases (an empty file input, a
// field after the files, an interrupted body) are handled once.
//
// readMultipart streams a multipart body: it reads the text fields that
// come before the first file, and returns a FileSource that streams that
// file and the following ones straight into the object store. Browsers send
// parts in the order of the form, so forms put their files last.
func readMultipart(c *gin.Context, fileFields ...string) (map[string][]string, qms.FileSource, error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, nil, qms.Errorf(qms.ErrInvalid, "send the form as multipart/form-data")
	}
	isFile := func(name string) bool {
		for _, f := range fileFields {
			if f == name {
				return true
			}
		}
		return false
	}
	fields := map[string][]string{}
	var first *multipart.Part
	total := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, partError(err, "the upload was interrupted or is not valid multipart")
		}
		if isFile(part.FormName()) {
			first = part
			break
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		part.Close()
		if err != nil {
			return nil, nil, partError(err, "the upload was interrupted")
		}
		if len(b) > maxFormField {
			return nil, nil, qms.Errorf(qms.ErrInvalid, "field %q is too long", part.FormName())
		}
		if total += len(b) + len(part.FormName()); total > maxFormFields {
			return nil, nil, qms.Errorf(qms.ErrTooLarge, "the form's fields are larger than 1 MiB")
		}
		fields[part.FormName()] = append(fields[part.FormName()], string(b))
	}
	src := func(yield func(qms.Upload) error) error {
		part := first
		for part != nil {
			if isFile(part.FormName()) {
				name := part.FileName()
				if name == "" {
					// An empty file input sends a nameless, empty part.
					var one [1]byte
					n, _ := io.ReadFull(part, one[:])
					if n != 0 {
						part.Close()
						return qms.Errorf(qms.ErrInvalid, "the file has no name")
					}
				} else if err := yield(qms.Upload{Name: name, Body: partBody{part}, Field: part.FormName()}); err != nil {
					part.Close()
					return err
				}
			} else {
				_, _ = io.Copy(io.Discard, io.LimitReader(part, maxFormField))
			}
			part.Close()
			next, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return partError(err, "the upload was interrupted or is not valid multipart")
			}
			part = next
		}
		return nil
	}
	return fields, src, nil
}
