package web

import (
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/document"
)

func TestRegisterRowsEscapeEverything(t *testing.T) {
	issue := 3
	at := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC) // 02/03/2026 in Hanoi
	pending := "in_review"
	items := []document.Document{{ID: "0b5f…", Code: `QT"07<`, Title: `<script>alert("x")</script> & Quy trình`, Type: "procedure",
		Unit: "tnmt", Status: "effective", PendingStatus: &pending, EffectiveIssue: &issue, EffectiveAt: &at, ReviewOverdue: true}}
	labels := map[string]string{"type.procedure": "Quy trình", "status.effective": "Có hiệu lực", "status.in_review": "Đang xem xét", "overdue": "Quá hạn"}
	tz, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	got := string(registerRows(items, labels, map[string]string{"tnmt": "Phòng TN&MT"}, tz))
	for _, bad := range []string{"<script>", `QT"07<`, "TN&MT"} {
		if strings.Contains(got, bad) {
			t.Errorf("unescaped %q in %s", bad, got)
		}
	}
	for _, want := range []string{`id="doc-QT&#34;07&lt;"`, "&lt;script&gt;", "Phòng TN&amp;MT", "03 · 02/03/2026", "badge-in_review", "Quá hạn", "Quy trình"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %s", want, got)
		}
	}
}
