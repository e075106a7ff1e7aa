package web

import "fmt"

// uploadLimits are the limits the server applies to every upload, passed to
// the page so the browser refuses a file that is too big or of a type not
// accepted before sending it (the server still checks: the type is read
// from the content there, from the name here).
type uploadLimits struct {
	Max    int64  // bytes
	Accept string // the accept attribute of a file input
}

// uploadAccept names the accepted types by extension (blob.Accepted).
const uploadAccept = ".pdf,.docx,.xlsx,.odt,.ods,.png,.jpg,.jpeg,.txt,.csv,.tsv"

func (s *Server) uploadLimits() uploadLimits {
	return uploadLimits{Max: s.MaxUploadBytes, Accept: uploadAccept}
}

// MaxText is the limit as people write it (64 KiB, 50 MiB).
func (u uploadLimits) MaxText() string {
	switch {
	case u.Max <= 0:
		return ""
	case u.Max%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", u.Max>>20)
	case u.Max%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", u.Max>>10)
	}
	return fmt.Sprintf("%d B", u.Max)
}
