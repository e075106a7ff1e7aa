package portalsync

import "time"

// portalTime is the portal's date format (yyyyMMddHHmmss, Vietnam time).
const portalTime = "20060102150405"

// vnTime is Vietnam's time (UTC+7, no daylight saving), the portal's.
var vnTime = time.FixedZone("ICT", 7*3600)

func ptime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(vnTime).Format(portalTime)
}

// The channel (KenhThucHien) and status (TrangThaiHoSo) codes of the
// portal's messages.
var (
	channelCode = map[string]string{"in_person": "1", "online": "2", "online_partial": "2", "online_full": "2", "postal": "3"}
	statusCode  = map[string]string{"processing": "4", "supplement": "5", "withdrawn": "7", "returned": "10"}
)

// Step is one step of the handling as the portal reads it (QuaTrinhXuLy).
type Step struct {
	PhongBanXuLy           string `json:"PhongBanXuLy"`
	NguoiXuLy              string `json:"NguoiXuLy"`
	NoiDungXuLy            string `json:"NoiDungXuLy"`
	NgayBatDau             string `json:"NgayBatDau"`
	NgayKetThucTheoQuyDinh string `json:"NgayKetThucTheoQuyDinh"`
	ThoiDiemXuLy           string `json:"ThoiDiemXuLy"`
}

// Message is the body sent for a change: the dossier sync message on
// receipt (LoaiBanTin "DongBoHoSo"), the progress update on a later change
// ("CapNhatTienDo"), both carrying the whole handling so far.
type Message struct {
	LoaiBanTin    string `json:"LoaiBanTin"`
	MaDonVi       string `json:"MaDonVi"` // the receiving agency's code (QMS_PORTAL_AGENCY)
	MaHoSo        string `json:"MaHoSo"`
	MaTTHC        string `json:"MaTTHC"`
	TenTTHC       string `json:"TenTTHC"`
	MaLinhVuc     string `json:"MaLinhVuc"`
	KenhThucHien  string `json:"KenhThucHien"`
	ChuHoSo       string `json:"ChuHoSo"`
	DonViTiepNhan string `json:"DonViTiepNhan"`
	NguoiTiepNhan string `json:"NguoiTiepNhan"`
	DonViXuLy     string `json:"DonViXuLy"`
	NgayTiepNhan  string `json:"NgayTiepNhan"`
	NgayHenTra    string `json:"NgayHenTra"`
	TrangThaiHoSo string `json:"TrangThaiHoSo"`
	SoLanBoSung   int    `json:"SoLanBoSung"`
	NgayTra       string `json:"NgayTra"`
	KetQua        string `json:"KetQua"`
	QuaTrinhXuLy  []Step `json:"QuaTrinhXuLy"`
	// ThuTuCapNhat is the change's number among the dossier's (1 for the
	// receipt), so the portal can tell order as well as the key.
	ThuTuCapNhat int `json:"ThuTuCapNhat"`
}

// messageOf builds the message of a change.
func messageOf(agency string, c Change, d Snapshot) Message {
	m := Message{LoaiBanTin: "CapNhatTienDo", MaDonVi: agency, MaHoSo: d.Number, MaTTHC: d.ServiceCode, TenTTHC: d.ServiceName,
		MaLinhVuc: d.Field, KenhThucHien: channelCode[d.Channel], ChuHoSo: d.ApplicantRef, DonViTiepNhan: d.ReceivingUnit,
		NguoiTiepNhan: d.ReceivingOfficer, DonViXuLy: d.CurrentUnit, NgayTiepNhan: ptime(&d.ReceivedAt), NgayHenTra: ptime(d.DueAt),
		TrangThaiHoSo: statusCode[d.Status], SoLanBoSung: d.Supplements, NgayTra: ptime(d.ReturnedAt), KetQua: d.Result,
		ThuTuCapNhat: c.Seq, QuaTrinhXuLy: []Step{}}
	if c.Kind == "receipt" {
		m.LoaiBanTin = "DongBoHoSo"
		if d.Status == "processing" {
			m.TrangThaiHoSo = "2" // received (được tiếp nhận)
		}
	}
	if m.DonViXuLy == "" {
		m.DonViXuLy = d.Unit
	}
	for _, s := range d.Steps {
		at := s.End
		if at == nil {
			at = &s.Start
		}
		m.QuaTrinhXuLy = append(m.QuaTrinhXuLy, Step{PhongBanXuLy: s.Unit, NguoiXuLy: s.Officer, NoiDungXuLy: s.Step,
			NgayBatDau: ptime(&s.Start), NgayKetThucTheoQuyDinh: ptime(s.Due), ThoiDiemXuLy: ptime(at)})
	}
	return m
}
