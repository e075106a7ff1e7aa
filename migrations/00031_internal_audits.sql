-- +goose Up
-- The ISO 9001:2015 clause list (4 to 10.3) with a checklist question for each
-- clause that carries requirements. Editable by the coordinator; audits copy
-- the questions, so an edit never rewrites a past audit's checklist.
CREATE TABLE audit_clauses (
    clause       text PRIMARY KEY CHECK (clause ~ '^(4|5|6|7|8|9|10)(\.[0-9]{1,2}){0,3}$'),
    sort         int NOT NULL,
    title_vi     text NOT NULL CHECK (length(title_vi) BETWEEN 1 AND 300),
    title_en     text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 300),
    question_vi  text NOT NULL DEFAULT '' CHECK (length(question_vi) <= 2000),
    question_en  text NOT NULL DEFAULT '' CHECK (length(question_en) <= 2000),
    active       boolean NOT NULL DEFAULT true,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO audit_clauses (clause, sort, title_vi, title_en, question_vi, question_en) VALUES
('4',      400, 'Bối cảnh của tổ chức', 'Context of the organization', '', ''),
('4.1',    410, 'Hiểu tổ chức và bối cảnh của tổ chức', 'Understanding the organization and its context',
 'Đơn vị đã xác định các vấn đề nội bộ và bên ngoài liên quan đến mục đích và định hướng chiến lược, và theo dõi, xem xét chúng chưa?',
 'Has the unit determined the internal and external issues relevant to its purpose and strategic direction, and does it monitor and review them?'),
('4.2',    420, 'Hiểu nhu cầu và mong đợi của các bên quan tâm', 'Understanding the needs and expectations of interested parties',
 'Các bên quan tâm (người dân, tổ chức, cơ quan cấp trên) và yêu cầu của họ có được xác định và cập nhật không?',
 'Are the interested parties (citizens, organisations, higher authorities) and their requirements determined and kept up to date?'),
('4.3',    430, 'Xác định phạm vi của hệ thống quản lý chất lượng', 'Determining the scope of the quality management system',
 'Phạm vi HTQLCL (các thủ tục hành chính, đơn vị) có được văn bản hóa và công bố, kèm lý giải cho các yêu cầu không áp dụng không?',
 'Is the QMS scope (administrative procedures, units) documented and announced, with justification for any requirement not applied?'),
('4.4',    440, 'Hệ thống quản lý chất lượng và các quá trình', 'Quality management system and its processes',
 'Các quá trình cần thiết, trình tự, tương tác, tiêu chí, nguồn lực và trách nhiệm có được xác định và duy trì không?',
 'Are the needed processes, their sequence and interaction, criteria, resources and responsibilities determined and maintained?'),
('5',      500, 'Sự lãnh đạo', 'Leadership', '', ''),
('5.1',    510, 'Sự lãnh đạo và cam kết', 'Leadership and commitment', '', ''),
('5.1.1',  511, 'Khái quát', 'General',
 'Lãnh đạo có chứng tỏ sự lãnh đạo và cam kết đối với HTQLCL (chính sách, mục tiêu, nguồn lực, xem xét) không?',
 'Does top management demonstrate leadership and commitment to the QMS (policy, objectives, resources, reviews)?'),
('5.1.2',  512, 'Hướng vào khách hàng', 'Customer focus',
 'Yêu cầu của người dân và yêu cầu pháp luật có được xác định và đáp ứng nhất quán không?',
 'Are citizens'' requirements and statutory requirements determined and consistently met?'),
('5.2',    520, 'Chính sách', 'Policy', '', ''),
('5.2.1',  521, 'Thiết lập chính sách chất lượng', 'Establishing the quality policy',
 'Chính sách chất lượng có phù hợp với mục đích của cơ quan và tạo khuôn khổ cho mục tiêu chất lượng không?',
 'Is the quality policy appropriate to the organisation''s purpose and a framework for quality objectives?'),
('5.2.2',  522, 'Truyền đạt chính sách chất lượng', 'Communicating the quality policy',
 'Chính sách chất lượng có được truyền đạt, thấu hiểu và áp dụng, và sẵn có cho các bên quan tâm không?',
 'Is the quality policy communicated, understood and applied, and available to interested parties?'),
