// Package config reads qmstrack's configuration from environment variables,
// once, into one struct, and reports every problem together.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/qmstrack/qmstrack/server/trail"
)

// Config is every setting of a qmstrack process. The env tags are the
// documented names; the README's configuration table mirrors them.
type Config struct {
	Addr        string `env:"QMS_ADDR" envDefault:":8080"`
	DatabaseURL string `env:"QMS_DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/qmstrack?sslmode=disable"`
	DBMaxConns  int    `env:"QMS_DB_MAX_CONNS" envDefault:"20"`
	S3Endpoint  string `env:"QMS_S3_ENDPOINT" envDefault:"127.0.0.1:9000"`
	S3AccessKey string `env:"QMS_S3_ACCESS_KEY" envDefault:"qmstrack"`
	S3SecretKey string `env:"QMS_S3_SECRET_KEY" envDefault:"qmstrack-secret"`
	S3UseSSL    bool   `env:"QMS_S3_USE_SSL" envDefault:"false"`
	S3Region    string `env:"QMS_S3_REGION" envDefault:"us-east-1"`
	S3Bucket    string `env:"QMS_S3_BUCKET" envDefault:"qmstrack"`
	// The disposal key alone deletes object versions (a signed disposition);
	// empty: the service key does, and then needs s3:DeleteObjectVersion.
	S3DisposalAccessKey string `env:"QMS_S3_DISPOSAL_ACCESS_KEY"`
	S3DisposalSecretKey string `env:"QMS_S3_DISPOSAL_SECRET_KEY"`
	// S3Timeout bounds every object-store call but a streamed body: no
	// answer for this long and the request fails with 503. S3StallTimeout
	// bounds a streamed upload or download by progress: waiting on the
	// store with no byte moved for this long aborts it.
	S3Timeout      time.Duration `env:"QMS_S3_TIMEOUT" envDefault:"10s"`
	S3StallTimeout time.Duration `env:"QMS_S3_STALL_TIMEOUT" envDefault:"30s"`
	MaxUpload      int64         `env:"QMS_MAX_UPLOAD_BYTES" envDefault:"536870912"`
	SessionIdle    time.Duration `env:"QMS_SESSION_IDLE" envDefault:"2h"`
	SessionMax     time.Duration `env:"QMS_SESSION_MAX" envDefault:"12h"`
	SecureCookies  string        `env:"QMS_SECURE_COOKIES" envDefault:"auto"` // auto: Secure when the request came over TLS
	DemoPassword   string        `env:"QMS_DEMO_PASSWORD" envDefault:"demo12345"`
	TimeZone       string        `env:"QMS_TIMEZONE" envDefault:"Asia/Ho_Chi_Minh"`
	LogLevel       string        `env:"QMS_LOG_LEVEL" envDefault:"info"`
	// Login throttling: after LoginMaxFailures failures for one login within
	// LoginWindow, further attempts are refused until the window passes.
	LoginMaxFailures int           `env:"QMS_LOGIN_MAX_FAILURES" envDefault:"5"`
	LoginWindow      time.Duration `env:"QMS_LOGIN_WINDOW" envDefault:"15m"`
	// TOTPRequiredRoles: the holders of these roles (admin, coordinator)
	// must sign in with a second factor; empty: it is optional for all.
	TOTPRequiredRoles []string `env:"QMS_TOTP_REQUIRED_ROLES" envSeparator:","`
	// Trail checkpoints (trail.Checkpoint): the chain's head written to the
	// object store under object lock at most every TrailCheckpointEvery (0:
	// never), kept TrailCheckpointRetention in TrailCheckpointMode, signed
	// with TrailSigningKey (base64 of a 32-byte Ed25519 seed) when set.
	TrailCheckpointEvery     time.Duration `env:"QMS_TRAIL_CHECKPOINT_EVERY" envDefault:"1h"`
	TrailCheckpointRetention time.Duration `env:"QMS_TRAIL_CHECKPOINT_RETENTION" envDefault:"87600h"`
	TrailCheckpointMode      string        `env:"QMS_TRAIL_CHECKPOINT_MODE" envDefault:"COMPLIANCE"`
	TrailSigningKey          string        `env:"QMS_TRAIL_SIGNING_KEY"`
	// Scheduled jobs (overdue scans, retention expiry) run every JobInterval.
	JobInterval time.Duration `env:"QMS_JOB_INTERVAL" envDefault:"5m"`
	// The job queue: how often an idle instance looks for jobs, and
	// whether webhook targets may be private or loopback addresses.
	QueuePoll           time.Duration `env:"QMS_QUEUE_POLL" envDefault:"500ms"`
	WebhookAllowPrivate bool          `env:"QMS_WEBHOOK_ALLOW_PRIVATE" envDefault:"false"`
	NCAnalysisDays      int           `env:"QMS_NC_ANALYSIS_DAYS" envDefault:"14"`
	// ObjectGrace: the reconciler removes an object version no row
	// references, and aborts an incomplete upload, only once it is older.
	ObjectGrace time.Duration `env:"QMS_OBJECT_GRACE" envDefault:"1h"`
	// NCAuditorVerifier lets an auditor of a unit be named the verifier of
	// its corrective actions (off: auditors judge the unit in audits).
	NCAuditorVerifier bool          `env:"QMS_NC_AUDITOR_VERIFIER" envDefault:"false"`
	SMTPHost          string        `env:"QMS_SMTP_HOST"`
	SMTPPort          int           `env:"QMS_SMTP_PORT" envDefault:"587"`
	SMTPUser          string        `env:"QMS_SMTP_USER"`
	SMTPPassword      string        `env:"QMS_SMTP_PASSWORD"`
	SMTPFrom          string        `env:"QMS_SMTP_FROM" envDefault:"qmstrack@localhost"`
	SMTPTLS           string        `env:"QMS_SMTP_TLS" envDefault:"opportunistic"` // none, opportunistic, mandatory
	BaseURL           string        `env:"QMS_BASE_URL" envDefault:"http://localhost:8080"`
	ShutdownTimeout   time.Duration `env:"QMS_SHUTDOWN_TIMEOUT" envDefault:"15s"`
	// Metrics: /metrics answers on MetricsAddr when set (a separate, private
	// listener) and on the main address only with MetricsToken as a bearer
	// token; with neither it is not served.
	MetricsAddr  string `env:"QMS_METRICS_ADDR"`
	MetricsToken string `env:"QMS_METRICS_TOKEN"`
	// A request body must arrive at BodyMinRate bytes per second on
	// average after a grace of BodyGrace, or the read is cut: a client that
	// trickles a body cannot hold a connection for as long as it likes.
	BodyMinRate int            `env:"QMS_BODY_MIN_RATE" envDefault:"8192"`
	BodyGrace   time.Duration  `env:"QMS_BODY_GRACE" envDefault:"20s"`
	Location    *time.Location `env:"-"`
	// The office's identity, in the header of every page, on printouts and
	// on the public page. OfficeEmblem is the path of an image (PNG, JPEG,
	// GIF or SVG, at most MaxEmblemBytes), read once at start into Emblem.
	// TrustedProxies: the reverse proxies whose X-Forwarded-For names the
	// client (addresses or CIDR ranges, comma-separated); none by default.
	TrustedProxies []string `env:"QMS_TRUSTED_PROXIES"`
	// Single sign-on through an OpenID Connect provider, beside passwords:
	// on when OIDCIssuer is set (with the client id and secret registered
	// at the provider, whose redirect address is <QMS_BASE_URL>/auth/oidc/callback).
	// The claims name the login, name and e-mail; OIDCClaimRoles, when
	// set, names a claim listing "role:unit" grants given to a person
	// signing in for the first time (unknown roles and units are ignored).
	// OIDCLinkByLogin links a local account of the same login (trust the
	// provider for logins); otherwise such a sign-in is refused.
	OIDCIssuer       string   `env:"QMS_OIDC_ISSUER"`
	OIDCClientID     string   `env:"QMS_OIDC_CLIENT_ID"`
	OIDCClientSecret string   `env:"QMS_OIDC_CLIENT_SECRET"`
	OIDCScopes       []string `env:"QMS_OIDC_SCOPES" envDefault:"openid,profile,email"`
	OIDCClaimLogin   string   `env:"QMS_OIDC_CLAIM_LOGIN" envDefault:"preferred_username"`
	OIDCClaimName    string   `env:"QMS_OIDC_CLAIM_NAME" envDefault:"name"`
	OIDCClaimEmail   string   `env:"QMS_OIDC_CLAIM_EMAIL" envDefault:"email"`
	OIDCClaimRoles   string   `env:"QMS_OIDC_CLAIM_ROLES"`
	OIDCLinkByLogin  bool     `env:"QMS_OIDC_LINK_BY_LOGIN"`
	// The outbound sync of dossiers to the public-service portal (or the
	// provincial one-stop system): off when PortalSyncURL is "".
	PortalSyncURL   string `env:"QMS_PORTAL_SYNC_URL"`
	PortalSyncToken string `env:"QMS_PORTAL_SYNC_TOKEN"`
	PortalAgency    string `env:"QMS_PORTAL_AGENCY"`
	OfficeNameVI    string `env:"QMS_OFFICE_NAME"`
	OfficeNameEN    string `env:"QMS_OFFICE_NAME_EN"`
	OfficeAddress   string `env:"QMS_OFFICE_ADDRESS"`
	OfficeEmblem    string `env:"QMS_OFFICE_EMBLEM"`
	Emblem          []byte `env:"-"`
	EmblemType      string `env:"-"`
	// PublicFigures: the on-time figures the public page shows: none,
	// office (the whole office's) or fields (the office's and each
	// field's), over the last PublicFiguresMonths months.
	PublicFigures       string `env:"QMS_PUBLIC_FIGURES" envDefault:"none"`
	PublicFiguresMonths int    `env:"QMS_PUBLIC_FIGURES_MONTHS" envDefault:"12"`
	// KioskSeconds: how long the notice-board kiosk shows each screen.
	KioskSeconds int `env:"QMS_KIOSK_SECONDS" envDefault:"20"`
	// The public status lookup: after LookupMaxPerAddr wrong codes from one
	// address, or LookupMaxPerNumber for one dossier, within LookupWindow,
	// lookups are refused until the window passes.
	LookupMaxPerAddr   int           `env:"QMS_LOOKUP_MAX_PER_ADDR" envDefault:"20"`
	LookupMaxPerNumber int           `env:"QMS_LOOKUP_MAX_PER_NUMBER" envDefault:"5"`
	LookupWindow       time.Duration `env:"QMS_LOOKUP_WINDOW" envDefault:"15m"`
	// The scales of the risk register (ISO 9001 6.1): likelihood and
	// impact each from 1 to their number of levels.
	RiskLikelihoodLevels int `env:"QMS_RISK_LIKELIHOOD_LEVELS" envDefault:"5"`
	RiskImpactLevels     int `env:"QMS_RISK_IMPACT_LEVELS" envDefault:"5"`
}

