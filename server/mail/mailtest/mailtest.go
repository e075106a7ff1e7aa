// Package mailtest runs an in-process SMTP server (emersion/go-smtp) for
// tests of anything that sends email: it keeps every message it receives
// and decodes subjects and bodies.
package mailtest

import (
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one received email, decoded.
type Message struct {
	From    string
	To      []string
	Subject string
	Body    string
	Header  netmail.Header
	Raw     []byte
}

// Server is an SMTP server on 127.0.0.1 with a random port.
type Server struct {
	Port     int
	user     string
	password string
	mu       sync.Mutex
	msgs     []Message
	fail     int // messages still to refuse (FailNext)
	refused  int
}

// Start starts a server; with a non-empty user it requires PLAIN
// authentication with that user and password. It stops at test cleanup.
func Start(t testing.TB, user, password string) *Server {
	t.Helper()
	s := &Server{user: user, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	s.Port = ln.Addr().(*net.TCPAddr).Port
	return s
}

// FailNext makes the server refuse the next n messages with a temporary
// error (421, as a server going down does), after their data was sent.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}

// Refused returns how many messages FailNext refused so far.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

type session struct {
	s    *Server
	auth bool
	from string
	to   []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.user || pass != x.s.password {
			return errors.New("invalid credentials")
		}
		x.auth = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.user != "" && !x.auth {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, Raw: raw}
	if pm, err := netmail.ReadMessage(strings.NewReader(string(raw))); err == nil {
		m.Header = pm.Header
		m.Subject, _ = new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
		var br io.Reader = pm.Body
		if strings.EqualFold(pm.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			br = quotedprintable.NewReader(br)
		}
		b, _ := io.ReadAll(br)
		m.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	x.s.mu.Lock()
	if x.s.fail > 0 {
		x.s.fail--
		x.s.refused++
		x.s.mu.Unlock()
		x.from, x.to = "", nil
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "service not available, try again later"}
	}
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	x.from, x.to = "", nil
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
