#!/usr/bin/env bash
# Development aid: apply migrations/*.sql straight through psql in chain.md's walk order, one
# revision per step, and compare the catalog with the oracle snapshot after every step.
#   scripts/sql-walk.sh DBNAME [LAST_NN] [--down]
# Uses PGHOST/PGPORT/PGUSER of a running cluster (default 127.0.0.1:5433 postgres). Recreates DBNAME.
# alembic_version rows are copied from the expected snapshot (the runner's job, not the SQL's).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
spec=${SPEC_DIR:-$here/../shared/spec}
tools=${TOOLS_DIR:-$here/../shared/tools}
db=$1; last=${2:-53}; down=${3:-}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5433} PGUSER=${PGUSER:-postgres}
export PGOPTIONS="-c TimeZone=UTC -c client_min_messages=warning"
url="postgresql://$PGUSER@$PGHOST:$PGPORT/$db"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
ids=($(grep -oE '^\| [0-9]{2} \| `[^`]+`' "$spec/chain.md" | sed -E 's/.*`(.*)`/\1/'))
file_of() { grep -l -x -- "-- revision: $1" "$here"/migrations/*.sql | head -1; }
section() { awk -v want="$2" '/^-- migrate:upgrade[[:space:]]*$/ {s="upgrade"; next} /^-- migrate:downgrade[[:space:]]*$/ {s="downgrade"; next} s==want' "$1"; }
set_version() { # snapshot file -> alembic_version rows
  local line; line=$(grep '^alembic_version ' "$1" | cut -d' ' -f2)
  if [ "$line" = "(no" ]; then psql -X -q -d "$db" -c "DROP TABLE IF EXISTS alembic_version"; return; fi
  psql -X -q -d "$db" -c "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))" -c "DELETE FROM alembic_version"
  [ "$line" = "(empty)" ] && return
  for v in ${line//,/ }; do psql -X -q -d "$db" -c "INSERT INTO alembic_version VALUES ('$v')"; done
}
check() { # NN expected-file
  "$tools/catalog-snapshot" "$url" "/tmp/walk-$db.txt"
  # pg_trgm, created by the chain, may stay installed after a downgrade (see spec README)
  grep -q '^extension pg_trgm ' "$2" || sed -i '/^extension pg_trgm /d' "/tmp/walk-$db.txt"
  if ! "$tools/catalog-compare" "$2" "/tmp/walk-$db.txt" > "/tmp/walk-$db.diff"; then
    echo "MISMATCH at $1 ($2):"; head -60 "/tmp/walk-$db.diff"; exit 1
  fi
}
for ((i = 1; i <= last; i++)); do
  nn=$(printf %02d "$i"); id=${ids[$((i - 1))]}; f=$(file_of "$id") || { echo "no file for $id"; exit 1; }
  exp="$spec/snapshots/$nn-$id.txt"
  section "$f" upgrade | psql -X -q -v ON_ERROR_STOP=1 -1 -d "$db" -f - || { echo "UPGRADE FAILED at $nn $id ($f)"; exit 1; }
  set_version "$exp"; check "$nn up" "$exp"; echo "ok up   $nn $id"
done
[ "$down" = "--down" ] || exit 0
for ((i = last; i >= 1; i--)); do
  nn=$(printf %02d "$i"); id=${ids[$((i - 1))]}; f=$(file_of "$id")
  pn=$(printf %02d $((i - 1))); exp=$(ls "$spec/snapshots/$pn-"*.txt)
  section "$f" downgrade | psql -X -q -v ON_ERROR_STOP=1 -1 -d "$db" -f - || { echo "DOWNGRADE FAILED at $nn $id ($f)"; exit 1; }
  set_version "$exp"
  check "$nn down" "$exp"; echo "ok down $nn $id -> $pn"
done
