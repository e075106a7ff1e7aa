#!/usr/bin/env bash
# Mutation testing of the rule-bearing packages with gremlins, one package at
# a time (the tests use the real PostgreSQL and MinIO), and a table of the
# efficacy (killed / (killed + lived) mutants) per package and in total.
# Usage: scripts/mutate.sh GREMLINS MIN PKG...
#   GREMLINS  the gremlins binary
#   MIN       the efficacy (percent) every package must reach; 0 only reports
#   PKG       package folders under server/ (qms, document, ...)
# Environment: MUTATE_WORKERS (default 2) mutants tested at once: each test
# clones its own database and bucket, so two suites never share state, and
# they wait on the services more than they compute. A mutant may take
# MUTATE_COEFFICIENT (default 10) times the package's measured suite, and
# at least MUTATE_MIN_TIMEOUT seconds (default 300): building a mutant's
# test binary, which the measured run does not need, takes a minute or more
# on a loaded machine, longer than ten times a suite of a few seconds.
# MUTATE_DIFF (a branch or commit, empty by default) mutates, in each
# package, only the source files changed since it (the others are excluded
# with gremlins -E); a package whose change touched its tests alone is
# mutated whole, as weaker tests would show on any of its files. (gremlins'
# own --diff matches nothing when it runs on a package folder: it compares
# the diff's paths from the repository's root with paths from the folder.)
# Each package's JSON report and log go to .tools/mutate/; the surviving
# (lived) mutants are listed after the table.
set -uo pipefail
gremlins=$1 min=$2
shift 2
workers=${MUTATE_WORKERS:-2} coefficient=${MUTATE_COEFFICIENT:-10} floor=${MUTATE_MIN_TIMEOUT:-300}
# excluded PKG: gremlins -E arguments for the package's source files not
# changed since MUTATE_DIFF (none when it is unset or only tests changed).
excluded() {
	[ -n "${MUTATE_DIFF:-}" ] || return 0
	local dir=server/$1 changed f
	changed=$(git diff --name-only "$MUTATE_DIFF" -- "$dir" | grep '\.go$' | grep -v '_test\.go$')
	[ -n "$changed" ] || return 0
	while IFS= read -r f; do
		grep -qxF "$f" <<<"$changed" && continue
		printf -- '-E\n^%s$\n' "$(sed 's/[.]/[.]/g' <<<"${f#"$dir"/}")"
	done < <(git ls-files "$dir" | grep '\.go$' | grep -v '_test\.go$')
}
out=.tools/mutate
mkdir -p "$out"
row() { printf '%-14s %7s %6s %6s %8s %9s %9s %9s\n' "$@"; }
row package killed lived "t/out" "not cov" "n/viable" efficacy time
tk=0 tl=0 fail=0 t0=$(date +%s)
for p in "$@"; do
	s=$(date +%s)
	# gremlins times each mutant against its own first run of the suite,
	# made with the test binary already built; this run, also on a built
	# binary, predicts it and sets the coefficient that gives the floor.
	go test -count=1 -run '^$' "./server/$p/..." >/dev/null 2>&1
	b0=$(date +%s%N)
	if ! go test -count=1 "./server/$p/..." >"$out/$p.base.log" 2>&1; then
		row "$p" - - - - - "tests fail" "$(($(date +%s) - s))s"
		tail -5 "$out/$p.base.log"
		fail=1
		continue
	fi
	base=$((($(date +%s%N) - b0) / 1000000))
	coef=$(((floor * 1000 + base - 1) / base))
	[ "$coef" -ge "$coefficient" ] || coef=$coefficient
	echo "$p: suite ${base} ms, mutant timeout coefficient $coef" >>"$out/$p.base.log"
	# -count=1: a cached test result would make gremlins measure the suite
	# at near zero and time every mutant out. -vet=off: go test's vet pass
	# over every mutant costs time and kills none (make check vets).
	mapfile -t skip < <(excluded "$p")
	[ "${#skip[@]}" -eq 0 ] || echo "$p: mutating only the files changed since $MUTATE_DIFF (${#skip[@]} arguments of exclusion)" >>"$out/$p.base.log"
	GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1 -vet=off" "$gremlins" unleash --workers "$workers" --timeout-coefficient "$coef" "${skip[@]}" \
		-o "$out/$p.json" "./server/$p" >"$out/$p.log" 2>&1
	rc=$?
	el=$(($(date +%s) - s))
	if [ ! -s "$out/$p.json" ]; then
		row "$p" - - - - - "error $rc" "${el}s"
		tail -5 "$out/$p.log"
		fail=1
		continue
	fi
	count() { jq "[.files[].mutations[] | select(.status == \"$1\")] | length" "$out/$p.json"; }
	k=$(count KILLED) l=$(count LIVED) to=$(count "TIMED OUT") nc=$(count "NOT COVERED") nv=$(count "NOT VIABLE")
	tk=$((tk + k)) tl=$((tl + l))
	eff=-
	if [ $((k + l)) -gt 0 ]; then
		eff=$(awk -v k="$k" -v l="$l" 'BEGIN { printf "%.1f%%", 100 * k / (k + l) }')
		if awk -v k="$k" -v l="$l" -v m="$min" 'BEGIN { exit !(100 * k / (k + l) < m) }'; then fail=1; fi
	fi
	row "$p" "$k" "$l" "$to" "$nc" "$nv" "$eff" "${el}s"
done
if [ $((tk + tl)) -gt 0 ]; then
	row total "$tk" "$tl" "" "" "" "$(awk -v k="$tk" -v l="$tl" 'BEGIN { printf "%.1f%%", 100 * k / (k + l) }')" "$(($(date +%s) - t0))s"
fi
echo
echo "surviving mutants (file:line:column type):"
for p in "$@"; do
	[ -s "$out/$p.json" ] || continue
	jq -r '.files[] | .file_name as $f | .mutations[] | select(.status == "LIVED") | "  \($f):\(.line):\(.column) \(.type)"' "$out/$p.json"
done
if [ "$fail" -ne 0 ] && [ "$min" != 0 ]; then
	echo "mutate: a package is below ${min}% efficacy (or did not run)"
	exit 1
fi
