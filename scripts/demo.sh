#!/usr/bin/env bash
# The one-command local demo: builds the Custom UI, the remote and the Jira/Forge simulator,
# starts both on loopback with embedded defaults (SQLite, a generated local key file and
# certificate under .estimo/, console and file logs), installs the app on the simulated site,
# and prints the URL to open. Ctrl-C stops both.
#   ESTIMO_REMOTE_PORT (default 8443)  ESTIMO_SIM_PORT (default 9400)  ESTIMO_METRICS_PORT (default 9464)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
remote_port="${ESTIMO_REMOTE_PORT:-8443}"
sim_port="${ESTIMO_SIM_PORT:-9400}"
metrics_port="${ESTIMO_METRICS_PORT:-9464}"
sim_url="http://127.0.0.1:${sim_port}"

fail() { echo "estimo demo: $*" >&2; exit 1; }
command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is required."
command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js and npm are required."
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_in_use "$remote_port" && fail "port $remote_port (remote) is already in use; set ESTIMO_REMOTE_PORT to a free port."
port_in_use "$sim_port" && fail "port $sim_port (simulator) is already in use; set ESTIMO_SIM_PORT to a free port."
port_in_use "$metrics_port" && fail "port $metrics_port (remote metrics, loopback) is already in use; set ESTIMO_METRICS_PORT to a free port."

echo "Building the Custom UI, the remote and the simulator (first run takes a minute)…"
./scripts/build-web.sh >/dev/null
dotnet build -c Release -nologo -v q -clp:ErrorsOnly src/Estimo.Remote/Estimo.Remote.csproj
dotnet build -c Release -nologo -v q -clp:ErrorsOnly sim/Estimo.Simulator/Estimo.Simulator.csproj
remote_dll="$root/src/Estimo.Remote/bin/Release/net10.0/Estimo.Remote.dll"
sim_dll="$root/sim/Estimo.Simulator/bin/Release/net10.0/Estimo.Simulator.dll"
app_id=$(awk '/^app:/ {in_app=1; next} in_app && $1 == "id:" {print $2; exit}' forge/manifest.yml)
[ -n "$app_id" ] || fail "could not read app.id from forge/manifest.yml."

mkdir -p .estimo/logs
pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] || return 0
  echo "Stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'echo; stop; exit 0' INT TERM
trap stop EXIT

http_ok() { node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$1"; }
wait_for() { # description, command…
  local what=$1; shift
  for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  fail "$what did not become ready; see .estimo/logs/."
}

# The simulator first: the remote loads its FIT signing keys from it.
dotnet "$sim_dll" \
  --Simulator:ListenUrl="$sim_url" \
  --Simulator:Remote:BaseUrl="https://127.0.0.1:${remote_port}" \
  --Simulator:Remote:AllowUntrustedLoopbackCertificate=true \
  --Simulator:Remote:RelayDirectCalls=true \
  >.estimo/logs/simulator.log 2>&1 &
pids+=($!)
wait_for "the simulator" http_ok "$sim_url/"

dotnet "$remote_dll" \
  --Remote:Port="$remote_port" \
  --Monitoring:ManagementPort="$metrics_port" \
  --Remote:AllowedCorsOrigins:0="$sim_url" \
  --Forge:AppId="$app_id" \
  --Forge:JwksUrl="$sim_url/.well-known/jwks.json" \
  --Storage:ApplyMigrationsOnStartup=true \
  --Logs:FilePath=.estimo/logs/remote-.log \
  >.estimo/logs/remote.console.log 2>&1 &
pids+=($!)
wait_for "the remote" dotnet "$remote_dll" probe ready --Remote:Port="$remote_port"

node -e "fetch(process.argv[1], {method: 'POST'}).then(async r => { if (!r.ok) { console.error(await r.text()); process.exit(1); } }, e => { console.error(e.message); process.exit(1); })" \
  "$sim_url/__sim/install" || fail "installing the app on the simulated site failed; see .estimo/logs/."

cat <<MSG

Estimo is running.
  Open:     $sim_url/jira/software/projects/EST/apps/estimo-project-page
  Issue:    $sim_url/browse/EST-11   (the issue panel with estimation history)
  Remote:   https://127.0.0.1:${remote_port}  (HTTPS, self-signed certificate in .estimo/tls)
  Metrics:  https://127.0.0.1:${metrics_port}/metrics  (loopback-only management listener)
  Logs:     .estimo/logs/   Data: .estimo/data/   Keys: .estimo/keys/keyring.json
Switch users with "Signed in as" in the page header; two browser windows can be two users.
Press Ctrl-C to stop.
MSG

# Stop when either process exits (and say which), or on Ctrl-C.
wait -n "${pids[@]}" || true
fail "a process stopped unexpectedly; see .estimo/logs/."
