#!/usr/bin/env bash
# Issue 10's benchmarks, one command:
#   ./scripts/bench.sh [auth|session|storage|cross|ready|micro|restore|all]     (default: all)
# Builds in Release, starts every server on loopback (free ports), drives load (wrk, or the
# bench's own generator), prints one table per measurement, and stops only what it started.
# Output (keys, tokens, logs, databases) goes to bench/.out (ignored by git).
# Needs: the .NET SDK and Node.js + npm; wrk, curl and PostgreSQL come from Debian (installed when missing). The postgresql
# package (storage/cross; a throwaway cluster on ESTIMO_PG_PORT, default 55434).
# Knobs: BENCH_AUTH_SECONDS (default 6), BENCH_CONNECTIONS (64), BENCH_TOKENS (auto),
#        BENCH_SESSION_SCENARIOS ("label:sessions:participants:votes/s:seconds|..."),
#        BENCH_SESSION_PROVIDER (Sqlite, the default, or PostgreSql),
#        BENCH_RESTORE_ROWS ("10000 100000 1000000": sealed poker_sessions rows per restore run).
set -euo pipefail

what="${1:-all}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${repo}/bench/.out"
dir="${out}/keys"
log="${out}/logs"
mkdir -p "${out}" "${log}"
tool="${repo}/bench/Estimo.Bench/bin/Release/net10.0/Estimo.Bench.dll"
remote_dll="${repo}/src/Estimo.Remote/bin/Release/net10.0/Estimo.Remote.dll"
pg_port="${ESTIMO_PG_PORT:-55434}"
auth_seconds="${BENCH_AUTH_SECONDS:-6}"
connections="${BENCH_CONNECTIONS:-64}"
threads=2
app_id="7f1c2a9e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"

started_pids=()
pg_started=0
cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do
    kill "${pid}" 2>/dev/null || true
  done
  for pid in "${started_pids[@]}"; do
    wait "${pid}" 2>/dev/null || true
  done
  if [[ "${pg_started}" == 1 ]]; then
    ESTIMO_PG_PORT="${pg_port}" "${repo}/scripts/postgres-test-server.sh" stop || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }
bench_tool() { dotnet "${tool}" "$@"; }
free_port() { bench_tool free-port; }
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
peak_rss_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
wait_ready() { # url pid name
  local i
  for i in $(seq 1 300); do
    if curl -ksf -o /dev/null "$1/health/ready"; then return 0; fi
    kill -0 "$2" 2>/dev/null || { say "$3 exited; see ${log}"; return 1; }
    sleep 0.1
  done
  say "$3 not ready after 30 s"; return 1
}

build() {
  say "building in Release"
  dotnet build "${repo}/src/Estimo.Remote/Estimo.Remote.csproj" -c Release -v q -nologo >"${log}/build-remote.log" 2>&1 \
    || { cat "${log}/build-remote.log"; exit 1; }
  dotnet build "${repo}/bench/Estimo.Bench/Estimo.Bench.csproj" -c Release -v q -nologo >"${log}/build-bench.log" 2>&1 \
    || { cat "${log}/build-bench.log"; exit 1; }
  if [[ ! -f "${dir}/fit-key.pem" ]]; then bench_tool setup "${dir}"; fi
}

# The JWKS + Jira stand-in, for the whole run.
stubs_port=""
start_stubs() {
  [[ -n "${stubs_port}" ]] && return 0
  local portfile="${out}/stubs.port"
  : >"${portfile}"
  dotnet "${tool}" stubs "${dir}" >"${portfile}" 2>"${log}/stubs.log" &
  started_pids+=("$!")
  for _ in $(seq 1 100); do [[ -s "${portfile}" ]] && break; sleep 0.1; done
  stubs_port="$(head -n1 "${portfile}")"
  [[ -n "${stubs_port}" ]] || { say "stubs did not start"; exit 1; }
  jwks_url="http://127.0.0.1:${stubs_port}/.well-known/jwks.json"
  api_base="http://127.0.0.1:${stubs_port}/ex/jira/0f7a4c6e-2b1d-4e3f-8a9b-7c6d5e4f3a2b"
}

