#!/usr/bin/env bash
# Install what building and testing security_migrate needs on a fresh Debian machine (as root),
# skipping whatever is already there: PostgreSQL 15 server + headers, clang, cargo-pgrx 0.18.0,
# and `cargo pgrx init` pointed at PostgreSQL 15.
set -euo pipefail
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
need=()
for p in postgresql-15 postgresql-server-dev-15 libclang-dev clang sudo; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "$(cargo pgrx --version 2>/dev/null)" != "cargo-pgrx 0.18.0" ]; then
  echo "setup: installing cargo-pgrx 0.18.0 (about 4 minutes)"
  cargo install cargo-pgrx --version 0.18.0 --locked
fi
if ! grep -qs "pg15 = \"$PG_CONFIG\"" "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
  echo "setup: cargo pgrx init --pg15 $PG_CONFIG"
  cargo pgrx init --pg15 "$PG_CONFIG" >/dev/null
fi
