"""The benchmark driver (run by bench/run.sh with the venv's python; see bench/README.md).

Measures side by side, in one run, on the cluster at $BENCH_ADMIN_URL:
  1. empty database, base -> head: extension vs psql -1 -f of the same SQL vs Alembic CLI
  2. populated database (>= 1M detections): extension vs psql -1 -f of the same remaining SQL
  3. hot read path under pgbench: migrate_current() vs SELECT version_num FROM alembic_version
  4. graph at scale: the Rust core vs Alembic's RevisionMap (in process and CLI)
  5. memory: backend VmHWM after base -> head, and the .so size
and writes bench/RESULTS.md. It prints; it never asserts on time.
"""
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
sys.path.insert(0, HERE)
import alembic_dir  # noqa: E402

ADMIN = os.environ["BENCH_ADMIN_URL"]  # postgresql://postgres@127.0.0.1:5460/postgres
BASE_URL = ADMIN.rsplit("/", 1)[0]
VENV_BIN = os.path.dirname(sys.executable)
PG_BIN = "/usr/lib/postgresql/15/bin"
PG_CONFIG = os.path.join(PG_BIN, "pg_config")
CARGO_TARGET = os.environ.get("CARGO_TARGET_DIR", "/tmp/target-bench")


def env_int(name, default):
    return int(os.environ.get(name, default))


REPS = env_int("BENCH_REPS", 7)
POP_REPS = env_int("BENCH_POP_REPS", 1)
POP_DETECTIONS = env_int("BENCH_DETECTIONS", 1_000_000)
POP_EVENTS = env_int("BENCH_EVENTS", 100_000)
PGB_SECONDS = env_int("BENCH_PGBENCH_SECONDS", 10)
PGB_REPS = env_int("BENCH_PGBENCH_REPS", 3)
CORE_REPS = env_int("BENCH_CORE_REPS", 51)
GRAPH_SIZES = [int(s) for s in os.environ.get("BENCH_GRAPH_SIZES", "100 1000 10000").split()]
HEAD = "repair_partitioned_tables"  # the graph's head (after the oracle's merge_search_and_trust)
SEED_AT = "add_event_audits"

T_START = time.time()
LOG = []


def say(msg):
    line = f"[{time.time() - T_START:7.1f}s] {msg}"
    print(line, flush=True)
    LOG.append(line)


def url(db):
    return f"{BASE_URL}/{db}"


def run(cmd, check=True, capture=True, **kw):
    r = subprocess.run(cmd, capture_output=capture, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"command failed ({r.returncode}): {shlex.join(cmd)}\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    return r


def timed(cmd, **kw):
    t0 = time.perf_counter()
    r = run(cmd, **kw)
    return time.perf_counter() - t0, r


PSQL = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]


def sql(db, query):
    return run(PSQL + ["-At", "-d", url(db), "-c", query]).stdout.strip()


def admin(query):
    run(PSQL + ["-d", ADMIN, "-c", query])


def create_db(name, template, file_copy=False):
    admin(f'DROP DATABASE IF EXISTS "{name}"')
    strategy = " STRATEGY FILE_COPY" if file_copy else ""
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')


def drop_db(name):
    admin(f'DROP DATABASE IF EXISTS "{name}"')


def st(values):
    """(median, min, max) or None."""
    if not values:
        return None
    return (statistics.median(values), min(values), max(values))


def fmt(values, unit="s", scale=1.0, digits=3):
    s = st(values)
    if s is None:
        return "n/a"
    m, lo, hi = (x * scale for x in s)
    return f"{m:.{digits}f} {unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def ratio(a, b):
    return statistics.median(a) / statistics.median(b)


def so_path():
    libdir = run([PG_CONFIG, "--pkglibdir"]).stdout.strip()
    return os.path.join(libdir, "security_migrate.so")


def so_fingerprint():
    p = so_path()
    with open(p, "rb") as f:
        digest = hashlib.md5(f.read()).hexdigest()
    return {"size": os.path.getsize(p), "md5": digest, "mtime": time.ctime(os.path.getmtime(p))}


SO_CHECKS = []


def check_so(where):
    fp = so_fingerprint()
    SO_CHECKS.append((where, fp))
    if fp["md5"] != SO_CHECKS[0][1]["md5"]:
        say(f"WARNING: {so_path()} changed before '{where}' (now {fp['size']} bytes, {fp['mtime']}): "
            "other work on this machine reinstalled the extension"
            + (f" (not what is measured: the bench's databases use $libdir/{PINNED}.so)" if PINNED else ""))


PINNED = os.environ.get("BENCH_PINNED_MODULE", "")


def pin_module(db):
    """Point the extension's C functions in `db` at the bench's private copy of the release .so
    (run.sh copied it to $libdir/<BENCH_PINNED_MODULE>.so right after `cargo pgrx install`), so
    that another `cargo pgrx install`/`cargo pgrx test` on this machine, which overwrites the
    shared $libdir/security_migrate.so (often with a debug build), cannot change what is measured.
    Databases made from this template inherit it."""
    if not PINNED:
        return
    n = sql(db, f"WITH u AS (UPDATE pg_catalog.pg_proc SET probin = '$libdir/{PINNED}' "
                "WHERE probin IN ('security_migrate', '$libdir/security_migrate') RETURNING 1) SELECT count(*) FROM u")
    say(f"  {db}: {n} C functions pinned to $libdir/{PINNED}.so")


def pinned_fingerprint():
    if not PINNED:
        return None
    p = os.path.join(os.path.dirname(so_path()), PINNED + ".so")
    with open(p, "rb") as f:
        return {"path": p, "size": os.path.getsize(p), "md5": hashlib.md5(f.read()).hexdigest()}


def strip_tx(script):
    """The offline script without its own BEGIN;/COMMIT; lines (psql -1 supplies the transaction)."""
    lines = script.splitlines(keepends=True)
    out = [l for l in lines if l.strip() not in ("BEGIN;", "COMMIT;")]
    assert len(lines) - len(out) == 2, "expected exactly one BEGIN; and one COMMIT; in the offline script"
    return "".join(out)