# start_remote NAME PORT [extra dotnet args...]; sets remote_pid. SQLite unless overridden.
start_remote() {
  local name="$1" port="$2"
  shift 2
  local root="${out}/${name}"
  rm -rf "${root}"
  mkdir -p "${root}"
  (
    cd "${root}"
    exec env Logs__Console=false dotnet "${remote_dll}" \
      --Forge:AppId="${app_id}" --Forge:JwksUrl="${jwks_url}" \
      --Remote:Port="${port}" --Remote:CertificatePath="${dir}/tls-cert.pem" --Remote:CertificateKeyPath="${dir}/tls-key.pem" \
      --Storage:ApplyMigrationsOnStartup=true "$@"
  ) >"${log}/${name}.log" 2>&1 &
  remote_pid=$!
  started_pids+=("${remote_pid}")
  wait_ready "https://127.0.0.1:${port}" "${remote_pid}" "${name}"
}

system_token() { # a JWT-shaped app token with an exp, as Forge sends in x-forge-oauth-system
  local b64='base64 -w0'
  local header payload
  header="$(printf '{"alg":"RS256","typ":"JWT"}' | ${b64} | tr '+/' '-_' | tr -d '=')"
  payload="$(printf '{"sub":"app-system-user","exp":%d}' "$(( $(date +%s) + 3600 ))" | ${b64} | tr '+/' '-_' | tr -d '=')"
  echo "${header}.${payload}.c2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LXRoZS1yZW1vdGU"
}

# run_wrk LABEL URL PID TOKENS_FILE -> appends a row to auth_rows
auth_rows=()
declare -A auth_rps
run_wrk() {
  local label="$1" url="$2" pid="$3" tokens="$4" seconds="${5:-${auth_seconds}}"
  local result
  result="$(FIT_FILE="${tokens}" WRK_THREADS="${threads}" SYSTEM_TOKEN="${sys_token}" WRK_PATH="${WRK_PATH:-/api/me}" WRK_ANONYMOUS="${WRK_ANONYMOUS:-0}" \
    wrk -t"${threads}" -c"${connections}" -d"${seconds}s" --timeout 10s -s "${repo}/bench/wrk/fit.lua" "${url}/api/me" 2>&1 | tee -a "${log}/wrk.log" | grep '^RESULT' || true)"
  [[ -n "${result}" ]] || { say "wrk printed no result for ${label}"; return 1; }
  local row
  row="$(awk -v label="${label}" -v rss="$(peak_rss_mb "${pid}")" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    secs = v["duration_us"] / 1e6; errs = v["non2xx"] + v["socket_errors"];
    exhausted = (label !~ /^bare|no token/ && v["tokens_sent"] > v["tokens_available"]) ? " (tokens ran out: reused ones are rejected)" : "";
    printf "| %s | %.0f | %.2f | %.2f | %.2f %% | %d | %s MB |%s\n", label, v["requests"] / secs, v["p50_us"] / 1000, v["p99_us"] / 1000,
      (v["requests"] > 0 ? 100 * errs / v["requests"] : 0), v["requests"], rss, exhausted
  }' <<<"${result}")"
  auth_rows+=("${row}")
  auth_rps["${label}"]="$(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } ; printf "%.0f", v["requests"] * (1 - (v["non2xx"] + v["socket_errors"]) / (v["requests"] > 0 ? v["requests"] : 1)) / (v["duration_us"] / 1e6) }' <<<"${result}")"
  echo "${row}" >&2
}

