"""psycopg 3: migrate from the application's own connection and transaction."""
import psycopg
import pytest
from psycopg import errors

from conftest import HEAD, RUNNING

FIRST = "Running upgrade  -> 968b0dff6a9b, Initial schema"
LAST = ("Running upgrade merge_search_and_trust -> repair_partitioned_tables, "
        "Recreate the triggers, CHECK constraints, indexes and foreign keys that add_time_series_partitioning dropped with CASCADE")


def test_upgrade_inside_the_applications_transaction_with_notice_progress(new_db):
    db = new_db("pg3")
    notices = []
    with db.connect() as conn:  # autocommit off: psycopg opens a transaction on first execute
        conn.add_notice_handler(lambda diag: notices.append((diag.severity_nonlocalized, diag.message_primary)))
        # the application's own work, then the migration, in one transaction
        conn.execute("CREATE TEMP TABLE app_work (x int)")
        conn.execute("INSERT INTO app_work VALUES (1)")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        out = conn.execute("SELECT migrate_upgrade('head')").fetchone()[0]
        assert out == f"upgraded public: base -> {HEAD} (54 steps)"
        # read back inside the same, still open, transaction
        assert [r[0] for r in conn.execute("SELECT * FROM migrate_current()")] == [HEAD]
        assert conn.execute("SELECT count(*) FROM app_work").fetchone()[0] == 1
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        # another session sees nothing before the commit
        assert db.versions() is None
        conn.commit()
    progress = [m for sev, m in notices if sev == "NOTICE" and RUNNING.fullmatch(m)]
    assert len(progress) == 54, progress
    assert progress[0] == FIRST
    assert progress[-1] == LAST
    assert "Running upgrade 968b0dff6a9b -> 20251228_fts, Add full-text search vector to events table" in progress
    assert db.versions() == [HEAD]
    assert db.current() == [HEAD]
    # a second call in a new transaction has nothing to do
    with db.connect() as conn:
        assert conn.execute("SELECT migrate_upgrade('head')").fetchone()[0] == f"already at {HEAD}: nothing to do"


def test_rollback_leaves_no_alembic_version(new_db):
    db = new_db("pg3rb")
    notices = []
    with db.connect() as conn:
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary))
        conn.execute("SELECT migrate_upgrade('head')")
        assert [r[0] for r in conn.execute("SELECT * FROM migrate_current()")] == [HEAD]
        assert conn.execute("SELECT to_regclass('public.cameras') IS NOT NULL").fetchone()[0]
        conn.rollback()
        assert conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()[0] is None
        assert conn.execute("SELECT to_regclass('public.cameras')").fetchone()[0] is None
        assert conn.execute("SELECT count(*) FROM migrate_current()").fetchone()[0] == 0
    assert FIRST in notices  # progress was reported although the work was rolled back
    assert db.versions() is None


def test_failed_call_aborts_only_the_transaction_with_its_sqlstate(new_db):
    db = new_db("pg3err")
    with db.connect() as conn:
        conn.execute("SELECT migrate_upgrade('add_alerts_rules')")
        with pytest.raises(errors.UndefinedObject) as e:  # 42704
            conn.execute("SELECT migrate_upgrade('nope_nope')")
        assert "nope_nope" in str(e.value)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        conn.rollback()
        # the whole transaction went, including the successful first call
        assert conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()[0] is None
        conn.rollback()
        with pytest.raises(errors.InvalidParameterValue):  # 22023: a target in the wrong direction
            conn.execute("SELECT migrate_downgrade('add_entity_model')")
        conn.rollback()
    assert db.versions() is None


def test_requires_read_committed(new_db):
    db = new_db("pg3iso")
    with db.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with pytest.raises(errors.FeatureNotSupported):  # 0A000
            conn.execute("SELECT migrate_upgrade('head')")
        conn.rollback()
        conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        conn.execute("SELECT migrate_upgrade('add_zones_001')")
        conn.commit()
    assert db.versions() == ["add_zones_001"]


def test_autocommit_connection_each_call_is_its_own_transaction(new_db):
    db = new_db("pg3ac")
    with db.connect(autocommit=True) as conn:
        out = conn.execute("SELECT migrate_upgrade(%s)", ("add_entity_model",)).fetchone()[0]
        assert out == "upgraded public: base -> add_entity_model (40 steps)"
        assert [r[0] for r in conn.execute("SELECT * FROM migrate_current()")] == ["add_entity_model"]
        conn.execute("SELECT migrate_upgrade()")  # the default target is head
    assert db.current() == [HEAD]
