# qmstrack: build, run and check.
#
#   make tools       install MinIO, staticcheck and govulncheck into .tools/bin,
#                    and Chromium + poppler-utils from Debian (as root)
#   make minio-test  ensure the test MinIO on 127.0.0.1:9100
#   make check       gofmt, go vet, staticcheck, govulncheck, go test -race
#                    (server/web without the race detector, beside it; see
#                    RACE_SKIP) (installs nothing from Debian: run 'make
#                    tools' once)
#   make test        tools, check, the browser tests (build tag 'browser'),
#                    then every fuzz target for FUZZTIME each (default 3000x: a
#                    count, not a duration, which trips a race of Go 1.26's fuzz
#                    coordinator, "context deadline exceeded", golang/go#75804)
#   make test-fault  the fault tests (build tag 'fault', tests named TestFault...):
#                    private PostgreSQL clusters and MinIO servers restarted,
#                    stopped, frozen or filled under load; also part of make test
#   make soak        SOAK_DURATION (default 30m) at half the measured maximum
#                    rate against a server started like 'make run'; not part of
#                    make test
#   make fuzz        only the fuzz targets
#   make bench       the benchmarks, once each, with their targets enforced
#                    (QMS_PERF_ASSERT=1: a missed target fails), and the
#                    process perf test when QMS_PERF_DATABASE_URL is set
#   make mutate      mutation testing (gremlins) of the rule-bearing packages,
#                    one at a time: efficacy per package and in total; slow,
#                    not part of make test. MUTATE_PKGS="qms trail" picks
#                    packages, MUTATE_SINCE=main only those changed since main
#   make run         dev MinIO + database + migrate + demo seed + serve
#   make build       build .tools/bin/qmstrack
#   make clean       remove .tools/bin/qmstrack
#   make clean-data  remove .minio (all local MinIO data)

SHELL := /bin/bash
.DEFAULT_GOAL := build

TOOLS_BIN   := $(CURDIR)/.tools/bin
MINIO       := $(TOOLS_BIN)/minio
MC          := $(TOOLS_BIN)/mc
STATICCHECK := $(TOOLS_BIN)/staticcheck
GOVULNCHECK := $(TOOLS_BIN)/govulncheck
QMSTRACK    := $(TOOLS_BIN)/qmstrack

MINIO_MODULE       := github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
MC_MODULE          := github.com/minio/mc@v0.0.0-20250313080218-cf909e1063a9
STATICCHECK_VERSION := v0.7.0
STATICCHECK_MODULE := honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
GOVULNCHECK_VERSION := v1.1.4
GOVULNCHECK_MODULE := golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
GREMLINS           := $(TOOLS_BIN)/gremlins
GREMLINS_VERSION   := v0.6.0
GREMLINS_MODULE    := github.com/go-gremlins/gremlins/cmd/gremlins@$(GREMLINS_VERSION)
# axe-core checks the pages' accessibility in the browser tests (a test-only
# script, installed from npm into .tools/axe-core, never committed).
AXE_CORE_VERSION   := 4.10.3
AXE_CORE           := $(CURDIR)/.tools/axe-core/node_modules/axe-core/axe.min.js

# Test services. The test MinIO uses its own port and data folder, apart
# from the one 'make run' starts, so the two can run side by side.
MINIO_TEST_PORT := 9100
MINIO_USER      := qmstrack
MINIO_PASSWORD  := qmstrack-secret

QMS_TEST_S3_ENDPOINT   ?= 127.0.0.1:$(MINIO_TEST_PORT)
QMS_TEST_S3_ACCESS_KEY ?= $(MINIO_USER)
QMS_TEST_S3_SECRET_KEY ?= $(MINIO_PASSWORD)
QMS_TEST_DATABASE_URL  ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
QMS_CHROMIUM           ?= /usr/bin/chromium

