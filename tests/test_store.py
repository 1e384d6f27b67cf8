"""parley.store against SQLite (a file) and a real PostgreSQL (tests/pg.py), same tests for both."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import statistics
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import event, exc, text

from parley.store import MIGRATIONS, SPEND_COMMIT_INTERVAL, KeyRecord, Lease, Record, SpendRecord, Store
from tests.pg import create_database, pg_url  # noqa: F401  (pg_url: a session fixture)

OWNER = "a" * 64  # sha256 hex of an API key
OTHER = "b" * 64
T0, T1, T2 = "2025-06-01T10:00:00Z", "2025-06-01T10:00:05Z", "2025-06-01T10:00:09Z"

UNICODE = 'héllo wörld — 你好 😀 مرحبا \u0000 \\ "quoted" \n\t'


def new_record(status: str = "in_progress", owner: str = OWNER, **kw) -> Record:
    fields = dict(
        id=f"v1_{uuid.uuid4().hex}",
        owner=owner,
        status=status,
        model="gemini-2.5-flash",
        created=T0,
        updated=T0,
        request={
            "model": "gemini-2.5-flash",
            "input": [{"type": "text", "text": UNICODE}],
            "generation_config": {"temperature": 0.25, "max_output_tokens": 2048, "stop": None},
            "stream": False,
            "z_last": [1, 2.5, -3, True, False, None, {}, []],
            "a_first": {"nested": {"deep": ["x" * 3000]}},
        },
        steps=[{"type": "user_input", "content": [{"type": "text", "text": UNICODE}]}],
        usage={},
    )
    fields.update(kw)
    return Record(**fields)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty database: a SQLite file in a directory that does not exist yet, or a new PG database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/not/yet/there/parley.db"
    return create_database(request.getfixturevalue("pg_url"))


@pytest.fixture
async def store(store_url):
    s = await Store.open(store_url)
    yield s
    await s.close()


async def count(store: Store, sql: str, **params) -> int:
    def op(conn):
        return conn.execute(text(sql), params).scalar()

    return await store._read(op)


# --- basics ----------------------------------------------------------------------------------


async def test_insert_get_round_trip(store):
    rec = new_record(
        previous_interaction_id="v1_prev",
        deployment_id="gemini-eu",
        upstream_id="up-123",
        errors=[{"code": "rate_limited", "message": UNICODE}],
        usage={"total_tokens": 12, "input_tokens": 5},
    )
    await store.insert(rec)
    got = await store.get(rec.id, OWNER)
    assert got == rec
    assert got.request["input"][0]["text"] == UNICODE
    assert list(got.request) == list(rec.request)  # key order kept (json, not jsonb)
    assert await store.get("v1_missing", OWNER) is None


async def test_defaults_round_trip(store):
    rec = Record(
        id="v1_min",
        owner="",
        status="queued",
        model=None,
        created=T0,
        updated=T0,
        request={},
        steps=[],
        usage={},
    )
    await store.insert(rec)
    got = await store.get("v1_min", "")
    assert got == rec
    assert (got.previous_interaction_id, got.deployment_id, got.upstream_id, got.errors) == (
        None,
        None,
        None,
        [],
    )


async def test_duplicate_id_raises_without_leaking_the_body(store):
    rec = new_record()
    await store.insert(rec)
    with pytest.raises(exc.IntegrityError) as err:
        await store.insert(rec)
    assert "hello" not in str(err.value) and "你好" not in str(err.value)  # hide_parameters


async def test_concurrent_writes_fail_alone_and_are_committed_when_acknowledged(store, store_url):
    """Writes issued together (SQLite: one group commit): a duplicate id fails alone; every write
    that returned is readable from another connection (another process's view)."""
    first = new_record()
    await store.insert(first)
    records = [new_record() for _ in range(40)]
    results = await asyncio.gather(
        *(store.insert(r) for r in records[:20]),
        store.insert(first),  # the duplicate, amid the others
        *(store.insert(r) for r in records[20:]),
        return_exceptions=True,
    )
    assert isinstance(results[20], exc.IntegrityError)
    assert [r for i, r in enumerate(results) if i != 20] == [None] * 40
    other = await Store.open(store_url)
    try:
        for r in [first, *records]:
            assert (await other.get(r.id, OWNER)) is not None
    finally:
        await other.close()


async def test_owner_isolation(store):
    rec = new_record(status="in_progress")
    await store.insert(rec)
    await store.append_events(rec.id, [(1, {"e": 1})])
    assert await store.get(rec.id, OTHER) is None
    assert await store.get(rec.id, "") is None
    assert await store.cancel(rec.id, OTHER, T1) is None
    assert await store.delete(rec.id, OTHER) is False
    got = await store.get(rec.id, OWNER)
    assert (got.status, got.updated) == ("in_progress", T0)
    assert await store.events_after(rec.id, 0) == [(1, {"e": 1})]


async def test_update(store):
    rec = new_record(status="queued")
    await store.insert(rec)
    steps = rec.steps + [{"type": "model_output", "content": [{"type": "text", "text": "réponse 🙂"}]}]
    await store.update(
        rec.id,
        status="in_progress",
        steps=steps,
        usage={"total_tokens": 7},
        updated=T1,
        upstream_id="resp_1",
        deployment_id="dep-a",
        errors=[{"code": "x"}],
    )
    got = await store.get(rec.id, OWNER)
    assert (got.status, got.steps, got.usage, got.updated) == ("in_progress", steps, {"total_tokens": 7}, T1)
    assert (got.upstream_id, got.deployment_id, got.errors) == ("resp_1", "dep-a", [{"code": "x"}])
    assert (got.request, got.created, got.model, got.owner) == (rec.request, T0, rec.model, OWNER)

    await store.update(rec.id, status="completed")  # a partial update leaves the rest alone
    got2 = await store.get(rec.id, OWNER)
    assert got2.status == "completed" and got2.steps == steps and got2.updated == T1

    with pytest.raises(TypeError, match="owner"):
        await store.update(rec.id, owner=OTHER)
    with pytest.raises(TypeError, match="request"):
        await store.update(rec.id, request={})
    await store.update(rec.id)  # nothing to do
    await store.update("v1_missing", status="failed")  # no row: no error, nothing created
    assert await store.get("v1_missing", OWNER) is None


async def test_statuses(store):
    queued, done = new_record(status="queued"), new_record(status="completed")
    await store.insert(queued)
    await store.insert(done)
    assert await store.statuses([queued.id, done.id, "v1_missing"]) == {
        queued.id: "queued",
        done.id: "completed",
    }
    await store.update(queued.id, status="in_progress")
    assert await store.statuses([queued.id]) == {queued.id: "in_progress"}
    assert await store.statuses([]) == {}


async def test_ping(store):
    await store.ping()


# --- finish / cancel -------------------------------------------------------------------------


async def test_finish_writes_final_state(store):
    rec = new_record(status="in_progress", upstream_id="up-1", errors=[{"code": "earlier"}])
    await store.insert(rec)
    steps = rec.steps + [{"type": "model_output", "content": [{"type": "text", "text": "done"}]}]
    assert await store.finish(rec.id, status="completed", steps=steps, usage={"total_tokens": 3}, updated=T2)
    got = await store.get(rec.id, OWNER)
    assert (got.status, got.steps, got.usage, got.updated) == ("completed", steps, {"total_tokens": 3}, T2)
    # optional fields left None keep what was stored
    assert (got.upstream_id, got.errors, got.deployment_id) == ("up-1", [{"code": "earlier"}], None)

    # A finished interaction stays as it finished: only a running one can be finished.
    assert not await store.finish(rec.id, status="failed", steps=[], usage={}, updated=T2)
    assert (await store.get(rec.id, OWNER)).status == "completed"

    rec = new_record(status="in_progress", upstream_id="up-1")
    await store.insert(rec)
    assert await store.finish(
        rec.id,
        status="failed",
        steps=[],
        usage={},
        updated=T2,
        errors=[{"code": "bad_gateway"}],
        upstream_id="up-2",
        deployment_id="dep-b",
    )
    got = await store.get(rec.id, OWNER)
    assert (got.status, got.errors, got.upstream_id, got.deployment_id) == (
        "failed",
        [{"code": "bad_gateway"}],
        "up-2",
        "dep-b",
    )
    assert await store.finish("v1_missing", status="completed", steps=[], usage={}, updated=T2) is False


async def test_cancel_then_finish_cancel_wins(store):
    rec = new_record(status="in_progress")
    await store.insert(rec)
    cancelled = await store.cancel(rec.id, OWNER, T1)
    assert (cancelled.status, cancelled.updated, cancelled.steps) == ("cancelled", T1, rec.steps)
    ok = await store.finish(
        rec.id, status="completed", steps=[{"type": "x"}], usage={"total_tokens": 9}, updated=T2
    )
    assert ok is False
    got = await store.get(rec.id, OWNER)
    assert (got.status, got.updated, got.steps, got.usage) == ("cancelled", T1, rec.steps, {})


async def test_finish_stores_the_stream_events_in_the_same_write(store):
    done, cancelled = new_record(status="in_progress"), new_record(status="in_progress")
    events = [(i, {"event_type": "step.delta", "event_id": f"evt_{i}", "n": i}) for i in range(1, 12)]
    for rec in (done, cancelled):
        await store.insert(rec)
    await store.cancel(cancelled.id, OWNER, T1)
    assert await store.finish(done.id, status="completed", steps=[], usage={}, updated=T2, events=events)
    # A cancel wins over the final state, but the events of what was streamed are still kept.
    assert not await store.finish(
        cancelled.id, status="completed", steps=[], usage={}, updated=T2, events=events
    )
    for rec in (done, cancelled):
        assert await store.events_after(rec.id, 5) == events[5:]
    assert (await store.get(cancelled.id, OWNER)).status == "cancelled"


async def test_a_run_failed_by_another_process_keeps_nothing_its_stalled_owner_saves_late(store):
    """Recovered (failed, its lease expired) while its process stalled: when that process wakes
    and saves, neither its events nor its output are kept; a cancelled run keeps both."""
    failed, cancelled = new_record(status="in_progress"), new_record(status="in_progress")
    for rec in (failed, cancelled):
        await store.insert(rec, Lease("w", 1))
    await store.expire_leases(2, [{"code": "interrupted", "message": "x"}], T1)
    await store.update(cancelled.id, status="cancelled")  # as if cancelled before it expired
    events = [(1, {"event_type": "step.delta", "event_id": "evt_1"})]
    output = [{"type": "model_output", "content": [{"type": "text", "text": "late"}]}]
    for rec in (failed, cancelled):
        assert not await store.finish(
            rec.id, status="completed", steps=output, usage={}, updated=T2, events=events
        )
        await store.keep_cancelled(rec.id, rec.steps + output, {"total_tokens": 3}, False)
    assert await store.events_after(failed.id, 0) == []
    assert (await store.get(failed.id, OWNER)).steps == failed.steps
    assert await store.events_after(cancelled.id, 0) == events
    kept = await store.get(cancelled.id, OWNER)
    assert kept.steps == cancelled.steps + output and kept.usage == {"total_tokens": 3}
    assert (await store.run_state(cancelled.id))[1] is None  # its lease let go: the save is done


async def test_a_running_row_names_its_deployment_and_an_ended_one_keeps_its_own(store):
    """note_deployment, as an upstream starts answering: what recovery bills a dead run at. It
    never changes a row that has ended (an attempt's note that lands after its run's save)."""
    running, ended = new_record(status="in_progress"), new_record(status="in_progress")
    for rec in (running, ended):
        await store.insert(rec, Lease("w", 10**15))
    await store.finish(ended.id, status="completed", steps=[], usage={}, updated=T1, deployment_id="b")
    for rec in (running, ended):
        await store.note_deployment(rec.id, "a")
    assert (await store.get(running.id, OWNER)).deployment_id == "a"
    assert (await store.get(ended.id, OWNER)).deployment_id == "b"


@pytest.mark.parametrize("status", ["completed", "cancelled", "failed"])
async def test_a_finished_run_lets_go_of_its_lease(store, status):
    """Once its process has saved it, however it ended, recovery never takes it for a dead
    process's (which would log and bill it twice)."""
    rec = new_record(status="in_progress")
    await store.insert(rec, Lease("w", 1))
    assert await store.finish(rec.id, status=status, steps=[], usage={}, updated=T2)
    assert await store.expire_leases(10**15, [{"code": "interrupted", "message": "x"}], T2) == []
    assert (await store.run_state(rec.id))[1] is None


async def test_the_lease_sweep_reads_only_indexed_rows(tmp_path):
    """Every instance sweeps every run_lease_seconds / 3: none of its statements may scan every
    interaction ever stored (the cancelled runs' release did, 43 ms at 35k rows)."""
    path = tmp_path / "plan.db"
    store = await Store.open(f"sqlite:///{path}")
    issued: list[tuple[str, Any]] = []
    event.listen(store._engine, "before_cursor_execute", lambda *a: issued.append((a[2], a[3])))
    try:
        await store.renew_leases("w", 1)
        await store.expire_leases(1, [{"code": "interrupted", "message": "x"}], T1)
        await store.count_running(OWNER)
    finally:
        await store.close()
    db = sqlite3.connect(path)
    plans = {
        sql: [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)] for sql, params in issued
    }
    db.close()
    assert len([sql for sql in plans if "interactions" in sql]) == 4
    for sql, plan in plans.items():
        assert all(" USING " in step or "interactions" not in step for step in plan), (sql, plan)