STEP_RE = re.compile(r"^-- Running upgrade .* -> (\S+), ", re.M)


def instrument(script):
    """psql script that echoes a marker before each step and times every statement."""
    out = ["\\timing on\n"]
    for line in script.splitlines(keepends=True):
        m = STEP_RE.match(line)
        if m:
            out.append(f"\\echo @@STEP {m.group(1)}\n")
        out.append(line)
    return "".join(out)


TIME_RE = re.compile(r"^Time: ([0-9.]+) ms")


def per_step_ms(stdout):
    """{revision: ms} from an instrumented psql run (statements before the first step: '_setup')."""
    steps, cur = {}, "_setup"
    for line in stdout.splitlines():
        if line.startswith("@@STEP "):
            cur = line.split()[1]
            steps.setdefault(cur, 0.0)
            continue
        m = TIME_RE.match(line)
        if m:
            steps[cur] = steps.get(cur, 0.0) + float(m.group(1))
    return steps


def run_log_ms(db, after_id=0):
    rows = sql(db, f"SELECT revision, duration_ms FROM security_migrate.run_log WHERE id > {after_id} "
                   "AND direction = 'upgrade' ORDER BY id")
    return {r.split("|")[0]: float(r.split("|")[1]) for r in rows.splitlines() if r}


# --------------------------------------------------------------------------------------------
def machine_info():
    info = {}
    info["nproc"] = run(["nproc"]).stdout.strip()
    mem = open("/proc/meminfo").read()
    info["mem_total_gib"] = round(int(re.search(r"MemTotal:\s+(\d+)", mem).group(1)) / 1048576, 1)
    cpu = open("/proc/cpuinfo").read()
    m = re.search(r"model name\s*:\s*(.*)", cpu)
    info["cpu"] = m.group(1).strip() if m else platform.processor()
    info["kernel"] = platform.release()
    info["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
    info["postgres"] = sql("postgres", "SELECT version()")
    info["psql"] = run(["psql", "--version"]).stdout.strip()
    info["pgbench"] = run(["pgbench", "--version"]).stdout.strip()
    info["rustc"] = run(["rustc", "--version"]).stdout.strip()
    info["cargo_pgrx"] = run(["cargo", "pgrx", "--version"]).stdout.strip()
    info["python"] = sys.version.split()[0]
    pipl = run([os.path.join(VENV_BIN, "python"), "-m", "pip", "list", "--format=json"]).stdout
    pkgs = {p["name"].lower(): p["version"] for p in json.loads(pipl)}
    info["alembic"] = pkgs.get("alembic")
    info["sqlalchemy"] = pkgs.get("sqlalchemy")
    info["psycopg2"] = pkgs.get("psycopg2-binary")
    info["git"] = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "planner/src", "migrations"]).stdout.strip()
    info["git_dirty"] = bool(dirty)
    info["pg_settings"] = sql("postgres", "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) "
                                          "FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', "
                                          "'fsync', 'synchronous_commit', 'max_wal_size', 'jit')")
    return info


# --------------------------------------------------------------------------------------------
def bench_empty(R):
    say("== 1. empty database, base -> head")
    create_db("bench_tmpl_plain", "template0")
    create_db("bench_tmpl_ext", "template0")
    sql("bench_tmpl_ext", "CREATE EXTENSION security_migrate")
    pin_module("bench_tmpl_ext")
    script = sql("bench_tmpl_ext", "SELECT migrate_sql('head')") + "\n"
    full = os.path.join(OUT, "chain.sql")
    with open(full, "w") as f:
        f.write(strip_tx(script))
    with open(os.path.join(OUT, "chain-timed.sql"), "w") as f:
        f.write(instrument(strip_tx(script)))
    plan = sql("bench_tmpl_ext", "SELECT revision FROM migrate_plan('head') ORDER BY step").split()
    script_order = STEP_RE.findall(script)
    R["steps"] = len(plan)
    R["script_order_matches_plan"] = plan == script_order
    adir = os.path.join(OUT, "alembic-chain")
    alembic_dir.write_script_dir(os.path.join(ROOT, "migrations"), adir)
    alembic = os.path.join(VENV_BIN, "alembic")

    def a_env(db):
        return dict(os.environ, BENCH_DB_URL=f"postgresql+psycopg2://{BASE_URL.split('://', 1)[1]}/{db}")

    variants = {
        "ext": ("bench_tmpl_ext", lambda db: timed(PSQL + ["-d", url(db), "-c", "SELECT migrate_upgrade('head')"])),
        "psql": ("bench_tmpl_plain", lambda db: timed(PSQL + ["-1", "-f", full, "-d", url(db)])),
        "alembic": ("bench_tmpl_plain", lambda db: timed([alembic, "-c", "alembic.ini", "upgrade", "head"],
                                                         cwd=adir, env=a_env(db))),
    }
    names = list(variants)
    times = {k: [] for k in names}
    times["noop"] = []
    times["select1"] = []
    for i in range(REPS):
        order = names[i % len(names):] + names[:i % len(names)]
        for k in order:
            template, fn = variants[k]
            db = f"bench_e_{k}"
            create_db(db, template)
            dt, r = fn(db)
            got = sql(db, "SELECT string_agg(version_num, ',') FROM alembic_version")
            if got != HEAD:
                raise RuntimeError(f"{k}: ended at {got!r}, not {HEAD}")
            times[k].append(dt)
            if k == "alembic" and i == 0:
                R["alembic_order_matches_plan"] = re.findall(r"Running upgrade .* -> (\S+), ", r.stderr) == plan
            if k == "ext":
                # fixed costs: a no-op call on a database at head, and a bare connection
                times["noop"].append(timed(PSQL + ["-d", url(db), "-c", "SELECT migrate_upgrade('head')"])[0])
                times["select1"].append(timed(PSQL + ["-d", url(db), "-c", "SELECT 1"])[0])
        if i == 0:
            R["same_catalog"] = compare_catalogs()
        say(f"  rep {i + 1}/{REPS}: " + ", ".join(f"{k} {times[k][-1]:.3f}s" for k in names))
    for k in names:
        drop_db(f"bench_e_{k}")
    R["times"] = times
    # one instrumented run of each, for per-step timings
    create_db("bench_e_prof_ext", "bench_tmpl_ext")
    run(PSQL + ["-d", url("bench_e_prof_ext"), "-c", "SELECT migrate_upgrade('head')"])
    R["ext_steps"] = run_log_ms("bench_e_prof_ext")
    create_db("bench_e_prof_psql", "bench_tmpl_plain")
    r = run(PSQL + ["-1", "-f", os.path.join(OUT, "chain-timed.sql"), "-d", url("bench_e_prof_psql")])
    R["psql_steps"] = per_step_ms(r.stdout)
    drop_db("bench_e_prof_ext")
    drop_db("bench_e_prof_psql")