// MaxEmblemBytes bounds the office's emblem image.
const MaxEmblemBytes = 512 << 10

// readEmblem reads the emblem at path and says what image it is.
func readEmblem(path string) ([]byte, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("QMS_OFFICE_EMBLEM: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxEmblemBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("QMS_OFFICE_EMBLEM: %v", err)
	}
	if len(b) > MaxEmblemBytes {
		return nil, "", fmt.Errorf("QMS_OFFICE_EMBLEM: the image is larger than %d KiB", MaxEmblemBytes>>10)
	}
	switch t := http.DetectContentType(b); {
	case t == "image/png" || t == "image/jpeg" || t == "image/gif":
		return b, t, nil
	case bytes.Contains(b[:min(len(b), 1024)], []byte("<svg")):
		return b, "image/svg+xml", nil
	}
	return nil, "", fmt.Errorf("QMS_OFFICE_EMBLEM: not a PNG, JPEG, GIF or SVG image")
}

// Load reads the configuration through getenv and returns every problem at once.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	environ := map[string]string{}
	for _, k := range envNames() {
		if v := getenv(k); v != "" {
			environ[k] = v
		}
	}
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		var agg env.AggregateError
		if errors.As(err, &agg) {
			errs = append(errs, agg.Errors...)
		} else {
			errs = append(errs, err)
		}
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, fmt.Errorf("QMS_DATABASE_URL must be a postgres:// URL"))
	}
	if c.MaxUpload <= 0 {
		errs = append(errs, fmt.Errorf("QMS_MAX_UPLOAD_BYTES must be positive"))
	}
	if c.OIDCIssuer != "" && (c.OIDCClientID == "" || c.OIDCClientSecret == "") {
		errs = append(errs, fmt.Errorf("QMS_OIDC_ISSUER needs QMS_OIDC_CLIENT_ID and QMS_OIDC_CLIENT_SECRET"))
	}
	if c.S3Timeout <= 0 || c.S3StallTimeout <= 0 {
		errs = append(errs, fmt.Errorf("QMS_S3_TIMEOUT and QMS_S3_STALL_TIMEOUT must be positive durations"))
	}
	if c.TrailCheckpointEvery < 0 || c.TrailCheckpointRetention <= 0 {
		errs = append(errs, fmt.Errorf("QMS_TRAIL_CHECKPOINT_EVERY must not be negative and QMS_TRAIL_CHECKPOINT_RETENTION must be positive"))
	}
	if c.TrailCheckpointMode != "COMPLIANCE" && c.TrailCheckpointMode != "GOVERNANCE" {
		errs = append(errs, fmt.Errorf("QMS_TRAIL_CHECKPOINT_MODE must be COMPLIANCE or GOVERNANCE"))
	}
	if c.TrailSigningKey != "" {
		if _, err := trail.ParseSigningKey(c.TrailSigningKey); err != nil {
			errs = append(errs, fmt.Errorf("QMS_TRAIL_SIGNING_KEY: %w", err))
		}
	}
	if c.SessionIdle <= 0 || c.SessionMax < c.SessionIdle {
		errs = append(errs, fmt.Errorf("QMS_SESSION_IDLE must be positive and not longer than QMS_SESSION_MAX"))
	}
	switch c.SecureCookies {
	case "auto", "true", "false":
	default:
		errs = append(errs, fmt.Errorf("QMS_SECURE_COOKIES must be auto, true or false"))
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		errs = append(errs, fmt.Errorf("QMS_TIMEZONE: %v", err))
	}
	c.Location = loc
	if c.ObjectGrace < time.Minute {
		errs = append(errs, fmt.Errorf("QMS_OBJECT_GRACE must be at least 1m (an upload in flight has no row yet)"))
	}
	for _, r := range c.TOTPRequiredRoles {
		if r != "admin" && r != "coordinator" {
			errs = append(errs, fmt.Errorf("QMS_TOTP_REQUIRED_ROLES: %q is not admin or coordinator", r))
		}
	}
	if c.OfficeEmblem != "" {
		var err error
		if c.Emblem, c.EmblemType, err = readEmblem(c.OfficeEmblem); err != nil {
			errs = append(errs, err)
		}
	}
	switch c.PublicFigures {
	case "none", "office", "fields":
	default:
		errs = append(errs, fmt.Errorf("QMS_PUBLIC_FIGURES must be none, office or fields"))
	}
	if c.PublicFiguresMonths < 1 || c.PublicFiguresMonths > 120 {
		errs = append(errs, fmt.Errorf("QMS_PUBLIC_FIGURES_MONTHS must be between 1 and 120"))
	}
	if c.KioskSeconds < 5 || c.KioskSeconds > 600 {
		errs = append(errs, fmt.Errorf("QMS_KIOSK_SECONDS must be between 5 and 600"))
	}
	if c.LookupMaxPerAddr < 1 || c.LookupMaxPerNumber < 1 || c.LookupWindow < time.Minute {
		errs = append(errs, fmt.Errorf("QMS_LOOKUP_MAX_PER_ADDR and QMS_LOOKUP_MAX_PER_NUMBER must be at least 1, QMS_LOOKUP_WINDOW at least 1m"))
	}
	if c.NCAnalysisDays < 1 {
		errs = append(errs, fmt.Errorf("QMS_NC_ANALYSIS_DAYS must be at least 1"))
	}
	if c.RiskLikelihoodLevels < 2 || c.RiskLikelihoodLevels > 10 || c.RiskImpactLevels < 2 || c.RiskImpactLevels > 10 {
		errs = append(errs, fmt.Errorf("QMS_RISK_LIKELIHOOD_LEVELS and QMS_RISK_IMPACT_LEVELS must be between 2 and 10"))
	}
	return c, errors.Join(errs...)
}

// envNames lists the variables Load reads, taken from the struct tags.
func envNames() []string {
	params, _ := env.GetFieldParams(&Config{})
	names := make([]string, 0, len(params))
	for _, p := range params {
		names = append(names, p.Key)
	}
	return names
}
