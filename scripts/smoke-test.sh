#!/usr/bin/env bash
# Smoke test of a deployed remote: it is ready, and it refuses a call without a Forge
# Invocation Token. Usage: scripts/smoke-test.sh https://remote.example.com
set -euo pipefail
base="${1:?usage: $0 BASE_URL}"
base="${base%/}"
protected_path="${SMOKE_PROTECTED_PATH:-/api/me}"

fail() { echo "smoke test FAILED: $*" >&2; exit 1; }

# Readiness can lag a deployment by a few health-check intervals.
for attempt in $(seq 1 10); do
  status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "$base/health/ready" || true)
  [ "$status" = "200" ] && break
  echo "GET /health/ready -> $status (attempt $attempt/10)"
  sleep 15
done
[ "$status" = "200" ] || fail "GET $base/health/ready answered $status, expected 200"
echo "GET /health/ready -> 200"

status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "$base$protected_path")
[ "$status" = "401" ] || fail "GET $base$protected_path without a FIT answered $status, expected 401"
echo "GET $protected_path without a FIT -> 401"

# HTTPS only: nothing may answer on plain HTTP.
host="${base#https://}"; host="${host%%/*}"
if curl --silent --output /dev/null --max-time 5 "http://$host/" 2>/dev/null; then
  fail "http://$host/ answered; the load balancer must have no HTTP listener"
fi
echo "http://$host/ -> no answer (as intended)"
echo "smoke test passed"
