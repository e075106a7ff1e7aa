package web

import (
	"regexp"
	"strings"
)

// The nonconformity service explains a refusal in English (the API's
// stable wording). The pages speak Vietnamese too, so the reasons people
// meet in the NC forms are translated here, by the exact shapes the service
// produces. {A:x} and {N:x} mark an action or NC status code, replaced by
// its label. A message without a translation is shown as it is.
var ncMsgsVI = []struct {
	re *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^only a coordinator may cancel a nonconformity$`), "Chỉ thư ký ISO được hủy điểm không phù hợp"},
	{regexp.MustCompile(`^only a coordinator or the designated verifier may verify action #(\d+)$`), "Chỉ thư ký ISO hoặc người được chỉ định kiểm tra mới được kiểm tra hiệu lực hành động #$1"},
	{regexp.MustCompile(`^only a coordinator or the head of unit (\S+) may do this$`), "Chỉ thư ký ISO hoặc trưởng đơn vị $1 được thực hiện việc này"},
	{regexp.MustCompile(`^only a head of unit (\S+) may sign off action #(\d+)$`), "Chỉ trưởng đơn vị $1 được ký xác nhận hành động #$2"},
	{regexp.MustCompile(`^only the owner of action #(\d+) may update it$`), "Chỉ người thực hiện hành động #$1 được cập nhật hành động này"},
	{regexp.MustCompile(`^you carried out action #(\d+); another head must sign it off$`), "Bạn là người thực hiện hành động #$1; một trưởng đơn vị khác phải ký xác nhận"},
	{regexp.MustCompile(`^you carried out action #(\d+); someone else must verify its effectiveness$`), "Bạn là người thực hiện hành động #$1; người khác phải kiểm tra hiệu lực"},
	{regexp.MustCompile(`^you may not report nonconformities in unit (\S+)$`), "Bạn không được ghi nhận điểm không phù hợp của đơn vị $1"},
	{regexp.MustCompile(`^attach at least one evidence file of what was done$`), "Cần đính kèm ít nhất một tệp bằng chứng kết quả thực hiện"},
	{regexp.MustCompile(`^a file needs a name$`), "Tệp cần có tên"},
	{regexp.MustCompile(`^at most (\d+) files at once$`), "Tối đa $1 tệp mỗi lần"},
	{regexp.MustCompile(`^at most (\d+) actions per nonconformity$`), "Tối đa $1 hành động cho một điểm không phù hợp"},
	{regexp.MustCompile(`^action #(\d+) can be verified on or after (\S+)$`), "Hành động #$1 chỉ được kiểm tra hiệu lực từ ngày $2"},
	{regexp.MustCompile(`^action #(\d+) is (\S+), not in progress$`), "Hành động #$1 đang ở trạng thái «{A:$2}», không phải đang thực hiện"},
	{regexp.MustCompile(`^action #(\d+) is (\S+), not open$`), "Hành động #$1 đang ở trạng thái «{A:$2}», không phải chưa thực hiện"},
	{regexp.MustCompile(`^action #(\d+) is (\S+); only a signed-off action can be verified$`), "Hành động #$1 đang ở trạng thái «{A:$2}»; chỉ kiểm tra hiệu lực hành động đã được trưởng đơn vị ký xác nhận"},
	{regexp.MustCompile(`^action #(\d+) is (\S+); only an action reported done can be signed off$`), "Hành động #$1 đang ở trạng thái «{A:$2}»; chỉ ký xác nhận hành động đã báo cáo hoàn thành"},
	{regexp.MustCompile(`^action #(\d+) is (\S+); start it before reporting it done$`), "Hành động #$1 đang ở trạng thái «{A:$2}»; hãy bắt đầu thực hiện trước khi báo cáo hoàn thành"},
	{regexp.MustCompile(`^nonconformity (\S+) is (\S+)$`), "Điểm không phù hợp $1 đang ở trạng thái «{N:$2}»"},
	{regexp.MustCompile(`^only an action verified effective of a closed nonconformity can be found not effective again$`), "Chỉ ghi nhận tái diễn cho hành động đã có hiệu lực của điểm không phù hợp đã đóng"},
	{regexp.MustCompile(`^record the root cause of (\S+) before planning actions$`), "Cần phân tích nguyên nhân của $1 trước khi giao hành động khắc phục"},
	{regexp.MustCompile(`^the password is wrong: the signature was not applied$`), "Mật khẩu không đúng: chữ ký chưa được thực hiện"},
	{regexp.MustCompile(`^the file is larger than the limit of (.+)$`), "Tệp vượt quá giới hạn $1"},
	{regexp.MustCompile(`^this kind of file is not accepted; accepted types: (.+)$`), "Loại tệp này không được chấp nhận; các loại được chấp nhận: $1"},
	{regexp.MustCompile(`^the file is empty$`), "Tệp rỗng"},
	// Field messages.
	{regexp.MustCompile(`^cannot be in the future$`), "không được sau ngày hôm nay"},
	{regexp.MustCompile(`^cannot be before the nonconformity was detected$`), "không được trước ngày phát hiện"},
	{regexp.MustCompile(`^a due date is required$`), "cần có hạn hoàn thành"},
	{regexp.MustCompile(`^the due date is in the past$`), "hạn hoàn thành đã qua"},
	{regexp.MustCompile(`^a verification date is required$`), "cần có ngày kiểm tra hiệu lực"},
	{regexp.MustCompile(`^the verification date cannot be before the due date$`), "ngày kiểm tra hiệu lực không được trước hạn hoàn thành"},
	{regexp.MustCompile(`^choose the person who carries out the action$`), "hãy chọn người thực hiện"},
	{regexp.MustCompile(`^the owner must be a person of unit (\S+)$`), "người thực hiện phải thuộc đơn vị $1"},
	{regexp.MustCompile(`^the owner of an action may not verify it$`), "người thực hiện không được tự kiểm tra hiệu lực"},
	{regexp.MustCompile(`^not a user$`), "không phải người dùng"},
	{regexp.MustCompile(`^not a unit code$`), "không phải mã đơn vị"},
	{regexp.MustCompile(`^at most five whys$`), "tối đa 5 câu hỏi tại sao"},
	{regexp.MustCompile(`^give the five-whys chain, cause categories, or both$`), "hãy nêu chuỗi 5 câu hỏi tại sao, nhóm nguyên nhân, hoặc cả hai"},
	{regexp.MustCompile(`^one or more of .*$`), "chọn một hoặc nhiều nhóm trong danh sách"},
	{regexp.MustCompile(`^one of .*$`), "chọn một giá trị trong danh sách"},
	{regexp.MustCompile(`^a link such as audit:<id> or dossier:<number>$`), "một mã dạng audit:<mã> hoặc dossier:<số hồ sơ>"},
	{regexp.MustCompile(`^a date as yyyy-mm-dd or dd/mm/yyyy$`), "ngày theo dạng dd/mm/yyyy"},
	{regexp.MustCompile(`^say whether the action was effective \(true or false\)$`), "hãy chọn có hiệu lực hoặc không có hiệu lực"},
	{regexp.MustCompile(`^(.+) is required \(say why the action was not effective\)$`), "Cần ghi nhận xét: vì sao hành động không có hiệu lực"},
	{regexp.MustCompile(`^(.+) is required$`), "«$1» là bắt buộc"},
	{regexp.MustCompile(`^(.+) is too long \((\d+) characters, at most (\d+)\)$`), "«$1» quá dài ($2 ký tự, tối đa $3)"},
	{regexp.MustCompile(`^(.+) contains control characters$`), "«$1» chứa ký tự điều khiển"},
	{regexp.MustCompile(`^"(.+)" is not an ISO 9001 clause \(use numbers such as 7\.5\.3\)$`), "«$1» không phải điều khoản ISO 9001 (ví dụ 7.5.3)"},
}

var ncStatusMark = regexp.MustCompile(`\{([AN]):([a-z_]+)\}`)

// ncMsg returns msg in lang: Vietnamese when a translation of its shape
// exists here or in the error catalog, otherwise msg unchanged.
func (s *Server) ncMsg(lang, msg string) string {
	if lang != "vi" {
		return msg
	}
	for _, m := range ncMsgsVI {
		if !m.re.MatchString(msg) {
			continue
		}
		out := m.re.ReplaceAllString(msg, m.vi)
		return ncStatusMark.ReplaceAllStringFunc(out, func(x string) string {
			p := ncStatusMark.FindStringSubmatch(x)
			key := "nc.status." + p[2]
			if p[1] == "A" {
				key = "nc.action." + p[2]
			}
			if t := s.TLang(lang, key); t != key {
				return t
			}
			return p[2]
		})
	}
	// Otherwise the shared catalog of the domain's messages.
	return strings.TrimSpace(s.msgText(lang, msg))
}

// NCMessage is ncMsg for tests and other callers.
func (s *Server) NCMessage(lang, msg string) string { return s.ncMsg(lang, msg) }
