package process

import (
	"context"
	"io"
	"net/url"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
)

// The desk's printed papers: the receipt with the appointment date (Giấy
// tiếp nhận hồ sơ và hẹn trả kết quả) and the control slip of the
// dossier's journey (Phiếu kiểm soát quá trình giải quyết hồ sơ), each
// with a QR code to the public status page. The capability gathers what
// they say; a renderer (wired in app) writes the PDF.

// Paper kinds.
const (
	PaperReceipt     = "receipt"
	PaperControlSlip = "control_slip"
)

// Paper is what a printed paper of a dossier says.
type Paper struct {
	Kind    string
	Dossier Dossier
	Service Procedure
	// StatusURL is the public status page of the dossier, with its code.
	StatusURL string
}

// PaperRenderer writes a paper as a PDF in a language.
type PaperRenderer interface {
	Render(w io.Writer, p Paper, lang string) error
}

// Paper gathers a printed paper of a dossier the actor may read.
func (p *Service) Paper(ctx context.Context, number, kind string) (Paper, error) {
	if kind != PaperReceipt && kind != PaperControlSlip {
		return Paper{}, qms.Errorf(qms.ErrInvalid, "unknown paper %q", kind)
	}
	d, err := p.GetDossier(ctx, number)
	if err != nil {
		return Paper{}, err
	}
	svc, err := p.store.Procedure(ctx, d.Service)
	if err != nil {
		return Paper{}, err
	}
	return Paper{Kind: kind, Dossier: d, Service: svc, StatusURL: p.StatusURL(d)}, nil
}

// StatusURL is the public status page of d: /public/dossiers/{number}?code=...
func (p *Service) StatusURL(d Dossier) string {
	return strings.TrimRight(p.o.BaseURL, "/") + "/public/dossiers/" + url.PathEscape(d.Number) + "?code=" + url.QueryEscape(d.LookupCode)
}

// WritePaper renders a paper of a dossier to w in lang.
func (p *Service) WritePaper(ctx context.Context, w io.Writer, number, kind, lang string) error {
	pp, err := p.Paper(ctx, number, kind)
	if err != nil {
		return err
	}
	if p.o.Papers == nil {
		return qms.Errorf(qms.ErrState, "printing is not available")
	}
	return p.o.Papers.Render(w, pp, lang)
}
