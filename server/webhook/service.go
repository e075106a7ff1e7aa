package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Options tune the service.
type Options struct {
	// AllowPrivate lets targets be private, loopback or link-local
	// addresses (QMS_WEBHOOK_ALLOW_PRIVATE): for a receiver inside the
	// office's own network, and for tests.
	AllowPrivate bool
	// Timeout of one attempt. Default 10 s.
	Timeout time.Duration
	// Now is the clock of the signature's timestamp.
	Now func() time.Time
	// Resolver resolves a target's host when a subscription is made.
	Resolver *net.Resolver
}

// Service manages subscriptions and sends deliveries.
type Service struct {
	store  Store
	o      Options
	client *http.Client
}

// New returns the service on store.
func New(store Store, o Options) *Service {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	s := &Service{store: store, o: o}
	dialer := &net.Dialer{Timeout: o.Timeout, Control: s.control}
	s.client = &http.Client{
		Timeout: o.Timeout,
		Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4,
			TLSHandshakeTimeout: o.Timeout, ResponseHeaderTimeout: o.Timeout},
		// A redirect could lead anywhere: a target answers, it does not send us on.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

// errPrivate is the refusal of a target inside the network.
const msgPrivate = "the webhook's address %s is a private or loopback address; only an address on the internet may receive webhooks (QMS_WEBHOOK_ALLOW_PRIVATE allows others)"

// control runs on the address actually dialled, after name resolution: a
// name that resolved to a public address when the subscription was made
// and to a private one now is refused here.
func (s *Service) control(network, address string, _ syscall.RawConn) error {
	if s.o.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	if private(ap.Addr()) {
		return qms.Errorf(qms.ErrInvalid, msgPrivate, ap.Addr().String())
	}
	return nil
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// private reports whether a is an address no webhook may reach unless
// allowed: loopback, private (RFC 1918, fc00::/7), link-local, shared
// (100.64/10), unspecified or multicast.
func private(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a)
}

// CreateRequest is a new subscription.
type CreateRequest struct {
	URL    string   `json:"url" form:"url"`
	Events []string `json:"events" form:"events"`
	// Secret is shared with the receiver; empty: one is made (and shown once).
	Secret string `json:"secret" form:"secret"`
}

// Create adds a subscription. The caller has checked that the person may
// manage webhooks (an administrator).
func (s *Service) Create(ctx context.Context, r CreateRequest) (Webhook, error) {
	u, err := s.checkURL(ctx, strings.TrimSpace(r.URL))
	if err != nil {
		return Webhook{}, err
	}
	if len(r.Events) == 0 {
		return Webhook{}, invalid("choose at least one event for the webhook")
	}
	seen := map[string]bool{}
	var events []string
	for _, e := range r.Events {
		e = strings.TrimSpace(e)
		if !IsEvent(e) {
			return Webhook{}, invalid("%q is not an event a webhook can receive", e)
		}
		if !seen[e] {
			seen[e] = true
			events = append(events, e)
		}
	}
	secret := r.Secret
	if secret == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		secret = hex.EncodeToString(b)
	} else if len(secret) < 16 || len(secret) > 200 {
		return Webhook{}, invalid("the webhook's secret must have 16 to 200 characters")
	}
	a, _ := qms.ActorFrom(ctx)
	w := Webhook{ID: qms.NewID(), URL: u, Events: events, Active: true, CreatedBy: a.Login, CreatedAt: s.o.Now().UTC()}
	ev := trail.NewEvent(ctx, "webhook.create", "webhook", w.ID, "", map[string]any{"url": u, "events": events})
	if err := s.store.Create(ctx, w, secret, ev); err != nil {
		return Webhook{}, err
	}
	w.Secret = secret
	return w, nil
}

// checkURL accepts an http(s) URL whose host resolves only to addresses a
// webhook may reach.
func (s *Service) checkURL(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return "", invalid("%q is not an http or https address for a webhook", raw)
	}
	u.Fragment = ""
	if s.o.AllowPrivate {
		return u.String(), nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		ips, err := s.o.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(ips) == 0 {
			return "", invalid("the webhook's host %s could not be resolved", host)
		}
		addrs = ips
	}
	for _, a := range addrs {
		if private(a) {
			return "", qms.Errorf(qms.ErrInvalid, msgPrivate, a.Unmap().String())
		}
	}
	return u.String(), nil
}

// List returns every subscription (without secrets).
func (s *Service) List(ctx context.Context) ([]Webhook, error) { return s.store.List(ctx) }

// Get returns one subscription.
func (s *Service) Get(ctx context.Context, id string) (Webhook, error) { return s.store.Get(ctx, id) }

// Deliveries returns a subscription's newest deliveries.
func (s *Service) Deliveries(ctx context.Context, id string, limit int) ([]Delivery, error) {
	if _, err := s.store.Get(ctx, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.store.Deliveries(ctx, id, limit)
}

// Redeliver sends a delivery again, through the queue.
func (s *Service) Redeliver(ctx context.Context, webhookID string, deliveryID int64) (Delivery, error) {
	ev := trail.NewEvent(ctx, "webhook.redeliver", "webhook", webhookID, "", map[string]any{"delivery": deliveryID})
	return s.store.Redeliver(ctx, webhookID, deliveryID, ev)
}

// Header names of a delivery.
const (
	HeaderSignature = "X-Qmstrack-Signature"
	HeaderEvent     = "X-Qmstrack-Event"
	HeaderDelivery  = "X-Qmstrack-Delivery"
)

// Sign is the signature header's value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under secret>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header for body, as a receiver would: the MAC
// matches and the timestamp is within tolerance of now (a replayed old
// delivery is refused).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || v1 == "" {
		return errors.New("malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("signature timestamp outside tolerance")
	}
	if !hmac.Equal([]byte(v1), []byte(mac(secret, ts, body))) {
		return errors.New("signature does not match")
	}
	return nil
}

// Deliver sends one delivery (the queue's handler of KindDeliver). An
// answer other than 2xx, or none, is an error: the queue retries it with
// backoff. A target now refused (private address) is an error too.
func (s *Service) Deliver(ctx context.Context, deliveryID int64) error {
	t, err := s.store.Target(ctx, deliveryID)
	if err != nil {
		return err
	}
	body := t.Delivery.Payload
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		_ = s.store.Attempted(ctx, deliveryID, 0, err.Error(), false)
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "qmstrack-webhook/1")
	req.Header.Set(HeaderEvent, t.Delivery.Event)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(deliveryID, 10))
	req.Header.Set(HeaderSignature, Sign(t.Secret, s.o.Now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		msg := err.Error()
		var qe *qms.Error
		if errors.As(err, &qe) {
			msg = qe.Msg
		}
		_ = s.store.Attempted(ctx, deliveryID, 0, msg, false)
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := fmt.Errorf("the receiver answered %d", resp.StatusCode)
		_ = s.store.Attempted(ctx, deliveryID, resp.StatusCode, err.Error(), false)
		return err
	}
	return s.store.Attempted(ctx, deliveryID, resp.StatusCode, "", true)
}
