"""Generate a real Alembic environment from security_migrate's migrations/*.sql.

Each migrations/<stem>.sql becomes versions/<stem>.py with the same revision id, the same
parent(s) (a tuple for a merge), the header's message as the first line of its docstring, and
upgrade()/downgrade() that execute the file's `-- migrate:upgrade` / `-- migrate:downgrade` SQL
text unchanged.  env.py is plain online mode: the sqlalchemy.url from the ini, one connection,
one transaction for the whole run, no target_metadata.

Used by the interop tests (test_alembic_interop.py) and reusable by benchmarks:

    from alembic_env import generate
    ini = generate("/tmp/myenv", "postgresql+psycopg2://postgres@127.0.0.1:5450/db")
    # then: alembic -c /tmp/myenv/alembic.ini upgrade head   (or alembic.command.upgrade)

or from a shell: `python alembic_env.py DEST URL [MIGRATIONS_DIR]`.

About '%' in the SQL (several revisions use format('%I', ...)): SQLAlchemy 2.0's
`Connection.exec_driver_sql(sql)` with no parameters does NOT hand the text to the driver
unchanged -- it calls `cursor.execute(sql, {})` (an empty dict), and psycopg2 then treats every
'%' as a placeholder: `SELECT '100%'` fails with "immutabledict is not a sequence" and
`SELECT 'x%%y'` returns 'x%y' (psycopg 3 fails or rewrites '%s' to '$1' in the same way).  The
generated revisions therefore pass `execution_options={"no_parameters": True}`, with which
SQLAlchemy calls `cursor.execute(sql)` and the text reaches PostgreSQL byte for byte; the test
suite checks both behaviours (test_exec_driver_sql_percent_handling).
"""
from __future__ import annotations

import dataclasses
import os
import re
import sys
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

_HEADER_LINE = re.compile(r"^--\s*([A-Za-z_]+):\s*(.*?)\s*$")


@dataclasses.dataclass
class Migration:
    stem: str
    revision: str
    down_revisions: tuple[str, ...]
    message: str
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    upgrade_sql: str
    downgrade_sql: str


def _csv(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def parse_migration(path: Path) -> Migration:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and not lines[i].startswith("-- migrate:upgrade"):
        m = _HEADER_LINE.match(lines[i].rstrip("\n"))
        if m and m.group(1) not in ("repair", "data_loss"):
            header[m.group(1)] = m.group(2)
        i += 1
    if i == len(lines):
        raise ValueError(f"{path}: no '-- migrate:upgrade' line")
    body = "".join(lines[i + 1:])
    parts = re.split(r"^-- migrate:downgrade[^\n]*\n?", body, maxsplit=1, flags=re.M)
    if len(parts) != 2:
        raise ValueError(f"{path}: no '-- migrate:downgrade' line")
    for key in ("revision", "down_revision", "message"):
        if key not in header:
            raise ValueError(f"{path}: header has no '{key}'")
    return Migration(
        stem=path.stem,
        revision=header["revision"],
        down_revisions=_csv(header["down_revision"]),
        message=header["message"],
        branch_labels=_csv(header.get("branch_labels", "")),
        depends_on=_csv(header.get("depends_on", "")),
        upgrade_sql=parts[0],
        downgrade_sql=parts[1],
    )


def load_migrations(migrations_dir: Path | str = MIGRATIONS_DIR) -> list[Migration]:
    """All revisions, in file-name order (the order Alembic reads versions/ in)."""
    paths = sorted(Path(migrations_dir).glob("*.sql"), key=lambda p: p.name)
    if not paths:
        raise ValueError(f"no *.sql in {migrations_dir}")
    return [parse_migration(p) for p in paths]


def _py_ids(ids: tuple[str, ...]) -> str:
    if not ids:
        return "None"
    if len(ids) == 1:
        return repr(ids[0])
    return "(" + ", ".join(repr(x) for x in ids) + ")"


def _docstring_line(message: str) -> str:
    # one line, safe inside a triple-quoted docstring
    return message.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def render_version(m: Migration) -> str:
    return f'''"""{_docstring_line(m.message)}

Revision ID: {m.revision}
Revises: {", ".join(m.down_revisions)}
Generated from migrations/{m.stem}.sql by pgrx-tests/python/alembic_env.py
"""
import re

from alembic import op

revision = {m.revision!r}
down_revision = {_py_ids(m.down_revisions)}
branch_labels = {_py_ids(m.branch_labels)}
depends_on = {_py_ids(m.depends_on)}

UPGRADE_SQL = {m.upgrade_sql!r}

DOWNGRADE_SQL = {m.downgrade_sql!r}


def _run(sql):
    # a section of comments only is skipped (psycopg2: "can't execute an empty query")
    if re.sub(r"(?m)^\\s*--.*$", "", sql).strip():
        # no_parameters: cursor.execute(sql) with no argument, so '%' reaches PostgreSQL as is
        op.get_bind().exec_driver_sql(sql, execution_options={{"no_parameters": True}})


def upgrade():
    _run(UPGRADE_SQL)


def downgrade():
    _run(DOWNGRADE_SQL)
'''


ENV_PY = '''"""Plain online mode: the ini's sqlalchemy.url, one connection, one transaction."""
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = None


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("this environment runs online only")
run_migrations_online()
'''

SCRIPT_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""
from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    pass


def downgrade():
    pass
'''

INI = """[alembic]
script_location = {script_location}
path_separator = os
sqlalchemy.url = {url}

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


def generate(dest: Path | str, url: str, migrations_dir: Path | str = MIGRATIONS_DIR) -> Path:
    """Write DEST/alembic.ini and DEST/alembic/{env.py,script.py.mako,versions/*.py}; return the
    ini's path.  `url` is a SQLAlchemy URL, e.g. postgresql+psycopg2://user@host:port/db."""
    dest = Path(dest).resolve()
    script_dir = dest / "alembic"
    versions = script_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for old in versions.glob("*.py"):
        old.unlink()
    (script_dir / "env.py").write_text(ENV_PY)
    (script_dir / "script.py.mako").write_text(SCRIPT_MAKO)
    for m in load_migrations(migrations_dir):
        (versions / f"{m.stem}.py").write_text(render_version(m))
    ini = dest / "alembic.ini"
    ini.write_text(INI.format(script_location=script_dir, url=url.replace("%", "%%")))
    return ini


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: alembic_env.py DEST SQLALCHEMY_URL [MIGRATIONS_DIR]")
    print(generate(sys.argv[1], sys.argv[2], *(sys.argv[3:] or [MIGRATIONS_DIR])))
