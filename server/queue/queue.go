// Package queue is qmstrack's one durable job queue: River
// (github.com/riverqueue/river) on the application's own database/sql pool
// (lib/pq) through River's riverdatabasesql driver, in poll mode (lib/pq
// has no LISTEN for River's pgx-only notifier). Its tables come with the
// goose migrations (00082), so every database built by `qmstrack migrate`
// or by the tests has them.
//
// What the rest of qmstrack sees is small: a job kind is a string, its
// arguments any JSON value, a Handler the function that works it. Jobs are
// inserted inside the caller's transaction (EnqueueTx), so a change that
// rolls back leaves no job and one that commits leaves one that will run;
// a failed attempt is retried with backoff (Options.Backoff); periodic
// jobs are enqueued by the cluster's elected leader only (River's leader
// election over river_leader), so each fires once however many instances
// run. Capability packages never import this package: they hand their
// store the e-mail or the event with the change, and the store enqueues it
// in the change's transaction (Mailer.SendTx as its mail hook).
package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Job is a job as its Handler receives it.
type Job struct {
	ID      int64
	Kind    string
	Attempt int // 1 on the first attempt
	Args    json.RawMessage
}

// Handler works one job of a kind. An error makes the attempt fail: the job
// is retried after its backoff until its attempts run out, then discarded
// (and listed on the jobs page). Cancel(err) ends it at once without retry.
type Handler func(ctx context.Context, j Job) error

// Cancel marks err as final: the job is cancelled, not retried.
func Cancel(err error) error { return river.JobCancel(err) }

// Options tune the queue.
type Options struct {
	Log *slog.Logger
	// Poll is how often an idle instance looks for available jobs (poll
	// mode): the worst added latency between a commit and its job
	// starting. Default 500 ms.
	Poll time.Duration
	// Workers is how many jobs one instance works at once. Default 4.
	Workers int
	// MaxAttempts of a job unless its kind says otherwise. Default 10.
	MaxAttempts int
	// Backoff is the wait before attempt n+1 after n failed attempts.
	// Default: n⁴ seconds (1 s, 16 s, 81 s, 4 min 16 s ... about 2 h 47
	// min before the 10th), River's own policy.
	Backoff func(n int) time.Duration
	// ID names this instance among the cluster's (leader election,
	// attempted_by). Default: River's host-and-time name.
	ID string
}

// Queue is the job queue of one instance.
type Queue struct {
	db     *sql.DB
	client *river.Client[*sql.Tx]
	log    *slog.Logger

	mu       sync.Mutex
	periodic map[string]bool
	running  bool
}

// args is how every job's arguments travel: River asks a typed value for
// its kind; ours carries the kind and the JSON it was given.
type args struct {
	kind string
	raw  json.RawMessage
}

func (a args) Kind() string { return a.kind }

func (a args) MarshalJSON() ([]byte, error) {
	if len(a.raw) == 0 {
		return []byte("{}"), nil
	}
	return a.raw, nil
}

func (a *args) UnmarshalJSON(b []byte) error {
	a.raw = append(json.RawMessage(nil), b...)
	return nil
}

type worker struct {
	river.WorkerDefaults[args]
	fn Handler
}

func (w *worker) Work(ctx context.Context, j *river.Job[args]) error {
	return w.fn(ctx, Job{ID: j.ID, Kind: j.Kind, Attempt: j.Attempt, Args: j.Args.raw})
}

type backoff func(n int) time.Duration

func (b backoff) NextRetry(j *rivertype.JobRow) time.Time { return time.Now().Add(b(j.Attempt)) }

// DefaultBackoff waits n⁴ seconds after the n-th failed attempt.
func DefaultBackoff(n int) time.Duration {
	return time.Duration(math.Pow(float64(n), 4)) * time.Second
}

// New builds the queue on db with a handler for every kind it will work.
// Nothing runs until Start.
func New(db *sql.DB, handlers map[string]Handler, o Options) (*Queue, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	workers := river.NewWorkers()
	for kind, fn := range handlers {
		river.AddWorkerArgs(workers, args{kind: kind}, river.Worker[args](&worker{fn: fn}))
	}
	cooldown := min(100*time.Millisecond, o.Poll)
	client, err := river.NewClient(riverdatabasesql.New(db), &river.Config{
		ID:                o.ID,
		Logger:            quiet(o.Log),
		PollOnly:          true,
		FetchPollInterval: o.Poll,
		FetchCooldown:     cooldown,
		MaxAttempts:       o.MaxAttempts,
		RetryPolicy:       backoff(o.Backoff),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:           workers,
		// A job that hangs (a receiver that never answers) is ended and
		// retried rather than holding a worker for ever.
		JobTimeout: 5 * time.Minute,
		// Finished jobs stay listed for a week on the jobs page.
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
		CancelledJobRetentionPeriod: 30 * 24 * time.Hour,
		DiscardedJobRetentionPeriod: 30 * 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return &Queue{db: db, client: client, log: o.Log, periodic: map[string]bool{}}, nil
}

// quiet keeps River's own messages at warning and above: its per-job
// information lines would drown the application's log.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{l.Handler(), slog.LevelWarn})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelFloor) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(as), h.min}
}

func (h levelFloor) WithGroup(n string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(n), h.min}
}

// Periodic adds a job of kind with args that the cluster's leader enqueues
// every interval, and once at start. name identifies it among the periodic
// jobs; adding a name twice keeps the first.
func (q *Queue) Periodic(name, kind string, payload any, interval time.Duration) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.periodic[name] {
		return nil
	}
	q.periodic[name] = true
	_, err = q.client.PeriodicJobs().AddSafely(river.NewPeriodicJob(river.PeriodicInterval(interval),
		// A periodic job comes back at its next interval anyway: a failed
		// run is retried twice (1 s, 16 s), not for hours beside the next ones.
		func() (river.JobArgs, *river.InsertOpts) {
			return args{kind: kind, raw: raw}, &river.InsertOpts{MaxAttempts: 3}
		},
		&river.PeriodicJobOpts{ID: name, RunOnStart: true}))
	return err
}