('5.3',    530, 'Vai trò, trách nhiệm và quyền hạn trong tổ chức', 'Organizational roles, responsibilities and authorities',
 'Trách nhiệm và quyền hạn đối với các vai trò liên quan có được phân công, truyền đạt và thấu hiểu không?',
 'Are responsibilities and authorities for relevant roles assigned, communicated and understood?'),
('6',      600, 'Hoạch định', 'Planning', '', ''),
('6.1',    610, 'Hành động giải quyết rủi ro và cơ hội', 'Actions to address risks and opportunities',
 'Rủi ro và cơ hội có được xác định, có hành động xử lý và đánh giá hiệu lực của hành động không?',
 'Are risks and opportunities determined, actions planned to address them, and their effectiveness evaluated?'),
('6.2',    620, 'Mục tiêu chất lượng và hoạch định để đạt được mục tiêu', 'Quality objectives and planning to achieve them',
 'Mục tiêu chất lượng có đo lường được, được theo dõi, truyền đạt và có kế hoạch thực hiện (việc gì, nguồn lực, ai, khi nào) không?',
 'Are quality objectives measurable, monitored, communicated and planned (what, resources, who, when)?'),
('6.3',    630, 'Hoạch định các thay đổi', 'Planning of changes',
 'Các thay đổi đối với HTQLCL có được thực hiện theo cách có hoạch định không?',
 'Are changes to the QMS carried out in a planned manner?'),
('7',      700, 'Hỗ trợ', 'Support', '', ''),
('7.1',    710, 'Nguồn lực', 'Resources', '', ''),
('7.1.1',  711, 'Khái quát', 'General',
 'Nguồn lực cần thiết cho HTQLCL có được xác định và cung cấp không?',
 'Are the resources needed for the QMS determined and provided?'),
('7.1.2',  712, 'Con người', 'People',
 'Có đủ nhân sự cho vận hành và kiểm soát các quá trình không?',
 'Are there enough people to operate and control the processes?'),
('7.1.3',  713, 'Cơ sở hạ tầng', 'Infrastructure',
 'Cơ sở hạ tầng (trụ sở, thiết bị, phần mềm một cửa) có được xác định, cung cấp và duy trì không?',
 'Is the infrastructure (premises, equipment, one-stop software) determined, provided and maintained?'),
('7.1.4',  714, 'Môi trường cho việc vận hành các quá trình', 'Environment for the operation of processes',
 'Môi trường làm việc và tiếp dân có phù hợp không?',
 'Is the working and reception environment suitable?'),
('7.1.5',  715, 'Nguồn lực theo dõi và đo lường', 'Monitoring and measuring resources',
 'Công cụ theo dõi, đo lường có phù hợp và được duy trì, có hồ sơ chứng minh không?',
 'Are monitoring and measuring resources suitable, maintained and evidenced by records?'),
('7.1.6',  716, 'Tri thức của tổ chức', 'Organizational knowledge',
 'Tri thức cần thiết có được xác định, duy trì và sẵn có không?',
 'Is the necessary knowledge determined, maintained and made available?'),
('7.2',    720, 'Năng lực', 'Competence',
 'Năng lực cần thiết có được xác định, đảm bảo bằng đào tạo và lưu hồ sơ làm bằng chứng không?',
 'Is the necessary competence determined, ensured through training and retained as evidence?'),
('7.3',    730, 'Nhận thức', 'Awareness',
 'Cán bộ có nhận thức về chính sách, mục tiêu, đóng góp của mình và hệ quả của việc không phù hợp không?',
 'Are people aware of the policy, objectives, their contribution and the implications of not conforming?'),
('7.4',    740, 'Trao đổi thông tin', 'Communication',
 'Việc trao đổi thông tin nội bộ và bên ngoài (nội dung, thời điểm, đối tượng, cách thức, người thực hiện) có được xác định không?',
 'Are internal and external communications (what, when, with whom, how, who) determined?'),
('7.5',    750, 'Thông tin dạng văn bản', 'Documented information', '', ''),
('7.5.1',  751, 'Khái quát', 'General',
 'HTQLCL có bao gồm thông tin dạng văn bản theo yêu cầu của tiêu chuẩn và do đơn vị xác định không?',
 'Does the QMS include the documented information required by the standard and determined by the unit?'),
('7.5.2',  752, 'Tạo lập và cập nhật', 'Creating and updating',
 'Tài liệu có nhận biết (mã, lần ban hành), định dạng phù hợp, được xem xét và phê duyệt không?',
 'Are documents identified (code, issue), suitably formatted, reviewed and approved?'),
