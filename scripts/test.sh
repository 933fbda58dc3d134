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
export ESTIMO_REQUIRE_SSHD=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

# The UI bundle first: its unit tests, and the bundle the simulator and browser tests serve.
./scripts/build-web.sh
status=0
(cd web && NO_COLOR=1 npm test --silent 2>&1) | tee "$results/web-test.log" || status=$?

dotnet build Estimo.slnx -c Release -nologo -clp:ErrorsOnly
dotnet test --solution Estimo.slnx -c Release --no-build \
  --results-directory "$results" 2>&1 | tee "$results/dotnet-test.log" || status=$?

./scripts/lint-workflows.sh || status=$?

# One closing line for CI: .NET (test platform summary) plus web (vitest summary).
awk '
  FILENAME ~ /dotnet/ && /^[[:space:]]*failed:/    { failed += $2 }
  FILENAME ~ /dotnet/ && /^[[:space:]]*succeeded:/ { passed += $2 }
  FILENAME ~ /dotnet/ && /^[[:space:]]*skipped:/   { skipped += $2 }
  FILENAME ~ /web/ && /^[[:space:]]*Tests[[:space:]]/ {
    for (i = 2; i <= NF; i++) {
      if ($i == "passed") passed += $(i-1);
      if ($i == "failed" || $i == "failed,") failed += $(i-1);
      if ($i == "skipped") skipped += $(i-1);
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$results/dotnet-test.log" "$results/web-test.log"
exit $status