def compare_catalogs():
    """pg_dump --schema-only of the three results, without the extension's own objects."""
    dumps = {}
    for k in ("ext", "psql", "alembic"):
        out = run(["pg_dump", "--schema-only", "--no-owner", "--exclude-schema=security_migrate",
                   "-d", url(f"bench_e_{k}")]).stdout
        # pg_dump >= 15.14 brackets its output in \restrict/\unrestrict with a random key: not catalog
        dumps[k] = [l for l in out.splitlines() if "security_migrate" not in l and not l.startswith("--")
                    and not l.startswith(("\\restrict", "\\unrestrict")) and l.strip()]
    res = {}
    for k in ("ext", "alembic"):
        a, b = set(dumps[k]), set(dumps["psql"])
        res[k] = "identical" if dumps[k] == dumps["psql"] else f"{len(a ^ b)} lines differ"
    return res


# --------------------------------------------------------------------------------------------
def bench_populated(R):
    say(f"== 2. populated database: seed {POP_DETECTIONS:,} detections, {POP_EVENTS:,} events at {SEED_AT}")
    create_db("bench_pop_seed", "bench_tmpl_ext")
    run(PSQL + ["-d", url("bench_pop_seed"), "-c", f"SELECT migrate_upgrade('{SEED_AT}')"])
    t, _ = timed(PSQL + ["-v", f"detections={POP_DETECTIONS}", "-v", f"events={POP_EVENTS}",
                         "-f", os.path.join(HERE, "seed.sql"), "-d", url("bench_pop_seed")])
    R["seed_s"] = t
    t, _ = timed(PSQL + ["-d", url("bench_pop_seed"), "-c", "VACUUM (FREEZE, ANALYZE)", "-c", "CHECKPOINT"])
    R["vacuum_s"] = t
    R["seed_counts"] = dict(
        r.split("|") for r in sql("bench_pop_seed", """
        SELECT 'detections', count(*) FROM detections UNION ALL SELECT 'events', count(*) FROM events
        UNION ALL SELECT 'cameras', count(*) FROM cameras UNION ALL SELECT 'alerts', count(*) FROM alerts
        UNION ALL SELECT 'logs', count(*) FROM logs UNION ALL SELECT 'gpu_stats', count(*) FROM gpu_stats
        UNION ALL SELECT 'audit_logs', count(*) FROM audit_logs UNION ALL SELECT 'event_audits', count(*) FROM event_audits
        UNION ALL SELECT 'other', (SELECT count(*) FROM zones) + (SELECT count(*) FROM alert_rules)
              + (SELECT count(*) FROM activity_baselines) + (SELECT count(*) FROM class_baselines)
              + (SELECT count(*) FROM api_keys)""").splitlines())
    R["seed_size"] = sql("bench_pop_seed", "SELECT pg_size_pretty(pg_database_size(current_database()))")
    last_id = int(sql("bench_pop_seed", "SELECT coalesce(max(id), 0) FROM security_migrate.run_log"))
    rest = sql("bench_pop_seed", f"SELECT migrate_sql('head', '{SEED_AT}')") + "\n"
    R["pop_steps"] = len(STEP_RE.findall(rest))
    timed_file = os.path.join(OUT, "populated-timed.sql")
    with open(timed_file, "w") as f:
        f.write(instrument(strip_tx(rest)))
    say(f"  seeded in {R['seed_s']:.1f}s ({R['seed_size']}); {R['pop_steps']} steps to head")
    times = {"ext": [], "psql": [], "copy": []}
    R["pop_ext_steps"], R["pop_psql_steps"] = [], []
    for i in range(POP_REPS):
        order = ["psql", "ext"] if i % 2 == 0 else ["ext", "psql"]
        for k in order:
            db = f"bench_p_{k}"
            t0 = time.perf_counter()
            create_db(db, "bench_pop_seed", file_copy=True)
            times["copy"].append(time.perf_counter() - t0)
            if k == "ext":
                dt, _ = timed(PSQL + ["-d", url(db), "-c", "SELECT migrate_upgrade('head')"])
                R["pop_ext_steps"].append(run_log_ms(db, last_id))
            else:
                dt, r = timed(PSQL + ["-1", "-f", timed_file, "-d", url(db)])
                R["pop_psql_steps"].append(per_step_ms(r.stdout))
            got = sql(db, "SELECT string_agg(version_num, ',') FROM alembic_version")
            if got != HEAD:
                raise RuntimeError(f"populated {k}: ended at {got!r}")
            times[k].append(dt)
            say(f"  rep {i + 1}/{POP_REPS}: {k} {dt:.1f}s")
            if i == POP_REPS - 1 and k == order[-1]:
                R["after_counts"] = dict(r.split("|") for r in sql(db, """
                  SELECT 'event_detections', count(*) FROM event_detections
                  UNION ALL SELECT 'detections', count(*) FROM detections
                  UNION ALL SELECT 'events', count(*) FROM events
                  UNION ALL SELECT 'logs', count(*) FROM logs
                  UNION ALL SELECT 'partitioned_rows', (SELECT count(*) FROM detections) + (SELECT count(*) FROM events)
                     + (SELECT count(*) FROM logs) + (SELECT count(*) FROM gpu_stats) + (SELECT count(*) FROM audit_logs)
                  """).splitlines())
            drop_db(db)
    R["pop_times"] = times


