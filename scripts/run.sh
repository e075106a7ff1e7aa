#!/usr/bin/env bash
# Runs qmstrack locally for development (what 'make run' does):
#
#   scripts/run.sh [BINARY]        BINARY defaults to .tools/bin/qmstrack
#
# 1. Unless QMS_S3_ENDPOINT is set, ensures a MinIO on 127.0.0.1:9000
#    (console 127.0.0.1:9001, data in .minio/data). One that already answers
#    there is reused and left alone; one started here is stopped on exit.
# 2. Unless QMS_DATABASE_URL is set, creates the database qmstrack on the
#    local PostgreSQL (127.0.0.1:5432, user postgres) if it is missing.
# 3. Runs 'qmstrack migrate', 'qmstrack seed --demo' (seeds only an empty
#    database and prints the demo logins) and then 'qmstrack serve' in the
#    foreground. Ctrl-C stops the server and the MinIO started here; the data
#    in .minio/data and in the database stay for the next run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bin="${1:-.tools/bin/qmstrack}"
if [[ ! -x "$bin" ]]; then
	echo "run.sh: $bin is missing; run 'make build' first" >&2
	exit 1
fi

: "${QMS_ADDR:=:8080}"
export QMS_ADDR
# The dev MinIO's root user makes the users qmstrack runs with: a service key
# that cannot delete versions nor bypass governance retention, and a disposal
# key (scripts/minio-users.sh, policies/s3-*-policy.json).
dev_root_user="${QMS_DEV_MINIO_ROOT_USER:-qmstrack}"
dev_root_password="${QMS_DEV_MINIO_ROOT_PASSWORD:-qmstrack-secret}"

dev_minio_port="${QMS_DEV_MINIO_PORT:-9000}"
minio_pidfile=".minio/dev.pid"
started_minio=0

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# Keep going if the terminal pipe (make run | tee ...) is gone already.
	trap '' PIPE
	if ((started_minio)); then
		scripts/minio.sh stop "$minio_pidfile" || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Object store.
if [[ -z "${QMS_S3_ENDPOINT:-}" ]]; then
	if scripts/minio.sh status "$dev_minio_port"; then
		echo "run.sh: reusing the MinIO that answers on 127.0.0.1:${dev_minio_port}"
	else
		started_minio=1
		MINIO_ROOT_USER="$dev_root_user" MINIO_ROOT_PASSWORD="$dev_root_password" \
			scripts/minio.sh start "$dev_minio_port" .minio/data "$minio_pidfile" .minio/dev.log
	fi
	QMS_S3_ENDPOINT="127.0.0.1:${dev_minio_port}"
	: "${QMS_S3_ACCESS_KEY:=qmstrack-app}" "${QMS_S3_SECRET_KEY:=qmstrack-app-secret}"
	: "${QMS_S3_DISPOSAL_ACCESS_KEY:=qmstrack-dispose}" "${QMS_S3_DISPOSAL_SECRET_KEY:=qmstrack-dispose-secret}"
	export QMS_S3_ACCESS_KEY QMS_S3_SECRET_KEY QMS_S3_DISPOSAL_ACCESS_KEY QMS_S3_DISPOSAL_SECRET_KEY
	MINIO_ROOT_USER="$dev_root_user" MINIO_ROOT_PASSWORD="$dev_root_password" \
		scripts/minio-users.sh "$dev_minio_port" "${QMS_S3_BUCKET:-qmstrack}"
fi
export QMS_S3_ENDPOINT

# 2. Database.
if [[ -z "${QMS_DATABASE_URL:-}" ]]; then
	if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='qmstrack'" postgres | grep -q 1; then
		echo "run.sh: creating database qmstrack"
		createdb -h 127.0.0.1 -U postgres qmstrack
	fi
	QMS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/qmstrack?sslmode=disable"
fi
export QMS_DATABASE_URL

# 3. Schema, demo data, server.
"$bin" migrate
"$bin" seed --demo

if ((!started_minio)); then
	# Nothing of ours to stop afterwards: the server takes over this process.
	trap - EXIT INT TERM
	exec "$bin" serve
fi

# The server runs in its own process group (set -m), so the terminal's Ctrl-C
# reaches only this script, which passes it on once; when the server has shut
# down, the EXIT trap stops the MinIO started above.
set -m
"$bin" serve &
srv=$!
set +m
trap 'kill -INT "$srv" 2>/dev/null || true' INT
trap 'kill -TERM "$srv" 2>/dev/null || true' TERM
trap 'kill -HUP "$srv" 2>/dev/null || true' HUP
while kill -0 "$srv" 2>/dev/null; do
	wait "$srv" || true
done
rc=0
wait "$srv" || rc=$?
# A server stopped by Ctrl-C or a signal has done what was asked.
case "$rc" in 130 | 143 | 129) rc=0 ;; esac
exit "$rc"
