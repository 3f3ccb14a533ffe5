#!/usr/bin/env bash
# Every test tier, installing what is missing first:
#   0. cargo fmt --check and cargo clippy -D warnings,
#   1. core unit and property tests (plain cargo test, no PostgreSQL),
#   2. #[pg_test]s of the SPI glue (cargo pgrx test, server run as the postgres user),
#   3. the end-to-end suite in pgrx-tests/ against a throwaway cluster through real connections,
#   4. the Python client suite (psycopg 3, SQLAlchemy sync/async, psql, real Alembic from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== 0/4 cargo fmt --check, cargo clippy"
cargo fmt --all -- --check
cargo clippy -p revision-planner --tests --examples -- -D warnings
cargo clippy -p security_migrate -p security-migrate-e2e --tests -- -D warnings
echo "== 1/4 core: cargo test -p revision-planner"
cargo test -p revision-planner
echo "== 2/4 SPI glue: cargo pgrx test pg15"
install -d -o postgres /tmp/pgrx-test
CARGO_PGRX_TEST_RUNAS=postgres CARGO_PGRX_TEST_PGDATA=/tmp/pgrx-test \
  cargo pgrx test pg15 -p security_migrate
echo "== 3/4 end to end: pgrx-tests/ against a throwaway cluster"
scripts/install.sh
port=${SM_TEST_PORT:-5444}
scripts/pg-cluster.sh stop "$port"
export SM_ADMIN_URL=$(scripts/pg-cluster.sh start "$port")
trap 'scripts/pg-cluster.sh stop "$port"' EXIT
cargo test -p security-migrate-e2e -- --test-threads=2
echo "== 4/4 Python clients and Alembic interop"
pgrx-tests/python/run.sh
