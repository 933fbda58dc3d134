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
dotnet test Estimo.slnx -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" || status=$?

# One closing line for CI, summed over every test project's TRX file.
awk -F'"' '
  /<Counters / {
    for (i = 1; i < NF; i++) {
      if ($i ~ /passed=$/) passed += $(i+1);
      if ($i ~ /failed=$/) failed += $(i+1);
      if ($i ~ /notExecuted=$/) skipped += $(i+1);
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$results"/*.trx 2>/dev/null || true
exit $status
