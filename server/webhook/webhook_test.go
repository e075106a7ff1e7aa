package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestSignatureVerifies: the header is t=<unix>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">, computed independently here; Verify accepts it and
// refuses another body, another secret, an old timestamp and a header
// without its parts.
func TestSignatureVerifies(t *testing.T) {
	at := time.Unix(1767225600, 0)
	body := []byte(`{"event":"nc.raised","object_id":"x"}`)
	h := Sign("s3cret-s3cret-s3cret", at, body)
	m := hmac.New(sha256.New, []byte("s3cret-s3cret-s3cret"))
	m.Write([]byte("1767225600." + string(body)))
	if want := "t=1767225600,v1=" + hex.EncodeToString(m.Sum(nil)); h != want {
		t.Fatalf("signature %q, want %q", h, want)
	}
	if err := Verify("s3cret-s3cret-s3cret", h, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"other body":   Verify("s3cret-s3cret-s3cret", h, append(body, ' '), at, 5*time.Minute),
		"other secret": Verify("other-secret-other", h, body, at, 5*time.Minute),
		"old":          Verify("s3cret-s3cret-s3cret", h, body, at.Add(6*time.Minute), 5*time.Minute),
		"future":       Verify("s3cret-s3cret-s3cret", h, body, at.Add(-6*time.Minute), 5*time.Minute),
		"no mac":       Verify("s3cret-s3cret-s3cret", "t=1767225600", body, at, 5*time.Minute),
		"other ts":     Verify("s3cret-s3cret-s3cret", strings.Replace(h, "t=1767225600", "t=1767225601", 1), body, at, 5*time.Minute),
	} {
		if err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// TestPrivateAddresses: which addresses a webhook may not reach unless allowed.
func TestPrivateAddresses(t *testing.T) {
	for a, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.0.0.1": true, "172.16.5.4": true, "192.168.0.1": true, "169.254.169.254": true,
		"fe80::1": true, "fc00::1": true, "0.0.0.0": true, "::": true, "100.64.0.1": true, "224.0.0.1": true, "::ffff:127.0.0.1": true,
		"203.0.113.10": false, "8.8.8.8": false, "2001:4860:4860::8888": false, "100.128.0.1": false, "172.32.0.1": false,
	} {
		if got := private(netip.MustParseAddr(a)); got != want {
			t.Errorf("private(%s) = %v, want %v", a, got, want)
		}
	}
}
