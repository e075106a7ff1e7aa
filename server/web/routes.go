package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every route of qmstrack. Each capability has its own
// function below; API routes go through s.apiGroup so the OpenAPI document
// lists them, pages through s.pages so the navigation knows them.
func (s *Server) routes() {
	e := s.engine
	e.GET("/healthz", handleHealthz())
	e.GET("/readyz", s.handleReadyz())
	if s.MetricsToken != "" {
		e.GET("/metrics", s.metricsAuth, s.metrics.handler())
	}
	e.StaticFS("/static", staticFS())
	e.GET("/robots.txt", func(c *gin.Context) { c.FileFromFS("robots.txt", staticFS()) })
	e.GET("/api/v1/openapi.json", func(c *gin.Context) { c.JSON(http.StatusOK, s.OpenAPI()) })
	e.GET("/api/docs", s.handleAPIDocs())

	s.foundationRoutes()
	s.documentRoutes()
	s.ncRoutes()
	s.recordRoutes()
	s.auditRoutes()
	s.processRoutes()
	s.leadershipRoutes()
	s.index766Routes()
	s.planRoutes()
	s.legalRoutes()
	s.riskRoutes()
	s.reviewRoutes()
	s.reconcileRoutes()
	s.scopeRoutes()
	s.publicRoutes()
	s.feedRoutes()
	s.oidcRoutes()
	s.jobRoutes()
	s.reminderRoutes()
	s.webhookRoutes()
	s.copyRoutes()
	s.qmsYearRoutes()
}

