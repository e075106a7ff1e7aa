package web

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
)

// publicInfo reads the public part of the services page's form.
func (f procedureForm) publicInfo() (process.PublicInfo, error) {
	pi := process.PublicInfo{HasFee: f.HasFee != "" && f.HasFee != "0" && f.HasFee != "false", FeeVI: f.FeeVI, FeeEN: f.FeeEN,
		LegalBasisVI: f.LegalVI, LegalBasisEN: f.LegalEN, Papers: []qms.Text{}, Forms: []string{}}
	if a := strings.NewReplacer(".", "", ",", "", " ", "").Replace(strings.TrimSpace(f.FeeAmount)); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return pi, qms.Errorf(qms.ErrInvalid, "the fee must be an amount in VND, digits only")
		}
		pi.FeeAmount = &n
	}
	for _, line := range strings.Split(f.Papers, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		vi, en, _ := strings.Cut(line, "|")
		pi.Papers = append(pi.Papers, qms.Text{VI: strings.TrimSpace(vi), EN: strings.TrimSpace(en)})
	}
	for _, line := range strings.Split(f.Forms, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			pi.Forms = append(pi.Forms, line)
		}
	}
	return pi, nil
}

// serviceFormValues fills the services page's form: what was sent when
// the form was refused, else the service named by ?edit=, else nothing.
func serviceFormValues(c *gin.Context, list []process.Procedure) map[string]string {
	out := map[string]string{}
	if _, refused := c.Get(refusalKey); refused {
		for k, v := range c.Request.PostForm {
			if k != "_csrf" && len(v) > 0 {
				out[k] = v[0]
			}
		}
		return out
	}
	code := c.Query("edit")
	for _, s := range list {
		if s.Code != code || code == "" {
			continue
		}
		var steps, papers []string
		for _, st := range s.Steps {
			line := st.Code + ":" + strconv.Itoa(st.Days)
			if st.Unit != "" {
				line += ":" + st.Unit
			}
			steps = append(steps, line)
		}
		for _, p := range s.Papers {
			line := p.VI
			if p.EN != "" {
				line += " | " + p.EN
			}
			papers = append(papers, line)
		}
		out = map[string]string{"code": s.Code, "name_vi": s.NameVI, "name_en": s.NameEN, "field": s.Field, "unit": s.Unit,
			"days": strconv.Itoa(s.Days), "steps": strings.Join(steps, "\n"), "document": s.Document, "op": "update",
			"fee_vi": s.FeeVI, "fee_en": s.FeeEN, "papers": strings.Join(papers, "\n"), "legal_basis_vi": s.LegalBasisVI,
			"legal_basis_en": s.LegalBasisEN, "forms": strings.Join(s.Forms, "\n")}
		if s.HasFee {
			out["has_fee"] = "1"
		}
		if s.FeeAmount != nil {
			out["fee_amount"] = strconv.FormatInt(*s.FeeAmount, 10)
		}
	}
	return out
}
