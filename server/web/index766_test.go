package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// The reform index over HTTP: facts in the receipt and recorded later,
// the index with its progress points counting an open dossier, the
// published score and the difference, and the refusals with their reasons.
func TestIndex766API(t *testing.T) {
	env, co := procSetup(t)
	co.Do("PUT", "/api/v1/services/DD-01", map[string]any{"name_vi": "Đăng ký biến động đất đai", "field": "land", "unit": "tnmt", "days": 10,
		"has_fee": true, "fee_vi": "Lệ phí theo quy định", "online_full_eligible": true}).MustStatus(http.StatusOK)
	staff := env.As("staff.tnmt")
	// Returned early with facts in its receipt; one open within due time.
	var created struct {
		Dossier struct {
			Digitised    *bool   `json:"digitised"`
			Satisfaction *string `json:"satisfaction"`
		}
	}
	staff.Do("POST", "/api/v1/dossiers", map[string]any{"number": "IX-1", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-02T01:00:00Z", "digitised": true, "satisfaction": "very_satisfied"}).MustStatus(http.StatusCreated).Decode(&created)
	if created.Dossier.Digitised == nil || !*created.Dossier.Digitised || created.Dossier.Satisfaction == nil {
		t.Fatalf("the receipt's facts were not kept: %+v", created.Dossier)
	}
	staff.Do("POST", "/api/v1/dossiers/IX-1/events", map[string]any{"event_id": "r1", "type": "returned", "at": "2026-11-05T02:00:00Z",
		"result": "granted"}).MustStatus(http.StatusCreated)
	staff.Do("POST", "/api/v1/dossiers", map[string]any{"number": "IX-2", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-20T01:00:00Z"}).MustStatus(http.StatusCreated)
	staff.Do("PUT", "/api/v1/dossiers/IX-2/facts", map[string]any{"digitised": false, "fee_paid_online": true}).MustStatus(http.StatusOK)

	r := staff.Do("PUT", "/api/v1/dossiers/IX-2/facts", map[string]any{"satisfaction": "great"}).MustStatus(http.StatusBadRequest)
	if r.ErrorCode() != "invalid" || !strings.Contains(string(r.Body), "satisfaction") {
		t.Fatalf("a bad rating: %s", r)
	}
	r = env.As("staff.noivu").Do("PUT", "/api/v1/dossiers/IX-2/facts", map[string]any{"digitised": true}).MustStatus(http.StatusForbidden)
	if r.ErrorCode() != "forbidden" {
		t.Fatalf("facts of another unit's dossier: %s", r)
	}

	var res struct {
		Items []struct {
			Key, From, To    string
			Points, Possible float64
			ISOOnTimeRate    *float64 `json:"iso_on_time_rate"`
			Difference       *float64
			Published        *struct{ Score float64 }
			Groups           []struct {
				Code       string
				Points     *float64
				Indicators []struct {
					Code                   string
					Numerator, Denominator int64
					Points                 *float64
					NoData                 bool `json:"no_data"`
				}
			}
		}
	}
	co.Do("GET", "/api/v1/index766?unit=tnmt&from=2026-11&by=month", nil).MustStatus(http.StatusOK).Decode(&res)
	if len(res.Items) != 1 || res.Items[0].Key != "2026-11" {
		t.Fatalf("index items %+v", res.Items)
	}
	nov := res.Items[0]
	found := map[string]bool{}
	for _, g := range nov.Groups {
		for _, in := range g.Indicators {
			found[in.Code] = true
			switch in.Code {
			case "P1": // IX-1 early, IX-2 open within due: 2 of 2
				if in.Numerator != 2 || in.Denominator != 2 || in.Points == nil || *in.Points != 20 {
					t.Fatalf("P1 %+v", in)
				}
			case "D2": // 1 of 2 recorded digitised
				if in.Points == nil || *in.Points != 4 {
					t.Fatalf("D2 %+v", in)
				}
			case "F1": // IX-2 paid online, the only one recorded
				if in.Points == nil || *in.Points != 10 {
					t.Fatalf("F1 %+v", in)
				}
			case "D1", "T1":
				if !in.NoData || in.Points != nil {
					t.Fatalf("%s without data: %+v", in.Code, in)
				}
			}
		}
	}
	if len(found) != 12 || nov.ISOOnTimeRate == nil || *nov.ISOOnTimeRate != 100 {
		t.Fatalf("indicators %v, ISO on-time rate %v", found, nov.ISOOnTimeRate)
	}

	// The published score beside the estimate.
	var pub struct {
		Month, Unit string
		Score       float64
	}
	co.Do("PUT", "/api/v1/index766/published/2026-11", map[string]any{"unit": "tnmt", "score": 50.5}).MustStatus(http.StatusOK).Decode(&pub)
	if pub.Month != "2026-11" || pub.Unit != "tnmt" || pub.Score != 50.5 {
		t.Fatalf("published %+v", pub)
	}
	co.Do("GET", "/api/v1/index766?unit=tnmt&from=2026-11&by=month", nil).MustStatus(http.StatusOK).Decode(&res)
	c := res.Items[0]
	if c.Published == nil || c.Published.Score != 50.5 || c.Difference == nil || *c.Difference != c.Points-50.5 {
		t.Fatalf("published %+v, estimate %g, difference %v", c.Published, c.Points, c.Difference)
	}
	for _, tc := range []struct {
		who, path string
		body      map[string]any
		status    int
		code      string
		want      string
	}{
		{"head.tnmt", "/api/v1/index766/published/2026-11", map[string]any{"unit": "tnmt", "score": 50}, http.StatusForbidden, "forbidden", "tnmt"},
		{"coordinator", "/api/v1/index766/published/2026-11", map[string]any{"unit": "tnmt", "score": 101}, http.StatusBadRequest, "invalid", "score"},
		{"coordinator", "/api/v1/index766/published/2027-01", map[string]any{"unit": "tnmt", "score": 50}, http.StatusBadRequest, "invalid", "2027-01"},
		{"coordinator", "/api/v1/index766/published/nov", map[string]any{"unit": "tnmt", "score": 50}, http.StatusBadRequest, "invalid", "month"},
	} {
		r := env.As(tc.who).Do("PUT", tc.path, tc.body).MustStatus(tc.status)
		if r.ErrorCode() != tc.code || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s PUT %s %v: %s, want %s mentioning %q", tc.who, tc.path, tc.body, r, tc.code, tc.want)
		}
	}
	r = env.As("staff.noivu").Do("GET", "/api/v1/index766?unit=tnmt", nil).MustStatus(http.StatusForbidden)
	if r.ErrorCode() != "forbidden" || !strings.Contains(string(r.Body), "tnmt") {
		t.Fatalf("another unit's index: %s", r)
	}
	co.Do("GET", "/api/v1/index766?by=week", nil).MustStatus(http.StatusBadRequest)

	// The pages' forms: a fact recorded on the dossier page, a score
	// entered on the index page, each back to its page.
	r = staff.AsForm().Do("POST", "/ui/dossiers/IX-2/facts", map[string]any{"result_electronic": "false", "digitised": ""})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/dossiers/IX-2" {
		t.Fatalf("the facts form: %s", r)
	}
	var d struct {
		ResultElectronic *bool `json:"result_electronic"`
		Digitised        *bool `json:"digitised"`
	}
	staff.Do("GET", "/api/v1/dossiers/IX-2", nil).MustStatus(http.StatusOK).Decode(&d)
	if d.ResultElectronic == nil || *d.ResultElectronic || d.Digitised == nil || *d.Digitised {
		t.Fatalf("after the form (electronic no, digitised unchanged no): %+v", d)
	}
	r = co.AsForm().Do("POST", "/ui/index766/published", map[string]any{"month": "2026-10", "unit": "tnmt", "score": "61"})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/index766?unit=tnmt" {
		t.Fatalf("the published form: %s", r)
	}
	r = co.AsForm().Do("POST", "/ui/index766/published", map[string]any{"month": "2026-10", "unit": "tnmt", "score": "abc"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `id="idx-units"`) {
		t.Fatalf("a bad score on the form shows the page again with 400: %d", r.Status)
	}

	// The page and the dashboard show it.
	page := co.Do("GET", "/index766?unit=tnmt&from=2026-11", nil).MustStatus(http.StatusOK)
	for _, want := range []string{`id="index-chart"`, `id="idx-unit-tnmt"`, "50.50"} {
		if !strings.Contains(string(page.Body), want) {
			t.Errorf("the index page lacks %q", want)
		}
	}
	dash := co.Do("GET", "/dashboard", nil).MustStatus(http.StatusOK)
	if !strings.Contains(string(dash.Body), `id="dash-index"`) {
		t.Errorf("the dashboard lacks the index")
	}
	dos := staff.Do("GET", "/dossiers/IX-2", nil).MustStatus(http.StatusOK)
	if !strings.Contains(string(dos.Body), `id="facts-form"`) || !strings.Contains(string(dos.Body), `id="fact-fee_paid_online"`) {
		t.Errorf("the dossier page lacks its facts")
	}
}