('7.5.3',  753, 'Kiểm soát thông tin dạng văn bản', 'Control of documented information',
 'Tài liệu và hồ sơ có được phân phối, bảo vệ, lưu giữ theo thời hạn và hủy có kiểm soát không; tài liệu lỗi thời có bị ngăn sử dụng không?',
 'Are documents and records distributed, protected, retained for their period and disposed of under control; are obsolete documents prevented from use?'),
('8',      800, 'Thực hiện', 'Operation', '', ''),
('8.1',    810, 'Hoạch định và kiểm soát việc thực hiện', 'Operational planning and control',
 'Các quá trình giải quyết thủ tục hành chính có được hoạch định, kiểm soát theo tiêu chí và thời hạn giải quyết không?',
 'Are the processes for administrative procedures planned and controlled against criteria and processing times?'),
('8.2',    820, 'Yêu cầu đối với sản phẩm và dịch vụ', 'Requirements for products and services',
 'Yêu cầu đối với dịch vụ (thành phần hồ sơ, phí, thời hạn) có được xác định, xem xét và niêm yết công khai không?',
 'Are service requirements (dossier contents, fees, time limits) determined, reviewed and publicly posted?'),
('8.3',    830, 'Thiết kế và phát triển sản phẩm và dịch vụ', 'Design and development of products and services',
 'Nếu áp dụng: thiết kế và phát triển dịch vụ có được hoạch định, kiểm soát và xác nhận không?',
 'If applicable: is design and development of services planned, controlled and validated?'),
('8.4',    840, 'Kiểm soát quá trình, sản phẩm và dịch vụ do bên ngoài cung cấp', 'Control of externally provided processes, products and services',
 'Nhà cung cấp bên ngoài (bưu chính, phần mềm, dịch vụ công trực tuyến) có được đánh giá và kiểm soát không?',
 'Are external providers (postal services, software, online public services) evaluated and controlled?'),
('8.5',    850, 'Sản xuất và cung cấp dịch vụ', 'Production and service provision',
 'Việc giải quyết hồ sơ có được thực hiện trong điều kiện kiểm soát, nhận biết, truy xuất và bảo quản tài sản của người dân không?',
 'Is dossier handling carried out under controlled conditions, with identification, traceability and care of citizens'' property?'),
('8.6',    860, 'Thông qua sản phẩm và dịch vụ', 'Release of products and services',
 'Kết quả giải quyết có được kiểm tra, phê duyệt trước khi trả cho người dân và có hồ sơ không?',
 'Are results checked and approved before release to citizens, with records?'),
('8.7',    870, 'Kiểm soát đầu ra không phù hợp', 'Control of nonconforming outputs',
 'Kết quả không phù hợp (hồ sơ trễ hạn, sai sót) có được nhận biết, xử lý và lưu hồ sơ không?',
 'Are nonconforming outputs (late or faulty dossiers) identified, handled and recorded?'),
('9',      900, 'Đánh giá kết quả hoạt động', 'Performance evaluation', '', ''),
('9.1',    910, 'Theo dõi, đo lường, phân tích và đánh giá', 'Monitoring, measurement, analysis and evaluation', '', ''),
('9.1.1',  911, 'Khái quát', 'General',
 'Đối tượng, phương pháp và thời điểm theo dõi, đo lường có được xác định và lưu kết quả không?',
 'Are what, how and when to monitor and measure determined, and the results retained?'),
('9.1.2',  912, 'Sự thỏa mãn của khách hàng', 'Customer satisfaction',
 'Mức độ hài lòng của người dân có được theo dõi và xem xét không?',
 'Is citizens'' satisfaction monitored and reviewed?'),
('9.1.3',  913, 'Phân tích và đánh giá', 'Analysis and evaluation',
 'Dữ liệu (tỷ lệ đúng hạn, phản ánh, kiến nghị) có được phân tích để đánh giá hiệu lực của HTQLCL không?',
 'Are data (on-time rate, complaints, suggestions) analysed to evaluate the effectiveness of the QMS?'),
('9.2',    920, 'Đánh giá nội bộ', 'Internal audit',
 'Chương trình đánh giá nội bộ có được lập, thực hiện định kỳ, khách quan và báo cáo kết quả cho lãnh đạo không?',
 'Is an internal audit programme established and carried out at intervals, impartially, with results reported to management?'),
