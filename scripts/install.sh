#!/usr/bin/env bash
# Build and install the extension into the local PostgreSQL 15 (release build), plus the full
# install scripts of earlier versions kept in sql/ (security_migrate--X.sql), so that
# `CREATE EXTENSION security_migrate VERSION 'X'` and the upgrade path from X can be used.
# (cargo pgrx install copies only the current version's script and the A--B upgrade scripts.)
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
cargo pgrx install -p security_migrate --release --pg-config "$PG_CONFIG" >/dev/null
ext="$("$PG_CONFIG" --sharedir)/extension"
for f in sql/security_migrate--*.sql; do
  case $(basename "$f") in
    *--*--*) ;;                      # upgrade scripts: installed by cargo pgrx
    *) install -m 644 "$f" "$ext/" ;;
  esac
done
