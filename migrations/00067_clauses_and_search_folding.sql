-- +goose Up
-- The clause checklist gains the standard's third-level clauses (8.5.1,
-- 8.2.1, 10.2.1...) that documents, records and NCs are tagged with, so a
-- tag always has a title and coverage links lead somewhere. They carry no
-- question of their own: an audit asks the question of their parent clause
-- (the coordinator can add one), so checklists do not grow.
INSERT INTO audit_clauses (clause, sort, title_vi, title_en) VALUES
('4.4.1', 441, 'Khái quát', 'General'),
('4.4.2', 442, 'Duy trì và lưu giữ thông tin dạng văn bản', 'Maintaining and retaining documented information'),
('6.1.1', 611, 'Khái quát', 'General'),
('6.1.2', 612, 'Hoạch định hành động giải quyết rủi ro và cơ hội', 'Planning actions to address risks and opportunities'),
('6.2.1', 621, 'Thiết lập mục tiêu chất lượng', 'Establishing quality objectives'),
('6.2.2', 622, 'Hoạch định để đạt mục tiêu chất lượng', 'Planning to achieve quality objectives'),
('7.5.3.1', 753, 'Kiểm soát sự sẵn có và phù hợp', 'Availability and suitability'),
('7.5.3.2', 753, 'Phân phối, truy cập, bảo quản, lưu giữ và hủy bỏ', 'Distribution, access, storage, retention and disposition'),
('8.2.1', 821, 'Trao đổi thông tin với khách hàng', 'Customer communication'),
('8.2.2', 822, 'Xác định các yêu cầu đối với sản phẩm và dịch vụ', 'Determining the requirements for products and services'),
('8.2.3', 823, 'Xem xét các yêu cầu đối với sản phẩm và dịch vụ', 'Review of the requirements for products and services'),
('8.2.4', 824, 'Thay đổi các yêu cầu đối với sản phẩm và dịch vụ', 'Changes to requirements for products and services'),
('8.3.1', 831, 'Khái quát', 'General'),
('8.3.2', 832, 'Hoạch định thiết kế và phát triển', 'Design and development planning'),
('8.3.3', 833, 'Đầu vào thiết kế và phát triển', 'Design and development inputs'),
('8.3.4', 834, 'Kiểm soát thiết kế và phát triển', 'Design and development controls'),
('8.3.5', 835, 'Đầu ra thiết kế và phát triển', 'Design and development outputs'),
('8.3.6', 836, 'Thay đổi thiết kế và phát triển', 'Design and development changes'),
('8.4.1', 841, 'Khái quát', 'General'),
('8.4.2', 842, 'Loại và mức độ kiểm soát', 'Type and extent of control'),
('8.4.3', 843, 'Thông tin cho nhà cung cấp bên ngoài', 'Information for external providers'),
('8.5.1', 851, 'Kiểm soát sản xuất và cung cấp dịch vụ', 'Control of production and service provision'),
('8.5.2', 852, 'Nhận biết và xác định nguồn gốc', 'Identification and traceability'),
('8.5.3', 853, 'Tài sản của khách hàng hoặc nhà cung cấp bên ngoài', 'Property belonging to customers or external providers'),
('8.5.4', 854, 'Bảo toàn', 'Preservation'),
('8.5.5', 855, 'Hoạt động sau giao hàng', 'Post-delivery activities'),
('8.5.6', 856, 'Kiểm soát thay đổi', 'Control of changes'),
('8.7.1', 871, 'Kiểm soát đầu ra không phù hợp', 'Control of nonconforming outputs'),
('8.7.2', 872, 'Lưu giữ thông tin về đầu ra không phù hợp', 'Retaining information on nonconforming outputs'),
('9.2.1', 921, 'Khái quát', 'General'),
('9.2.2', 922, 'Chương trình và thực hiện đánh giá', 'Audit programme and conduct'),
('9.3.1', 931, 'Khái quát', 'General'),
('9.3.2', 932, 'Đầu vào xem xét của lãnh đạo', 'Management review inputs'),
('9.3.3', 933, 'Đầu ra xem xét của lãnh đạo', 'Management review outputs'),
('10.2.1', 1021, 'Xử lý sự không phù hợp và hành động khắc phục', 'Reacting to nonconformity and taking corrective action'),
('10.2.2', 1022, 'Lưu giữ thông tin về sự không phù hợp và hành động khắc phục', 'Retaining information on nonconformity and corrective action')
ON CONFLICT (clause) DO NOTHING;

-- qms_fold is text as search compares it: Vietnamese letters without their
-- marks, in lower case ("Hiệu chuẩn" and "hieu chuan" are equal), with no
-- extension needed (unaccent needs a superuser to install).
-- +goose StatementBegin
CREATE FUNCTION qms_fold(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT lower(translate(s, 'àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸĐ', 'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'))
$$;
-- +goose StatementEnd

-- qms_clause_family is a clause and every clause of the checklist under it
-- (8.5 -> 8.5, 8.5.1 ... 8.5.6): a filter on 8.5 finds what is tagged 8.5.1,
-- as coverage counts it, and a GIN index on the tags still serves it (&&).
-- +goose StatementBegin
CREATE FUNCTION qms_clause_family(c text) RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ARRAY[c] || coalesce((SELECT array_agg(clause) FROM audit_clauses WHERE clause LIKE c || '.%'), '{}')
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION qms_clause_family(text);
DROP FUNCTION qms_fold(text);
DELETE FROM audit_clauses WHERE clause IN ('4.4.1', '4.4.2', '6.1.1', '6.1.2', '6.2.1', '6.2.2', '7.5.3.1', '7.5.3.2', '8.2.1', '8.2.2', '8.2.3', '8.2.4', '8.3.1', '8.3.2', '8.3.3', '8.3.4', '8.3.5', '8.3.6', '8.4.1', '8.4.2', '8.4.3', '8.5.1', '8.5.2', '8.5.3', '8.5.4', '8.5.5', '8.5.6', '8.7.1', '8.7.2', '9.2.1', '9.2.2', '9.3.1', '9.3.2', '9.3.3', '10.2.1', '10.2.2');
