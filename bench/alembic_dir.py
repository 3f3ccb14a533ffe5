"""Turn a directory of migration files (docs/migration-format.md) into an Alembic script
directory: same revision ids, same down_revision tuples, branch labels and depends_on, file
names = the .sql names with .py, and each upgrade()/downgrade() executing the whole section's
SQL in one call (online: connection.exec_driver_sql; offline --sql: op.execute).

    python bench/alembic_dir.py MIGRATIONS_DIR OUT_DIR

OUT_DIR gets alembic.ini, env.py (plain online mode, all revisions in one transaction, the URL
from $BENCH_DB_URL) and versions/*.py.
"""
import os
import re
import shutil
import sys

ALEMBIC_INI = """[alembic]
script_location = %(here)s
prepend_sys_path = .
sqlalchemy.url = postgresql+psycopg2://localhost/unused

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

# The generic template's env.py, without target metadata: online mode runs every revision in
# one transaction (transaction_per_migration defaults to False).
ENV_PY = '''import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
url = os.environ.get("BENCH_DB_URL") or config.get_main_option("sqlalchemy.url")


def run_migrations_offline():
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

SCRIPT_PY = '''"""{message}

Revision ID: {revision}
Revises: {revises}
"""
from alembic import context, op

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = {branch_labels!r}
depends_on = {depends_on!r}

UPGRADE_SQL = {upgrade!r}
DOWNGRADE_SQL = {downgrade!r}


def _run(sql):
    if not sql.strip():
        return
    if context.is_offline_mode():
        op.execute(sql)
    else:
        # the whole section in one call, exactly as written (no bind-parameter parsing)
        op.get_bind().exec_driver_sql(sql, execution_options={{"no_parameters": True}})


def upgrade():
    _run(UPGRADE_SQL)


def downgrade():
    _run(DOWNGRADE_SQL)
'''


def parse_migration(text):
    """(header dict of lists, upgrade sql, downgrade sql) of one migration file."""
    header, up, down, section = {}, [], [], None
    for line in text.splitlines(keepends=True):
        mark = line.rstrip()
        if mark == "-- migrate:upgrade":
            section = up
            continue
        if mark == "-- migrate:downgrade":
            section = down
            continue
        if section is not None:
            section.append(line)
            continue
        m = re.match(r"--\s*(\w+):\s*(.*)", mark)
        if m:
            header.setdefault(m.group(1), []).append(m.group(2).strip())
    return header, "".join(up), "".join(down)


def _ids(header, key):
    vals = header.get(key, [""])[0]
    return [v.strip() for v in vals.split(",") if v.strip()]


def write_script_dir(migrations_dir, out_dir):
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    versions = os.path.join(out_dir, "versions")
    os.makedirs(versions)
    with open(os.path.join(out_dir, "alembic.ini"), "w") as f:
        f.write(ALEMBIC_INI)
    with open(os.path.join(out_dir, "env.py"), "w") as f:
        f.write(ENV_PY)
    n = 0
    for name in sorted(os.listdir(migrations_dir)):
        if not name.endswith(".sql"):
            continue
        with open(os.path.join(migrations_dir, name)) as f:
            header, up, down = parse_migration(f.read())
        downs = _ids(header, "down_revision")
        labels = _ids(header, "branch_labels")
        deps = _ids(header, "depends_on")
        body = SCRIPT_PY.format(
            message=header["message"][0],
            revision=header["revision"][0],
            revises=", ".join(downs),
            down_revision=None if not downs else downs[0] if len(downs) == 1 else tuple(downs),
            branch_labels=tuple(labels) or None,
            depends_on=(deps[0] if len(deps) == 1 else tuple(deps)) if deps else None,
            upgrade=up,
            downgrade=down,
        )
        with open(os.path.join(versions, name[:-4] + ".py"), "w") as f:
            f.write(body)
        n += 1
    return n


def load_revisions(migrations_dir):
    """[(revision, down_revision, depends_on)] from the headers, in file-name order."""
    out = []
    for name in sorted(os.listdir(migrations_dir)):
        if not name.endswith(".sql"):
            continue
        with open(os.path.join(migrations_dir, name)) as f:
            header, _, _ = parse_migration(f.read())
        downs = _ids(header, "down_revision")
        deps = tuple(_ids(header, "depends_on")) or None
        out.append((header["revision"][0], None if not downs else downs[0] if len(downs) == 1 else tuple(downs), deps))
    return out


if __name__ == "__main__":
    print(write_script_dir(sys.argv[1], sys.argv[2]), "revisions written")
