#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, run as the postgres user (PostgreSQL refuses
# root).  scripts/pg-cluster.sh start|stop|crash-restart [PORT]   (default port 5444; data in
# /tmp/sm-pg-PORT). crash-restart stops the postmaster with -m immediate (a crash: no checkpoint,
# recovery on start) and starts it again; the crash tests use it.
set -euo pipefail
cmd=${1:?usage: pg-cluster.sh start|stop|crash-restart [PORT]}; port=${2:-5444}
bin=/usr/lib/postgresql/15/bin
dir=/tmp/sm-pg-$port
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
start_server() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c timezone=UTC -c fsync=off -c max_connections=100" start >/dev/null
}
case $cmd in
  start)
    if as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres"; exit 0
    fi
    rm -rf "$dir"; install -d -o postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    start_server
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  crash-restart)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null
    start_server
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: pg-cluster.sh start|stop [PORT]" >&2; exit 2 ;;
esac
