package app

import (
	"context"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/qmstrack/qmstrack/server/postgres"
)

// gaugeHelp names the office's figures that /metrics serves, each as
// qmstrack_<name>{unit}.
var gaugeHelp = map[string]string{
	"open_ncs":             "Nonconformities not closed or cancelled, by unit.",
	"overdue_actions":      "Corrective actions to do past their due date, by unit.",
	"late_open_dossiers":   "Dossiers in process already past their due date, by unit.",
	"documents_review_due": "Effective documents whose periodic review is due, by unit.",
	"overdue_directives":   "Directives open or returned past their due date, by unit.",
}

// gaugeTTL is how long a reading of the figures is served again: several
// scrapers (or instances scraped at once) cost the database one reading.
const gaugeTTL = 15 * time.Second

// officeGauges is a Prometheus collector of the office's figures, read
// from the database at most once per gaugeTTL.
type officeGauges struct {
	db    *sqlx.DB
	tz    string
	descs map[string]*prometheus.Desc
	up    *prometheus.Desc

	mu   sync.Mutex
	at   time.Time
	last []postgres.Gauge
	err  error
}

func newOfficeGauges(db *sqlx.DB, tz string) *officeGauges {
	g := &officeGauges{db: db, tz: tz, descs: map[string]*prometheus.Desc{},
		up: prometheus.NewDesc("qmstrack_office_gauges_up", "1 when the office's figures could be read from the database.", nil, nil)}
	for name, help := range gaugeHelp {
		g.descs[name] = prometheus.NewDesc("qmstrack_"+name, help, []string{"unit"}, nil)
	}
	return g
}

// Describe sends every figure's description.
func (g *officeGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range g.descs {
		ch <- d
	}
	ch <- g.up
}

// Collect reads the figures (or the reading of the last gaugeTTL).
func (g *officeGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	if time.Since(g.at) >= gaugeTTL {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		g.last, g.err = postgres.Gauges(ctx, g.db, g.tz)
		cancel()
		g.at = time.Now()
	}
	last, err := g.last, g.err
	g.mu.Unlock()
	up := 1.0
	if err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(g.up, prometheus.GaugeValue, up)
	for _, v := range last {
		if d, ok := g.descs[v.Name]; ok {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v.Value, v.Unit)
		}
	}
}