# --------------------------------------------------------------------------------------------
def bench_read(R):
    say("== 3. hot read path (pgbench)")
    create_db("bench_read", "bench_tmpl_ext")
    run(PSQL + ["-d", url("bench_read"), "-c", "SELECT migrate_upgrade('head')", "-c", "VACUUM ANALYZE"])
    files = {}
    for k, q in (("ext", "SELECT * FROM migrate_current();"), ("raw", "SELECT version_num FROM alembic_version;")):
        files[k] = os.path.join(OUT, f"pgbench-{k}.sql")
        with open(files[k], "w") as f:
            f.write(q + "\n")
    R["pgbench_cmd"] = f"pgbench -n -T {PGB_SECONDS} -c 4 -j 2 -f FILE"
    tps = {"ext": [], "raw": []}
    lat = {"ext": [], "raw": []}
    for i in range(PGB_REPS):
        for k in (["ext", "raw"] if i % 2 == 0 else ["raw", "ext"]):
            r = run(["pgbench", "-n", "-T", str(PGB_SECONDS), "-c", "4", "-j", "2", "-f", files[k], url("bench_read")])
            tps[k].append(float(re.search(r"tps = ([0-9.]+) \(without initial", r.stdout).group(1)))
            lat[k].append(float(re.search(r"latency average = ([0-9.]+) ms", r.stdout).group(1)))
            say(f"  rep {i + 1}/{PGB_REPS}: {k} {tps[k][-1]:.0f} tps")
    R["tps"], R["lat"] = tps, lat
    # single client: where the per-call time goes
    one = {}
    for k in ("ext", "raw"):
        r = run(["pgbench", "-n", "-T", "3", "-c", "1", "-j", "1", "-f", files[k], url("bench_read")])
        one[k] = float(re.search(r"latency average = ([0-9.]+) ms", r.stdout).group(1))
    R["lat_1client"] = one
    if ratio(tps["ext"], tps["raw"]) < 0.9:
        R["read_profile"] = profile_read(files["ext"])


