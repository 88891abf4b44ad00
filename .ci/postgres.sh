#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for the test suite and prints its URL on stdout.
#
#   eval "$(bash .ci/postgres.sh start)"   # exports PATCHWARDEN_TEST_POSTGRES_URL
#   bash .ci/postgres.sh stop
#
# The cluster lives in $PW_PG_DIR (default: /tmp/patchwarden-pg), listens on 127.0.0.1 on
# $PW_PG_PORT (default 55432) with its socket in that folder, trusts local connections, and
# runs as the `postgres` user because initdb refuses root. Installs PostgreSQL if missing.
set -euo pipefail

dir=${PW_PG_DIR:-/tmp/patchwarden-pg}
port=${PW_PG_PORT:-55432}

find_bin() {
  local b
  for b in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin /usr/local/bin; do
    if [ -n "$b" ] && [ -x "$b/initdb" ] && [ -x "$b/pg_ctl" ]; then echo "$b"; return 0; fi
  done
  return 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    bin=$(find_bin || true)
    if [ -z "$bin" ]; then
      echo "postgres.sh: installing PostgreSQL" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
      bin=$(find_bin)
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --no-create-home postgres
    fi
    if [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      :
    else
      rm -rf "$dir"
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
    fi
    echo "export PATCHWARDEN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(find_bin)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
    ;;
  *)
    echo "usage: postgres.sh start|stop" >&2; exit 2 ;;
esac
