#!/usr/bin/env bash
# Gives a MinIO the least-privilege users qmstrack runs with (see the
# README, "Object-store permissions"):
#
#   scripts/minio-users.sh PORT BUCKET
#
#   the service user (QMS_S3_ACCESS_KEY), policy policies/s3-service-policy.json:
#     everything the service does, and no s3:DeleteObjectVersion, no
#     s3:BypassGovernanceRetention;
#   the disposal user (QMS_S3_DISPOSAL_ACCESS_KEY), policy
#     policies/s3-disposal-policy.json: s3:DeleteObjectVersion on record files,
#     used only by a signed disposition after retention expired, and on the
#     other upload prefixes, used only by the reconciler for versions no row
#     refers to.
#
# BUCKET may end in * (the tests' per-test buckets t-*). The root user
# (MINIO_ROOT_USER / MINIO_ROOT_PASSWORD) makes the users; idempotent.
# Environment: MC (default .tools/bin/mc), QMS_S3_ACCESS_KEY /
# QMS_S3_SECRET_KEY and QMS_S3_DISPOSAL_ACCESS_KEY / QMS_S3_DISPOSAL_SECRET_KEY
# (defaults qmstrack-app / qmstrack-app-secret, qmstrack-dispose /
# qmstrack-dispose-secret).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${1:?port}"
bucket="${2:?bucket}"
mc="${MC:-$root/.tools/bin/mc}"
export MC_CONFIG_DIR="$root/.minio/mc-$port"
mkdir -p "$MC_CONFIG_DIR"

"$mc" --quiet alias set q "http://127.0.0.1:${port}" "${MINIO_ROOT_USER:-qmstrack}" "${MINIO_ROOT_PASSWORD:-qmstrack-secret}" >/dev/null

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for p in service disposal; do
	sed "s#arn:aws:s3:::qmstrack#arn:aws:s3:::${bucket}#g" "$root/policies/s3-${p}-policy.json" >"$tmp/$p.json"
	"$mc" --quiet admin policy create q "qmstrack-$p" "$tmp/$p.json" >/dev/null
done

adduser() {
	local user="$1" secret="$2" policy="$3"
	"$mc" --quiet admin user add q "$user" "$secret" >/dev/null
	"$mc" --quiet admin policy attach q "$policy" --user "$user" >/dev/null 2>&1 || true
}
adduser "${QMS_S3_ACCESS_KEY:-qmstrack-app}" "${QMS_S3_SECRET_KEY:-qmstrack-app-secret}" qmstrack-service
adduser "${QMS_S3_DISPOSAL_ACCESS_KEY:-qmstrack-dispose}" "${QMS_S3_DISPOSAL_SECRET_KEY:-qmstrack-dispose-secret}" qmstrack-disposal
echo "minio-users: service and disposal users ready on 127.0.0.1:${port} for bucket ${bucket}"
