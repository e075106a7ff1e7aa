package app

import (
	"context"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
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

// queueTTL is how long a reading of the job queue's figures is served
// again: short, since a backlog is what an operator watches for.
const queueTTL = 5 * time.Second

// queueGauges is a Prometheus collector of the job queue: the jobs by state
// and kind, and how long the oldest job waiting to run has been waiting.
type queueGauges struct {
	db               *sqlx.DB
	jobs, oldest, up *prometheus.Desc
	mu               sync.Mutex
	at               time.Time
	counts           []queueCount
	oldestSec        float64
	err              error
}

type queueCount struct {
	State string  `db:"state"`
	Kind  string  `db:"kind"`
	N     float64 `db:"n"`
}

func newQueueGauges(db *sqlx.DB) *queueGauges {
	return &queueGauges{db: db,
		jobs: prometheus.NewDesc("qmstrack_queue_jobs", "Jobs of the job queue by state and kind (finished ones while they are kept).",
			[]string{"state", "kind"}, nil),
		oldest: prometheus.NewDesc("qmstrack_queue_oldest_available_seconds",
			"How long the oldest job available to run has been waiting for a worker, 0 when none waits.", nil, nil),
		up: prometheus.NewDesc("qmstrack_queue_gauges_up", "1 when the job queue's figures could be read from the database.", nil, nil),
	}
}

// Describe sends the descriptions.
func (g *queueGauges) Describe(ch chan<- *prometheus.Desc) { ch <- g.jobs; ch <- g.oldest; ch <- g.up }

// Collect reads the figures (or the reading of the last queueTTL). Every
// state is sent for every kind present, zero where it has none, so a
// state that empties reads 0 rather than vanishing.
func (g *queueGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	if time.Since(g.at) >= queueTTL {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		g.counts, g.oldestSec, g.err = readQueue(ctx, g.db)
		cancel()
		g.at = time.Now()
	}
	counts, oldest, err := g.counts, g.oldestSec, g.err
	g.mu.Unlock()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(g.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(g.up, prometheus.GaugeValue, 1)
	by := map[[2]string]float64{}
	kinds := map[string]bool{}
	for _, c := range counts {
		by[[2]string{c.State, c.Kind}] = c.N
		kinds[c.Kind] = true
	}
	for kind := range kinds {
		for _, st := range qms.JobStates {
			ch <- prometheus.MustNewConstMetric(g.jobs, prometheus.GaugeValue, by[[2]string{st, kind}], st, kind)
		}
	}
	ch <- prometheus.MustNewConstMetric(g.oldest, prometheus.GaugeValue, oldest)
}

// readQueue counts the jobs by state and kind and measures the wait of the
// oldest available one, by the database's clock.
func readQueue(ctx context.Context, db *sqlx.DB) ([]queueCount, float64, error) {
	var out []queueCount
	if err := db.SelectContext(ctx, &out, `SELECT state::text AS state, kind, count(*)::float8 AS n FROM river_job GROUP BY 1, 2`); err != nil {
		return nil, 0, err
	}
	var oldest float64
	err := db.GetContext(ctx, &oldest, `SELECT coalesce(greatest(extract(epoch FROM now() - min(scheduled_at)), 0), 0)::float8
		FROM river_job WHERE state = 'available'`)
	return out, oldest, err
}
