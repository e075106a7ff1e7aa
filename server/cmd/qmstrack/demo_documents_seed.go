package main

import (
	"context"
	"fmt"
	"io"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/seed"
)

// demoProcedure is one unit's controlled procedure of the demo office.
type demoProcedure struct {
	Unit, Code, Title, Type string
	Clauses                 []string
	Dist                    []string // units that must acknowledge it
	Body                    string
}

func demoProcedures() []demoProcedure {
	all := make([]string, 0, len(seed.Units))
	for _, u := range seed.Units {
		all = append(all, u.Code)
	}
	return []demoProcedure{
		{Unit: "vp", Code: "ST.ISO.01", Type: document.TypeManual, Title: "Sổ tay chất lượng", Clauses: []string{"4.3", "5.2"}, Dist: all,
			Body: "Phạm vi áp dụng: toàn bộ thủ tục hành chính thuộc thẩm quyền giải quyết của UBND huyện.\nChính sách chất lượng: công khai, minh bạch, đúng hẹn."},
		{Unit: "vp", Code: "QT.ISO.01", Type: document.TypeProcedure, Title: "Quy trình kiểm soát tài liệu", Clauses: []string{"7.5"}, Dist: []string{"vp"},
			Body: "1. Soạn thảo\n2. Soát xét\n3. Phê duyệt\n4. Ban hành và phân phối\n5. Xem xét định kỳ 12 tháng"},
		{Unit: "noivu", Code: "QT.ISO.05", Type: document.TypeProcedure, Title: "Quy trình đánh giá nội bộ", Clauses: []string{"9.2"}, Dist: []string{"noivu"},
			Body: "1. Lập chương trình đánh giá năm\n2. Chuẩn bị danh mục kiểm tra\n3. Thực hiện đánh giá\n4. Báo cáo và theo dõi khắc phục"},
		{Unit: "vhtt", Code: "QT.ISO.11", Type: document.TypeProcedure, Title: "Quy trình cấp giấy phép tổ chức lễ hội", Clauses: []string{"8.5"}, Dist: []string{"vhtt"},
			Body: "1. Tiếp nhận hồ sơ tại Bộ phận Một cửa\n2. Thẩm định nội dung\n3. Trình lãnh đạo ký\n4. Trả kết quả trong 10 ngày làm việc"},
		{Unit: "tnmt", Code: "QT.ISO.07", Type: document.TypeProcedure, Title: "Quy trình cấp giấy chứng nhận quyền sử dụng đất", Clauses: []string{"8.5"}, Dist: []string{"tnmt"},
			Body: "1. Tiếp nhận hồ sơ\n2. Kiểm tra hiện trạng\n3. Trình ký giấy chứng nhận\n4. Trả kết quả trong 15 ngày làm việc"},
		{Unit: "motcua", Code: "QT.ISO.02", Type: document.TypeProcedure, Title: "Quy trình tiếp nhận và trả kết quả tại Bộ phận Một cửa", Clauses: []string{"8.2"}, Dist: []string{"motcua"},
			Body: "1. Hướng dẫn công dân bổ sung hồ sơ một lần\n2. Tiếp nhận, cấp giấy hẹn\n3. Chuyển hồ sơ cho phòng chuyên môn trong ngày\n4. Trả kết quả, thu phí"},
	}
}