('9.3',    930, 'Xem xét của lãnh đạo', 'Management review',
 'Lãnh đạo có xem xét HTQLCL định kỳ với đầu vào và đầu ra theo yêu cầu và lưu hồ sơ không?',
 'Does top management review the QMS at intervals with the required inputs and outputs, and retain records?'),
('10',     1000, 'Cải tiến', 'Improvement', '', ''),
('10.1',   1010, 'Khái quát', 'General',
 'Cơ hội cải tiến có được xác định và thực hiện để nâng cao sự hài lòng của người dân không?',
 'Are opportunities for improvement determined and implemented to enhance citizen satisfaction?'),
('10.2',   1020, 'Sự không phù hợp và hành động khắc phục', 'Nonconformity and corrective action',
 'Sự không phù hợp có được xử lý, phân tích nguyên nhân, thực hiện hành động khắc phục và xem xét hiệu lực không?',
 'Are nonconformities dealt with, their causes analysed, corrective actions taken and their effectiveness reviewed?'),
('10.3',   1030, 'Cải tiến liên tục', 'Continual improvement',
 'Đơn vị có cải tiến liên tục sự phù hợp, thỏa đáng và hiệu lực của HTQLCL không?',
 'Does the unit continually improve the suitability, adequacy and effectiveness of the QMS?');

-- The audit programme: one row per planned audit.
CREATE TABLE audits (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number          text NOT NULL UNIQUE,
    year            int NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    scope_units     text[] NOT NULL CHECK (cardinality(scope_units) >= 1),
    scope_processes text NOT NULL DEFAULT '',
    scope_clauses   text[] NOT NULL DEFAULT '{}',
    planned_start   date NOT NULL,
    planned_end     date NOT NULL CHECK (planned_end >= planned_start),
    lead_auditor    uuid NOT NULL REFERENCES users(id),
    status          text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'reported')),
    report_record   uuid REFERENCES records(id),
    reported_at     timestamptz,
    created_by      uuid NOT NULL REFERENCES users(id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audits_year ON audits (year, planned_start);
CREATE INDEX audits_units ON audits USING gin (scope_units);

CREATE TABLE audit_team (
    audit_id  uuid NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users(id),
    is_lead   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (audit_id, user_id)
);
CREATE INDEX audit_team_user ON audit_team (user_id);

-- The checklist of one audit: questions copied from audit_clauses plus the
-- office's own.
CREATE TABLE audit_items (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    audit_id  uuid NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    seq       int NOT NULL,
    clause    text NOT NULL DEFAULT '',
    question  text NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
    source    text NOT NULL CHECK (source IN ('iso', 'own')),
    UNIQUE (audit_id, seq)
);

CREATE TABLE audit_findings (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    audit_id     uuid NOT NULL REFERENCES audits(id),
    item_id      uuid NOT NULL REFERENCES audit_items(id),
    unit         text NOT NULL REFERENCES units(code),
    kind         text NOT NULL CHECK (kind IN ('conformity', 'observation', 'ofi', 'nonconformity')),
    severity     text NOT NULL DEFAULT '' CHECK (severity IN ('', 'major', 'minor')),
    description  text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    evidence     text[] NOT NULL DEFAULT '{}',
    nc_id        text NOT NULL DEFAULT '',
    nc_number    text NOT NULL DEFAULT '',
    created_by   uuid NOT NULL REFERENCES users(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'nonconformity') = (severity <> ''))
);
CREATE INDEX audit_findings_audit ON audit_findings (audit_id, created_at);

-- Evidence an auditor marked reviewed (with a comment) during an audit.
CREATE TABLE evidence_reviews (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    audit_id     uuid NOT NULL REFERENCES audits(id),
    object_type  text NOT NULL CHECK (object_type IN ('document', 'revision', 'record', 'nc', 'action', 'trail')),
    object_id    text NOT NULL CHECK (length(object_id) BETWEEN 1 AND 64),
    unit         text NOT NULL DEFAULT '',
    comment      text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    reviewer     uuid NOT NULL REFERENCES users(id),
    reviewed_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (audit_id, object_type, object_id, reviewer)
);

-- +goose Down
DROP TABLE evidence_reviews;
DROP TABLE audit_findings;
DROP TABLE audit_items;
DROP TABLE audit_team;
DROP TABLE audits;
DROP TABLE audit_clauses;