@pytest.mark.parametrize("status", ["queued", "in_progress"])
async def test_cancel_from_non_terminal(store, status):
    rec = new_record(status=status)
    await store.insert(rec)
    after = await store.cancel(rec.id, OWNER, T1)
    assert after == Record(**{**rec.__dict__, "status": "cancelled", "updated": T1})
    assert await store.statuses([rec.id]) == {rec.id: "cancelled"}


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled", "requires_action"])
async def test_cancel_leaves_other_states_alone(store, status):
    rec = new_record(status=status)
    await store.insert(rec)
    after = await store.cancel(rec.id, OWNER, T1)
    assert after == rec  # returned as it is, not touched
    assert await store.get(rec.id, OWNER) == rec
    assert await store.cancel("v1_missing", OWNER, T1) is None


async def test_finish_racing_cancel_across_instances(store_url):
    """Two "processes" (two Store instances): one finishes, the other cancels, at the same time.
    Exactly one wins per interaction, and what each side was told matches the stored row."""
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        recs = [new_record(status="in_progress") for _ in range(40)]
        for r in recs:
            await a.insert(r)

        async def finish(r):
            return await a.finish(
                r.id, status="completed", steps=[{"done": True}], usage={"n": 1}, updated=T2
            )

        async def cancel(r):
            return await b.cancel(r.id, OWNER, T1)

        results = await asyncio.gather(*(f(r) for r in recs for f in (finish, cancel)))
        outcomes = set()
        for i, r in enumerate(recs):
            finished, cancelled = results[2 * i], results[2 * i + 1]
            stored = await b.get(r.id, OWNER)
            if finished:  # finish committed first: the cancel found a terminal row and left it
                assert cancelled.status == "completed" and stored.status == "completed"
                assert stored.steps == [{"done": True}] and stored.updated == T2
            else:  # the cancel committed first: finish wrote nothing
                assert cancelled.status == "cancelled" and stored.status == "cancelled"
                assert stored.steps == r.steps and stored.updated == T1
            outcomes.add(finished)
        assert outcomes  # (which side wins each race depends on scheduling; both are checked above)
    finally:
        await a.close()
        await b.close()