TEST_ENV := QMS_TEST_S3_ENDPOINT='$(QMS_TEST_S3_ENDPOINT)' \
	QMS_TEST_S3_ACCESS_KEY='$(QMS_TEST_S3_ACCESS_KEY)' \
	QMS_TEST_S3_SECRET_KEY='$(QMS_TEST_S3_SECRET_KEY)' \
	QMS_TEST_DATABASE_URL='$(QMS_TEST_DATABASE_URL)'

GO_TEST_TIMEOUT := 30m
FUZZTIME        ?= 3000x
SOAK_DURATION   ?= 30m
SOAK_TIMEOUT    ?= 3h

.PHONY: tools tools-go tools-apt tools-axe minio-test check test test-fault soak fuzz run build clean clean-data
.PHONY: bench bench-scale mutate

## tools: everything the checks, tests and 'make run' need.
tools: tools-go tools-apt tools-axe

tools-go: $(MINIO) $(MC)
	@if [ ! -x "$(STATICCHECK)" ] || ! "$(STATICCHECK)" -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION))'; then \
		echo "installing staticcheck $(STATICCHECK_VERSION) into .tools/bin"; \
		GOBIN="$(TOOLS_BIN)" go install $(STATICCHECK_MODULE); \
	fi
	@if [ ! -x "$(GOVULNCHECK)" ] || ! "$(GOVULNCHECK)" -version 2>/dev/null | grep -qF 'govulncheck@$(GOVULNCHECK_VERSION)'; then \
		echo "installing govulncheck $(GOVULNCHECK_VERSION) into .tools/bin"; \
		GOBIN="$(TOOLS_BIN)" go install $(GOVULNCHECK_MODULE); \
	fi

# MinIO takes a few minutes to build the first time.
$(MINIO):
	@echo "installing MinIO into .tools/bin (this takes a few minutes the first time)"
	GOBIN="$(TOOLS_BIN)" go install $(MINIO_MODULE)

# The MinIO client makes the least-privilege users (scripts/minio-users.sh).
$(MC):
	@echo "installing the MinIO client into .tools/bin"
	GOBIN="$(TOOLS_BIN)" go install $(MC_MODULE)

# Chromium drives the browser tests; pdftotext (poppler-utils) extracts the
# text of PDF documents for search.
tools-apt:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium poppler-utils; \
		else \
			echo "hint: Chromium (/usr/bin/chromium) or pdftotext is missing; install them with:"; \
			echo "      sudo apt-get update && sudo apt-get install -y chromium poppler-utils"; \
		fi; \
	fi

# axe-core for the accessibility browser test (npm, from Debian's package
# when npm is missing and this runs as root).
tools-axe:
	@if [ ! -f "$(AXE_CORE)" ] || ! head -c 64 "$(AXE_CORE)" | grep -qF 'axe v$(AXE_CORE_VERSION)'; then \
		if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y npm; \
		fi; \
		if command -v npm >/dev/null 2>&1; then \
			echo "installing axe-core $(AXE_CORE_VERSION) into .tools/axe-core"; \
			mkdir -p .tools/axe-core && npm install --silent --no-audit --no-fund --prefix .tools/axe-core axe-core@$(AXE_CORE_VERSION); \
		else \
			echo "hint: npm is missing; install it (sudo apt-get install -y npm) for the accessibility test"; \
		fi; \
	fi

## minio-test: a MinIO for the tests on 127.0.0.1:9100 (console :9101),
## with the service and disposal users the tests connect as.
minio-test: $(MINIO) $(MC)
	@MINIO_ROOT_USER='$(MINIO_USER)' MINIO_ROOT_PASSWORD='$(MINIO_PASSWORD)' \
		scripts/minio.sh start $(MINIO_TEST_PORT) .minio/test-data .minio/test.pid .minio/test.log
	@MINIO_ROOT_USER='$(MINIO_USER)' MINIO_ROOT_PASSWORD='$(MINIO_PASSWORD)' \
		QMS_S3_ACCESS_KEY=qmstrack-app QMS_S3_SECRET_KEY=qmstrack-app-secret \
		QMS_S3_DISPOSAL_ACCESS_KEY=qmstrack-dispose QMS_S3_DISPOSAL_SECRET_KEY=qmstrack-dispose-secret \
		scripts/minio-users.sh $(MINIO_TEST_PORT) 't-*' 