// foundationRoutes: sign-in, the home page, administration, the trail.
func (s *Server) foundationRoutes() {
	e := s.engine
	pub := s.apiGroup("auth", true)
	pub.POST("/login", "Sign in; sets the session cookie", s.handleAPILogin())
	pub.POST("/logout", "Sign out", s.handleAPILogout())

	me := s.apiGroup("auth", false)
	me.GET("/me", "The signed-in user and their roles", s.handleMe())
	me.POST("/tokens", "Create an API token (shown once)", s.handleTokenCreate())
	me.GET("/tokens", "List my API tokens", s.handleTokenList())
	me.DELETE("/tokens/:id", "Revoke one of my API tokens", s.handleTokenRevoke())
	me.GET("/tasks", "My tasks (home page)", s.handleTasks())
	me.GET("/notifications", "My notifications", s.handleNotifications())
	me.POST("/notifications/:id/read", "Mark a notification read", s.handleNotificationRead())
	me.PUT("/me/lang", "Set my language (vi or en)", s.handleSetLangAPI())
	me.GET("/me/totp", "My second factor: enrolled, recovery codes left, required by my role", s.handleAPITOTPStatus())
	me.DELETE("/me/totp", "Remove my second factor {password}", s.handleAPITOTPRemove())
	// A sign-in that waits for the change of a one-time password or the
	// enrolment of a second factor reaches these two without a session.
	step := s.apiGroup("auth", true)
	step.POST("/me/password", "Change my password {current, new}; ends my other sessions (also the one-time password step of a sign-in)", s.handleAPIPasswordChange())
	step.POST("/me/totp", "Enrol a second factor: {password} begins (secret, otpauth URL, QR), {code} confirms (recovery codes, once)", s.handleAPITOTPEnrol())
	pub.POST("/password-reset", "Ask for a password-reset link by e-mail {login}; the same answer whether the login exists or not", s.handleAPIPasswordReset())
	pub.POST("/password-reset/confirm", "Set a new password through a reset link {token, new}", s.handleAPIPasswordResetConfirm())

	adm := s.apiGroup("admin", false)
	adm.GET("/units", "List units", s.handleUnitList())
	adm.POST("/units", "Create a unit (admin)", s.requireAnywhere("admin", "units"), s.handleUnitCreate())
	adm.GET("/users", "List users (admin)", s.requireAnywhere("admin", "users"), s.handleUserList())
	adm.POST("/users", "Create a user (admin)", s.requireAnywhere("admin", "users"), s.handleUserCreate())
	adm.PUT("/users/:id", "Update a user: name, email, status, language (admin)", s.requireAnywhere("admin", "users"), s.handleUserUpdate())
	adm.POST("/users/:id/password-reset", "Give a user a one-time password, returned once, to change at the next sign-in (admin)", s.requireAnywhere("admin", "users"), s.handleAPIUserPasswordReset())
	adm.GET("/role-assignments", "List role assignments (admin)", s.requireAnywhere("admin", "roles"), s.handleAssignmentList())
	adm.POST("/role-assignments", "Give a user a role in a unit (admin)", s.requireAnywhere("admin", "roles"), s.handleAssign(true))
	adm.DELETE("/role-assignments", "Take a role away (admin)", s.requireAnywhere("admin", "roles"), s.handleAssign(false))

	tr := s.apiGroup("trail", false)
	tr.GET("/trail", "Trail entries in my scope (object_type, object_id, after, limit)", s.handleTrailList())
	tr.GET("/trail/verify", "Recompute the whole hash chain", s.requireAnywhere("trail", "verify"), s.handleTrailVerify())

	e.GET("/login", s.handleLoginPage())
	e.POST("/login", s.handleLoginForm())
	e.POST("/logout", s.handleLogoutForm())
	e.POST("/lang", s.handleSetLang())
	e.GET("/login/code", s.handleLoginCodePage())
	e.POST("/login/code", s.handleLoginCodeForm())
	e.GET("/password-reset", s.handleForgotPage())
	e.POST("/password-reset", s.handleForgotForm())
	e.GET("/password-reset/confirm", s.handleResetPage())
	e.POST("/password-reset/confirm", s.handleResetForm())
	// The account's password and second factor: for the signed-in user,
	// and for a sign-in at the step of changing a one-time password or
	// enrolling.
	e.GET("/account/password", s.handlePasswordPage())
	e.POST("/ui/account/password", s.handlePasswordForm())
	e.GET("/account/totp", s.handleTOTPPage())
	e.POST("/ui/account/totp", s.handleTOTPForm())
	s.pages(e.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/":            s.handleHome(),
		"/admin/users": s.handleAdminUsersPage(),
		"/admin/units": s.handleAdminUnitsPage(),
		"/trail":       s.handleTrailPage(),
		"/account":     s.handleAccountPage(),
	})
	ui := e.Group("/ui", requireUser)
	ui.POST("/admin/users", s.requireAnywhere("admin", "users"), s.handleAdminUserForm())
	ui.POST("/admin/units", s.requireAnywhere("admin", "units"), s.handleAdminUnitForm())
	ui.POST("/admin/roles", s.requireAnywhere("admin", "roles"), s.handleAdminRoleForm())
	ui.POST("/account/tokens", s.handleAccountTokenForm())
	ui.POST("/admin/users/:id/password-reset", s.requireAnywhere("admin", "users"), s.handleAdminPasswordResetForm())
}

// pages registers GET page routes and remembers them for the navigation.
func (s *Server) pages(g *gin.RouterGroup, m map[string]gin.HandlerFunc) {
	for p, h := range m {
		g.GET(p, h)
		s.pageURLs[p] = true
	}
}

