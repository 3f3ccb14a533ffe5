"""Plain psql scripts: -v ON_ERROR_STOP=1, \\gset of the current revision, exit status."""
import shutil
import subprocess

from conftest import HEAD

PSQL = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"

UPGRADE_SCRIPT = r"""
SELECT migrate_upgrade('head') AS result \gset
\echo result=:result
SELECT string_agg(r, ',') AS rev FROM migrate_current() r \gset
\echo current=:rev
\if :{?rev}
\echo have-rev
\endif
"""

FAILING_SCRIPT = r"""
SELECT migrate_upgrade('add_zones_001');
SELECT migrate_upgrade('nope_nope');
\echo NOT REACHED
"""


def psql(db, *args, stdin=None):
    return subprocess.run(
        [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.url(), *args],
        input=stdin, capture_output=True, text=True, timeout=600,
    )


def test_psql_script_upgrades_and_gsets_current(new_db, tmp_path):
    db = new_db("psql")
    script = tmp_path / "upgrade.sql"
    script.write_text(UPGRADE_SCRIPT)
    p = psql(db, "-f", str(script))
    assert p.returncode == 0, p.stderr
    assert f"result=upgraded public: base -> {HEAD} (54 steps)" in p.stdout.splitlines()
    assert f"current={HEAD}" in p.stdout.splitlines()
    assert "have-rev" in p.stdout.splitlines()
    # NOTICE progress goes to psql's stderr
    progress = [l.split("NOTICE:  ", 1)[1] for l in p.stderr.splitlines() if "NOTICE:  Running " in l]
    assert progress[0] == "Running upgrade  -> 968b0dff6a9b, Initial schema", p.stderr[:300]
    assert len(progress) == 54
    # again: nothing to do, same revision
    p = psql(db, "-f", str(script))
    assert p.returncode == 0, p.stderr
    assert f"result=already at {HEAD}: nothing to do" in p.stdout.splitlines()
    assert f"current={HEAD}" in p.stdout.splitlines()
    assert "Running upgrade" not in p.stderr


def test_psql_failing_call_exits_non_zero(new_db, tmp_path):
    db = new_db("psqlerr")
    script = tmp_path / "fail.sql"
    script.write_text(FAILING_SCRIPT)
    p = psql(db, "-f", str(script))
    assert p.returncode != 0
    assert p.returncode == 3  # psql: an error in a script with ON_ERROR_STOP
    assert "NOT REACHED" not in p.stdout
    assert "nope_nope" in p.stderr and "ERROR:" in p.stderr
    # each statement of a psql script is its own transaction: the first call stays
    assert db.versions() == ["add_zones_001"]
    # single-transaction mode: all or nothing
    db2 = new_db("psqlerr1")
    p = psql(db2, "--single-transaction", "-f", str(script))
    assert p.returncode == 3
    assert db2.versions() is None
    # the README's one-liner
    p = psql(db2, "-c", "SELECT migrate_upgrade('nope_nope')")
    assert p.returncode == 1, (p.returncode, p.stderr)
    p = psql(db2, "-c", "SELECT migrate_upgrade('head')")
    assert p.returncode == 0, p.stderr
    assert db2.versions() == [HEAD]
