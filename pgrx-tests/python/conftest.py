"""Shared fixtures: a throwaway database per test (smpy_*), connection URLs for every driver, a
real Alembic environment generated from migrations/, and helpers to read alembic_version and
dump a schema.  The server is SM_ADMIN_URL (a superuser URL, e.g.
postgresql://postgres@127.0.0.1:5450/postgres); security_migrate must be installed on it."""
from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import alembic_env  # noqa: E402

HEAD = "repair_partitioned_tables"
# the empty merge of the two real heads; the oracle's head, one below ours
MERGE = "merge_search_and_trust"
UTC = "-c TimeZone=UTC"
# libpq clients (psycopg, psycopg2, psql, pg_dump, the alembic subprocesses) read PGOPTIONS
os.environ["PGOPTIONS"] = UTC

_counter = itertools.count()
# the seed of the randomised Alembic-vs-extension walk: SM_PY_SEED, or a fresh one, shown in
# pytest's header so that any run can be repeated
SEED = int(os.environ.get("SM_PY_SEED") or random.SystemRandom().randrange(1_000_000))


def pytest_report_header(config):
    return f"randomised walk: SM_PY_SEED={SEED} (set SM_PY_SEED to repeat it)"

RUNNING = re.compile(r"Running (?:upgrade|downgrade) .*")


def admin_url() -> str:
    url = os.environ.get("SM_ADMIN_URL")
    if not url:
        pytest.exit("SM_ADMIN_URL is not set (e.g. postgresql://postgres@127.0.0.1:5450/postgres)", 2)
    return url


def running_lines(text: str) -> list[str]:
    """'Running upgrade A -> B, message' lines, from Alembic's log or from NOTICEs."""
    return [m.group(0).rstrip() for m in RUNNING.finditer(text)]


class Db:
    def __init__(self, name: str):
        self.name = name
        self._url = make_url(admin_url()).set(database=name)

    def url(self, driver: str | None = None) -> str:
        u = self._url.set(drivername="postgresql" if driver is None else f"postgresql+{driver}")
        return u.render_as_string(hide_password=False)

    def connect(self, **kw) -> psycopg.Connection:
        return psycopg.connect(self.url(), options=UTC, **kw)

    def versions(self) -> list[str]:
        """alembic_version rows, sorted; None when the table does not exist."""
        with self.connect(autocommit=True) as c:
            if c.execute("SELECT to_regclass('public.alembic_version')").fetchone()[0] is None:
                return None
            return sorted(r[0] for r in c.execute("SELECT version_num FROM public.alembic_version"))

    def current(self) -> list[str]:
        with self.connect(autocommit=True) as c:
            return sorted(r[0] for r in c.execute("SELECT * FROM migrate_current()"))

    def extension(self, call: str, arg: str) -> tuple[str, list[str]]:
        """Run SELECT <call>(arg) in its own transaction; return (result, Running NOTICE lines).
        Raises the psycopg error on failure."""
        notices: list[str] = []
        with self.connect() as c:
            c.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
            out = c.execute(f"SELECT {call}(%s)", (arg,)).fetchone()[0]
            c.commit()
        return out, [n for n in notices if RUNNING.fullmatch(n)]

    def schema_dump(self) -> str:
        pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
        out = subprocess.run(
            [pg_dump, "--schema-only", "--exclude-schema=security_migrate", self.url()],
            check=True, capture_output=True, text=True,
        ).stdout
        # \restrict / \unrestrict carry a random key; the header names the versions
        return "\n".join(l for l in out.splitlines()
                         if not l.startswith(("\\restrict", "\\unrestrict", "-- Dumped")))


def _create_db(tag: str) -> Db:
    name = f"smpy_{tag}_{os.getpid()}_{next(_counter)}"[:63]
    with psycopg.connect(admin_url(), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    db = Db(name)
    with db.connect(autocommit=True) as c:
        c.execute("CREATE EXTENSION security_migrate")
    return db


def _drop_db(db: Db) -> None:
    with psycopg.connect(admin_url(), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


@pytest.fixture
def new_db():
    """Factory: new_db('tag') -> Db, a fresh database with the extension created; dropped after."""
    made: list[Db] = []

    def make(tag: str = "t") -> Db:
        db = _create_db(tag)
        made.append(db)
        return db

    yield make
    for db in made:
        _drop_db(db)


@pytest.fixture(scope="session")
def head_schema():
    """pg_dump of a database the extension brought from base to head in one call."""
    db = _create_db("ref")
    try:
        out, steps = db.extension("migrate_upgrade", "head")
        assert len(steps) == 54, out
        yield db.schema_dump()
    finally:
        _drop_db(db)


class AlembicResult:
    def __init__(self, args, proc: subprocess.CompletedProcess):
        self.args = args
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.steps = running_lines(proc.stderr)

    @property
    def failure(self) -> str:
        """Alembic's one-line reason ('FAILED: ...' or the last traceback line)."""
        for line in self.stderr.splitlines():
            if line.startswith("FAILED:"):
                return line
            if line.startswith("ERROR [alembic.util.messaging] "):
                return "FAILED: " + line.split("] ", 1)[1]
        lines = [l for l in self.stderr.splitlines() if l.strip()]
        return lines[-1] if lines else f"exit {self.rc}"

    def __repr__(self):
        return f"alembic {' '.join(self.args)} -> rc {self.rc}\n{self.stdout}{self.stderr}"


class Alembic:
    """The real `alembic` command line, in a subprocess, against one database."""

    def __init__(self, root: Path, db: Db, driver: str = "psycopg2"):
        self.db = db
        self.ini = alembic_env.generate(root, db.url(driver))

    def run(self, *args: str) -> AlembicResult:
        env = dict(os.environ, PGOPTIONS=UTC)
        proc = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(self.ini), *args],
            capture_output=True, text=True, env=env, timeout=600,
        )
        return AlembicResult(args, proc)

    def ok(self, *args: str) -> AlembicResult:
        r = self.run(*args)
        assert r.rc == 0, repr(r)
        return r


@pytest.fixture
def alembic_for(tmp_path):
    """Factory: alembic_for(db) -> Alembic, an environment generated into a temp dir for db."""
    n = itertools.count()

    def make(db: Db, driver: str = "psycopg2") -> Alembic:
        return Alembic(tmp_path / f"alembic{next(n)}", db, driver)

    return make