## check: formatting, vet, staticcheck and the unit and integration tests.
## RACE_SKIP: the packages tested without the race detector. server/web's
## 161 tests drive the same handlers that the race-checked tests of app,
## cmd/qmstrack, document and nonconformity run through the whole
## application; under the detector that package alone took 528 s of a
## 15-minute check (232 s without), the longest pole of CI.
MODULE    := github.com/qmstrack/qmstrack
RACE_SKIP ?= server/web
check: tools-go minio-test
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		list() { git ls-files -- '*.go'; git ls-files --others --exclude-standard -- '*.go'; }; \
	else \
		list() { find . -name '*.go' -not -path './.tools/*' -not -path './.minio/*'; }; \
	fi; \
	files=$$(list | sort -u | while IFS= read -r f; do [ -f "$$f" ] && printf '%s\n' "$$f"; done); \
	if [ -n "$$files" ]; then \
		bad=$$(printf '%s\n' "$$files" | tr '\n' '\0' | xargs -0 gofmt -l); \
		if [ -n "$$bad" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$bad"; exit 1; fi; \
	fi
	go vet ./...
	"$(STATICCHECK)" ./...
	@# govulncheck needs its vulnerability database (vuln.go.dev, or a copy
	@# named by GOVULNDB). Where neither can be reached it says so and the
	@# check goes on; a vulnerability it finds fails the check.
	@out=$$("$(GOVULNCHECK)" $${GOVULNDB:+-db "$$GOVULNDB"} ./... 2>&1); rc=$$?; \
	if [ $$rc -eq 0 ]; then echo "govulncheck: no known vulnerabilities"; \
	elif printf '%s' "$$out" | grep -qiE 'fetching vulnerabilities|no such host|dial tcp|connection refused|i/o timeout'; then \
		echo "govulncheck: vulnerability database not reachable here; skipped (set GOVULNDB to a local copy)"; \
	else printf '%s\n' "$$out"; exit $$rc; fi
	@# Every package under the race detector but server/web, which runs
	@# without it at the same time (see RACE_SKIP): two go test runs side by
	@# side keep both cores busy; either one failing fails the check.
	@race=$$(go list ./... | grep -vxF -f <(printf '%s\n' $(addprefix $(MODULE)/,$(RACE_SKIP)))); \
	( $(TEST_ENV) go test -race -count=1 -timeout $(GO_TEST_TIMEOUT) $$race ) & r1=$$!; \
	( $(TEST_ENV) go test -count=1 -timeout $(GO_TEST_TIMEOUT) $(addprefix ./,$(RACE_SKIP)) ) & r2=$$!; \
	rc=0; wait $$r1 || rc=1; wait $$r2 || rc=1; exit $$rc

## test: check, then the browser tests in headless Chromium, the fault
## tests and the fuzz targets.
## Only the packages that hold tests of a tag are built with it: the others
## would be compiled and linked again for nothing.
tagged = $(sort $(patsubst %/,./%,$(dir $(shell grep -rlE '^//go:build .*\b$(1)\b' --include='*_test.go' server))))

test: tools check
	$(TEST_ENV) QMS_CHROMIUM='$(QMS_CHROMIUM)' QMS_AXE_CORE='$(AXE_CORE)' \
		go test -count=1 -tags browser -run Browser -timeout $(GO_TEST_TIMEOUT) $(call tagged,browser)
	$(MAKE) --no-print-directory test-fault
	$(MAKE) --no-print-directory fuzz

## test-fault: the fault tests (build tag fault; every one is named
## TestFault...). Each starts the services it breaks on ports of its own
## (a PostgreSQL cluster as the postgres user when run as root, a MinIO),
## never the shared ones.
test-fault: minio-test
	$(TEST_ENV) go test -count=1 -tags fault -run '^TestFault' -timeout 10m $(call tagged,fault)

## soak: the server built like 'make run' (own database and bucket) under
## a mixed read/write load at half its measured maximum rate for
## SOAK_DURATION; fails on any answer that is not 2xx/3xx or on RSS growth.
soak: build minio-test
	$(TEST_ENV) SOAK_DURATION='$(SOAK_DURATION)' QMS_SOAK_BIN='$(QMSTRACK)' \
		go test -count=1 -tags soak -run '^TestSoak$$' -v -timeout $(SOAK_TIMEOUT) ./server/cmd/qmstrack

## fuzz: every Fuzz target of the tree, found in the test files, each run
## for FUZZTIME on top of its committed corpus (testdata/fuzz/<Name>/).
fuzz: minio-test
	@set -e; grep -rlE '^func Fuzz[A-Za-z0-9_]+\(' --include='*_test.go' server | sort | while IFS= read -r f; do \
		dir=./$$(dirname "$$f"); \
		for fn in $$(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$$f" | sed 's/^func //'); do \
			echo "fuzz $$dir $$fn ($(FUZZTIME))"; \
			$(TEST_ENV) go test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$dir" >.tools/fuzz.log 2>&1 || { cat .tools/fuzz.log; exit 1; }; \
		done; \
	done

## bench-scale: the growth benchmarks, each at one size and at twice it,
## side by side (1x and 2x alternating call by call, p50/p95/p99 and the
## 2x/1x ratio against each target): NCs (register, overdue register,
## dashboard, scorecard, creation), the register of one unit's member
## beside the coordinator's, and search. BENCH_SIZE=small (the default,
## a few minutes on 2 cores): 100,000 NCs, 100,000 documents over 105 units,
## 20,000 documents with file text for search; BENCH_SIZE=full: 100,000
## NCs, 1,000,000 documents over 105 units and 1,000,000 with file text.
BENCH_SIZE ?= small
ifeq ($(BENCH_SIZE),full)
BENCH_SCALE_ENV := QMS_BENCH_NCS=100000 QMS_BENCH_UNIT_DOCS=1000000 QMS_BENCH_SEARCH_DOCS=1000000
else
BENCH_SCALE_ENV := QMS_BENCH_NCS=100000 QMS_BENCH_UNIT_DOCS=100000 QMS_BENCH_SEARCH_DOCS=20000
endif
bench-scale: minio-test
	@echo "bench-scale: BENCH_SIZE=$(BENCH_SIZE) ($(BENCH_SCALE_ENV)); load average $$(cut -d' ' -f1-3 /proc/loadavg)"
	$(TEST_ENV) $(BENCH_SCALE_ENV) QMS_PERF_ASSERT=1 go test -count=1 -v -run '^$$' -bench '^BenchmarkNCScale$$' -benchtime 1x -timeout 60m ./server/nonconformity/ \
		| grep -E '^(Benchmark|---|PASS|FAIL|ok)|target (met|missed)|overdue walk|seeded|pgbench|sampled' ; \
	rc1=$${PIPESTATUS[0]}; \
	$(TEST_ENV) $(BENCH_SCALE_ENV) QMS_PERF_ASSERT=1 go test -count=1 -v -run '^$$' -bench '^(BenchmarkDocumentRegisterOfOneUnit|BenchmarkDocumentSearchScale)$$' -benchtime 1x -timeout 60m ./server/web/ \
		| grep -E '^(Benchmark|---|PASS|FAIL|ok)|target (met|missed)|seeded|ms, p95|2x' ; \
	rc2=$${PIPESTATUS[0]}; \
	echo "bench-scale: load average $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	[ $$rc1 -eq 0 ] && [ $$rc2 -eq 0 ]

## bench: the benchmarks with their targets enforced. The document
## benchmarks time one run each (-benchtime 1x: each seeds 100,000 rows or
## streams 1 GiB); the others repeat as Go decides. With
## QMS_PERF_DATABASE_URL (a database seeded by 'qmstrack seed --demo
## --dossiers N') the process and one-stop office perf tests run too, each
## on a copy of it (QMS_PERF_DATABASE_URL_2X: a second one with twice the
## dossiers, for the one-stop test's growth figures).
bench: minio-test
	$(TEST_ENV) QMS_PERF_ASSERT=1 go test -count=1 -run '^$$' -bench 'Benchmark' -benchtime 1x -timeout 60m ./server/web/
	$(TEST_ENV) QMS_PERF_ASSERT=1 go test -count=1 -run '^$$' -bench 'Benchmark' -timeout 30m ./server/nonconformity/ ./server/evidence/ ./server/authz/
	@if [ -n "$$QMS_PERF_DATABASE_URL" ]; then \
		rc=0; \
		$(TEST_ENV) QMS_PERF_ASSERT=1 go test -count=1 -tags perf -run TestPerf -v -timeout 60m ./server/process/ || rc=1; \
		$(TEST_ENV) QMS_PERF_ASSERT=1 go test -count=1 -tags perf -run '^TestPerfOneStopOffice$$' -v -timeout 60m ./server/web/ || rc=1; \
		exit $$rc; \
	else echo "bench: QMS_PERF_DATABASE_URL is not set; the process and one-stop office perf tests are skipped"; fi

## mutate: gremlins over the rule-bearing packages, one package at a time
## with MUTATE_WORKERS mutants at once, on the real services; fails when a
## package is below MUTATE_MIN percent efficacy (killed / (killed + lived)).
## A mutant may take MUTATE_COEFFICIENT times the package's suite, at least
## MUTATE_MIN_TIMEOUT seconds (scripts/mutate.sh).
MUTATE_PKGS  ?= qms document nonconformity record internalaudit process identity trail evidence workday authz leadership
MUTATE_MIN   ?= 80
MUTATE_SINCE ?=
## MUTATE_DIFF: mutate only the source files changed since this branch or
## commit (scripts/mutate.sh); it follows MUTATE_SINCE unless set.
MUTATE_DIFF  ?= $(MUTATE_SINCE)
MUTATE_WORKERS     ?= 2
MUTATE_COEFFICIENT ?= 10
MUTATE_MIN_TIMEOUT ?= 300
mutate: minio-test
	@if [ ! -x "$(GREMLINS)" ] || ! go version -m "$(GREMLINS)" 2>/dev/null | grep -qE 'mod[[:space:]]+github.com/go-gremlins/gremlins[[:space:]]+$(GREMLINS_VERSION)'; then \
		echo "installing gremlins $(GREMLINS_VERSION) into .tools/bin"; \
		GOBIN="$(TOOLS_BIN)" go install $(GREMLINS_MODULE); \
	fi
	@pkgs="$(MUTATE_PKGS)"; \
	if [ -n "$(MUTATE_SINCE)" ]; then \
		pkgs=$$(for p in $$pkgs; do git diff --quiet "$(MUTATE_SINCE)" -- "server/$$p" || echo "$$p"; done); \
		echo "packages changed since $(MUTATE_SINCE): $${pkgs:-none}"; \
	fi; \
	[ -z "$$pkgs" ] || $(TEST_ENV) MUTATE_WORKERS='$(MUTATE_WORKERS)' MUTATE_DIFF='$(MUTATE_DIFF)' MUTATE_COEFFICIENT='$(MUTATE_COEFFICIENT)' \
		MUTATE_MIN_TIMEOUT='$(MUTATE_MIN_TIMEOUT)' scripts/mutate.sh "$(GREMLINS)" "$(MUTATE_MIN)" $$pkgs

## build: the qmstrack binary in .tools/bin.
build:
	go build -o "$(QMSTRACK)" ./server/cmd/qmstrack

# 'make run' needs the MinIO binary only when it starts its own MinIO.
RUN_DEPS := build
ifeq ($(QMS_S3_ENDPOINT),)
RUN_DEPS += $(MINIO) $(MC)
endif

## run: the server on QMS_ADDR (:8080) with a dev MinIO on 127.0.0.1:9000.
run: $(RUN_DEPS)
	scripts/run.sh "$(QMSTRACK)"

clean:
	rm -f "$(QMSTRACK)"

clean-data:
	rm -rf .minio