// documentRoutes: document control (ISO 9001 7.5).
func (s *Server) documentRoutes() {
	docs := s.Documents
	api := s.apiGroup("documents", false)
	ui := s.engine.Group("/ui", requireUser)
	da := docActs{s, docs}
	serve(api, ui, "/documents", "Register a document", da.create())
	api.GET("/documents", "The register (q, unit, type, status, clause, review_due, sort, cursor, limit)", handleDocList(docs))
	api.GET("/documents/:id", "A document with the revisions I may see and my actions", handleDocGet(docs))
	api.PUT("/documents/:id", "Change a document's register data", handleDocUpdate(docs))
	serve(api, ui, "/documents/:id/edit", "", da.update()) // the edit form only
	serve(api, ui, "/documents/:id/revisions", "Start the next revision (multipart: change, file, attachment)", da.newRevision())
	serve(api, ui, "/documents/:id/withdraw", "Withdraw a document (obsolete) with a reason", da.withdraw())
	serve(api, ui, "/documents/:id/periodic-review", "Confirm a periodic review without change (comment)", da.confirmReview())
	api.GET("/revisions/:id", "A revision with files, reviewers and signatures", handleRevGet(docs))
	serve(api, ui, "/revisions/:id/files", "Add files to a draft, or replace one (multipart: replace, kind, file)", da.files())
	serve(api, ui, "/revisions/:id/submit", "Submit a draft for review (reviewers)", da.submit())
	serve(api, ui, "/revisions/:id/review", "Review: approve or request changes, signed with the password", da.review())
	serve(api, ui, "/revisions/:id/approve", "Approve, signed with the password", da.approve())
	serve(api, ui, "/revisions/:id/publish", "Publish now or at effective_at, signed with the password", da.publish())
	serve(api, ui, "/revisions/:id/discard", "Abandon a draft revision with a reason (it becomes obsolete)", da.discard())
	serve(api, ui, "/revisions/:id/acknowledge", "I have read this effective revision", da.acknowledge())
	api.GET("/revisions/:id/acks", "Who has and has not acknowledged a revision", handleRevAcks(docs))
	api.GET("/revisions/:id/files/:file_id", "Download a file (Range, ETag, SHA-256)", handleDocFile(docs.Open, "id", "file_id"))

	pub := s.apiGroup("public", true)
	pub.GET("/public/documents", "The public register: effective revisions of public documents", handlePublicList(docs))

	e := s.engine
	e.GET("/d/*code", handleDocFile(openCurrent(docs), "code", ""))
	e.GET("/public/files/:rev/:file", handleDocFile(docs.OpenPublic, "rev", "file"))
	s.pages(e.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/documents":          s.handleDocRegisterPage(docs),
		"/documents/new":      s.handleDocNewPage(docs),
		"/documents/:id":      s.handleDocPage(docs),
		"/documents/:id/edit": s.handleDocEditPage(),
	})
	s.AddTasks(s.docTasks(docs))
}

// ncRoutes: nonconformities and corrective actions (ISO 9001 10.2).
func (s *Server) ncRoutes() {
	ncs := s.NCs
	g := s.apiGroup("nonconformities", false)
	ui := s.engine.Group("/ui", requireUser)
	g.GET("/ncs", "The NC register (status, unit, severity, source, clause, overdue, q, cursor, limit)", handleNCList(ncs))
	g.GET("/ncs/export.csv", "Export the register as CSV (same filters)", s.handleNCExport(ncs, "csv"))
	g.GET("/ncs/export.xlsx", "Export the register as XLSX (same filters)", s.handleNCExport(ncs, "xlsx"))
	g.GET("/ncs/:id", "One NC with actions, files, similar NCs and what I may do", handleNCGet(ncs))
	g.GET("/ncs/:id/timeline", "The NC's history from the trail", handleNCTimeline(ncs))
	g.GET("/my-actions", "My corrective actions: to carry out, sign off or verify", handleMyActions(ncs))
	g.GET("/scorecard", "Per-unit scorecard, units not complying, causes and monthly trend", handleNCScorecard(ncs))
	g.GET("/nc-files/:id", "Download an evidence file", handleNCFile(ncs))
	// The acts, each on /api/v1 and /ui (POST).
	na := ncActs{s, ncs}
	serve(g, ui, "/ncs", "Report a nonconformity (JSON, or multipart with evidence files)", na.create())
	serve(g, ui, "/ncs/:id/containment", "Record the correction / containment", na.containment())
	serve(g, ui, "/ncs/:id/cause", "Record the root cause (whys, categories, summary)", na.cause())
	serve(g, ui, "/ncs/:id/actions", "Plan a corrective action {unit, owner, description, due, verify_after}", na.action())
	serve(g, ui, "/ncs/:id/cancel", "Cancel an NC with a reason (coordinator)", na.cancel())
	serve(g, ui, "/actions/:id/start", "Start an action (its owner)", na.start())
	serve(g, ui, "/actions/:id/done", "Report an action done: report and evidence file parts (its owner)", na.done())
	serve(g, ui, "/actions/:id/signoff", "Sign off an action {password} (a head of its unit)", na.signoff())
	serve(g, ui, "/actions/:id/verify", "Verify effectiveness {effective, comment, password} (coordinator, not the owner)", na.verify())
	serve(g, ui, "/actions/:id/reverify", "On a closed NC: an action verified effective is not effective after all {comment, password}; reopens the NC", na.reverify())

	e := s.engine
	s.pages(e.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/ncs":           s.handleNCRegisterPage(ncs),
		"/ncs/new":       s.handleNCNewPage(ncs),
		"/ncs/scorecard": s.handleNCScorecardPage(ncs),
	})
	pg := e.Group("/", requireUser)
	pg.GET("/ncs/:id", s.handleNCPage(ncs))
	pg.GET("/ncs/files/:id", handleNCFile(ncs))
	s.AddTasks(s.ncTasks(ncs))
}

