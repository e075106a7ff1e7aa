package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The office's identity and the public page's settings: the emblem is read
// once and must be an image, the figures setting and the lookup limits are
// checked, each problem named.
func TestLoadOffice(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "emblem.svg")
	if err := os.WriteFile(svg, []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"QMS_OFFICE_NAME": "UBND huyện Châu Thành", "QMS_OFFICE_ADDRESS": "Thị trấn Châu Thành",
		"QMS_OFFICE_EMBLEM": svg, "QMS_PUBLIC_FIGURES": "fields"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.OfficeNameVI != "UBND huyện Châu Thành" || c.EmblemType != "image/svg+xml" || len(c.Emblem) == 0 || c.PublicFigures != "fields" {
		t.Fatalf("office settings: %+v", c)
	}
	if d, _ := Load(func(string) string { return "" }); d.PublicFigures != "none" || d.LookupMaxPerNumber != 5 || d.LookupMaxPerAddr != 20 || d.KioskSeconds != 20 {
		t.Fatalf("defaults publish figures or change the lookup limits: %+v", d)
	}

	text := filepath.Join(dir, "emblem.txt")
	big := filepath.Join(dir, "big.png")
	_ = os.WriteFile(text, []byte("not an image"), 0o600)
	_ = os.WriteFile(big, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxEmblemBytes)...), 0o600)
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"text":    {map[string]string{"QMS_OFFICE_EMBLEM": text}, "not a PNG, JPEG, GIF or SVG"},
		"too big": {map[string]string{"QMS_OFFICE_EMBLEM": big}, "larger than 512 KiB"},
		"missing": {map[string]string{"QMS_OFFICE_EMBLEM": filepath.Join(dir, "none.png")}, "QMS_OFFICE_EMBLEM"},
		"figures": {map[string]string{"QMS_PUBLIC_FIGURES": "all"}, "QMS_PUBLIC_FIGURES must be none, office or fields"},
		"months":  {map[string]string{"QMS_PUBLIC_FIGURES_MONTHS": "0"}, "QMS_PUBLIC_FIGURES_MONTHS"},
		"kiosk":   {map[string]string{"QMS_KIOSK_SECONDS": "1"}, "QMS_KIOSK_SECONDS"},
		"lookup":  {map[string]string{"QMS_LOOKUP_MAX_PER_NUMBER": "0"}, "QMS_LOOKUP_MAX_PER_NUMBER"},
		"window":  {map[string]string{"QMS_LOOKUP_WINDOW": "10s"}, "QMS_LOOKUP_WINDOW"},
	} {
		_, err := Load(func(k string) string { return tc.env[k] })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want %q, got %v", name, tc.want, err)
		}
	}
}
