"""Record the step order real Alembic computes for many upgrade/downgrade requests over the
graph in migrations/ (headers only), so the planner's tests can compare against it.

    python scripts/alembic-orders.py > planner/tests/fixtures/alembic_orders.txt

Needs `pip install alembic==1.20.1`. Each output line: `up|down FROM TARGET : STEP STEP ...`,
FROM being comma-separated alembic_version rows (or `base`)."""
import glob
import os
import re

from alembic.script.revision import Revision, RevisionMap

here = os.path.dirname(os.path.abspath(__file__))
revs = []
for path in sorted(glob.glob(os.path.join(here, "..", "migrations", "*.sql"))):
    head = {}
    for line in open(path):
        if line.startswith("-- migrate:upgrade"):
            break
        m = re.match(r"--\s*(\w+):\s*(.*)", line)
        if m:
            head[m.group(1)] = m.group(2).strip()
    downs = [d.strip() for d in head.get("down_revision", "").split(",") if d.strip()]
    deps = tuple(d.strip() for d in head.get("depends_on", "").split(",") if d.strip()) or None
    revs.append((head["revision"], None if not downs else downs[0] if len(downs) == 1 else tuple(downs), deps))

rm = RevisionMap(lambda: [Revision(r, d, dependencies=deps) for r, d, deps in revs])
ids = [r for r, _, _ in revs]


def up(current, target):
    order = [r.revision for r in rm.iterate_revisions(target, current or "base", implicit_base=True)]
    return list(reversed(order))


def down(current, target):
    return [r.revision for r in rm.iterate_revisions(current, target, select_for_downgrade=True)]


def line(kind, current, target, steps):
    print(f"{kind} {','.join(current) if current else 'base'} {target} : {' '.join(steps)}")


heads = tuple(rm.heads)
line("up", (), "heads", up((), "heads"))
for t in ids:
    line("up", (), t, up((), t))
for t in ids:
    line("down", heads, t, down(heads, t))
line("down", heads, "base", down(heads, "base"))
# partial states: stand at each revision, then go to every head / to base
for c in ids:
    line("up", (c,), "heads", up((c,), "heads"))
    line("down", (c,), "base", down((c,), "base"))
# two branches applied apart, then the rest
for pair in [("add_prompt_versions", "add_object_types_gin_trgm"), ("add_prompt_version_uq", "d4cdaa821492"),
             ("add_gin_brin_specialized_indexes", "add_time_series_partitioning"),
             ("add_trust_status_to_entities", "1c42824dcb07")]:
    line("up", pair, "heads", up(pair, "heads"))
    line("down", pair, "base", down(pair, "base"))