// recordRoutes: retained records (ISO 9001 7.5.3).
func (s *Server) recordRoutes() {
	recs := s.Records
	api := s.apiGroup("records", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/records", "Records in my scope (type, unit, clause, audit, status, q, limit; due=1 for the disposition list)", handleRecordList(recs))
	api.GET("/records/:id", "A record with its versions, retention and hold", handleRecordGet(recs))
	api.GET("/records/:id/versions/:no/file", "Download one version (no, or latest) with Range, ETag and SHA-256", handleRecordFile(recs))
	api.GET("/record-types", "Record types with retention period and lock mode", handleRecordTypes(recs))
	// The acts, each on /api/v1 and /ui (POST).
	ra := recordActs{s, recs}
	serve(api, ui, "/records", "File a record (multipart: type, unit, title, date, clauses, link_revision, link_nc, link_action, link_audit, then file)", ra.create())
	serve(api, ui, "/records/:id/versions", "Correct a record: a new version (multipart: reason, then file)", ra.correct())
	serve(api, ui, "/records/:id/hold", "Set or lift the legal hold {on, reason}", ra.hold())
	serve(api, ui, "/records/:id/dispose", "Dispose of an expired record, signed {reason, password}", ra.dispose())
	serve(api, ui, "/record-types", "Create or change a record type (coordinator)", ra.saveType())

	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/records":     s.handleRecordsPage(recs),
		"/records/:id": s.handleRecordPage(recs),
	})
	s.AddTasks(recordTasks(s, recs))
}

// auditRoutes: internal audits, evidence review, clause coverage (ISO 9001 9.2).
func (s *Server) auditRoutes() {
	audits, ev := s.Audits, s.Evidence
	api := s.apiGroup("audits", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/audits", "The audit programme (year)", handleAuditList(audits))
	api.GET("/audits/:id", "An audit with team, checklist and findings", handleAuditGet(audits))
	api.GET("/audits/:id/reviews", "Evidence marked reviewed in an audit", handleAuditReviews(audits))
	api.GET("/audits/:id/evidence", "Read-only evidence of the audited units: records, documents, NCs, actions, trail", s.handleAuditEvidence(audits, ev))
	api.GET("/audit-clauses", "The ISO 9001:2015 clause checklist", handleAuditClauses(audits))
	api.GET("/evidence-pack", "Evidence pack ZIP (audit | clause | unit with from and to)", s.handleEvidencePack(ev))
	api.GET("/clauses/coverage", "Clause coverage: evidence per ISO 9001 clause and the clauses without any", handleCoverage(ev))
	// The acts, each on /api/v1 and /ui (POST); the report's API body is
	// optional and a clause is edited with PUT on the API.
	aa := auditActs{s, audits}
	serve(api, ui, "/audits", "Plan an audit {title, units, processes, clauses, planned_start, planned_end, lead_auditor, team, questions}", aa.plan())
	serve(api, ui, "/audits/:id/findings", "Record a finding {item_id, unit, kind, severity, description, evidence}", aa.finding())
	serve(api, ui, "/audits/:id/questions", "Add an own question to the checklist {clause, question}", aa.question())
	report := aa.report()
	serve(api, ui, "/audits/:id/report", "", report)
	api.POST("/audits/:id/report", "Issue the audit report (PDF filed as an audit-report record) {lang}", handleAuditReport(report))
	serve(api, ui, "/reviews", "Mark evidence reviewed {audit_id, object_type, object_id, comment}", aa.review())
	clause := s.saveClause(audits)
	serve(api, ui, "/clauses", "", clause)
	api.PUT("/audit-clauses/:clause", "Edit a clause of the checklist (coordinator)", handleAuditClauseSave(clause))

	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/audits":            s.handleAuditsPage(audits),
		"/audits/:id":        s.handleAuditPage(audits),
		"/audits/:id/report": s.handleAuditReportPage(audits),
		"/clauses/coverage":  s.handleCoveragePage(ev),
		"/clauses":           s.handleClausesPage(audits),
	})
	s.AddTasks(s.auditTasks(audits))
}