# --- delete and events -----------------------------------------------------------------------


async def test_delete_removes_events(store):
    rec, keep = new_record(), new_record()
    await store.insert(rec)
    await store.insert(keep)
    await store.append_events(rec.id, [(i, {"i": i}) for i in range(1, 6)])
    await store.append_events(keep.id, [(1, {"keep": True})])
    assert (  # the five consecutive events are one row
        await count(store, "SELECT count(*) FROM interaction_events WHERE interaction_id = :i", i=rec.id) == 1
    )

    assert await store.delete(rec.id, OWNER) is True
    assert await store.get(rec.id, OWNER) is None
    assert await store.events_after(rec.id, 0) == []
    assert (
        await count(store, "SELECT count(*) FROM interaction_events WHERE interaction_id = :i", i=rec.id) == 0
    )
    assert await store.delete(rec.id, OWNER) is False
    assert await store.events_after(keep.id, 0) == [(1, {"keep": True})]  # other interactions untouched


async def test_events_order_and_after(store):
    rec = new_record()
    await store.insert(rec)
    ev = {
        s: {"event_type": "content.delta", "delta": {"text": f"{UNICODE} #{s}"}, "event_id": str(s)}
        for s in range(10)
    }
    await store.append_events(rec.id, [(3, ev[3]), (1, ev[1])])  # out of order within a batch
    await store.append_events(rec.id, [(2, ev[2])])
    await store.append_events(rec.id, [(4, ev[4]), (5, ev[5]), (6, ev[6])])
    assert await store.events_after(rec.id, 0) == [(s, ev[s]) for s in range(1, 7)]
    assert await store.events_after(rec.id, 3) == [(4, ev[4]), (5, ev[5]), (6, ev[6])]
    assert await store.events_after(rec.id, 6) == []
    assert await store.events_after(rec.id, -1) == [(s, ev[s]) for s in range(1, 7)]

    # a retried batch is harmless: the first event stored under a seq stays
    await store.append_events(rec.id, [(6, {"dup": True}), (7, ev[7])])
    assert await store.events_after(rec.id, 5) == [(6, ev[6]), (7, ev[7])]
    await store.append_events(rec.id, [])
    assert await store.events_after("v1_missing", 0) == []


