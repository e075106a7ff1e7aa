package web

import (
	"net/http"
	"time"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/feed"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/index766"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/portalsync"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/reconcile"
	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/webhook"
)

// apiDecls declares the types of every /api/v1 route registered with a
// plain handler, keyed by "METHOD /api/v1/path" as registered (gin's :param
// form). Routes registered with serve record their own types. The answers
// a handler writes as gin.H are described by the struct types below, which
// the API tests hold to what the handlers send (apptest validates every
// answer against the document).
var apiDecls = map[string]apiTypes{
	"GET /api/v1/reminder-schedule": {Resp: schedule{}},
	"PUT /api/v1/reminder-schedule": {Req: schedule{}, Resp: schedule{}},
	// auth
	"POST /api/v1/login":                  {Req: loginRequest{}, Resp: signInJSON{}},
	"POST /api/v1/logout":                 {NoBody: true, Resp: okReply{}},
	"GET /api/v1/me":                      {Resp: meResponse{}},
	"POST /api/v1/tokens":                 {Req: tokenCreateRequest{}, Resp: tokenCreated{}, Status: status201},
	"GET /api/v1/tokens":                  {Resp: list[identity.Token]{}},
	"DELETE /api/v1/tokens/:id":           {NoBody: true, Resp: okReply{}},
	"GET /api/v1/tasks":                   {Resp: list[qms.Task]{}},
	"GET /api/v1/notifications":           {Resp: list[qms.Notification]{}},
	"POST /api/v1/notifications/:id/read": {NoBody: true, Resp: okReply{}},
	"PUT /api/v1/me/lang":                 {Req: langRequest{}, Resp: langRequest{}},
	"GET /api/v1/me/totp":                 {Resp: identity.TOTPStatus{}},
	"DELETE /api/v1/me/totp":              {Req: totpRemoveRequest{}, Resp: okReply{}},
	"POST /api/v1/me/password":            {Req: passwordChangeRequest{}, Resp: anyOf{signInJSON{}, okReply{}}},
	"POST /api/v1/me/totp":                {Req: totpRequest{}, Resp: anyOf{enrolJSON{}, signInJSON{}, recoveryCodes{}}},
	"POST /api/v1/password-reset":         {Req: passwordResetRequest{}, Resp: resetAccepted{}, Status: []int{http.StatusAccepted}},
	"POST /api/v1/password-reset/confirm": {Req: resetConfirmRequest{}, Resp: okReply{}},

	// admin
	"GET /api/v1/units":                     {Resp: list[org.Unit]{}},
	"POST /api/v1/units":                    {Req: org.Unit{}, Resp: org.Unit{}, Status: status201},
	"GET /api/v1/users":                     {Resp: list[identity.User]{}},
	"POST /api/v1/users":                    {Req: identity.NewUser{}, Resp: identity.User{}, Status: status201},
	"PUT /api/v1/users/:id":                 {Req: identity.UserUpdate{}, Resp: identity.User{}},
	"POST /api/v1/users/:id/password-reset": {Req: userPasswordResetRequest{}, Resp: oneTimePassword{}},
	"GET /api/v1/role-assignments":          {Resp: list[org.Assignment]{}, Query: "user_id"},
	"POST /api/v1/role-assignments":         {Req: assignmentRequest{}, Resp: assignmentReply{}, Status: []int{http.StatusOK, http.StatusCreated}},
	"DELETE /api/v1/role-assignments":       {Req: assignmentRequest{}, Resp: assignmentReply{}},
	"GET /api/v1/trail":                     {Resp: list[trail.Entry]{}, Query: "object_type object_id after:integer limit:integer"},
	"GET /api/v1/trail/verify":              {Resp: trail.Result{}},
	"GET /api/v1/object-check":              {Resp: reconcile.Check{}},
	"GET /api/v1/jobs":                      {Resp: jobList{}, Query: "state limit:integer"},
	"GET /api/v1/webhooks":                  {Resp: webhookList{}},
	"GET /api/v1/webhooks/:id/deliveries":   {Resp: deliveryList{}, Query: "limit:integer"},

	// calendar feed
	"GET /api/v1/calendar-feed":    {Resp: feed.Status{}},
	"POST /api/v1/calendar-feed":   {NoBody: true, Resp: feedCreated{}, Status: status201},
	"DELETE /api/v1/calendar-feed": {NoBody: true, Resp: okReply{}},

	// documents
	"GET /api/v1/documents":                         {Resp: document.ListPage{}, Query: "q unit type status clause review_due sort cursor limit:integer"},
	"GET /api/v1/documents/:id":                     {Resp: docWithActions{}},
	"PUT /api/v1/documents/:id":                     {Req: document.NewDocument{}, Resp: document.Document{}},
	"GET /api/v1/revisions/:id":                     {Resp: docRevision{}},
	"GET /api/v1/revisions/:id/acks":                {Resp: ackList{}},
	"GET /api/v1/revisions/:id/files/:file_id":      {Content: octets},
	"GET /api/v1/revisions/:id/controlled-copy.pdf": {Content: pdf, Query: "copy lang unit holder"},
	"GET /api/v1/revisions/:id/copies":              {Resp: list[document.Copy]{}},
	"GET /api/v1/copies/to-withdraw":                {Resp: list[document.Copy]{}},
	"GET /api/v1/public/documents":                  {Resp: list[document.PublicEntry]{}},
	"GET /api/v1/public/check/:revision":            {Resp: document.Check{}},
	"GET /api/v1/public/services":                   {Resp: list[PublicService]{}, Query: "q field"},
	"GET /api/v1/public/services/*code":             {Resp: PublicService{}},
	"GET /api/v1/public/dossiers/:number":           {Resp: process.PublicDossier{}, Query: "code"},
	"GET /api/v1/public/announcement":               {Resp: leadership.Announcement{}},
	"GET /api/v1/scope":                             {Resp: leadership.Scope{}},
	"PUT /api/v1/scope":                             {Req: leadership.ScopeIn{}, Resp: leadership.Scope{}},
	"GET /api/v1/scope/announcement":                {Resp: leadership.AnnouncementState{}},
	"GET /api/v1/scope/announcement.pdf":            {Content: pdf, Query: "id"},
	"GET /api/v1/conversion-checklist":              {Resp: list[leadership.ConversionItem]{}},
	"PUT /api/v1/conversion-checklist":              {Req: leadership.ConversionIn{}, Resp: list[leadership.ConversionItem]{}},
	"GET /api/v1/management-review-schedule":        {Resp: leadership.ReviewSchedule{}},
	"GET /api/v1/management-reviews":                {Resp: list[leadership.Review]{}},
	"GET /api/v1/management-reviews/:id":            {Resp: leadership.Review{}},
	"GET /api/v1/management-reviews/:id/inputs":     {Resp: leadership.Pack{}},
	"GET /api/v1/management-reviews/:id/pack.pdf":   {Content: pdf, Query: "lang"},
	"GET /api/v1/qms-years":                         {Resp: list[leadership.ClosedYear]{}},
	"GET /api/v1/qms-years/:year":                   {Resp: leadership.ClosedYear{}},
	"GET /api/v1/legal-bases":                       {Resp: list[leadership.LegalBasis]{}, Query: "document service status"},
	"GET /api/v1/legal-bases/:id":                   {Resp: leadership.LegalBasis{}},
	"PUT /api/v1/legal-bases/:id":                   {Req: leadership.LegalBasisIn{}, Resp: leadership.LegalBasis{}},
	"GET /api/v1/revision-tasks":                    {Resp: list[leadership.RevisionTask]{}, Query: "document legal_basis state unit"},
	"GET /api/v1/risks":                             {Resp: list[leadership.Risk]{}, Query: "unit kind status process due"},
	"GET /api/v1/risks/:id":                         {Resp: leadership.Risk{}},
	"PUT /api/v1/risks/:id":                         {Req: leadership.RiskUpdate{}, Resp: leadership.Risk{}},
	"GET /api/v1/risks/heatmap":                     {Resp: leadership.HeatMap{}, Query: "kind score"},
	"GET /api/v1/risk-suggestions":                  {Resp: list[leadership.Suggestion]{}},
	"GET /api/v1/plans":                             {Resp: list[leadership.Plan]{}},
	"GET /api/v1/plans/:id":                         {Resp: leadership.Plan{}},
	"GET /api/v1/plans/:id/file":                    {Content: octets},
	"GET /api/v1/meetings":                          {Resp: list[leadership.Meeting]{}},
	"GET /api/v1/meetings/:id":                      {Resp: leadership.Meeting{}},
	"GET /api/v1/directives":                        {Resp: list[leadership.Directive]{}, Query: "unit meeting state overdue:boolean"},
	"GET /api/v1/directives/:id":                    {Resp: leadership.Directive{}},
	"GET /api/v1/directives/:id/evidence/:eid":      {Content: octets},
	"GET /api/v1/index766":                          {Resp: index766.Result{}, Query: "unit field service from to by"},
	"PUT /api/v1/index766/published/:month":         {Req: index766.PublishedIn{}, Resp: index766.Published{}},
	"PUT /api/v1/dossiers/:number/facts":            {Req: process.Facts{}, Resp: process.Dossier{}},

	// nonconformities
	"GET /api/v1/ncs":              {Resp: ncPage{}, Query: ncQuery},
	"GET /api/v1/ncs/export.csv":   {Content: "text/csv", Query: ncQuery},
	"GET /api/v1/ncs/export.xlsx":  {Content: xlsx, Query: ncQuery},
	"GET /api/v1/ncs/:id":          {Resp: ncDetail{}},
	"GET /api/v1/ncs/:id/timeline": {Resp: list[trail.Entry]{}},
	"GET /api/v1/my-actions":       {Resp: list[nonconformity.Action]{}},
	"GET /api/v1/scorecard":        {Resp: nonconformity.Scorecard{}},
	"GET /api/v1/nc-files/:id":     {Content: octets},

	// records
	"GET /api/v1/records":                       {Resp: list[record.Record]{}, Query: "type unit clause audit status q limit:integer due"},
	"GET /api/v1/records/:id":                   {Resp: record.Record{}},
	"GET /api/v1/records/:id/versions/:no/file": {Content: octets},
	"GET /api/v1/record-types":                  {Resp: list[record.Type]{}},

	// audits
	"GET /api/v1/audits":                {Resp: list[internalaudit.Audit]{}, Query: "year:integer"},
	"GET /api/v1/audits/:id":            {Resp: internalaudit.Audit{}},
	"GET /api/v1/audits/:id/reviews":    {Resp: list[internalaudit.Review]{}},
	"GET /api/v1/audits/:id/evidence":   {Resp: auditEvidence{}},
	"GET /api/v1/audit-clauses":         {Resp: list[internalaudit.Clause]{}},
	"PUT /api/v1/audit-clauses/:clause": {Req: clauseReq{}, Resp: internalaudit.Clause{}},
	"POST /api/v1/audits/:id/report":    {Req: reportReq{}, Resp: internalaudit.Audit{}},
	"GET /api/v1/evidence-pack":         {Content: "application/zip", Query: "audit clause unit from:date to:date"},
	"GET /api/v1/clauses/coverage":      {Resp: evidence.Coverage{}},

	// process
	"GET /api/v1/services":                            {Resp: list[process.Procedure]{}},
	"POST /api/v1/services":                           {Req: process.Procedure{}, Resp: process.Procedure{}, Status: status201},
	"PUT /api/v1/services/:code":                      {Req: process.Procedure{}, Resp: process.Procedure{}},
	"GET /api/v1/calendar/:year":                      {Resp: process.CalendarYear{}},
	"PUT /api/v1/calendar/:year":                      {Req: process.CalendarYear{}, Resp: process.CalendarYear{}},
	"GET /api/v1/dossiers":                            {Resp: dossierPage{}, Query: "unit service field status outcome late channel q from:date to:date limit:integer offset:integer"},
	"POST /api/v1/dossiers":                           {Req: process.NewDossier{}, Resp: dossierCreated{}, Status: []int{http.StatusOK, http.StatusCreated}},
	"POST /api/v1/dossiers/import":                    {Resp: process.ImportReport{}, Query: "filename mapping"},
	"GET /api/v1/dossiers/imports/:id":                {Resp: process.ImportReport{}},
	"GET /api/v1/dossiers/imports/:id/rejections.csv": {Content: "text/csv"},
	"GET /api/v1/dossiers/:number":                    {Resp: process.Dossier{}},
	"POST /api/v1/dossiers/:number/events":            {Req: process.Event{}, Resp: dossierEvented{}, Status: []int{http.StatusOK, http.StatusCreated, http.StatusAccepted}},
	"POST /api/v1/dossiers/:number/route":             {Req: process.RouteRequest{}, Resp: dossierRouted{}},
	"GET /api/v1/dossiers/:number/receipt.pdf":        {Content: pdf, Query: "lang"},
	"GET /api/v1/dossiers/:number/control-slip.pdf":   {Content: pdf, Query: "lang"},
	"GET /api/v1/dossiers/:number/sync":               {Resp: syncList{}},
	"GET /api/v1/dossiers/:number/notices":            {Resp: list[process.Notice]{}},
	"GET /api/v1/desk/queue":                          {Resp: process.DeskQueue{}},
	"GET /api/v1/desk/routing":                        {Resp: list[process.Dossier]{}},
	"GET /api/v1/desk/handovers":                      {Resp: list[process.HandoverCount]{}, Query: "from:date to:date"},
	"GET /api/v1/late-dossiers":                       {Resp: list[process.LateRecord]{}, Query: "state"},
	"GET /api/v1/dossier-events/pending":              {Resp: list[process.WaitingEvent]{}},
	"GET /api/v1/kpis":                                {Resp: kpiList{}, Query: "unit field service from:date to:date by"},
	"GET /api/v1/objectives":                          {Resp: list[process.Objective]{}},
	"GET /api/v1/non-compliant-units":                 {Resp: list[process.UnitCompliance]{}},
	"GET /api/v1/dashboard":                           {Resp: process.Dashboard{}, Query: "from:date to:date month"},
}