// processRoutes: procedures, the calendar, dossiers, KPIs, objectives, late
// dossiers and the dashboard (ISO 9001 9.1).
func (s *Server) processRoutes() {
	p := s.Process
	s.AddTasks(s.procTasks(p))
	a := s.apiGroup("process", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/services", "Administrative services in my units", items(p.Procedures))
	a.POST("/services", "Create a service (coordinator)", handleProcedureSave(p, true))
	a.PUT("/services/:code", "Update a service (coordinator)", handleProcedureSave(p, false))
	a.GET("/calendar/:year", "The working-day calendar of a year and the clock settings", handleCalendarGet(p))
	a.PUT("/calendar/:year", "Replace a year's holidays and swapped days, and the settings (coordinator)", handleCalendarPut(p))
	a.GET("/dossiers", "Dossiers (unit, service, field, status, outcome, late, channel, q, from, to, limit, offset)", handleDossierList(p, s.Location))
	a.POST("/dossiers", "Record a received dossier (idempotent by number)", handleDossierCreate(p))
	a.PostCSV("/dossiers/import", "Import dossiers from CSV (text/csv body or multipart file + mapping); idempotent by number", importGate(p), handleDossierImport(p))
	a.GET("/dossiers/imports/:id", "The report of an import", one("id", p.GetImport))
	a.GET("/dossiers/imports/:id/rejections.csv", "Every rejected row of an import with its reason (CSV)", handleImportRejections(p))
	a.GET("/dossiers/:number", "One dossier with its clock and events", one("number", p.GetDossier))
	a.POST("/dossiers/:number/events", "Push a dossier event (idempotent by event_id; out of order allowed; 202 when kept for a receipt not yet recorded)", handleDossierEvent(p))
	a.POST("/dossiers/:number/route", "Route a dossier received at another unit to its competent unit (the desk, or the unit); the processing time counts from then", handleDossierRoute(p))
	a.GET("/dossiers/:number/receipt.pdf", "The printed receipt with the appointment date and a QR code to the status page (PDF)", handleDossierPaper(p, processPaperReceipt))
	a.GET("/dossiers/:number/control-slip.pdf", "The printed control slip of the dossier's journey (PDF)", handleDossierPaper(p, processPaperControlSlip))
	a.GET("/dossiers/:number/sync", "Whether each change of the dossier reached the public-service portal, when and how late", s.handleDossierSync(p))
	a.GET("/dossiers/:number/notices", "What the applicant was told of each status change, when and by which channel", handleNotices(p))
	a.GET("/desk/queue", "The one-stop desk's day: received today, due today and tomorrow, results ready to return, late, waiting for routing", handleDeskQueue(p))
	a.GET("/desk/routing", "Dossiers whose competent unit is not set yet, oldest first", items(p.RoutingQueue))
	a.GET("/desk/handovers", "The desk's hand-overs per officer and day of receipt, with those late (from, to)", handleHandovers(p))
	a.GET("/late-dossiers", "Late dossiers by state (triage, raised, dismissed)", handleLateList(p))
	a.GET("/dossier-events/pending", "Dossier events waiting for their dossier, or that could not be applied, oldest first, with how long each has waited", items(p.WaitingEvents))
	a.GET("/kpis", "KPIs (unit, field, service, from, to, by=month|day|unit|field|service|channel)", handleKPIs(p))
	a.GET("/objectives", "Quality objectives with progress", items(p.Objectives))
	a.GET("/non-compliant-units", "Units not complying: overdue directives and open late dossiers", items(p.NonCompliantUnits))
	a.GET("/dashboard", "The office at a glance (from, to)", handleDashboard(p))
	// The acts. Where the API and the pages had different routes or
	// request shapes, each keeps its own (NoUI / NoAPI).
	pa := procActs{s, p}
	serve(a, ui, "/objectives", "Set a quality objective (coordinator)", pa.objective())
	serve(a, ui, "/dossiers/:number/late/raise", "Raise the nonconformity of a late dossier in the triage list (coordinator)", pa.raiseLate())
	serve(a, ui, "/dossiers/:number/late/dismiss", "Dismiss a late dossier from the triage list with a reason (coordinator)", pa.dismissLate())
	serve(a, ui, "/dossiers/:number/late", "", pa.lateForm())
	serve(a, ui, "/services", "", pa.procedureForm())
	serve(a, ui, "/calendar", "", pa.calendarForm())
	serve(a, ui, "/calendar/days", "Add a calendar exception: a day off on a working day, or a working day on a day off (coordinator); the open dossiers' due dates follow", pa.calendarDayAdd())
	serve(a, ui, "/calendar/days/:date/remove", "Remove the calendar exception of a date: the day is again what the Labour Code's rules make it (coordinator); the open dossiers' due dates follow", pa.calendarDayRemove())
	serve(a, ui, "/calendar/recompute", "Recompute, on the calendar in force, the due dates and judgements of the dossiers received in a period, returned ones included (coordinator)", pa.calendarRecompute())
	serve(a, ui.Group("", importGate(p)), "/dossiers/import", "", pa.importForm())
	serve(a, ui, "/dossiers/:number/events", "", pa.eventForm())
	serve(a, ui, "/desk/receive", "", pa.deskReceive())
	serve(a, ui, "/dossiers/:number/route", "", pa.deskRoute())

	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/dashboard":              h(s.procDashboardPage(p)),
		"/dashboard/export.xlsx":  h(s.procExport(p)),
		"/services":               h(s.procServicesPage(p)),
		"/calendar":               h(s.procCalendarPage(p)),
		"/dossiers":               h(s.procDossiersPage(p)),
		"/desk":                   h(s.deskPage(p)),
		"/desk/routing":           h(s.deskRoutingPage(p)),
		"/dossiers/import":        h(s.procImportPage(p)),
		"/dossiers/imports/:id":   h(s.procImportPage(p)),
		"/dossiers/:number":       h(s.procDossierPage(p)),
		"/late-dossiers":          h(s.procLatePage(p)),
		"/dossier-events/pending": h(s.procPendingPage(p)),
		"/kpis":                   h(s.procKPIPage(p)),
		"/objectives":             h(s.procObjectivesPage(p)),
	})
}

