#!/usr/bin/env bash
# The one test command: installs the prerequisites, starts a throwaway PostgreSQL, and runs
# every test (unit, storage contract on SQLite and PostgreSQL, HTTP integration, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/install-test-prerequisites.sh

export ESTIMO_PG_PORT="${ESTIMO_PG_PORT:-55432}"
pg_conn=$(./scripts/postgres-test-server.sh start | tail -n 1)
trap './scripts/postgres-test-server.sh stop >/dev/null 2>&1 || true' EXIT
export ESTIMO_TEST_POSTGRES="$pg_conn"
export ESTIMO_REQUIRE_POSTGRES=1
export ESTIMO_REQUIRE_BROWSER=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build Estimo.slnx -c Release -nologo -clp:ErrorsOnly
status=0
dotnet test --solution Estimo.slnx -c Release --no-build \
  --results-directory "$results" 2>&1 | tee "$results/dotnet-test.log" || status=$?

# One closing line for CI, from the test platform's run summary.
awk '
  /^[[:space:]]*failed:/    { failed = $2 }
  /^[[:space:]]*succeeded:/ { passed = $2 }
  /^[[:space:]]*skipped:/   { skipped = $2 }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$results/dotnet-test.log"
exit $status
