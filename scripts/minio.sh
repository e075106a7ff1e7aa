#!/usr/bin/env bash
# Start, stop and probe a local MinIO server for development and tests.
#
#   scripts/minio.sh start PORT DATADIR PIDFILE [LOGFILE]
#       Ensures a MinIO answers on 127.0.0.1:PORT (console on PORT+1).
#       Reuses whatever already answers the health endpoint; otherwise starts
#       one in the background (data in DATADIR, pid in PIDFILE, log in
#       LOGFILE, default PIDFILE with .log instead of .pid) and waits up to
#       MINIO_WAIT seconds (default 30) for it to become healthy.
#       Exit status 0 when a server answers; the last line printed says
#       "started" or "reused".
#   scripts/minio.sh stop PIDFILE
#       Stops the server whose pid is in PIDFILE, if it still runs.
#   scripts/minio.sh status PORT
#       Exit status 0 if a MinIO answers on 127.0.0.1:PORT.
#
# Environment: MINIO (binary, default .tools/bin/minio, then minio on PATH),
# MINIO_ROOT_USER (default qmstrack), MINIO_ROOT_PASSWORD (default
# qmstrack-secret), MINIO_WAIT (seconds, default 30).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
	sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# healthy PORT: true when the MinIO liveness endpoint answers 200.
healthy() {
	local port="$1"
	if command -v curl >/dev/null 2>&1; then
		curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${port}/minio/health/live" 2>/dev/null
		return
	fi
	# Fallback without curl: a raw HTTP request over bash's /dev/tcp.
	local status
	# shellcheck disable=SC2016 # expanded by the inner bash
	status="$(
		timeout 3 bash -c '
			exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
			printf "GET /minio/health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
			head -n 1 <&3
		' _ "$port" 2>/dev/null || true
	)"
	[[ "$status" == HTTP/*" 200"* ]]
}

# alive PIDFILE: true when the pid in PIDFILE is a running process.
alive() {
	local pidfile="$1" pid
	[[ -s "$pidfile" ]] || return 1
	pid="$(cat "$pidfile")"
	[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	# Guard against a stale pid file whose pid now belongs to something else.
	if [[ -r "/proc/$pid/cmdline" ]]; then
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q minio
	fi
}

find_minio() {
	if [[ -n "${MINIO:-}" ]]; then
		echo "$MINIO"
	elif [[ -x "$root/.tools/bin/minio" ]]; then
		echo "$root/.tools/bin/minio"
	elif command -v minio >/dev/null 2>&1; then
		command -v minio
	else
		echo "minio.sh: no minio binary; run 'make tools' first" >&2
		return 1
	fi
}

start() {
	[[ $# -ge 3 && $# -le 4 ]] || usage
	local port="$1" datadir="$2" pidfile="$3" logfile="${4:-}"
	[[ "$port" =~ ^[0-9]+$ ]] || usage
	[[ -n "$logfile" ]] || logfile="${pidfile%.pid}.log"
	local console=$((port + 1))
	local wait_s="${MINIO_WAIT:-30}"

	if healthy "$port"; then
		echo "minio: reusing the server that answers on 127.0.0.1:${port}"
		echo "reused"
		return 0
	fi

	mkdir -p "$datadir" "$(dirname "$pidfile")" "$(dirname "$logfile")"
	if alive "$pidfile"; then
		# Started earlier and still coming up: wait for it below.
		echo "minio: pid $(cat "$pidfile") is already starting on 127.0.0.1:${port}"
	else
		local bin
		bin="$(find_minio)"
		echo "minio: starting on 127.0.0.1:${port} (console 127.0.0.1:${console}), data in ${datadir}, log in ${logfile}"
		# setsid: its own session, so a Ctrl-C in the terminal that started it
		# does not reach it; whoever started it stops it with 'stop PIDFILE'.
		# The inner shell writes its own pid and then becomes minio (exec).
		# shellcheck disable=SC2016 # expanded by the inner sh
		MINIO_ROOT_USER="${MINIO_ROOT_USER:-qmstrack}" \
			MINIO_ROOT_PASSWORD="${MINIO_ROOT_PASSWORD:-qmstrack-secret}" \
			nohup setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" \
			"$bin" server \
			--address "127.0.0.1:${port}" \
			--console-address "127.0.0.1:${console}" \
			"$datadir" </dev/null >>"$logfile" 2>&1 &
		# Give the inner shell a moment to write the pid file.
		local i
		for ((i = 0; i < 50; i++)); do
			[[ -s "$pidfile" ]] && break
			sleep 0.1
		done
	fi

	local deadline=$((SECONDS + wait_s))
	while ((SECONDS < deadline)); do
		if healthy "$port"; then
			echo "minio: healthy on 127.0.0.1:${port} (pid $(cat "$pidfile" 2>/dev/null || echo '?'))"
			echo "started"
			return 0
		fi
		if ! alive "$pidfile"; then
			echo "minio: the server exited; last lines of ${logfile}:" >&2
			tail -n 20 "$logfile" >&2 || true
			rm -f "$pidfile"
			return 1
		fi
		sleep 0.5
	done
	echo "minio: not healthy on 127.0.0.1:${port} after ${wait_s}s; last lines of ${logfile}:" >&2
	tail -n 20 "$logfile" >&2 || true
	return 1
}

stop() {
	[[ $# -eq 1 ]] || usage
	local pidfile="$1" pid i
	if ! alive "$pidfile"; then
		rm -f "$pidfile"
		return 0
	fi
	pid="$(cat "$pidfile")"
	# Signal first, report after: the output may go to a pipe that a Ctrl-C
	# has already closed.
	kill -TERM "$pid" 2>/dev/null || true
	echo "minio: stopping pid ${pid}" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "minio: pid ${pid} did not stop in 10s; killing it" >&2 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

status() {
	[[ $# -eq 1 ]] || usage
	healthy "$1"
}

cmd="${1:-}"
[[ -n "$cmd" ]] || usage
shift
case "$cmd" in
start) start "$@" ;;
stop) stop "$@" ;;
status) status "$@" ;;
*) usage ;;
esac