// leadershipRoutes: meetings, directives, reports back with evidence (ISO
// 9001 5.1, 9.3). Their API is documented with the process routes and
// their pages share the process pages' navigation.
func (s *Server) leadershipRoutes() {
	l := s.Leadership
	s.AddTasks(s.leadTasks(l))
	a := s.apiGroup("process", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/meetings", "Meetings", items(l.Meetings))
	a.GET("/meetings/:id", "A meeting with its directives", one("id", l.Meeting))
	a.GET("/directives", "Directives (unit, meeting, state, overdue=true)", handleDirectiveList(l))
	a.GET("/directives/:id", "A directive with its reports and evidence", one("id", l.Directive))
	a.GET("/directives/:id/evidence/:eid", "Download one evidence file", handleEvidence(l))
	la := leadActs{s, l}
	serve(a, ui, "/meetings", "Record a meeting (JSON, or multipart with a minutes file)", la.meeting())
	serve(a, ui, "/meetings/:id/directives", "Assign a directive to a unit", la.directive())
	serve(a, ui, "/directives/:id/report", "Report back on a directive: text, then evidence files (multipart)", la.report())
	serve(a, ui, "/directives/:id/accept", "Accept the report (issuer or chairman, not the reporter)", la.accept())
	serve(a, ui, "/directives/:id/return", "Return the report with a comment", la.giveBack())
	serve(a, ui, "/directives/:id/decide", "", la.decideForm())

	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/meetings":             h(s.leadMeetingsPage(l)),
		"/meetings/:id":         h(s.leadMeetingPage(l)),
		"/meetings/:id/minutes": h(s.leadMinutes(l)),
		"/directives/:id":       h(s.leadDirectivePage(l)),
	})
}
