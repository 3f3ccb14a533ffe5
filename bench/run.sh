#!/usr/bin/env bash
# The benchmarks, in one command, on a fresh machine: install what is missing (scripts/setup.sh),
# build and install the extension (release), build the core's graph harness, make a Python venv
# with Alembic under bench/out/, start a throwaway PostgreSQL 15 cluster on 127.0.0.1:5460, run
# every benchmark (bench/bench.py) and stop the cluster. Writes bench/RESULTS.md.
#   bench/run.sh                      # about 15-25 minutes on 2 cores
#   BENCH_REPS=11 BENCH_POP_REPS=3 bench/run.sh   # more repetitions (see bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PORT:-5460}
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
mkdir -p bench/out
scripts/setup.sh
# the bench's own tools: python3-venv for the Alembic venv; perf and size are optional (profiles)
python3 -m venv --help >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
echo "bench: cargo pgrx install -p security_migrate --release (log: bench/out/pgrx-install.log)"
env -u CARGO_TARGET_DIR cargo pgrx install -p security_migrate --release --pg-config "$PG_CONFIG" \
  >bench/out/pgrx-install.log 2>&1 || { tail -30 bench/out/pgrx-install.log; exit 1; }
# Pin this build: other work on the machine (cargo pgrx install / cargo pgrx test) overwrites the
# shared $libdir/security_migrate.so, often with a debug build. The bench's databases call a
# private copy, $libdir/security_migrate_bench.so (bench.py points their pg_proc.probin at it).
libdir=$("$PG_CONFIG" --pkglibdir)
artifact=target/release/libsecurity_migrate.so
if cmp -s "$libdir/security_migrate.so" "$artifact"; then src="$libdir/security_migrate.so"; else src=$artifact; fi
install -m 755 "$src" "$libdir/security_migrate_bench.so.tmp"
mv -f "$libdir/security_migrate_bench.so.tmp" "$libdir/security_migrate_bench.so"
echo "bench: measuring $src ($(stat -c %s "$src") bytes) as \$libdir/security_migrate_bench.so"
export BENCH_PINNED_MODULE=security_migrate_bench BENCH_RELEASE_SO=$src
export CARGO_TARGET_DIR=${BENCH_CARGO_TARGET_DIR:-/tmp/target-bench}
echo "bench: cargo build --release -p revision-planner --example graph_scale"
cargo build -q --release -p revision-planner --example graph_scale
venv=bench/out/venv
if ! "$venv/bin/python" -c 'import alembic, sqlalchemy, psycopg2; assert alembic.__version__ == "1.20.1" and sqlalchemy.__version__ == "2.0.58"' 2>/dev/null; then
  echo "bench: python venv with alembic==1.20.1 sqlalchemy==2.0.58 psycopg2-binary"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q alembic==1.20.1 sqlalchemy==2.0.58 psycopg2-binary
fi
scripts/pg-cluster.sh stop "$PORT"
admin=$(scripts/pg-cluster.sh start "$PORT")
trap 'scripts/pg-cluster.sh stop "$PORT"' EXIT
echo "bench: cluster $admin"
BENCH_ADMIN_URL=$admin BENCH_COMMAND="bench/run.sh" "$venv/bin/python" bench/bench.py
