// Package seed fills an empty database with a demo organisation: a district
// People's Committee with its specialist offices and one-stop desk, and a
// user for every role, so qmstrack can be tried at once.
package seed

import (
	"context"
	"fmt"
	"io"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Units of the demo district office.
var Units = []org.Unit{
	{Code: "vp", NameVI: "Văn phòng HĐND và UBND", NameEN: "Office of the People's Council and Committee"},
	{Code: "noivu", NameVI: "Phòng Nội vụ", NameEN: "Home Affairs Office"},
	{Code: "vhtt", NameVI: "Phòng Văn hóa và Thông tin", NameEN: "Culture and Information Office"},
	{Code: "tnmt", NameVI: "Phòng Tài nguyên và Môi trường", NameEN: "Natural Resources and Environment Office"},
	{Code: "motcua", NameVI: "Bộ phận Một cửa", NameEN: "One-stop desk"},
}

// DeskUnit is the demo office's one-stop desk.
const DeskUnit = "motcua"

// DemoUser is one seeded person.
type DemoUser struct {
	Login, Name string
	Roles       []org.Assignment
}

// Users returns the demo people: admin, coordinator, auditor, the chairman,
// and a head, an author and a staff member for every unit.
func Users() []DemoUser {
	us := []DemoUser{
		{Login: "admin", Name: "Quản trị hệ thống", Roles: []org.Assignment{{Role: "admin", Unit: qms.AllUnits}}},
		{Login: "coordinator", Name: "Lương Hoàng Minh (Thư ký ISO)", Roles: []org.Assignment{{Role: "coordinator", Unit: qms.AllUnits}}},
		{Login: "auditor", Name: "Chuyên gia đánh giá nội bộ", Roles: []org.Assignment{{Role: "auditor", Unit: qms.AllUnits}}},
		{Login: "chairman", Name: "Chủ tịch UBND", Roles: []org.Assignment{{Role: "head", Unit: qms.AllUnits}}},
	}
	names := map[string]string{"vp": "Văn phòng", "noivu": "Nội vụ", "vhtt": "Văn hóa", "tnmt": "Tài nguyên", "motcua": "Một cửa"}
	for _, u := range Units {
		n := names[u.Code]
		head := DemoUser{Login: "head." + u.Code, Name: "Trưởng phòng " + n, Roles: []org.Assignment{{Role: "head", Unit: u.Code}, {Role: "staff", Unit: u.Code}}}
		staff := DemoUser{Login: "staff." + u.Code, Name: "Công chức " + n, Roles: []org.Assignment{{Role: "staff", Unit: u.Code}}}
		if u.Code == DeskUnit {
			// The desk's people receive and return dossiers of every unit.
			head.Roles = append(head.Roles, org.Assignment{Role: "desk", Unit: u.Code})
			staff.Roles = append(staff.Roles, org.Assignment{Role: "desk", Unit: u.Code})
		}
		us = append(us, head,
			DemoUser{Login: "author." + u.Code, Name: "Chuyên viên soạn thảo " + n, Roles: []org.Assignment{{Role: "author", Unit: u.Code}, {Role: "staff", Unit: u.Code}}},
			staff,
		)
	}
	return us
}

// Demo seeds the demo organisation into an empty database and prints the
// logins. On a database that has users it does nothing and says so.
func Demo(ctx context.Context, ids *identity.Service, orgs *org.Service, password string, out io.Writer) (bool, error) {
	n, err := ids.CountUsers(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		fmt.Fprintf(out, "database already has %d users; demo organisation not seeded\n", n)
		return false, nil
	}
	ctx = qms.WithActor(ctx, qms.Actor{Login: "seed"})
	for _, u := range Units {
		if _, err := orgs.CreateUnit(ctx, u); err != nil {
			return false, fmt.Errorf("unit %s: %w", u.Code, err)
		}
	}
	fmt.Fprintf(out, "demo organisation seeded; every user's password is %q\n", password)
	for _, du := range Users() {
		u, err := ids.CreateUser(ctx, identity.NewUser{Login: du.Login, Name: du.Name, Password: password, Lang: "vi"})
		if err != nil {
			return false, fmt.Errorf("user %s: %w", du.Login, err)
		}
		for _, r := range du.Roles {
			r.UserID, r.Login = u.ID, u.Login
			if err := orgs.Assign(ctx, r); err != nil {
				return false, fmt.Errorf("role %s for %s: %w", r.Role, du.Login, err)
			}
		}
		fmt.Fprintf(out, "  %-16s %s\n", du.Login, du.Name)
	}
	return true, nil
}