ace_install() {
  local acedir="${out}/ace"
  mkdir -p "${acedir}"
  cp "${repo}/bench/ace/package.json" "${repo}/bench/ace/app.js" "${repo}/bench/ace/atlassian-connect.json" "${acedir}/"
  if [[ ! -d "${acedir}/node_modules/atlassian-connect-express" ]]; then
    say "installing atlassian-connect-express $(npm view atlassian-connect-express@11.5.3 version) from npm into ${acedir} (not committed)"
    (cd "${acedir}" && npm install --no-audit --no-fund --loglevel=error >"${log}/ace-install.log" 2>&1) \
      || { cat "${log}/ace-install.log"; return 1; }
  fi
  # ACE reads config.json from its working directory. The store is ACE's default (Sequelize
  # on SQLite in memory): not named here, so it is exactly what a new ACE app gets.
  cat >"${acedir}/config.json" <<EOF
{ "production": { "appId": "${app_id}", "localBaseUrl": "https://127.0.0.1", "port": 3000 } }
EOF
}

# start_ace MODE PORT; sets ace_pid
start_ace() {
  (cd "${out}/ace" && exec env NODE_ENV=production PORT="$2" ACE_MODE="$1" ACE_JWKS_URL="${jwks_url}" BENCH_DIR="${dir}" node app.js) \
    >"${log}/ace-$1.log" 2>&1 &
  ace_pid=$!
  started_pids+=("${ace_pid}")
  wait_ready "https://127.0.0.1:$2" "${ace_pid}" "ace-$1"
}

# mint_fits FILE COUNT: unique FITs valid for 1 h (the validator checks exp + 5 s skew, not the
# lifetime). Each server under test starts with an empty replay cache, so a file younger than
# 40 minutes with enough tokens is reused by the next run rather than minted again.
mint_fits() {
  if [[ -f "$1" && -n "$(find "$1" -mmin -40)" && "$(wc -l <"$1")" -ge "$2" ]]; then
    say "reusing the $(wc -l <"$1") FITs already in $1"
    return 0
  fi
  say "minting $2 unique FITs into $1"
  bench_tool mint "${dir}" "$2" "$1"
}

bench_auth() {
  start_stubs
  sys_token="$(system_token)"
  # Enough unique tokens for the fastest authenticated server plus headroom; the warm-up gets its own.
  local count="${BENCH_TOKENS:-$(( auth_seconds * 25000 ))}"
  mint_fits "${out}/fits-warmup.txt" 30000
  mint_fits "${out}/fits.txt" "${count}"
  ace_install

  local port
  port="$(free_port)"
  say "bare ASP.NET Core endpoint (the ceiling)"
  dotnet "${tool}" bare "${dir}" "${port}" >"${log}/bare.log" 2>&1 &
  local bare_pid=$!
  started_pids+=("${bare_pid}")
  wait_ready "https://127.0.0.1:${port}" "${bare_pid}" bare
  run_wrk "warm-up" "https://127.0.0.1:${port}" "${bare_pid}" "${out}/fits-warmup.txt" 3 >/dev/null 2>&1; unset 'auth_rows[-1]'
  run_wrk "bare ASP.NET Core (no auth)" "https://127.0.0.1:${port}" "${bare_pid}" "${out}/fits.txt"
  stop_pid "${bare_pid}"

  port="$(free_port)"
  say "Estimo remote, GET /api/me with full FIT verification (Release, SQLite)"
  start_remote auth-remote "${port}" --Storage:Provider=Sqlite
  bench_tool install "${dir}" "https://127.0.0.1:${port}" "${api_base}"
  run_wrk "warm-up" "https://127.0.0.1:${port}" "${remote_pid}" "${out}/fits-warmup.txt" 3 >/dev/null 2>&1; unset 'auth_rows[-1]'
  run_wrk "Estimo GET /api/me (FIT)" "https://127.0.0.1:${port}" "${remote_pid}" "${out}/fits.txt"
  # Same process, same pipeline, anonymous: separates the FIT's cost from the rest of the pipeline.
  WRK_ANONYMOUS=1 WRK_PATH=/health/live run_wrk "Estimo GET /health/live (same pipeline, no token; diagnostic)" "https://127.0.0.1:${port}" "${remote_pid}" "${out}/fits-warmup.txt"
  stop_pid "${remote_pid}"

  for mode in stock async-token-write; do
    port="$(free_port)"
    say "atlassian-connect-express authenticateForge() (${mode})"
    start_ace "${mode}" "${port}"
    run_wrk "warm-up" "https://127.0.0.1:${port}" "${ace_pid}" "${out}/fits-warmup.txt" 3 >/dev/null 2>&1; unset 'auth_rows[-1]'
    local label="ACE authenticateForge() — stock"
    [[ "${mode}" == stock ]] || label="ACE authenticateForge() — VARIANT: token write not awaited"
    run_wrk "${label}" "https://127.0.0.1:${port}" "${ace_pid}" "${out}/fits.txt"
    stop_pid "${ace_pid}"
  done

  local me="${auth_rps[Estimo GET /api/me (FIT)]}" bare="${auth_rps[bare ASP.NET Core (no auth)]}"
  local ace="${auth_rps[ACE authenticateForge() — stock]}" acev="${auth_rps[ACE authenticateForge() — VARIANT: token write not awaited]}"
  echo
  echo "### (a) Authentication baseline — $(date -u +%FT%TZ), wrk -t${threads} -c${connections} -d${auth_seconds}s, HTTPS on loopback, unique FIT per request"
  echo
  echo "| Server | Requests/s | p50 ms | p99 ms | Errors | Requests | Peak RSS |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${auth_rows[@]}"
  echo
  echo "Ratios on successful requests/s (same run): /api/me ÷ bare = $(awk -v a="${me}" -v b="${bare}" 'BEGIN { printf "%.2f", a / b }');" \
    "/api/me ÷ ACE stock = $(awk -v a="${me}" -v b="${ace}" 'BEGIN { printf (b > 0 ? "%.1f×" : "∞ (ACE served no successful request)"), (b > 0 ? a / b : 0) }');" \
    "/api/me ÷ ACE variant = $(awk -v a="${me}" -v b="${acev}" 'BEGIN { printf (b > 0 ? "%.1f×" : "∞"), (b > 0 ? a / b : 0) }')."
  echo "JWKS downloads served by the stand-in during the run: $(curl -s "http://127.0.0.1:${stubs_port}/jwks-requests")."
  echo
}