async def test_a_run_of_events_is_one_row_and_overlapping_runs_keep_the_first(store):
    rec = new_record()
    await store.insert(rec)
    ev = {s: {"n": s} for s in range(1, 10)}
    await store.append_events(rec.id, [(s, ev[s]) for s in range(1, 6)])
    rows = "SELECT count(*) FROM interaction_events WHERE interaction_id = :i"
    assert await count(store, rows, i=rec.id) == 1
    # a retried write that overlaps the stored run and goes past it: the stored events stay
    await store.append_events(rec.id, [(s, {"again": s}) for s in range(3, 8)])
    assert await store.events_after(rec.id, 0) == [(s, ev[s]) for s in range(1, 6)] + [
        (6, {"again": 6}),
        (7, {"again": 7}),
    ]
    assert await store.events_after(rec.id, 4) == [(5, ev[5]), (6, {"again": 6}), (7, {"again": 7})]
    assert (await store.run_state(rec.id))[2] == 7  # the last seq stored
    # a gap splits a write into runs: 8 and 9 are not consecutive with 11
    await store.append_events(rec.id, [(8, ev[8]), (9, ev[9]), (11, {"n": 11})])
    assert await count(store, rows, i=rec.id) == 4
    assert [seq for seq, _ in await store.events_after(rec.id, 6)] == [7, 8, 9, 11]


async def test_events_stored_one_per_row_before_runs_are_read_with_them(store):
    rec = new_record()
    await store.insert(rec)
    value = ":e" if store.kind == "sqlite" else "CAST(:e AS JSON)"
    insert = text(f"INSERT INTO interaction_events (interaction_id, seq, event) VALUES (:i, :s, {value})")

    def old_rows(conn):  # as the schema before _m_event_runs wrote them: one event per row
        for seq in (1, 2):
            conn.execute(insert, {"i": rec.id, "s": seq, "e": json.dumps({"old": seq})})

    await store._write(old_rows)
    await store.append_events(rec.id, [(2, {"new": 2}), (3, {"new": 3}), (4, {"new": 4})])
    assert await store.events_after(rec.id, 0) == [
        (1, {"old": 1}),
        (2, {"old": 2}),
        (3, {"new": 3}),
        (4, {"new": 4}),
    ]
    assert await store.events_after(rec.id, 1) == [(2, {"old": 2}), (3, {"new": 3}), (4, {"new": 4})]
    assert (await store.run_state(rec.id))[2] == 4


