package apptest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Portal is a stand-in for the national public-service portal's sync
// endpoint: it takes every message and counts them per dossier number
// (the MaHoSo field). Its URL goes into the config's PortalSyncURL; it is
// closed when the test ends.
type Portal struct {
	URL string
	mu  sync.Mutex
	got map[string]int
}

// NewPortal starts a Portal for t.
func NewPortal(t testing.TB) *Portal {
	p := &Portal{got: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ MaHoSo string }
		_ = json.NewDecoder(r.Body).Decode(&m)
		p.mu.Lock()
		p.got[m.MaHoSo]++
		p.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Received is how many messages the portal took for the dossier number.
func (p *Portal) Received(number string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got[number]
}
