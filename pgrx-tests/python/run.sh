#!/usr/bin/env bash
# End-to-end Python client/interop suite: psycopg 3, SQLAlchemy 2 (psycopg, psycopg2, asyncpg),
# plain psql, and real Alembic both ways.
#
#   SM_ADMIN_URL=postgresql://postgres@127.0.0.1:5450/postgres pgrx-tests/python/run.sh [pytest args]
#
# Needs a PostgreSQL 15 server at SM_ADMIN_URL (superuser) with security_migrate installed;
# creates and drops its own databases (smpy_*).  The venv (SM_PY_VENV, default /tmp/sm-pyvenv)
# is created and filled from PyPI on first use and reused after.  SM_PY_SEED fixes the seed of
# the randomised Alembic-vs-extension sequence (logged either way), SM_PY_STEPS its length.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${SM_PY_VENV:-/tmp/sm-pyvenv}
: "${SM_ADMIN_URL:?set SM_ADMIN_URL, e.g. postgresql://postgres@127.0.0.1:5450/postgres}"
export SM_ADMIN_URL

reqs=(pytest 'psycopg[binary]' sqlalchemy==2.0.58 asyncpg alembic==1.20.1 psycopg2-binary)
stamp="$venv/.sm-requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "${reqs[*]}" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]}"
  echo "${reqs[*]}" >"$stamp"
fi

cd "$here"
export PYTHONDONTWRITEBYTECODE=1
set +e
"$venv/bin/python" -m pytest -p no:cacheprovider -rfEsxX -o console_output_style=classic "$@"
rc=$?
set -e
exit $rc
