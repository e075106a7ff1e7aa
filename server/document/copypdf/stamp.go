package copypdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/structs"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// The pages of a revision's PDF are laid under the copy's header and mark
// with PDFium (go-pdfium, its WebAssembly build run by wazero: no C
// library to install). Each page of the file becomes a form XObject drawn
// scaled into the space between the header and the footer of a new page
// of the same size, and the header, mark and QR code, drawn by fpdf on a
// page of that size, go over it as a second form XObject: the file's own
// content streams are kept as they are, so its text stays text.
//
// PDFium is compiled from WebAssembly on first use (about 5 s on two
// cores; 30 s under the race detector), so the compiled module is cached on
// disk (Options.PDFiumCache) and a later process starts in under a second.

// stamper holds the PDFium pool, started on first use.
type stamper struct {
	cacheDir string
	once     sync.Once
	pool     pdfium.Pool
	err      error
}

// PDFiumCacheDir is where the compiled PDFium module is cached when
// Options.PDFiumCache is empty: the user's cache folder.
func PDFiumCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "qmstrack", "pdfium")
}

func (s *stamper) start() (pdfium.Pool, error) {
	s.once.Do(func() {
		rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
		if s.cacheDir != "" {
			if err := os.MkdirAll(s.cacheDir, 0o755); err == nil {
				if cache, err := wazero.NewCompilationCacheWithDir(s.cacheDir); err == nil {
					rc = rc.WithCompilationCache(cache)
				}
			}
		}
		s.pool, s.err = webassembly.Init(webassembly.Config{MinIdle: 0, MaxIdle: 1, MaxTotal: 2, RuntimeConfig: rc, Stdout: io.Discard, Stderr: io.Discard})
		if s.err != nil {
			s.err = fmt.Errorf("start PDFium: %w", s.err)
		}
	})
	return s.pool, s.err
}

// errNotPDF says the main file could not be read as a PDF.
var errNotPDF = errors.New("the file is not a readable PDF")

// pageSize is a page's size in points.
type pageSize struct{ W, H float64 }

func pageSizes(in pdfium.Pdfium, doc references.FPDF_DOCUMENT) ([]pageSize, error) {
	n, err := in.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc})
	if err != nil {
		return nil, err
	}
	out := make([]pageSize, n.PageCount)
	for i := range out {
		sz, err := in.FPDF_GetPageSizeByIndex(&requests.FPDF_GetPageSizeByIndex{Document: doc, Index: i})
		if err != nil {
			return nil, err
		}
		out[i] = pageSize{sz.Width, sz.Height}
	}
	return out, nil
}

func (s *stamper) with(ctx context.Context, f func(pdfium.Pdfium) error) error {
	pool, err := s.start()
	if err != nil {
		return err
	}
	wait := 30 * time.Second
	if d, ok := ctx.Deadline(); ok {
		wait = time.Until(d)
	}
	in, err := pool.GetInstance(wait)
	if err != nil {
		return fmt.Errorf("PDFium: %w", err)
	}
	defer in.Close()
	return f(in)
}

// frame is where a file's page is drawn on a page of the copy, in
// millimetres from the page's top left: below the header, above the footer.
type frame struct{ Top, Bottom, Side float64 }