async def test_large_event_batch(store):
    rec = new_record()
    await store.insert(rec)
    batch = [(s, {"s": s, "t": "délta"}) for s in range(1, 1301)]  # > one INSERT's worth
    await store.append_events(rec.id, list(reversed(batch)))
    assert await store.events_after(rec.id, 0) == batch
    assert await store.events_after(rec.id, 1299) == [(1300, {"s": 1300, "t": "délta"})]


async def test_events_of_a_deleted_interaction_are_dropped(store):
    await store.append_events("v1_gone", [(1, {"late": True})])
    await store.append_events("v1_gone", [(1, {"late": True}), (2, {"late": True})])
    assert await store.events_after("v1_gone", 0) == []
    assert await count(store, "SELECT count(*) FROM interaction_events") == 0


# --- schema, instances, concurrency ----------------------------------------------------------


async def test_migrations_idempotent(store_url):
    s1 = await Store.open(store_url)
    rec = new_record()
    await s1.insert(rec)
    await s1.close()
    s2 = await Store.open(store_url)  # second open: nothing to apply, data intact
    try:
        assert await s2.schema_version() == len(MIGRATIONS)
        assert await count(s2, "SELECT count(*) FROM parley_schema_version") == len(MIGRATIONS)
        assert await s2.get(rec.id, OWNER) == rec
    finally:
        await s2.close()


async def test_a_database_from_before_event_runs_is_migrated_and_its_events_read(tmp_path):
    """A file written by the schema before _m_event_runs (an event per row): opened, migrated,
    its events read and appended to."""
    path, ident = tmp_path / "old.db", f"v1_{uuid.uuid4().hex}"
    runs = next(i for i, m in enumerate(MIGRATIONS) if any("last_seq" in sql for sql in m["sqlite"]))
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE parley_schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
    for version, migration in enumerate(MIGRATIONS[:runs], 1):
        for sql in migration["sqlite"]:
            db.execute(sql)
        db.execute("INSERT INTO parley_schema_version VALUES (?, ?)", (version, T0))
    db.execute(
        "INSERT INTO interactions (id, owner, status, created, updated, request, steps, usage, errors) "
        "VALUES (?, ?, 'completed', ?, ?, '{}', '[]', '{}', '[]')",
        (ident, OWNER, T0, T0),
    )
    rows = [(ident, seq, json.dumps({"old": seq})) for seq in (1, 2, 3)]
    db.executemany("INSERT INTO interaction_events (interaction_id, seq, event) VALUES (?, ?, ?)", rows)
    db.commit()
    db.close()
    store = await Store.open(f"sqlite:///{path}")
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        assert await store.events_after(ident, 1) == [(2, {"old": 2}), (3, {"old": 3})]
        await store.append_events(ident, [(4, {"new": 4}), (5, {"new": 5})])
        assert [seq for seq, _ in await store.events_after(ident, 0)] == [1, 2, 3, 4, 5]
        assert (await store.run_state(ident))[2] == 5
    finally:
        await store.close()


async def test_concurrent_opens_migrate_once(store_url):
    stores = await asyncio.gather(*(Store.open(store_url) for _ in range(6)))
    try:
        assert await count(stores[0], "SELECT count(*) FROM parley_schema_version") == len(MIGRATIONS)
        assert [await s.schema_version() for s in stores] == [len(MIGRATIONS)] * 6
    finally:
        for s in stores:
            await s.close()


async def test_two_instances_see_each_others_writes(store_url):
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        rec = new_record(status="in_progress")
        await a.insert(rec)
        assert await b.get(rec.id, OWNER) == rec
        await b.append_events(rec.id, [(1, {"from": "b"})])
        assert await a.events_after(rec.id, 0) == [(1, {"from": "b"})]
        await a.update(rec.id, usage={"total_tokens": 4}, updated=T1)
        assert (await b.get(rec.id, OWNER)).usage == {"total_tokens": 4}
        assert (await b.cancel(rec.id, OWNER, T2)).status == "cancelled"
        assert await a.statuses([rec.id]) == {rec.id: "cancelled"}  # the poll sees the other's cancel
        assert await a.finish(rec.id, status="completed", steps=[], usage={}, updated=T2) is False
        assert await a.delete(rec.id, OWNER) is True
        assert await b.get(rec.id, OWNER) is None
    finally:
        await a.close()
        await b.close()