// seedDemoDocuments takes each unit's procedure (and the quality manual)
// through the whole approval path: drafted by the unit's author with its
// file, reviewed by the unit's head, approved by the chairman and published
// by the coordinator, each with the e-signature the services require, so
// every person of the unit has it to acknowledge. Then two revisions wait
// in review: issue 02 of the land procedure for the head of the land
// office, and a new office procedure for the chairman.
func seedDemoDocuments(ctx context.Context, a *app.App, out io.Writer) error {
	d := newDemo(a, out)
	for _, p := range demoProcedures() {
		docID, revID, err := d.draftDocument(ctx, p, "Ban hành lần đầu", p.Body)
		if err != nil {
			return err
		}
		if err := d.takeToEffective(ctx, p.Unit, revID); err != nil {
			return fmt.Errorf("demo document %s: %w", p.Code, err)
		}
		if p.Code == "QT.ISO.07" {
			author, err := d.as(ctx, "author.tnmt")
			if err != nil {
				return err
			}
			rev, err := a.Documents.CreateRevision(author, docID, document.NewRevision{Change: "Bổ sung bước theo dõi hạn hồ sơ liên thông giữa các phòng",
				Files: pdfFile("QT.ISO.07-lan-02.pdf", p.Code+" "+p.Title, p.Body+"\n5. Theo dõi hạn hồ sơ liên thông hằng tuần (sổ theo dõi)")})
			if err != nil {
				return fmt.Errorf("demo revision 02 of %s: %w", p.Code, err)
			}
			if _, err := a.Documents.Submit(author, rev.ID, []string{"head.tnmt"}); err != nil {
				return fmt.Errorf("demo submit 02 of %s: %w", p.Code, err)
			}
		}
	}
	p := demoProcedure{Unit: "vp", Code: "QT.ISO.03", Type: document.TypeProcedure, Title: "Quy trình tiếp nhận và xử lý phản ánh, kiến nghị",
		Clauses: []string{"9.1"}, Dist: []string{"vp", "motcua"},
		Body: "1. Tiếp nhận phản ánh qua đường dây nóng và hòm thư\n2. Phân loại, chuyển phòng chuyên môn\n3. Trả lời công dân trong 10 ngày làm việc"}
	_, revID, err := d.draftDocument(ctx, p, "Ban hành lần đầu", p.Body)
	if err != nil {
		return err
	}
	author, err := d.as(ctx, "author.vp")
	if err != nil {
		return err
	}
	if _, err := a.Documents.Submit(author, revID, []string{"chairman"}); err != nil {
		return fmt.Errorf("demo submit %s: %w", p.Code, err)
	}
	fmt.Fprintf(out, "  %d demo documents in force, 2 revisions in review\n", len(demoProcedures()))
	return nil
}

// draftDocument registers p as its unit's author and drafts its first
// revision with a PDF of its steps.
func (d *demo) draftDocument(ctx context.Context, p demoProcedure, change, body string) (docID, revID string, err error) {
	author, err := d.as(ctx, "author."+p.Unit)
	if err != nil {
		return "", "", err
	}
	months := 12
	doc, err := d.a.Documents.Create(author, document.NewDocument{Code: p.Code, Title: p.Title, Type: p.Type, Unit: p.Unit,
		Clauses: p.Clauses, ReviewMonths: &months, DistUnits: p.Dist})
	if err != nil {
		return "", "", fmt.Errorf("demo document %s: %w", p.Code, err)
	}
	rev, err := d.a.Documents.CreateRevision(author, doc.ID, document.NewRevision{Change: change,
		Files: pdfFile(p.Code+".pdf", p.Code+" "+p.Title, body)})
	if err != nil {
		return "", "", fmt.Errorf("demo revision of %s: %w", p.Code, err)
	}
	return doc.ID, rev.ID, nil
}

// takeToEffective submits a draft revision of unit to its head, who
// reviews it; the chairman approves and the coordinator publishes it now.
func (d *demo) takeToEffective(ctx context.Context, unit, revID string) error {
	author, err := d.as(ctx, "author."+unit)
	if err != nil {
		return err
	}
	head, err := d.as(ctx, "head."+unit)
	if err != nil {
		return err
	}
	chair, err := d.as(ctx, "chairman")
	if err != nil {
		return err
	}
	coord, err := d.as(ctx, "coordinator")
	if err != nil {
		return err
	}
	docs := d.a.Documents
	if _, err := docs.Submit(author, revID, []string{"head." + unit}); err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	if _, err := docs.Review(head, revID, document.DecisionApprove, "Đã soát xét, đồng ý trình phê duyệt", d.password()); err != nil {
		return fmt.Errorf("review: %w", err)
	}
	if _, err := docs.Approve(chair, revID, d.password()); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	if _, err := docs.Publish(coord, revID, d.password(), ""); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}
