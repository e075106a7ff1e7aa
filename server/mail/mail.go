// Package mail sends plain-text notification emails (escalations of overdue
// work) through an SMTP server with go-mail. Any capability that escalates
// can use a Sender through its own one-method interface:
//
//	Send(ctx context.Context, to, subject, body string) error
package mail

import (
	"context"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Options configure the SMTP connection.
type Options struct {
	Host     string
	Port     int
	User     string // empty: no authentication
	Password string
	From     string
	// TLS is "none", "opportunistic" (STARTTLS when offered) or "mandatory".
	TLS     string
	Timeout time.Duration
}

// Sender sends emails. It is safe for concurrent use: each Send opens its
// own connection, which suits a few escalations per scan.
type Sender struct {
	o Options
}

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	if o.Host == "" {
		return nil, fmt.Errorf("mail: no SMTP host")
	}
	if o.Port <= 0 || o.Port > 65535 {
		return nil, fmt.Errorf("mail: invalid SMTP port %d", o.Port)
	}
	switch o.TLS {
	case "", "opportunistic", "none", "mandatory":
	default:
		return nil, fmt.Errorf("mail: QMS_SMTP_TLS must be none, opportunistic or mandatory")
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if err := gomail.NewMsg().From(o.From); err != nil {
		return nil, fmt.Errorf("mail: invalid sender address %q: %w", o.From, err)
	}
	return &Sender{o: o}, nil
}

func (s *Sender) client() (*gomail.Client, error) {
	policy := gomail.TLSOpportunistic
	switch s.o.TLS {
	case "none":
		policy = gomail.NoTLS
	case "mandatory":
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{gomail.WithPort(s.o.Port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(s.o.Timeout)}
	if s.o.User != "" {
		// Auto-discovery picks the strongest mechanism and never sends a
		// password in clear over an unencrypted connection. With TLS "none"
		// the operator chose a plain connection (a relay on the local
		// network), so PLAIN is allowed there explicitly.
		auth := gomail.SMTPAuthAutoDiscover
		if s.o.TLS == "none" {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.o.User), gomail.WithPassword(s.o.Password))
	}
	return gomail.NewClient(s.o.Host, opts...)
}

// Send sends one plain-text UTF-8 email to one address.
func (s *Sender) Send(ctx context.Context, to, subject, body string) error {
	m := gomail.NewMsg()
	if err := m.From(s.o.From); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("mail to %q: %w", to, err)
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, body)
	c, err := s.client()
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("send mail to %s: %w", to, err)
	}
	return nil
}
