"""SQLAlchemy 2: sync (psycopg 3 and psycopg2 drivers) and async (asyncpg), migrating inside
engine.begin()'s transaction and reading migrate_current()."""
import asyncio
import logging
import re

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from conftest import HEAD, RUNNING, UTC

FIRST = "Running upgrade  -> 968b0dff6a9b, Initial schema"


def _sync_engine(db, driver):
    engine = create_engine(db.url(driver), connect_args={"options": UTC})
    if driver == "psycopg2":
        @event.listens_for(engine, "connect")
        def _unbounded_notices(dbapi_conn, _record):
            dbapi_conn.notices = UnboundedNotices()
    return engine


def _notice_text(n):
    # psycopg2 gives 'NOTICE:  text\n', SQLAlchemy's psycopg dialect logs 'NOTICE: text'
    m = re.match(r"(?:NOTICE|WARNING|INFO):\s+(.*?)\s*$", n, re.S)
    return m.group(1) if m else n


class UnboundedNotices:
    """psycopg2 keeps only the last 50 notices when connection.notices is a list (a full
    upgrade sends more than 50), so give it another container; SQLAlchemy's psycopg2 dialect
    iterates it after each statement, logs every notice and clears it with `notices[:] = []`."""

    def __init__(self):
        self.items = []

    def append(self, item):
        self.items.append(item)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def __setitem__(self, key, value):
        self.items[key] = value


@pytest.mark.parametrize("driver", ["psycopg", "psycopg2"])
def test_sync_engine_begin(new_db, driver, caplog):
    # SQLAlchemy's psycopg and psycopg2 dialects both hand server NOTICEs to this logger at INFO
    # (the psycopg2 one drains connection.notices after each statement)
    caplog.set_level(logging.INFO, logger="sqlalchemy.dialects.postgresql")
    db = new_db(f"sa_{driver}")
    engine = _sync_engine(db, driver)
    try:
        direct = []
        with engine.begin() as conn:
            if driver == "psycopg":  # the driver's own hook, through SQLAlchemy's connection
                conn.connection.driver_connection.add_notice_handler(
                    lambda d: direct.append(d.message_primary))
            conn.execute(text("CREATE TEMP TABLE app_work (x int)"))
            out = conn.execute(text("SELECT migrate_upgrade('head')")).scalar_one()
            assert out == f"upgraded public: base -> {HEAD} (54 steps)"
            assert conn.execute(text("SELECT * FROM migrate_current()")).scalars().all() == [HEAD]
            assert conn.in_transaction()
        logged = [r.getMessage() for r in caplog.records if r.name == "sqlalchemy.dialects.postgresql"]
        progress = [m for m in map(_notice_text, logged) if RUNNING.fullmatch(m)]
        assert progress[0] == FIRST and len(progress) == 54, logged[:5]
        if driver == "psycopg":
            assert [m for m in direct if RUNNING.fullmatch(m)] == progress
        with engine.connect() as conn:
            assert conn.execute(text("SELECT * FROM migrate_current()")).scalars().all() == [HEAD]
            out = conn.execute(text("SELECT migrate_upgrade(:t)"), {"t": "head"}).scalar_one()
            assert out == f"already at {HEAD}: nothing to do"
            conn.commit()
    finally:
        engine.dispose()
    assert db.versions() == [HEAD]


@pytest.mark.parametrize("driver", ["psycopg", "psycopg2"])
def test_sync_rollback_and_error(new_db, driver):
    db = new_db(f"sarb_{driver}")
    engine = _sync_engine(db, driver)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            conn.execute(text("SELECT migrate_upgrade('head')"))
            assert conn.execute(text("SELECT * FROM migrate_current()")).scalars().all() == [HEAD]
            trans.rollback()
            assert conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar_one() is None
            conn.rollback()
        with pytest.raises(DBAPIError) as e:
            with engine.begin() as conn:
                conn.execute(text("SELECT migrate_upgrade('add_zones_001')"))
                conn.execute(text("SELECT migrate_upgrade('nope_nope')"))
        orig = e.value.orig
        assert (orig.sqlstate if driver == "psycopg" else orig.pgcode) == "42704"
    finally:
        engine.dispose()
    assert db.versions() is None


def test_async_engine_asyncpg(new_db):
    db = new_db("sa_asyncpg")

    async def main():
        engine = create_async_engine(
            db.url("asyncpg"), connect_args={"server_settings": {"TimeZone": "UTC"}})
        notices = []
        try:
            async with engine.begin() as conn:
                raw = await conn.get_raw_connection()
                raw.driver_connection.add_log_listener(lambda _c, msg: notices.append(msg.message))
                await conn.execute(text("CREATE TEMP TABLE app_work (x int)"))
                out = (await conn.execute(text("SELECT migrate_upgrade('head')"))).scalar_one()
                assert out == f"upgraded public: base -> {HEAD} (54 steps)"
                cur = (await conn.execute(text("SELECT * FROM migrate_current()"))).scalars().all()
                assert cur == [HEAD]
                assert (await conn.execute(text("SHOW TimeZone"))).scalar_one() == "UTC"
            async with engine.connect() as conn:
                cur = (await conn.execute(text("SELECT * FROM migrate_current()"))).scalars().all()
                assert cur == [HEAD]
            # rollback: a downgrade undone
            async with engine.connect() as conn:
                trans = await conn.begin()
                out = (await conn.execute(text("SELECT migrate_downgrade(:t)"), {"t": f"{HEAD}@-1"})).scalar_one()
                assert "(1 step)" in out, out
                cur = (await conn.execute(text("SELECT * FROM migrate_current()"))).scalars().all()
                assert cur == ["merge_search_and_trust"]
                await trans.rollback()
        finally:
            await engine.dispose()
        return notices

    notices = asyncio.run(main())
    progress = [m for m in notices if RUNNING.fullmatch(m)]
    assert progress[0] == FIRST and len(progress) >= 54, progress[:3]
    assert db.versions() == [HEAD]