async def test_many_concurrent_writes(store_url):
    """200 concurrent inserts on one instance, then 2 x 100 more from two instances on the same
    database at once, each followed by updates: no 'database is locked', every row there."""
    a = await Store.open(store_url)
    b = await Store.open(store_url)
    try:
        first = [new_record(status="queued") for _ in range(200)]
        await asyncio.gather(*(a.insert(r) for r in first))

        async def lifecycle(s: Store, r: Record):
            await s.insert(r)
            await s.update(r.id, status="in_progress", updated=T1)
            await s.append_events(r.id, [(1, {"n": 1}), (2, {"n": 2})])
            return await s.finish(r.id, status="completed", steps=[], usage={"n": 1}, updated=T2)

        second = [new_record(status="queued") for _ in range(200)]
        done = await asyncio.gather(*(lifecycle(a if i % 2 else b, r) for i, r in enumerate(second)))
        assert done == [True] * 200
        assert await count(a, "SELECT count(*) FROM interactions") == 400
        assert await count(b, "SELECT count(*) FROM interactions WHERE status = 'completed'") == 200
        assert await count(a, "SELECT sum(last_seq - seq + 1) FROM interaction_events") == 400
        got = await asyncio.gather(*(b.get(r.id, OWNER) for r in first))
        assert got == first
    finally:
        await a.close()
        await b.close()


# --- SQLite specifics ------------------------------------------------------------------------


async def test_sqlite_file_settings(tmp_path):
    path = tmp_path / "deep" / "er" / "p.db"
    s = await Store.open(f"sqlite:///{path}")
    try:
        assert path.exists()

        def pragmas(conn):
            return [
                conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            ]

        assert await s._read(pragmas) == ["wal", 1, 1, 10_000]  # synchronous 1 = NORMAL
        assert await s._write(pragmas) == ["wal", 1, 1, 10_000]
    finally:
        await s.close()


async def test_sqlite_memory():
    s = await Store.open("sqlite:///:memory:")
    try:
        rec = new_record()
        await asyncio.gather(*(s.insert(new_record()) for _ in range(50)), s.insert(rec))
        assert await s.get(rec.id, OWNER) == rec
        await s.append_events(rec.id, [(1, {"a": 1})])
        assert await s.delete(rec.id, OWNER) is True
        assert await count(s, "SELECT count(*) FROM interaction_events") == 0
    finally:
        await s.close()


def new_key(key_hash: str) -> KeyRecord:
    return KeyRecord(
        key_hash=key_hash,
        key_name="sk-…abcd",
        key_alias=None,
        models=[],
        rpm_limit=None,
        tpm_limit=None,
        max_parallel_requests=None,
        max_budget=None,
        budget_duration=None,
        budget_reset_at=None,
        spend=0.0,
        expires=None,
        metadata={},
        created=T0,
        updated=T0,
    )


async def test_spend_rows_round_trip(store):
    """Both flags of `stream`, on both databases (PostgreSQL's column is an INTEGER)."""
    rows = [dataclasses.replace(spend_row(1), stream=True), spend_row(2, cost=None)]
    for row in rows:
        await store.record_spend(row)
    assert sorted(await store.spend_logs(key_hash=OWNER), key=lambda r: r.request_id) == rows


def spend_row(n: int, cost: float | None = 0.5) -> SpendRecord:
    return SpendRecord(
        request_id=f"v1_spend_{n}",
        key_hash=OWNER,
        interaction_id=None,
        model="m",
        model_group="m",
        deployment="m#0",
        status="completed",
        input_tokens=5,
        output_tokens=4,
        cost=cost,
        latency_ms=1.5,
        stream=False,
        started=T0,
        day=T0[:10],
    )


async def test_sqlite_loop_writes_share_a_commit_and_fail_alone(tmp_path):
    """A file's creates and spend rows are written on the loop, the creates of one tick in one
    commit, the spend rows in one of their own; a duplicate fails alone with SQLAlchemy's IntegrityError; everything acknowledged is visible
    to another process's connection, spend rows and the key's spend included."""
    url = f"sqlite:///{tmp_path}/p.db"
    s = await Store.open(url)
    other = await Store.open(url)
    try:
        await s.insert_key(new_key(OWNER))
        first = new_record()
        await s.insert(first)
        commits = s._loop_writes._commits
        records = [new_record() for _ in range(10)]
        results = await asyncio.gather(
            *(s.insert(r) for r in records[:5]),
            s.insert(first),
            s.record_spend(spend_row(1)),
            s.record_spend(spend_row(2, cost=None)),
            s.record_spend(spend_row(1)),  # a duplicate spend row fails alone too
            *(s.insert(r) for r in records[5:]),
            return_exceptions=True,
        )
        # One tick, one commit for its inserts; its spend rows (no response waits for them) in
        # one of their own.
        assert s._loop_writes._commits == commits + 2
        assert isinstance(results[5], exc.IntegrityError) and isinstance(results[8], exc.IntegrityError)
        assert [r for i, r in enumerate(results) if i not in (5, 8)] == [None] * 12
        for r in [first, *records]:
            assert await other.get(r.id, OWNER) == r
        assert [row.request_id for row in await other.spend_logs()] == ["v1_spend_1", "v1_spend_2"]
        assert (await other.get_key(OWNER)).spend == 0.5
    finally:
        await other.close()
        await s.close()


async def test_sqlite_a_spend_row_commits_after_the_insert_and_before_a_read(tmp_path):
    """A response waits for its insert, not for its spend row: the insert's caller hears back
    while the spend row of the same tick is still queued; a read of spend or keys in this process
    waits for it."""
    url = f"sqlite:///{tmp_path}/p.db"
    s = await Store.open(url)
    try:
        await s.insert_key(new_key(OWNER))
        spend = s.record_spend_soon(spend_row(1))
        await s.insert(new_record())
        assert not spend.done()
        assert [row.request_id for row in await s.spend_logs()] == ["v1_spend_1"]
        assert spend.done()
        s.record_spend_soon(spend_row(2))
        assert (await s.get_key(OWNER)).spend == 1.0
    finally:
        await s.close()


