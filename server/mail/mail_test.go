package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
)

func TestSendThroughSMTP(t *testing.T) {
	tests := []struct {
		name, user, password, use string
		wantErr                   bool
	}{
		{"no authentication", "", "", "", false},
		{"with authentication", "qms", "s3cret", "s3cret", false},
		{"wrong password", "qms", "s3cret", "wrong", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mailtest.Start(t, tc.user, tc.password)
			s, err := mail.New(mail.Options{Host: "127.0.0.1", Port: srv.Port, User: tc.user, Password: tc.use,
				From: "qmstrack@so-noi-vu.example", TLS: "none"})
			if err != nil {
				t.Fatal(err)
			}
			subject := "Hành động khắc phục quá hạn: NC-2026-0001 #1 (hạn 01/03/2026)"
			body := "Hành động khắc phục quá hạn.\n\nXem trên qmstrack: http://qms.example/ncs/1\n"
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = s.Send(ctx, "truong.phong@so-noi-vu.example", subject, body)
			got := srv.Messages()
			if tc.wantErr {
				if err == nil || len(got) != 0 {
					t.Fatalf("sent with a wrong password: %v, %d messages", err, len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d messages", len(got))
			}
			m := got[0]
			if m.From != "qmstrack@so-noi-vu.example" || len(m.To) != 1 || m.To[0] != "truong.phong@so-noi-vu.example" {
				t.Fatalf("envelope: %+v", m)
			}
			if m.Subject != subject {
				t.Fatalf("subject %q", m.Subject)
			}
			if !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") || m.Header.Get("Message-Id") == "" {
				t.Fatalf("headers: %v", m.Header)
			}
			if strings.TrimSpace(m.Body) != strings.TrimSpace(body) {
				t.Fatalf("body %q", m.Body)
			}
		})
	}
}

func TestSendToClosedPort(t *testing.T) {
	s, err := mail.New(mail.Options{Host: "127.0.0.1", Port: 1, From: "q@x.example", TLS: "none", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), "a@x.example", "s", "b"); err == nil {
		t.Fatal("no error from a closed port")
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []mail.Options{
		{Host: "", Port: 25, From: "a@b.c"},
		{Host: "h", Port: 0, From: "a@b.c"},
		{Host: "h", Port: 25, From: "not an address"},
		{Host: "h", Port: 25, From: "a@b.c", TLS: "sometimes"},
	} {
		if _, err := mail.New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
