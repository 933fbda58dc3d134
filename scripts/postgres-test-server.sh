#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the storage tests.
#   scripts/postgres-test-server.sh start   # prints the base connection string
#   scripts/postgres-test-server.sh stop    # stops it and removes its data
#   scripts/postgres-test-server.sh status
# Listens on 127.0.0.1:${ESTIMO_PG_PORT:-55432} only, with trust auth on loopback only,
# socket in /tmp. Never installs anything: the postgresql package must be present.
# Use: export ESTIMO_TEST_POSTGRES="$(scripts/postgres-test-server.sh start)"
set -euo pipefail

port="${ESTIMO_PG_PORT:-55432}"
root="${ESTIMO_PG_DIR:-${TMPDIR:-/tmp}/estimo-pg-${port}}"
data="${root}/data"
log="${root}/postgres.log"

fail() { echo "postgres-test-server: $*" >&2; exit 1; }

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
[[ -n "${bindir}" && -x "${bindir}/initdb" && -x "${bindir}/pg_ctl" ]] \
  || fail "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (install the postgresql package)."
id postgres >/dev/null 2>&1 || fail "the 'postgres' OS user does not exist (install the postgresql package)."

# Run as the postgres user (the server refuses to run as root).
as_postgres() {
  if [[ "$(id -un)" == "postgres" ]]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi
}

connection_string() { echo "Host=127.0.0.1;Port=${port};Username=postgres"; }

is_running() { [[ -f "${data}/postmaster.pid" ]] && as_postgres "${bindir}/pg_ctl" -D "${data}" status >/dev/null 2>&1; }

start() {
  if is_running; then connection_string; return 0; fi
  if [[ ! -f "${data}/PG_VERSION" ]]; then
    remove_root
    mkdir -p "${data}"
    touch "${root}/.estimo-pg-test"
    chown -R postgres:postgres "${root}"
    chmod 700 "${root}" "${data}"
    as_postgres "${bindir}/initdb" -D "${data}" -U postgres --auth=reject --no-instructions >/dev/null \
      || fail "initdb failed for ${data}."
    # Trust only loopback TCP and the socket; everything else is rejected.
    cat > "${data}/pg_hba.conf" <<HBA
local   all all              trust
host    all all 127.0.0.1/32 trust
host    all all ::1/128      trust
HBA
    chown postgres:postgres "${data}/pg_hba.conf"
  fi
  as_postgres "${bindir}/pg_ctl" -D "${data}" -l "${log}" -w -t 60 \
    -o "-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || fail "the server did not start; see ${log}."
  for _ in $(seq 1 60); do
    if "${bindir}/pg_isready" -q -h 127.0.0.1 -p "${port}" -U postgres; then connection_string; return 0; fi
    sleep 0.5
  done
  fail "the server is not accepting connections on 127.0.0.1:${port}; see ${log}."
}

# Only ever delete a directory this script created (ESTIMO_PG_DIR may point anywhere).
remove_root() {
  if [[ -e "${root}" ]]; then
    [[ -f "${root}/.estimo-pg-test" ]] || fail "${root} exists but was not made by this script; not removing it."
    rm -rf "${root}"
  fi
}

stop() {
  if is_running; then
    as_postgres "${bindir}/pg_ctl" -D "${data}" -m fast -w stop >/dev/null || fail "pg_ctl stop failed for ${data}."
  fi
  remove_root
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running: $(connection_string)"; else echo "stopped"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