async def test_sqlite_spend_rows_of_many_ticks_share_one_commit_within_the_interval(tmp_path):
    """Spend rows queued over several ticks, each tick with a create of its own, are committed
    together in one commit of their own, within SPEND_COMMIT_INTERVAL and with no read asking for
    them; the ones a stop finds queued are committed by it."""
    url = f"sqlite:///{tmp_path}/p.db"
    s = await Store.open(url)
    other = await Store.open(url)
    try:
        await s.insert_key(new_key(OWNER))
        commits = s._loop_writes._commits
        spends = []
        for i in range(5):
            spends.append(s.record_spend_soon(spend_row(i)))
            await s.insert(new_record())  # a tick of its own, with its own commit
        assert s._loop_writes._commits == commits + 5 and not any(f.done() for f in spends)
        await asyncio.wait_for(asyncio.gather(*spends), SPEND_COMMIT_INTERVAL * 50)
        assert s._loop_writes._commits == commits + 6
        assert len(await other.spend_logs()) == 5
        s.record_spend_soon(spend_row(5))
    finally:
        await s.close()
    try:
        assert len(await other.spend_logs()) == 6
        assert (await other.get_key(OWNER)).spend == 3.0
    finally:
        await other.close()


async def test_sqlite_a_lone_write_that_fails_leaves_its_tick_committed(tmp_path):
    """A statement alone in its tick (no savepoint of its own) that fails is undone alone: the
    tick's other writes commit, and the next tick writes as usual."""
    url = f"sqlite:///{tmp_path}/p.db"
    s = await Store.open(url)
    other = await Store.open(url)
    try:
        first = new_record()
        await s.insert(first)
        results = await asyncio.gather(
            s.insert(first), s.record_spend(spend_row(1, cost=None)), return_exceptions=True
        )
        assert isinstance(results[0], exc.IntegrityError) and results[1] is None
        later = new_record()
        await s.insert(later)
        assert [row.request_id for row in await other.spend_logs()] == ["v1_spend_1"]
        assert await other.get(later.id, OWNER) == later
    finally:
        await other.close()
        await s.close()


async def test_sqlite_loop_writes_go_to_the_writer_thread_while_it_or_another_process_writes(tmp_path):
    """The loop never waits for a lock: while the writer thread is inside a write, or another
    process holds SQLite's write lock, the writes go to the writer thread, which waits for it;
    they are acknowledged once committed."""
    import sqlite3
    import threading

    path = tmp_path / "p.db"
    s = await Store.open(f"sqlite:///{path}")
    try:
        inside, leave = threading.Event(), threading.Event()

        def busy(conn):
            inside.set()
            leave.wait(10)

        held = asyncio.ensure_future(s._write(busy))
        await asyncio.to_thread(inside.wait, 10)
        rec = new_record()
        insert = asyncio.ensure_future(s.insert(rec))
        await asyncio.sleep(0.2)
        assert not insert.done()  # queued behind the writer thread's write, not failed
        leave.set()
        await held
        await insert
        assert await s.get(rec.id, OWNER) == rec

        outside = sqlite3.connect(path, isolation_level=None)
        outside.execute("BEGIN IMMEDIATE")  # another process writing
        rec2 = new_record()
        commits = s._loop_writes._commits
        insert = asyncio.ensure_future(s.insert(rec2))
        await asyncio.sleep(0.3)
        assert not insert.done() and s._loop_writes._commits == commits
        outside.execute("COMMIT")
        outside.close()
        await insert
        assert await s.get(rec2.id, OWNER) == rec2
    finally:
        await s.close()


async def test_sqlite_loop_writes_are_checkpointed_off_the_loop(tmp_path, monkeypatch):
    """The loop's connection never checkpoints (a checkpoint fsyncs); every few hundred of its
    commits one runs in a reader thread, so the WAL does not grow without end."""
    import parley.store

    monkeypatch.setattr(parley.store, "LOOP_CHECKPOINT_COMMITS", 5)
    path = tmp_path / "p.db"
    s = await Store.open(f"sqlite:///{path}")
    try:
        wal = tmp_path / "p.db-wal"
        for _ in range(5):
            await s.insert(new_record())
        for _ in range(50):  # the checkpoint runs in a thread: wait for it
            if not s._checkpointing:
                break
            await asyncio.sleep(0.05)
        size = wal.stat().st_size
        for _ in range(4):  # fewer pages than the WAL holds: written over its start again
            await s.insert(new_record())
        assert wal.stat().st_size == size
    finally:
        await s.close()


