"""What the fleet outbox's cap costs the recorder's commits, and what a full outbox takes.

A real session database (``SessionStore``) and the real ``OutboxWriter``, called as the
recorder calls it: one transaction per flush (1 s by default) holding 3 steps of real size
(every metric the analyzer computes, ~1.8 kB each) and sometimes an alert. Three runs:

* **no cap**: the outbox grows to the cap's size (the cost before the cap existed);
* **at the cap**: the broker is away and the outbox is full: every commit also reads the
  totals row and drops the oldest steps;
* the per-commit time of the cap's own work (``_cap``), separately.

Also printed: the publisher's backlog read (the totals row) against the ``COUNT(*)`` it
replaced (run every 0.25 s while the broker is unreachable), the query plans of the cap's
statements, and the database pages a full outbox takes against the bytes the cap counts.

Usage: python benchmarks/outbox_cap.py [--cap-mib 16] [--commits 2000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from edge.fleet.outbox import _DATA, _SIZE, OutboxWriter, outbox_stats
from edge.gait.records import AlertRecord, StrideRecord
from edge.recording.commit import CommitBatch
from edge.recording.store import SessionStore

sys.path.insert(0, str(Path(__file__).parent))
from hub_ingest import real_steps  # steps of the real payload size

STEPS_PER_COMMIT = 3


def batch(uid: str, sid: int, steps: list[StrideRecord], k: int, created: bool) -> CommitBatch:
    chosen = tuple(steps[(k * STEPS_PER_COMMIT + i) % len(steps)] for i in range(3))
    alerts: tuple[AlertRecord, ...] = ()
    if k % 4 == 3:
        alerts = (AlertRecord("raised", "overstride", "land under your hips", 0.3, 0, 1.0, 1),)
    return CommitBatch(
        uid=uid,
        session_id=sid,
        created=created,
        t_start_s=0.0,
        started_at=time.time(),
        settings={"bench": True},
        strides=chosen,
        alerts=alerts,
        end=None,
        frames=30,
        frames_unstored=0,
    )


def run(
    db: Path,
    cap: int | None,
    fill_to: int,
    commits: int,
    steps: list[StrideRecord],
    kept_sessions: int,
) -> tuple[list[float], list[float], SessionStore, OutboxWriter]:
    """Queue ``kept_sessions`` empty sessions (start and end), fill the outbox to ``fill_to``
    bytes with steps (uncapped), then time ``commits`` commits with the cap given. Returns
    (commit times, cap-only times) in ms."""
    store = SessionStore(db)
    writer = OutboxWriter("bench", max_bytes=None)
    settings = {"settings": "x" * 3000}  # a start's settings snapshot is ~3 kB
    for j in range(kept_sessions):  # sessions of an outage so far: their starts and ends stay
        with store.transaction():
            old = store.begin_session(f"old-{j}", "bench", 0.0, {})
        for created, end in ((True, None), (False, (1.0, time.time(), "ended"))):
            b = replace(batch(f"old-{j}", old, steps, 0, created), strides=(), alerts=())
            with store.transaction():
                writer.on_commit(store, replace(b, settings=settings, end=end))
    with store.transaction():
        sid = store.begin_session("b-1", "bench", 0.0, {})
    k = 0
    while outbox_stats(store.conn).bytes < fill_to:
        with store.transaction():
            writer.on_commit(store, batch("b-1", sid, steps, k, created=k == 0))
        k += 1
    writer.max_bytes = cap
    cap_times: list[float] = []
    timed_cap = writer._cap

    def cap_timer(conn: object) -> None:
        t = time.perf_counter()
        timed_cap(conn)  # type: ignore[arg-type]
        cap_times.append((time.perf_counter() - t) * 1e3)

    writer._cap = cap_timer  # type: ignore[method-assign]
    times: list[float] = []
    for _ in range(commits):
        t = time.perf_counter()
        with store.transaction():
            writer.on_commit(store, batch("b-1", sid, steps, k, created=k == 0))
        times.append((time.perf_counter() - t) * 1e3)
        k += 1
    return times, cap_times, store, writer


def summary(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"median {statistics.median(ms):.3f} ms, p99 {q[98]:.3f} ms, max {max(ms):.3f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cap-mib", type=float, default=16.0)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument(
        "--kept-sessions",
        type=int,
        default=300,
        help="sessions ahead of the steps (a week's outage: their starts and ends are kept)",
    )
    args = ap.parse_args()
    cap = int(args.cap_mib * 1024 * 1024)
    steps = real_steps(60)
    with tempfile.TemporaryDirectory() as tmp:
        base, _, s0, _ = run(
            Path(tmp) / "nocap.db", None, cap, args.commits, steps, args.kept_sessions
        )
        s0.close()
        full, cap_only, store, writer = run(
            Path(tmp) / "cap.db", cap, cap, args.commits, steps, args.kept_sessions
        )
        conn = store.conn
        stats = outbox_stats(conn)
        print(f"outbox at the cap: {stats.messages} messages, {stats.bytes / 2**20:.2f} MiB")
        print(f"  (cap {args.cap_mib:g} MiB, {stats.dropped} dropped during the timed commits,")
        print(f"  {2 * args.kept_sessions} session starts and ends kept ahead of the steps)")
        print(f"commit, no cap, outbox growing past {args.cap_mib:g} MiB: {summary(base)}")
        print(f"commit at the cap (drops every time):        {summary(full)}")
        print(f"  of which the cap's own work (_cap):          {summary(cap_only)}")
        reads = []
        for _ in range(200):
            t = time.perf_counter()
            outbox_stats(conn)
            reads.append((time.perf_counter() - t) * 1e3)
        counts = []
        for _ in range(20):
            t = time.perf_counter()
            conn.execute("SELECT COUNT(*) FROM fleet_outbox").fetchone()
            counts.append((time.perf_counter() - t) * 1e3)
        print(f"publisher backlog read: totals row {statistics.median(reads):.4f} ms,")
        print(f"  COUNT(*) it replaced {statistics.median(counts):.3f} ms (median)")
        (page,) = conn.execute("PRAGMA page_size").fetchone()
        try:  # dbstat: pages per table (SQLite built with it, as Debian's is)
            (pages,) = conn.execute(
                "SELECT COUNT(*) FROM dbstat WHERE name = 'fleet_outbox'"
            ).fetchone()
            print(
                f"pages of fleet_outbox: {pages * page / 2**20:.2f} MiB on disk for "
                f"{stats.bytes / 2**20:.2f} MiB counted ({pages * page / stats.bytes:.2f}x)"
            )
        except sqlite3.OperationalError:
            print("(no dbstat in this SQLite: pages of the outbox not measured)")
        print("query plans:")
        for sql in (
            "SELECT messages, bytes, dropped FROM fleet_outbox_size WHERE id = 1",
            f"SELECT seq, {_SIZE} FROM fleet_outbox WHERE seq > 0 AND {_DATA} ORDER BY seq",
            f"DELETE FROM fleet_outbox WHERE seq BETWEEN 1 AND 9 AND {_DATA}",
        ):
            plan = [r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            print(f"  {sql[:60]}...: {'; '.join(plan)}")
        store.close()
        del writer
    return 0


if __name__ == "__main__":
    sys.exit(main())
