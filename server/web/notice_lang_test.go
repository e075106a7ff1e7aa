package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
)

// A citizen who asks for notices in English gets them in English (the
// service's and the units' English names), one who does not in Vietnamese;
// another language is refused with the field named.
func TestDossierNoticeInCitizensLanguage(t *testing.T) {
	smtpd := mailtest.Start(t, "", "")
	env := apptest.New(t, apptest.WithClock(procNow), apptest.WithConfig(func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = "127.0.0.1", smtpd.Port, "none", "motcua@example.org"
	}))
	env.As("coordinator").Do("POST", "/api/v1/services", map[string]any{"code": "DD-01", "name_vi": "Đăng ký biến động đất đai",
		"name_en": "Registration of land changes", "field": "land", "unit": "tnmt", "days": 10}).MustStatus(http.StatusCreated)
	desk := env.As("staff.motcua")
	r := desk.Do("POST", "/api/v1/dossiers", map[string]any{"number": "E-0", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-26T09:00:00+07:00", "notify_email": "a@example.org", "notify_lang": "fr"}).MustStatus(http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "notify_lang") {
		t.Fatalf("refusal does not name the field: %s", r.Body)
	}
	receive(t, desk, http.StatusCreated, map[string]any{"number": "E-1", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-26T09:00:00+07:00", "notify_email": "en@example.org", "notify_lang": "en"})
	receive(t, desk, http.StatusCreated, map[string]any{"number": "V-1", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-26T09:00:00+07:00", "notify_email": "vi@example.org"})
	if rep, err := env.App.Process.SendNotices(context.Background(), 100); err != nil || rep.Sent != 2 {
		t.Fatalf("send: %+v %v", rep, err)
	}
	got := map[string][2]string{}
	for _, m := range smtpd.Messages() {
		got[m.To[0]] = [2]string{m.Subject, m.Body}
	}
	en, vi := got["en@example.org"], got["vi@example.org"]
	if en[0] != "Dossier E-1 has been received" {
		t.Fatalf("English subject %q", en[0])
	}
	for _, want := range []string{"Dossier no. E-1 (Registration of land changes) has been received at 09:00 26/11/2026.", "Handling agency: ",
		"Result due: 09:00 10/12/2026.", "Look it up: "} {
		if !strings.Contains(en[1], want) {
			t.Errorf("English notice lacks %q:\n%s", want, en[1])
		}
	}
	for _, vn := range []string{"Hồ sơ", "Cơ quan", "Phòng Tài nguyên", "Đăng ký biến động"} {
		if strings.Contains(en[0]+en[1], vn) {
			t.Errorf("English notice holds Vietnamese %q:\n%s", vn, en[1])
		}
	}
	if vi[0] != "Hồ sơ V-1 đã được tiếp nhận" || !strings.Contains(vi[1], "Hồ sơ số V-1 (Đăng ký biến động đất đai) đã được tiếp nhận lúc 09:00 26/11/2026.") ||
		!strings.Contains(vi[1], "Cơ quan giải quyết: Phòng Tài nguyên và Môi trường.") || strings.Contains(vi[1], "Dossier") {
		t.Fatalf("Vietnamese notice %q\n%s", vi[0], vi[1])
	}
}