async def test_sqlite_wal_stays_bounded_under_steady_writes(tmp_path, monkeypatch):
    """A checkpoint that new commits keep overtaking never lets the WAL start over: the writers
    wait while it runs (the loop's writes go to the writer thread meanwhile), so steady writes
    keep the WAL file near what is written between two checkpoints."""
    import parley.store

    monkeypatch.setattr(parley.store, "LOOP_CHECKPOINT_COMMITS", 10)
    path = tmp_path / "p.db"
    s = await Store.open(f"sqlite:///{path}")
    try:
        for _ in range(150):  # waves of concurrent creates: one commit per wave
            await asyncio.gather(*(s.insert(new_record()) for _ in range(20)))
        assert (tmp_path / "p.db-wal").stat().st_size < 4 * 1024 * 1024
    finally:
        await s.close()


async def test_sqlite_checkpoint_lets_creates_commit_while_it_copies_the_wal(tmp_path, monkeypatch):
    """A checkpoint's long part (copying the WAL's frames, fsync) runs with the writers going on;
    only a second, short pass holds them off (the WAL bound above). Here the first pass is held
    in the middle: a create still commits at once."""
    import threading

    import parley.store

    monkeypatch.setattr(parley.store, "LOOP_CHECKPOINT_COMMITS", 5)
    copying, go_on = threading.Event(), threading.Event()
    passes: list[bool] = []
    real = parley.store._checkpoint

    def held_first(conn):
        passes.append(True)
        if len(passes) == 1:
            copying.set()
            go_on.wait(30)
        real(conn)

    monkeypatch.setattr(parley.store, "_checkpoint", held_first)
    s = await Store.open(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        for _ in range(5):  # the fifth commit starts a checkpoint
            await s.insert(new_record())
        assert await asyncio.to_thread(copying.wait, 30)
        await asyncio.wait_for(s.insert(new_record()), 5)  # not held up by the copy
        go_on.set()
        for _ in range(100):
            if not s._checkpointing:
                break
            await asyncio.sleep(0.05)
        assert len(passes) == 2 and not s._checkpointing
    finally:
        go_on.set()
        await s.close()


def test_bad_url():
    with pytest.raises(ValueError, match="unsupported store URL"):
        asyncio.run(Store.open("mysql://u@h/db"))


# --- latency (printed with -s; bound generous enough for a loaded CI box) ---------------------


async def test_latency(store, capsys):
    samples: dict[str, list[float]] = {
        "insert": [],
        "get": [],
        "update": [],
        "statuses": [],
        "append_events(1)": [],
    }
    for i in range(300):
        rec = new_record(status="in_progress")
        t0 = time.perf_counter()
        await store.insert(rec)
        t1 = time.perf_counter()
        await store.get(rec.id, OWNER)
        t2 = time.perf_counter()
        await store.update(rec.id, usage={"n": i}, updated=T1)
        t3 = time.perf_counter()
        await store.statuses([rec.id])
        t4 = time.perf_counter()
        await store.append_events(rec.id, [(1, {"event_type": "content.delta"})])
        t5 = time.perf_counter()
        for k, v in zip(samples, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            samples[k].append(v)
    med = {k: statistics.median(v[50:]) * 1e6 for k, v in samples.items()}
    with capsys.disabled():
        print(f"\n[{store.kind}] median latency: " + ", ".join(f"{k} {v:.0f}us" for k, v in med.items()))
    assert med["insert"] + med["get"] < 20_000


async def test_sqlite_processes_take_turns_through_the_lock_file(tmp_path):
    """Processes sharing a SQLite file write in turns through an flock beside it: a write waits
    while another process holds it (blocked in the kernel, not polling) and goes ahead as soon as
    it is released."""
    import fcntl
    import os

    db = tmp_path / "parley.db"
    s = await Store.open(f"sqlite:///{db}")
    try:
        await s.insert(new_record())  # the lock file exists once the store has written
        other = os.open(f"{db}.lock", os.O_RDWR)  # another process's hold, as far as flock knows
        try:
            fcntl.flock(other, fcntl.LOCK_EX)
            held = asyncio.ensure_future(s.insert(rec := new_record()))
            await asyncio.sleep(0.3)
            assert not held.done()  # neither the loop's write nor the writer thread went ahead
            released = time.monotonic()
            fcntl.flock(other, fcntl.LOCK_UN)
            await asyncio.wait_for(held, 5)
            assert time.monotonic() - released < 0.2
        finally:
            os.close(other)
        assert await s.get(rec.id, OWNER) == rec
    finally:
        await s.close()


async def test_sqlite_lock_file_wait_has_a_deadline(tmp_path, monkeypatch):
    """A lock file held for ever (a stopped process) does not stop the writes: past FILE_LOCK_WAIT
    they go ahead on SQLite's own lock, which nobody holds here."""
    import fcntl
    import os

    from parley import store as store_module

    monkeypatch.setattr(store_module, "FILE_LOCK_WAIT", 0.3)
    db = tmp_path / "parley.db"
    s = await Store.open(f"sqlite:///{db}")
    other = os.open(f"{db}.lock", os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        started = time.monotonic()
        await asyncio.wait_for(s.insert(rec := new_record()), 5)
        assert 0.3 <= time.monotonic() - started < 2
        assert await s.get(rec.id, OWNER) == rec
    finally:
        os.close(other)
        await s.close()
