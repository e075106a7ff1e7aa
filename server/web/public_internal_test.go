package web

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"testing"

	qrcode "github.com/piglig/go-qr"
)

// The kiosk's QR codes read back as the address of the procedure's page:
// the SVG drawn from the modules is rasterised and decoded.
func TestQRCodeReadsBack(t *testing.T) {
	s := &Server{}
	for _, text := range []string{"https://dichvucong.chauthanh.gov.vn/public/services/DD-01", "http://localhost:8080/public/services/QT%2F07"} {
		svg, err := s.qrSVG(text)
		if err != nil {
			t.Fatal(err)
		}
		view := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(string(svg))
		if view == nil {
			t.Fatalf("no viewBox: %s", svg)
		}
		n, _ := strconv.Atoi(view[1])
		const scale = 6
		img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		for _, m := range regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`).FindAllStringSubmatch(string(svg), -1) {
			x, _ := strconv.Atoi(m[1])
			y, _ := strconv.Atoi(m[2])
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.Set(x*scale+dx, y*scale+dy, color.Black)
				}
			}
		}
		got, err := qrcode.Decode(img)
		if err != nil || got != text {
			t.Fatalf("decoded %q, %v; want %q", got, err, text)
		}
		again, _ := s.qrSVG(text)
		if again != svg {
			t.Fatal("the cache gives another drawing")
		}
	}
}

// The fee's amount is written with dots between thousands.
func TestFeeAmountText(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1.000", 50000: "50.000", 1500000: "1.500.000", 123456789: "123.456.789"} {
		p := PublicService{FeeAmount: &n}
		if got := p.FeeAmountText(); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	if (PublicService{}).FeeAmountText() != "" {
		t.Error("no amount shows a number")
	}
}