session_header() {
  echo "| Scenario | Sessions × participants | Votes/s | Votes measured | Deliveries | Missed | p50 ms | p95 ms | p99 ms | max ms | Server CPU (% of one core) | Server RSS now / peak | Vote round trip p50 / p95 ms | Errors (votes / polls) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}

bench_session() {
  start_stubs
  local rows=() port
  # label:sessions:participants:votes per second:seconds (override with BENCH_SESSION_SCENARIOS, |-separated)
  local scenarios="${BENCH_SESSION_SCENARIOS:-one session:1:50:5:15|one instance:200:10:20:20}"
  IFS='|' read -r -a scenarios <<<"${scenarios}"
  for scenario in "${scenarios[@]}"; do
    IFS=: read -r label sessions participants rate seconds <<<"${scenario}"
    port="$(free_port)"
    say "live session: ${label} (${sessions} × ${participants}, ${rate} votes/s, ${seconds} s)"
    if [[ "${BENCH_SESSION_PROVIDER:-Sqlite}" == PostgreSql ]]; then
      start_pg
      start_remote "session-${sessions}" "${port}" --Storage:Provider=PostgreSql --Storage:ConnectionString="$(pg_database "estimo_bench_session_${sessions}")"
    else
      start_remote "session-${sessions}" "${port}" --Storage:Provider=Sqlite
    fi
    bench_tool install "${dir}" "https://127.0.0.1:${port}" "${api_base}"
    rows+=("$(bench_tool session --url "https://127.0.0.1:${port}" --dir "${dir}" --api-base "${api_base}" \
      --sessions "${sessions}" --participants "${participants}" --rate "${rate}" --seconds "${seconds}" --pid "${remote_pid}" --label "${label}" \
      2>>"${log}/session-load.log")")
    echo "${rows[-1]}" >&2
    stop_pid "${remote_pid}"
  done
  echo
  echo "### (b) Live session — $(date -u +%FT%TZ), direct path (GET /api/sessions/{id}?since=v), fresh FIT per request, ${BENCH_SESSION_PROVIDER:-Sqlite}"
  echo
  session_header
  printf '%s\n' "${rows[@]}"
  echo
}

pg_connection=""
start_pg() {
  [[ -n "${pg_connection}" ]] && return 0
  if ! ESTIMO_PG_PORT="${pg_port}" "${repo}/scripts/postgres-test-server.sh" status >/dev/null 2>&1; then
    pg_started=1
  fi
  pg_connection="$(ESTIMO_PG_PORT="${pg_port}" "${repo}/scripts/postgres-test-server.sh" start)"
}
pg_database() { # NAME -> connection string of a fresh database
  PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "${pg_port}" -U postgres -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  echo "${pg_connection};Database=$1"
}

bench_storage() {
  start_pg
  local rows=()
  for writers in 1 4; do
    say "storage: SQLite, ${writers} writer(s)"
    rows+=("$(bench_tool storage Sqlite "" 4 "${writers}")")
    say "storage: SQLite with WAL (set by the bench), ${writers} writer(s)"
    rows+=("$(bench_tool storage Sqlite-WAL "" 4 "${writers}")")
    say "storage: PostgreSQL, ${writers} writer(s)"
    rows+=("$(bench_tool storage PostgreSql "$(pg_database estimo_bench_storage)" 4 "${writers}")")
  done
  echo
  echo "### (c) Storage paths — $(date -u +%FT%TZ), IPokerSessionStore.TrySaveAsync, one vote per write, 4 s each (PostgreSQL: the throwaway test cluster, fsync=off)"
  echo
  echo "| Provider | Writers (one session each) | Writes | Writes/s | p50 ms | p99 ms | Lost races |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
}

bench_restore() {
  start_pg
  local rows=() n
  for n in ${BENCH_RESTORE_ROWS:-10000 100000 1000000}; do
    say "restore: SQLite, ${n} sealed sessions"
    rows+=("$(bench_tool restore Sqlite "" "${n}")")
    echo "${rows[-1]}" >&2
    say "restore: PostgreSQL, ${n} sealed sessions"
    rows+=("$(bench_tool restore PostgreSql "$(pg_database estimo_bench_restore)" "${n}")")
    echo "${rows[-1]}" >&2
  done
  echo
  echo "### Backup and restore (RPO/RTO) — $(date -u +%FT%TZ), Release, ${BENCH_RESTORE_ROWS:-10000 100000 1000000} sealed sessions, dry-run restore into a scratch database"
  echo
  echo "| Provider | Sessions | Backup s | File MiB | Verify + restore s | Rows/s restored |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
}

bench_cross() {
  start_stubs
  start_pg
  local connection a_port b_port a_pid rows=()
  connection="$(pg_database estimo_bench_cross)"
  # Instances behind one load balancer share the key that seals the data.
  local key="${out}/cross-key/local.key"
  rm -rf "${out}/cross-key"
  a_port="$(free_port)"
  start_remote cross-a "${a_port}" --Storage:Provider=PostgreSql --Storage:ConnectionString="${connection}" --Security:LocalKey:KeyFile="${key}"
  a_pid="${remote_pid}"
  b_port="$(free_port)"
  start_remote cross-b "${b_port}" --Storage:Provider=PostgreSql --Storage:ConnectionString="${connection}" --Security:LocalKey:KeyFile="${key}"
  bench_tool install "${dir}" "https://127.0.0.1:${a_port}" "${api_base}"
  for scenario in "same instance (A→A):1:50:5:12:${a_port}" "cross-instance (A→B):1:50:5:12:${b_port}"; do
    IFS=: read -r label sessions participants rate seconds poll_port <<<"${scenario}"
    say "cross: ${label} ${sessions} × ${participants}"
    rows+=("$(bench_tool session --url "https://127.0.0.1:${a_port}" --poll-url "https://127.0.0.1:${poll_port}" --dir "${dir}" --api-base "${api_base}" \
      --sessions "${sessions}" --participants "${participants}" --rate "${rate}" --seconds "${seconds}" --pid "${a_pid}" --pid2 "${remote_pid}" --label "${label}" \
      2>>"${log}/session-load.log")")
    echo "${rows[-1]}" >&2
  done
  stop_pid "${remote_pid}"
  stop_pid "${a_pid}"
  echo
  echo "### Scaling beyond one instance — $(date -u +%FT%TZ), two remotes on one PostgreSQL, votes through A, polls on A or B"
  echo
  session_header
  printf '%s\n' "${rows[@]}"
  echo
}

bench_ready() {
  start_stubs
  local rows=() i port root t0 t1
  for i in 1 2 3 4 5; do
    port="$(free_port)"
    root="${out}/ready"
    [[ "${i}" == 1 ]] && rm -rf "${root}"
    mkdir -p "${root}"
    t0="$(date +%s%N)"
    # Embedded defaults: SQLite, generated key file and certificate under .estimo/ in the working directory.
    (cd "${root}" && exec dotnet "${remote_dll}" --Forge:AppId="${app_id}" --Forge:JwksUrl="${jwks_url}" --Remote:Port="${port}" \
      --Storage:ApplyMigrationsOnStartup=true --Logs:Console=false) >"${log}/ready.log" 2>&1 &
    local pid=$!
    started_pids+=("${pid}")
    until curl -ksf -o /dev/null "https://127.0.0.1:${port}/health/ready"; do
      kill -0 "${pid}" 2>/dev/null || { say "remote exited; see ${log}/ready.log"; return 1; }
      sleep 0.02
    done
    t1="$(date +%s%N)"
    rows+=("| ${i} | $([[ ${i} == 1 ]] && echo "first start (creates key, certificate, database)" || echo "restart") | $(( (t1 - t0) / 1000000 )) |")
    stop_pid "${pid}"
  done
  echo
  echo "### Ready time — $(date -u +%FT%TZ), process start → first 200 from /health/ready (curl every 20 ms)"
  echo
  echo "| Run | Kind | ms |"
  echo "|---:|---|---:|"
  printf '%s\n' "${rows[@]}"
  echo
}

bench_micro() {
  say "BenchmarkDotNet micro-benchmarks (short job)"
  rm -rf "${out}/BenchmarkDotNet.Artifacts"
  (cd "${out}" && dotnet run -c Release --project "${repo}/bench/Estimo.Benchmarks.Remote/Estimo.Benchmarks.Remote.csproj" -- --filter '*' \
    >"${log}/micro.log" 2>&1) || { tail -n 50 "${log}/micro.log"; return 1; }
  echo
  echo "### (d) Micro-benchmarks — $(date -u +%FT%TZ), BenchmarkDotNet (short job)"
  echo
  # The GitHub-markdown report BenchmarkDotNet writes for each class.
  local report
  for report in "${out}"/BenchmarkDotNet.Artifacts/results/*-report-github.md; do
    sed -n '/^|/p' "${report}" | sed "s/&#39;//g"
    echo
  done
}

machine() {
  echo "## Run of $(date -u +%FT%TZ) on $(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ { print $2 " GB RAM" }'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# The load tools come from Debian; install what is missing, as the test command does, so the
# benchmark runs on a fresh machine too.
ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  command -v psql >/dev/null || missing+=(postgresql)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo_cmd=""
  [[ "$(id -u)" -eq 0 ]] || sudo_cmd="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_tools
build
machine
case "${what}" in
  auth) bench_auth ;;
  session) bench_session ;;
  storage) bench_storage ;;
  cross) bench_cross ;;
  ready) bench_ready ;;
  micro) bench_micro ;;
  restore) bench_restore ;;
  all)
    bench_auth
    bench_session
    bench_storage
    bench_cross
    bench_ready
    bench_micro
    bench_restore
    ;;
  *) echo "usage: $0 [auth|session|storage|cross|ready|micro|restore|all]" >&2; exit 2 ;;
esac