// Start runs the queue's workers, its maintenance and, on the elected
// leader, the periodic jobs, until Stop.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return err
	}
	q.running = true
	return nil
}

// Stop lets the jobs being worked finish (within ctx), then stops.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		return nil
	}
	q.running = false
	if err := q.client.Stop(ctx); err != nil {
		return q.client.StopAndCancel(context.Background())
	}
	return nil
}

// Opts are a job's own settings.
type Opts struct {
	MaxAttempts int       // 0: the queue's
	At          time.Time // zero: now
	// Unique: while a job of this kind with the same arguments waits or
	// runs, another is not inserted (the existing one's id is returned).
	Unique bool
}

func (o Opts) river() *river.InsertOpts {
	ro := &river.InsertOpts{MaxAttempts: o.MaxAttempts, ScheduledAt: o.At}
	if o.Unique {
		ro.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled}}
	}
	return ro
}

// EnqueueTx inserts a job inside tx: it exists if and only if tx commits.
func (q *Queue) EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, payload any, o Opts) (int64, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	res, err := q.client.InsertTx(ctx, tx, args{kind: kind, raw: raw}, o.river())
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	return res.Job.ID, nil
}

// Enqueue inserts a job in a transaction of its own.
func (q *Queue) Enqueue(ctx context.Context, kind string, payload any, o Opts) (int64, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	res, err := q.client.Insert(ctx, args{kind: kind, raw: raw}, o.river())
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	return res.Job.ID, nil
}

// ListLimit is the most jobs one List returns.
const ListLimit = 500

// List returns the newest jobs in state ("" for every state), newest first.
func (q *Queue) List(ctx context.Context, state string, limit int) ([]qms.Job, error) {
	if state != "" && !qms.IsJobState(state) {
		return nil, qms.Errorf(qms.ErrInvalid, "%q is not a state of a job", state)
	}
	if limit <= 0 || limit > ListLimit {
		limit = 100
	}
	p := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if state != "" {
		p = p.States(rivertype.JobState(state))
	} else {
		states := make([]rivertype.JobState, len(qms.JobStates))
		for i, s := range qms.JobStates {
			states[i] = rivertype.JobState(s)
		}
		p = p.States(states...)
	}
	res, err := q.client.JobList(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]qms.Job, 0, len(res.Jobs))
	for _, r := range res.Jobs {
		out = append(out, view(r))
	}
	return out, nil
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id int64) (qms.Job, error) {
	r, err := q.client.JobGet(ctx, id)
	if err != nil {
		return qms.Job{}, notFound(err, id)
	}
	return view(r), nil
}

func notFound(err error, id int64) error {
	if errors.Is(err, river.ErrNotFound) {
		return qms.Errorf(qms.ErrNotFound, "job %d not found", id)
	}
	return err
}

// RetryTx makes a finished or waiting job available to run now, inside tx
// (where the caller writes its trail entry). A job that is running or
// already available is refused.
func (q *Queue) RetryTx(ctx context.Context, tx *sql.Tx, id int64) (qms.Job, error) {
	r, err := q.client.JobGetTx(ctx, tx, id)
	if err != nil {
		return qms.Job{}, notFound(err, id)
	}
	switch r.State {
	case rivertype.JobStateRunning, rivertype.JobStateAvailable:
		return qms.Job{}, qms.Errorf(qms.ErrState, "job %d is %s: only a job that is waiting or has finished can be retried", id, r.State)
	}
	r, err = q.client.JobRetryTx(ctx, tx, id)
	if err != nil {
		return qms.Job{}, notFound(err, id)
	}
	return view(r), nil
}

// CancelTx cancels a job that has not finished, inside tx. A running job
// is told to stop and is cancelled when its attempt returns.
func (q *Queue) CancelTx(ctx context.Context, tx *sql.Tx, id int64) (qms.Job, error) {
	r, err := q.client.JobGetTx(ctx, tx, id)
	if err != nil {
		return qms.Job{}, notFound(err, id)
	}
	switch r.State {
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return qms.Job{}, qms.Errorf(qms.ErrState, "job %d has finished (%s) and cannot be cancelled", id, r.State)
	}
	r, err = q.client.JobCancelTx(ctx, tx, id)
	if err != nil {
		return qms.Job{}, notFound(err, id)
	}
	return view(r), nil
}

func view(r *rivertype.JobRow) qms.Job {
	j := qms.Job{ID: r.ID, Kind: r.Kind, State: string(r.State), Queue: r.Queue, Attempt: r.Attempt, MaxAttempts: r.MaxAttempts,
		Args: json.RawMessage(r.EncodedArgs), CreatedAt: r.CreatedAt, ScheduledAt: r.ScheduledAt, AttemptedAt: r.AttemptedAt,
		FinalizedAt: r.FinalizedAt, Errors: []qms.JobError{}}
	for _, e := range r.Errors {
		j.Errors = append(j.Errors, qms.JobError{At: e.At, Attempt: e.Attempt, Error: e.Error})
	}
	if r.Kind == KindMail {
		// An e-mail's body may carry a link that signs its reader in (a
		// password reset): the jobs page shows to whom and what, never it.
		var m Mail
		_ = json.Unmarshal(r.EncodedArgs, &m)
		j.Args, _ = json.Marshal(map[string]string{"to": m.To, "subject": m.Subject})
	}
	return j
}