// stamp writes the copy of file: sheet, given the file's page sizes,
// returns the cover sheet and its page count followed by one page of each
// size (the header and the mark); the cover pages are kept as they are,
// then for each page i of file a page of its size holds file's page i
// scaled into f with the sheet's page cover+i over it. errNotPDF, before
// anything is written, when PDFium cannot open file or it has no page.
func (s *stamper) stamp(ctx context.Context, w io.Writer, file []byte, sheet func([]pageSize) ([]byte, int, error), f frame) error {
	return s.with(ctx, func(in pdfium.Pdfium) error {
		fd, err := in.OpenDocument(&requests.OpenDocument{File: &file})
		if err != nil {
			return fmt.Errorf("%w: %v", errNotPDF, err)
		}
		defer in.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: fd.Document})
		sizes, err := pageSizes(in, fd.Document)
		if err != nil {
			return err
		}
		if len(sizes) == 0 {
			return fmt.Errorf("%w: it has no page", errNotPDF)
		}
		sb, cover, err := sheet(sizes)
		if err != nil {
			return err
		}
		sd, err := in.OpenDocument(&requests.OpenDocument{File: &sb})
		if err != nil {
			return fmt.Errorf("open the cover sheet: %w", err)
		}
		defer in.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: sd.Document})
		nd, err := in.FPDF_CreateNewDocument(&requests.FPDF_CreateNewDocument{})
		if err != nil {
			return err
		}
		defer in.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: nd.Document})
		pages := fmt.Sprintf("1-%d", cover)
		if _, err := in.FPDF_ImportPages(&requests.FPDF_ImportPages{Source: sd.Document, Destination: nd.Document, PageRange: &pages, Index: 0}); err != nil {
			return fmt.Errorf("import the cover sheet: %w", err)
		}
		const mm = 72 / 25.4
		for i, sz := range sizes {
			pg, err := in.FPDFPage_New(&requests.FPDFPage_New{Document: nd.Document, PageIndex: cover + i, Width: sz.W, Height: sz.H})
			if err != nil {
				return err
			}
			page := requests.Page{ByReference: &pg.Page}
			scale := min((sz.W-2*f.Side*mm)/sz.W, (sz.H-(f.Top+f.Bottom)*mm)/sz.H)
			place := structs.FPDF_FS_MATRIX{A: float32(scale), D: float32(scale),
				E: float32((sz.W - scale*sz.W) / 2), F: float32(sz.H - f.Top*mm - scale*sz.H)}
			if err := drawPage(in, nd.Document, fd.Document, i, page, &place); err != nil {
				return fmt.Errorf("page %d of the file: %w", i+1, err)
			}
			if err := drawPage(in, nd.Document, sd.Document, cover+i, page, nil); err != nil {
				return fmt.Errorf("page %d of the sheet: %w", cover+i+1, err)
			}
			if _, err := in.FPDFPage_GenerateContent(&requests.FPDFPage_GenerateContent{Page: page}); err != nil {
				return err
			}
			if _, err := in.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: pg.Page}); err != nil {
				return err
			}
		}
		_, err = in.FPDF_SaveAsCopy(&requests.FPDF_SaveAsCopy{Document: nd.Document, Flags: requests.SaveFlagNoIncremental, FileWriter: w})
		return err
	})
}

// drawPage draws page index of src onto page of dst as a form XObject,
// transformed by m when given.
func drawPage(in pdfium.Pdfium, dst, src references.FPDF_DOCUMENT, index int, page requests.Page, m *structs.FPDF_FS_MATRIX) error {
	// go-pdfium v1.21.5's WebAssembly build passes its Source as
	// FPDF_NewXObjectFromPage's first argument, which PDFium reads as the
	// destination (dest_doc, src_doc, src_page_index): the documents are
	// given crosswise so that PDFium receives them in its order.
	xo, err := in.FPDF_NewXObjectFromPage(&requests.FPDF_NewXObjectFromPage{Source: dst, Destination: src, SourcePageIndex: index})
	if err != nil {
		return err
	}
	defer in.FPDF_CloseXObject(&requests.FPDF_CloseXObject{XObject: xo.XObject})
	fo, err := in.FPDF_NewFormObjectFromXObject(&requests.FPDF_NewFormObjectFromXObject{XObject: xo.XObject})
	if err != nil {
		return err
	}
	if m != nil {
		if _, err := in.FPDFPageObj_Transform(&requests.FPDFPageObj_Transform{PageObject: fo.PageObject, Transform: *m}); err != nil {
			return err
		}
	}
	_, err = in.FPDFPage_InsertObject(&requests.FPDFPage_InsertObject{Page: page, PageObject: fo.PageObject})
	return err
}
