#!/usr/bin/env bash
# The main job: build and install the extension, then bring a database to head with one SQL
# call and show where it stands. Targets $DATABASE_URL when set; otherwise a throwaway cluster
# on 127.0.0.1:5444 and a database named security.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
scripts/install.sh
if [ -n "${DATABASE_URL:-}" ]; then
  url=$DATABASE_URL
else
  admin=$(scripts/pg-cluster.sh start 5444)
  psql -X -q -d "$admin" -tc "SELECT 1 FROM pg_database WHERE datname = 'security'" | grep -q 1 \
    || psql -X -q -d "$admin" -c "CREATE DATABASE security"
  url=${admin%/postgres}/security
fi
PGOPTIONS="-c TimeZone=UTC" psql -X -v ON_ERROR_STOP=1 -d "$url" <<'SQL'
CREATE EXTENSION IF NOT EXISTS security_migrate;
SELECT migrate_upgrade('head');
SELECT * FROM migrate_current();
SELECT revision, message, applied FROM migrate_history();
SQL
