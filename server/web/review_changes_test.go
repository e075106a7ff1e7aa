package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestManagementReviewChangesAndRiskActions: the inputs 9.3.2 b) and e)
// are their own sections, read from the legal-basis and risk registers of
// the period; what lies outside the period does not count.
func TestManagementReviewChangesAndRiskActions(t *testing.T) {
	env, co := reviewSeed(t)
	db := env.App.DB
	for _, q := range []string{
		// one decree effective in the period, one before it (superseded in the period by the first)
		`INSERT INTO legal_bases (id, number, number_key, title, kind, issuer, issued_on, effective_on, status, created_login)
			VALUES ('00000000-0000-0000-0000-0000000000a1', '10/2026/NĐ-CP', '10/2026/NĐ-CP', 'Nghị định về đất đai', 'decree', 'Chính phủ', '2026-10-01', '2026-11-10', 'in_force', 'coordinator')`,
		`INSERT INTO legal_bases (number, number_key, title, kind, issuer, issued_on, effective_on, status, superseded_by, created_login, updated_at)
			VALUES ('01/2024/NĐ-CP', '01/2024/NĐ-CP', 'Nghị định cũ', 'decree', 'Chính phủ', '2024-01-01', '2024-02-01', 'superseded',
			'00000000-0000-0000-0000-0000000000a1', 'coordinator', '2026-11-10 09:00+07')`,
		// risks: two in the period (a risk reduced by treatment, an opportunity), one before it, accepted, and one after it
		`INSERT INTO risks (kind, unit, process_kind, process_code, title, likelihood, impact, residual_likelihood, residual_impact, treatment, owner_id, review_on, status, created_login, created_at)
			SELECT 'risk', 'tnmt', 'field', 'land', 'Hồ sơ đất đai trễ hạn', 4, 4, 2, 3, 'reduce', id, '2026-11-20', 'open', 'coordinator', '2026-11-05 09:00+07' FROM users WHERE login = 'coordinator'`,
		`INSERT INTO risks (kind, unit, process_kind, process_code, title, likelihood, impact, residual_likelihood, residual_impact, treatment, owner_id, review_on, status, created_login, created_at)
			SELECT 'opportunity', 'tnmt', 'field', 'land', 'Tiếp nhận trực tuyến', 3, 3, 3, 3, 'pursue', id, '2027-03-01', 'open', 'coordinator', '2026-11-06 09:00+07' FROM users WHERE login = 'coordinator'`,
		`INSERT INTO risks (kind, unit, process_kind, process_code, title, likelihood, impact, residual_likelihood, residual_impact, treatment, owner_id, review_on, status, created_login, created_at)
			SELECT 'risk', 'vhtt', 'field', 'culture', 'Rủi ro năm trước', 2, 2, 2, 2, 'accept', id, '2026-06-01', 'open', 'coordinator', '2026-03-01 09:00+07' FROM users WHERE login = 'coordinator'`,
		`INSERT INTO risks (kind, unit, process_kind, process_code, title, likelihood, impact, residual_likelihood, residual_impact, treatment, owner_id, review_on, status, created_login, created_at)
			SELECT 'risk', 'vhtt', 'field', 'culture', 'Rủi ro sau kỳ', 5, 5, 1, 1, 'reduce', id, '2026-12-01', 'open', 'coordinator', '2026-11-28 09:00+07' FROM users WHERE login = 'coordinator'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	id := createReview(t, co, "Xem xét của lãnh đạo năm 2026")
	var p reviewPack
	env.As("auditor").Do("GET", "/api/v1/management-reviews/"+id+"/inputs", nil).MustStatus(200).Decode(&p)

	ch := p.section(t, "changes")
	for label, want := range map[string]float64{"review.fig.legal_effective": 1, "review.fig.legal_superseded": 1,
		"review.fig.risks_added": 1, "review.fig.opportunities_added": 1, "review.fig.risks_closed": 0} {
		if got := ch.value(t, label, ""); got != want {
			t.Errorf("changes: %s = %v, want %v", label, got, want)
		}
	}
	ra := p.section(t, "risk_actions")
	// treated by the period's end: the reduced risk and the opportunity (the
	// accepted one is not treated, the one after the period is not counted)
	for label, want := range map[string]float64{"review.fig.risks_treated": 2, "review.fig.risks_reduced": 1,
		"review.fig.risks_reduced_share": 50, "review.fig.risks_unchanged": 1, "review.fig.risks_review_overdue": 2} {
		if got := ra.value(t, label, ""); got != want {
			t.Errorf("risk actions: %s = %v, want %v", label, got, want)
		}
	}
	// in the standard's order: b) after a), e) after d)
	keys := map[string]int{}
	for i, s := range p.Sections {
		keys[s.Key] = i
	}
	if !(keys["previous_actions"] < keys["changes"] && keys["changes"] < keys["satisfaction"] && keys["resources"] < keys["risk_actions"] && keys["risk_actions"] < keys["improvement"]) {
		t.Errorf("sections out of order: %v", keys)
	}
	// The printable pack carries both sections, in Vietnamese.
	r := co.Do("GET", "/api/v1/management-reviews/"+id+"/pack.pdf", nil).MustStatus(http.StatusOK)
	text := strings.Join(strings.Fields(pdfText(t, r.Body)), " ")
	for _, want := range []string{
		"Những thay đổi về các vấn đề bên ngoài và nội bộ (căn cứ pháp lý, rủi ro) (9.3.2 b))",
		"Số căn cứ pháp lý có hiệu lực trong kỳ: 1", "Số rủi ro được đăng ký trong kỳ: 1",
		"Hiệu lực của các hành động giải quyết rủi ro và cơ hội (9.3.2 e))",
		"Số rủi ro và cơ hội đang được xử lý: 2", "Tỷ lệ rủi ro được xử lý đã giảm: 50%",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
}