// Media types of the answers that are files.
const (
	pdf    = "application/pdf"
	xlsx   = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	octets = "application/octet-stream"
)

var status201 = []int{http.StatusCreated}

const ncQuery = "status unit severity source clause overdue:boolean q cursor limit:integer"

// anyOf is an answer of one of several shapes.
type anyOf []any

// The shapes of the answers the handlers write as gin.H.
type (
	tokenCreated struct {
		Token string `json:"token"`
		ID    string `json:"id"`
		Name  string `json:"name"`
	}
	recoveryCodes struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	resetAccepted struct {
		OK      bool   `json:"ok"`
		Message string `json:"message"`
	}
	oneTimePassword struct {
		OneTimePassword string `json:"one_time_password"`
	}
	assignmentReply struct {
		User string `json:"user"`
		Role string `json:"role"`
		Unit string `json:"unit"`
	}
	jobList struct {
		Jobs []qms.Job `json:"jobs"`
	}
	webhookList struct {
		Webhooks []webhook.Webhook `json:"webhooks"`
		Events   []string          `json:"events"`
	}
	deliveryList struct {
		Deliveries []webhook.Delivery `json:"deliveries"`
	}
	feedCreated struct {
		URL       string     `json:"url"`
		Enabled   bool       `json:"enabled"`
		CreatedAt *time.Time `json:"created_at"`
	}
	docWithActions struct {
		Document document.Document `json:"document"`
		Actions  []string          `json:"actions"`
	}
	docRevision struct {
		Document document.Document `json:"document"`
		Revision document.Revision `json:"revision"`
	}
	ackList struct {
		Items   []document.Ack `json:"items"`
		Pending int            `json:"pending"`
	}
	ncPage struct {
		Items      []nonconformity.NC `json:"items"`
		NextCursor string             `json:"next_cursor"`
	}
	auditEvidence struct {
		Records   []record.Record  `json:"records"`
		Documents []evidence.Entry `json:"documents"`
		NCs       []evidence.Entry `json:"ncs"`
		Actions   []evidence.Entry `json:"actions"`
		Trail     []trail.Entry    `json:"trail"`
	}
	dossierPage struct {
		Items       []process.Dossier `json:"items"`
		Total       int               `json:"total"`
		TotalCapped bool              `json:"total_capped"`
	}
	dossierCreated struct {
		Dossier process.Dossier `json:"dossier"`
		Created bool            `json:"created"`
	}
	dossierEvented struct {
		Dossier   process.Dossier `json:"dossier"`
		Duplicate bool            `json:"duplicate"`
		Pending   bool            `json:"pending"`
	}
	dossierRouted struct {
		Dossier   process.Dossier `json:"dossier"`
		Duplicate bool            `json:"duplicate"`
	}
	syncList struct {
		Enabled bool                `json:"enabled"`
		Items   []portalsync.Status `json:"items"`
	}
	kpiList struct {
		Items []process.KPI `json:"items"`
		By    string        `json:"by"`
	}
)