def profile_read(file):
    """perf on the 4 backends of a pgbench run of migrate_current(): where the time goes."""
    try:
        p = subprocess.Popen(["pgbench", "-n", "-T", "8", "-c", "4", "-j", "2", "-f", file, url("bench_read")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        pids = sql("postgres", "SELECT string_agg(pid::text, ',') FROM pg_stat_activity "
                               "WHERE datname = 'bench_read' AND backend_type = 'client backend'")
        data = os.path.join(OUT, "read.perf")
        run(["perf", "record", "-q", "-p", pids, "-o", data, "--", "sleep", "5"], check=False)
        p.communicate()
        dso = run(["perf", "report", "-i", data, "--sort", "dso", "--stdio"], check=False).stdout
        sym = run(["perf", "report", "-i", data, "--sort", "dso,sym", "--stdio"], check=False).stdout
        pick = lambda txt, n: [l.rstrip() for l in txt.splitlines() if re.match(r"^\s+[0-9.]+%", l)][:n]
        return {"dso": pick(dso, 6), "sym": pick(sym, 25)}
    except Exception as e:  # a benchmark reports, it does not fail on a missing profiler
        return {"error": str(e)}


# --------------------------------------------------------------------------------------------
def bench_graph(R):
    say("== 4. graph at scale")
    gdir = os.path.join(OUT, "graphs")
    build = run(["cargo", "build", "--release", "-p", "revision-planner", "--example", "graph_scale"],
                cwd=ROOT, env=dict(os.environ, CARGO_TARGET_DIR=CARGO_TARGET))
    exe = os.path.join(CARGO_TARGET, "release", "examples", "graph_scale")
    r = run([exe, gdir, str(CORE_REPS)] + [str(n) for n in GRAPH_SIZES])
    core = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        core[d["size"]] = d
    R["core"] = core
    say("  core: " + ", ".join(f"{n}: {core[n]['total_ms']['median']:.2f} ms" for n in GRAPH_SIZES))
    # Alembic's RevisionMap in process (python -c style, time.perf_counter), same graphs
    inproc = {}
    for n in GRAPH_SIZES:
        reps = 3 if n >= 10000 else 7
        code = f"""
import json, sys, time
sys.path.insert(0, {HERE!r})
from alembic_dir import load_revisions
from alembic.script.revision import Revision, RevisionMap
revs = load_revisions({os.path.join(gdir, str(n))!r})
out = {{"build": [], "heads": [], "plan": []}}
for _ in range({reps}):
    t0 = time.perf_counter()
    rm = RevisionMap(lambda: [Revision(r, d, dependencies=deps) for r, d, deps in revs])
    rm._revision_map
    t1 = time.perf_counter()
    h = rm.heads
    t2 = time.perf_counter()
    order = list(rm.iterate_revisions("heads", "base", implicit_base=True))
    t3 = time.perf_counter()
    assert len(order) == {n} and len(h) == 1
    out["build"].append((t1 - t0) * 1e3); out["heads"].append((t2 - t1) * 1e3); out["plan"].append((t3 - t2) * 1e3)
print(json.dumps(out))
"""
        r = run([sys.executable, "-c", code])
        d = json.loads(r.stdout)
        d["total"] = [a + b + c for a, b, c in zip(d["build"], d["heads"], d["plan"])]
        inproc[n] = d
        say(f"  alembic RevisionMap {n}: {statistics.median(d['total']):.1f} ms")
    R["alembic_inproc"] = inproc
    # Alembic CLI on generated script directories
    cli = {}
    alembic = os.path.join(VENV_BIN, "alembic")
    for n in GRAPH_SIZES:
        adir = os.path.join(OUT, f"alembic-graph-{n}")
        alembic_dir.write_script_dir(os.path.join(gdir, str(n)), adir)
        env = dict(os.environ, BENCH_DB_URL="postgresql+psycopg2://localhost/offline")
        heads, upsql = [], []
        for i in range(3):
            heads.append(timed([alembic, "-c", "alembic.ini", "heads"], cwd=adir, env=env)[0])
        # at 10,000 one `upgrade head --sql` takes over a minute (its plan is quadratic): skipped
        # there to keep the bench's time in bounds; the in-process timing above covers that size
        for i in range(0 if n >= 10000 else 3):
            upsql.append(timed([alembic, "-c", "alembic.ini", "upgrade", "head", "--sql"], cwd=adir, env=env)[0])
        cli[n] = {"heads": heads, "upgrade_sql": upsql}
        say(f"  alembic CLI {n}: heads {statistics.median(heads):.2f}s, upgrade --sql {fmt(upsql, 's', digits=2)}")
    R["alembic_cli"] = cli


# --------------------------------------------------------------------------------------------
MEM_RE = re.compile(r"^(VmHWM|VmRSS|RssAnon|RssFile|RssShmem):\s+(\d+) kB", re.M)


def mem_session(db, body):
    """Run `body` in one psql session; read /proc/<backend>/status before and after."""
    script = ("SELECT pg_backend_pid() AS pid \\gset\n\\setenv BPID :pid\n"
              "\\echo @@BEFORE\n\\! cat /proc/$BPID/status\n" + body +
              "\n\\echo @@AFTER\n\\! cat /proc/$BPID/status\n")
    r = run(PSQL + ["-d", url(db)], input=script)
    before, after = r.stdout.split("@@AFTER")
    b = {k: int(v) for k, v in MEM_RE.findall(before)}
    a = {k: int(v) for k, v in MEM_RE.findall(after)}
    return {"before": b, "after": a}


def bench_memory(R):
    say("== 5. memory")
    res = {}
    for k in ("baseline", "ext", "psql"):
        res[k] = []
    for i in range(3):
        create_db("bench_m", "bench_tmpl_ext")
        res["ext"].append(mem_session("bench_m", "SELECT migrate_upgrade('head') \\g /dev/null"))
        create_db("bench_m", "bench_tmpl_plain")
        res["psql"].append(mem_session("bench_m", "BEGIN;\n\\i " + os.path.join(OUT, "chain.sql") + "\nCOMMIT;"))
        create_db("bench_m", "bench_tmpl_plain")
        res["baseline"].append(mem_session("bench_m", "SELECT 1 \\g /dev/null"))
    drop_db("bench_m")
    R["mem"] = res
    p = pinned_fingerprint()["path"] if PINNED else so_path()
    R["so"] = {"path": p, "size": os.path.getsize(p), "release_artifact": os.environ.get("BENCH_RELEASE_SO", "")}
    if shutil.which("size"):
        R["so"]["size_cmd"] = run(["size", p], check=False).stdout.strip()


# --------------------------------------------------------------------------------------------
def write_results(R, info, command):
    E = R["empty"]
    t = E["times"]
    L = []
    w = L.append
    w("# Benchmarks: security_migrate vs the physical limit (psql) and vs Alembic\n")
    w(f"Generated by `{command}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
      f"total bench time {R['elapsed_s'] / 60:.1f} min. Benchmarks print, they never assert: read the goals "
      "column as the issue's targets, not as pass/fail checks.\n")
    w("**The machine is shared**: 2 cores that other work (builds, test suites, other PostgreSQL clusters) used "
      f"during this run (load average at start {' '.join(info['loadavg_start'])}, at end {' '.join(R['loadavg_end'])}). "
      "Absolute times are noisy; ratios come from runs interleaved in the same minutes (each repetition runs the "
      "variants back to back, in rotating order).\n")
    w("## Machine and versions\n")
    w("| | |\n|---|---|")
    w(f"| CPU | {info['cpu']}, nproc = {info['nproc']} |")
    w(f"| memory | {info['mem_total_gib']} GiB |")
    w(f"| kernel | {info['kernel']} |")
    w(f"| PostgreSQL | {info['postgres']} |")
    w(f"| cluster | `scripts/pg-cluster.sh start 5460` (throwaway, loopback): {info['pg_settings']} |")
    w(f"| client tools | {info['psql']}; {info['pgbench']} |")
    w(f"| Rust | {info['rustc']}; {info['cargo_pgrx']}; extension built with `cargo pgrx install --release` (fat LTO, opt-level 3) |")
    w(f"| Alembic side | Python {info['python']}, alembic {info['alembic']}, SQLAlchemy {info['sqlalchemy']}, psycopg2-binary {info['psycopg2']} (venv in bench/out/venv) |")
    w(f"| source | git {info['git']}{' + uncommitted changes in src/planner/migrations' if info['git_dirty'] else ''} |")
    so0 = SO_CHECKS[0][1]
    changed = [wh for wh, fp in SO_CHECKS if fp["md5"] != so0["md5"]]
    pin = info.get("pinned")
    if pin:
        w(f"| extension .so measured | the release build of this run's `cargo pgrx install`, copied to `{pin['path']}` "
          f"({pin['size']:,} bytes, md5 {pin['md5'][:12]}); the bench's databases call it (their `pg_proc.probin` points there), "
          "so the shared `security_migrate.so`, which other work on the machine reinstalls (`cargo pgrx test` puts a debug build "
          f"there), cannot change what is measured. The shared file {'was replaced during the run (' + ', '.join(changed) + ')' if changed else 'was not replaced during this run'}. |")
    else:
        w(f"| extension .so | {so0['size']:,} bytes, md5 {so0['md5'][:12]} at start; "
          + ("unchanged through the run |" if not changed else f"**replaced by other work on the machine before: {', '.join(changed)}** (those sections may have measured another build) |"))
    w("")

    # ---------------- summary
    ext_r = ratio(t["ext"], t["psql"])
    al_r = ratio(t["alembic"], t["psql"])
    ov_ext = statistics.median(t["ext"]) - statistics.median(t["psql"])
    ov_al = statistics.median(t["alembic"]) - statistics.median(t["psql"])
    P = R.get("pop")
    tps_r = ratio(R["read"]["tps"]["ext"], R["read"]["tps"]["raw"])
    big = max(GRAPH_SIZES)
    core_big = R["graph"]["core"][big]
    al_big = R["graph"]["alembic_inproc"][big]
    w("## Summary\n")
    w("| # | measure | result (median, min–max) | goal | met? |\n|---|---|---|---|---|")
    w(f"| 1 | empty db base→head: extension / psql -1 -f | **{ext_r:.2f} ×** ({fmt(t['ext'])} vs {fmt(t['psql'])}) | ≤ 1.05 × | {'yes' if ext_r <= 1.05 else 'no'} |")
    w(f"| 1 | runner overhead (tool − psql): extension vs Alembic | extension {ov_ext * 1e3:+.0f} ms, Alembic {ov_al * 1e3:+.0f} ms | ext ≥ 10 × smaller | "
      + ("yes" if ov_ext <= 0 or ov_al / max(ov_ext, 1e-9) >= 10 else f"no ({ov_al / ov_ext:.1f} ×)") + " |")
    w(f"| 1 | Alembic / psql -1 -f | {al_r:.2f} × ({fmt(t['alembic'])}) | (reference: 1.4–2.2 ×) | |")
    if P:
        pt = P["pop_times"]
        pr = ratio(pt["ext"], pt["psql"])
        w(f"| 2 | populated db ({int(P['seed_counts']['detections']):,} detections) → head: extension / psql | **{pr:.3f} ×** ({fmt(pt['ext'], digits=1)} vs {fmt(pt['psql'], digits=1)}, n = {len(pt['ext'])}) | ≤ 1.05 × | {'yes' if pr <= 1.05 else 'no'} |")
    w(f"| 3 | hot read: migrate_current() / raw SELECT, tps | **{tps_r:.2f} ×** ({fmt(R['read']['tps']['ext'], 'tps', digits=0)} vs {fmt(R['read']['tps']['raw'], 'tps', digits=0)}) | ≥ 0.9 × | {'yes' if tps_r >= 0.9 else 'no'} |")
    w(f"| 4 | core at {big:,} revisions: load + heads + plan | **{core_big['total_ms']['median']:.1f} ms** ({core_big['total_ms']['min']:.1f}–{core_big['total_ms']['max']:.1f}) | < 5 ms | {'yes' if core_big['total_ms']['median'] < 5 else 'no'} |")
    sp = statistics.median(al_big["total"]) / core_big["total_ms"]["median"]
    w(f"| 4 | Alembic RevisionMap (in process) / core at {big:,} | **{sp:.0f} ×** faster ({statistics.median(al_big['total']):.0f} ms vs {core_big['total_ms']['median']:.1f} ms) | ≥ 100 × | {'yes' if sp >= 100 else 'no'} |")
    m = R["mem"]
    hwm_ext = statistics.median([x["after"]["VmHWM"] for x in m["ext"]])
    hwm_psql = statistics.median([x["after"]["VmHWM"] for x in m["psql"]])
    w(f"| 5 | backend peak memory (VmHWM) base→head: extension vs psql script | {hwm_ext / 1024:.1f} MiB vs {hwm_psql / 1024:.1f} MiB | (report) | |")
    w(f"| 5 | security_migrate.so | {R['so']['size']:,} bytes ({R['so']['size'] / 1048576:.2f} MiB) | (report) | |")
    w("")

    # ---------------- 1
    w(f"## 1. Empty database, base → head ({E['steps']} revisions, {REPS} runs each)\n")
    w("Each run: `CREATE DATABASE` from a template (not timed), then the timed command, wall time including "
      "process start and connection. The three variants run back to back, in rotating order, in every repetition.\n")
    w("| variant | command | median (min–max) | / psql | tool − psql |\n|---|---|---|---|---|")
    rows = [("psql -1 -f (physical limit)", "`psql -1 -f bench/out/chain.sql` (the extension's `migrate_sql('head')` without its BEGIN/COMMIT)", "psql"),
            ("extension", "`psql -c \"SELECT migrate_upgrade('head')\"` (extension already created in the database)", "ext"),
            ("Alembic CLI", "`alembic upgrade head` on bench/out/alembic-chain (generated from migrations/)", "alembic")]
    for label, cmd, k in rows:
        w(f"| {label} | {cmd} | {fmt(t[k])} | {ratio(t[k], t['psql']):.2f} | {(statistics.median(t[k]) - statistics.median(t['psql'])) * 1e3:+.0f} ms |")
    w(f"| fixed cost: no-op call at head | `psql -c \"SELECT migrate_upgrade('head')\"` → already at head | {fmt(t['noop'])} | | |")
    w(f"| fixed cost: bare connection | `psql -c 'SELECT 1'` | {fmt(t['select1'])} | | |")
    w("")
    w(f"Same SQL, same order: the psql script's step order equals `migrate_plan('head')`: **{E['script_order_matches_plan']}**; "
      f"Alembic's `Running upgrade` log order equals it: **{E.get('alembic_order_matches_plan')}**. "
      f"Resulting catalogs (`pg_dump --schema-only`, extension objects left out) vs psql's: extension {E['same_catalog']['ext']}, "
      f"Alembic {E['same_catalog']['alembic']}.\n")
    es, ps = E["ext_steps"], E["psql_steps"]
    sum_e, sum_p = sum(es.values()), sum(v for k, v in ps.items() if k != "_setup")
    w(f"Per step (one instrumented run each; extension: `security_migrate.run_log.duration_ms`, measured in the backend "
      f"around each step's statements and version-table update; psql: the sum of `\\timing` over the step's statements, "
      f"as seen by the client, round trips included): sum over the {len(es)} steps extension {sum_e:.0f} ms, psql {sum_p:.0f} ms "
      f"(psql's version-table DDL and `SET LOCAL` before the first step: {ps.get('_setup', 0):.1f} ms). The ten largest:\n")
    w("| revision | extension ms | psql ms |\n|---|---|---|")
    for rev in sorted(es, key=lambda r: -es[r])[:10]:
        w(f"| {rev} | {es[rev]:.1f} | {ps.get(rev, float('nan')):.1f} |")
    w("")

    # ---------------- 2
    if P:
        w(f"## 2. Populated database → head ({POP_REPS} run{'s' if POP_REPS > 1 else ''} each)\n")
        sc = P["seed_counts"]
        w(f"Seed (bench/seed.sql via psql, at revision `{SEED_AT}`, then `VACUUM (FREEZE, ANALYZE)`): "
          + ", ".join(f"{k} {int(v):,}" for k, v in sc.items())
          + f" rows; database {P['seed_size']}; seeding took {P['seed_s']:.0f} s. Every run starts from "
          f"`CREATE DATABASE … TEMPLATE bench_pop_seed STRATEGY FILE_COPY` ({fmt(P['pop_times']['copy'], digits=1)}, not timed), "
          f"then runs the remaining {P['pop_steps']} steps: the extension with `SELECT migrate_upgrade('head')`, psql with "
          f"`psql -1 -f` of `migrate_sql('head', '{SEED_AT}')` (instrumented with `\\timing`, client-side only).\n")
        pt = P["pop_times"]
        w("| variant | median (min–max) | / psql |\n|---|---|---|")
        w(f"| psql -1 -f | {fmt(pt['psql'], digits=1)} | 1.000 |")
        w(f"| extension | {fmt(pt['ext'], digits=1)} | {ratio(pt['ext'], pt['psql']):.3f} |")
        w("")
        ac = P.get("after_counts", {})
        backfills = [("add_event_detections_junction", "event_detections rows inserted (parsed from events.detection_ids, 2 FK checks each)", "event_detections"),
                     ("add_time_series_partitioning", "rows copied into the partitioned detections/events/logs/gpu_stats/audit_logs", "partitioned_rows"),
                     ("add_detection_search_vector", "detections rows updated through the row trigger", "detections"),
                     ("1c42824dcb07", "logs rows backfilled (search_vector), plus a trigram index on detections", "logs")]
        w("Backfill steps (medians over the runs; rows/s = rows ÷ step time):\n")
        w("| step | what | rows | extension s | extension rows/s | psql s | psql rows/s |\n|---|---|---|---|---|---|---|")
        for rev, what, key in backfills:
            rows_n = int(ac.get(key, 0))
            e = [d.get(rev, float("nan")) / 1e3 for d in P["pop_ext_steps"]]
            p = [d.get(rev, float("nan")) / 1e3 for d in P["pop_psql_steps"]]
            em, pm = statistics.median(e), statistics.median(p)
            w(f"| {rev} | {what} | {rows_n:,} | {em:.1f} | {rows_n / em:,.0f} | {pm:.1f} | {rows_n / pm:,.0f} |")
        e_all = {k: statistics.median([d.get(k, 0) for d in P["pop_ext_steps"]]) for k in P["pop_ext_steps"][0]}
        p_all = {k: statistics.median([d.get(k, 0) for d in P["pop_psql_steps"]]) for k in P["pop_psql_steps"][0]}
        w("")
        w(f"Sum of per-step times: extension {sum(e_all.values()) / 1e3:.1f} s, psql {sum(v for k, v in p_all.items() if k != '_setup') / 1e3:.1f} s. "
          "Steps taking over 1 s:\n")
        w("| revision | extension s | psql s |\n|---|---|---|")
        for rev in sorted(e_all, key=lambda r: -e_all[r]):
            if e_all[rev] < 1000:
                break
            w(f"| {rev} | {e_all[rev] / 1e3:.1f} | {p_all.get(rev, float('nan')) / 1e3:.1f} |")
        w("")

    # ---------------- 3
    rd = R["read"]
    w(f"## 3. Hot read path ({PGB_REPS} runs each, alternating)\n")
    w(f"`{rd['pgbench_cmd']}` on a database at head, FILE = `SELECT * FROM migrate_current();` or "
      "`SELECT version_num FROM alembic_version;` (simple protocol).\n")
    w("| query | tps median (min–max) | latency avg ms | single-client latency ms |\n|---|---|---|---|")
    w(f"| `SELECT version_num FROM alembic_version` | {fmt(rd['tps']['raw'], '', digits=0)} | {statistics.median(rd['lat']['raw']):.3f} | {rd['lat_1client']['raw']:.3f} |")
    w(f"| `SELECT * FROM migrate_current()` | {fmt(rd['tps']['ext'], '', digits=0)} | {statistics.median(rd['lat']['ext']):.3f} | {rd['lat_1client']['ext']:.3f} |")
    w(f"\nRatio (tps): **{tps_r:.2f}**; extra time per call (single client): "
      f"{(rd['lat_1client']['ext'] - rd['lat_1client']['raw']) * 1e3:.0f} µs.\n")
    if "read_profile" in rd:
        w("Profile (`perf record -p <the 4 backends>` for 5 s of a migrate_current() pgbench run; flat, by DSO then symbol):\n")
        w("```")
        for l in rd["read_profile"].get("dso", []) + [""] + rd["read_profile"].get("sym", []):
            w(l)
        if "error" in rd["read_profile"]:
            w(rd["read_profile"]["error"])
        w("```\n")

    # ---------------- 4
    G = R["graph"]
    w(f"## 4. Graph at scale\n")
    w("Synthetic graphs from `planner/examples/graph_scale.rs` (one base, one head; ~5% branch points and ~5% merges, "
      "lines that fork and merge at random so several are open at once; each file a `CREATE TABLE` + index upgrade and a "
      "`DROP TABLE` downgrade). The core is timed in process (`cargo run --release -p revision-planner --example graph_scale`, "
      f"median of {CORE_REPS}); Alembic on the same files turned into Alembic revisions: **in process** "
      "(`python -c`, `time.perf_counter` around `RevisionMap(...)` + `_revision_map`, `.heads`, and "
      "`list(iterate_revisions('heads', 'base', implicit_base=True))`, the call `alembic upgrade` makes; 7 runs, 3 at 10,000) "
      "and **CLI** (`alembic heads` 3 runs; `alembic upgrade head --sql` 3 runs, not run at 10,000 where one run takes over a "
      "minute; wall time, Python start and loading the script files included).\n")
    w("| revisions | branch points / merges | core load (parse + build) | core heads | core plan | **core total** | Alembic build | Alembic heads | Alembic plan | **Alembic total** | Alembic / core | `alembic heads` CLI | `alembic upgrade head --sql` CLI |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in GRAPH_SIZES:
        c, a, cl = G["core"][n], G["alembic_inproc"][n], G["alembic_cli"][n]
        cm = lambda k: f"{c[k]['median']:.3f} ({c[k]['min']:.3f}–{c[k]['max']:.3f})"
        w(f"| {n:,} | {c['branch_points']} / {c['merges']} | {cm('load_ms')} | {cm('heads_ms')} | {cm('plan_ms')} | **{cm('total_ms')}** | "
          f"{fmt(a['build'], '', digits=1)} | {fmt(a['heads'], '', digits=3)} | {fmt(a['plan'], '', digits=1)} | **{fmt(a['total'], '', digits=1)}** | "
          f"{statistics.median(a['total']) / c['total_ms']['median']:.0f} × | {fmt(cl['heads'], 's', digits=2)} | {fmt(cl['upgrade_sql'], 's', digits=2)} |")
    w("\n(all core and in-process Alembic figures in ms)\n")
    w("Where the core's time goes (medians, ms):\n")
    w("| revisions | input bytes | parse texts | Graph::new | plan | ancestor closures in plan | one full closure |\n|---|---|---|---|---|---|---|")
    for n in GRAPH_SIZES:
        c = G["core"][n]
        w(f"| {n:,} | {c['bytes']:,} | {c['parse_ms']['median']:.3f} | {c['build_ms']['median']:.3f} | {c['plan_ms']['median']:.3f} | "
          f"{c['closures_in_plan']} | {c['closure_ms']['median']:.3f} |")
    w("")
    growth = lambda f: f(GRAPH_SIZES[-1]) / f(GRAPH_SIZES[0])
    w(f"Growth {GRAPH_SIZES[0]:,} → {GRAPH_SIZES[-1]:,} revisions ({GRAPH_SIZES[-1] // GRAPH_SIZES[0]} × more): core total "
      f"{growth(lambda n: G['core'][n]['total_ms']['median']):.0f} ×, core plan {growth(lambda n: G['core'][n]['plan_ms']['median']):.0f} ×, "
      f"Alembic plan {growth(lambda n: statistics.median(G['alembic_inproc'][n]['plan'])):.0f} ×.\n")

    # ---------------- 5
    w("## 5. Memory\n")
    w("One psql session per row: `SELECT pg_backend_pid()`, then the work, then `\\! cat /proc/$BPID/status` from the "
      "same session while it is still open (3 runs each; median). VmHWM is the backend's peak resident set, which also counts "
      "the shared buffers the backend touched (RssShmem); RssAnon is its private memory at the end.\n")
    w("| backend | VmHWM before | VmHWM after (peak) | RssAnon after | RssShmem after |\n|---|---|---|---|---|")
    for k, label in (("baseline", "`SELECT 1` only"), ("psql", "ran the psql -1 -f script (base→head)"), ("ext", "ran `migrate_upgrade('head')`")):
        med = lambda part, key: statistics.median([x[part].get(key, 0) for x in m[k]]) / 1024
        w(f"| {label} | {med('before', 'VmHWM'):.1f} MiB | **{med('after', 'VmHWM'):.1f} MiB** | {med('after', 'RssAnon'):.1f} MiB | {med('after', 'RssShmem'):.1f} MiB |")
    w(f"\n`{R['so']['path']}`: {R['so']['size']:,} bytes.\n")
    if R["so"].get("size_cmd"):
        w("```\n" + R["so"]["size_cmd"] + "\n```\n")

    # ---------------- analysis (written from this run's numbers)
    w("## Where goals are missed: causes and evidence\n")
    w(analysis(R))
    w("## How to run\n")
    w(f"```\n{command}\n```\n")
    w("Knobs (environment): BENCH_REPS (default 7), BENCH_POP_REPS (1), BENCH_DETECTIONS (1000000), BENCH_EVENTS (100000), "
      "BENCH_PGBENCH_SECONDS (10), BENCH_PGBENCH_REPS (3), BENCH_CORE_REPS (51), BENCH_GRAPH_SIZES (\"100 1000 10000\"). "
      "Generated inputs (the psql scripts, the Alembic script directories, the synthetic graphs) stay in bench/out/.\n")
    w("<details><summary>run log</summary>\n\n```")
    L.extend(LOG)
    w("```\n</details>\n")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(L) + "\n")


def analysis(R):
    from bench_analysis import explain  # kept apart: prose that reads the numbers
    return explain(R, GRAPH_SIZES)


# --------------------------------------------------------------------------------------------
def render_only(command):
    """Rewrite RESULTS.md from bench/out/results.json (no measuring)."""
    with open(os.path.join(OUT, "results.json")) as f:
        d = json.load(f)
    R = d["results"]
    for k in ("core", "alembic_inproc", "alembic_cli"):
        R["graph"][k] = {int(n): v for n, v in R["graph"][k].items()}
    SO_CHECKS.extend((w, fp) for w, fp in d["so_checks"])
    LOG.extend(d.get("log", []))
    write_results(R, d["info"], command)


def main():
    command = os.environ.get("BENCH_COMMAND", "bench/run.sh")
    if "--render" in sys.argv:
        return render_only(command)
    os.makedirs(OUT, exist_ok=True)
    check_so("start")
    info = machine_info()
    info["pinned"] = pinned_fingerprint()
    say(f"machine: {info['nproc']} cores, {info['mem_total_gib']} GiB, load {' '.join(info['loadavg_start'])}")
    R = {}
    R["empty"] = {}
    bench_empty(R["empty"])
    check_so("2. populated")
    if POP_REPS > 0:
        R["pop"] = {}
        bench_populated(R["pop"])
    check_so("3. hot read")
    R["read"] = {}
    bench_read(R["read"])
    check_so("4. graph")
    R["graph"] = {}
    bench_graph(R["graph"])
    check_so("5. memory")
    bench_memory(R)
    check_so("end")
    R["elapsed_s"] = time.time() - T_START
    R["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"info": info, "results": R, "so_checks": SO_CHECKS, "log": LOG}, f, indent=1, default=str)
    write_results(R, info, command)
    say(f"wrote {os.path.join(HERE, 'RESULTS.md')} ({R['elapsed_s'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
