"""Following a run from the store when its status has ended before its events (parley.leases)."""

from __future__ import annotations

import asyncio

import pytest

from parley import leases, wire
from parley.contract.spec import assert_stream_valid
from parley.engine import _synthesised
from parley.leases import Leases, closing_events, follow_stored
from parley.store import Lease, Store
from tests.test_store import OWNER, T1, new_record

STARTED = [
    {"event_type": "interaction.created", "interaction": {"id": "", "status": "in_progress"}},
    {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Once upon"}},
]


@pytest.fixture
async def cancelled(tmp_path):
    """A run with three events stored, then cancelled (as another instance than its own would)."""
    store = await Store.open(f"sqlite:///{tmp_path}/parley.db")
    record = new_record()
    await store.insert(record)
    events = []
    for seq, event in enumerate(STARTED, 1):
        event = {**event, "event_id": f"evt_{seq}"}
        if seq == 1:
            event["interaction"] = {"id": record.id, "status": "in_progress"}
        events.append((seq, event))
    await store.append_events(record.id, events)
    assert (await store.cancel(record.id, OWNER, T1)).status == "cancelled"
    yield store, record
    await store.close()


async def followed(store: Store, record, after: int = 0) -> list[dict]:
    async def nothing() -> None:
        return None

    async def reload():
        return await store.get(record.id, OWNER)

    got: list[dict] = []
    async for batch in follow_stored(store, record, after, nothing, _synthesised, reload):
        got += batch
    return got


def as_sse(events: list[dict]) -> str:
    return b"".join(wire.sse(event) for event in events).decode()


async def test_a_follower_waits_for_the_ending_the_runs_own_instance_writes(cancelled, monkeypatch):
    store, record = cancelled
    monkeypatch.setattr(leases, "ENDING_WAIT", 5.0)
    owners = closing_events(
        record.id,
        3,
        "cancelled",
        {"event_type": "interaction.completed", "interaction": {"id": record.id, "status": "cancelled"}},
        [0],
    )

    async def owner_saves_late() -> None:
        await asyncio.sleep(0.5)  # it notices the cancel a poll later
        await store.append_events(record.id, owners)

    saving = asyncio.create_task(owner_saves_late())
    events = await followed(store, record)
    await saving
    assert events[3:] == [event for _, event in owners]
    assert_stream_valid(as_sse(events))


@pytest.mark.parametrize("after", [0, 2], ids=["from-the-start", "resumed-after-the-step-started"])
async def test_a_follower_ends_the_stream_itself_when_the_ending_never_comes(cancelled, monkeypatch, after):
    store, record = cancelled
    monkeypatch.setattr(leases, "ENDING_WAIT", 0.3)
    events = await followed(store, record, after)
    assert [e["event_type"] for e in events[3 - after :]] == [
        "step.stop",
        "interaction.status_update",
        "interaction.completed",
    ]
    assert events[-1]["interaction"]["status"] == "cancelled" and events[-2]["status"] == "cancelled"
    assert events[-3]["index"] == 0
    # Numbered past any event its dead process can have sent and not stored.
    past = 3 + leases.UNSTORED_MAX
    assert [e["event_id"] for e in events] == [
        f"evt_{i}" for i in (*range(after + 1, 4), past + 1, past + 2, past + 3)
    ]
    assert_stream_valid(as_sse(events), resumed=after > 0)


async def test_a_background_run_cancelled_before_its_first_event_is_followed_to_its_own_ending(tmp_path):
    """No event stored yet is not a JSON create's stream to synthesise: its process writes one."""
    store = await Store.open(f"sqlite:///{tmp_path}/parley.db")
    try:
        record = new_record()
        record.request = {**record.request, "background": True}
        await store.insert(record)
        await store.cancel(record.id, OWNER, T1)
        created = {
            "event_type": "interaction.created",
            "interaction": {"id": record.id, "status": "in_progress"},
        }
        owners = [(1, {**created, "event_id": "evt_1"})] + closing_events(
            record.id,
            1,
            "cancelled",
            {"event_type": "interaction.completed", "interaction": {"id": record.id, "status": "cancelled"}},
        )

        async def owner_saves_late() -> None:
            await asyncio.sleep(0.5)
            await store.append_events(record.id, owners)

        saving = asyncio.create_task(owner_saves_late())
        events = await followed(store, record)
        await saving
        assert events == [event for _, event in owners]
    finally:
        await store.close()


async def test_a_run_cancelled_elsewhere_whose_process_died_is_ended_by_recovery(tmp_path):
    """Its process never saved it: once its lease is over, recovery stores the ending its stream
    lacks, and reads rebuild the output from its events."""
    store = await Store.open(f"sqlite:///{tmp_path}/parley.db")
    try:
        record = new_record()
        record.request = {**record.request, "background": True}
        await store.insert(record, Lease("dead-process", leases.now_ms() - 1))
        await store.append_events(
            record.id, [(seq, {**e, "event_id": f"evt_{seq}"}) for seq, e in enumerate(STARTED, 1)]
        )
        await store.cancel(record.id, OWNER, T1)
        keeper = Leases(store, 30)
        keeper.last_event = lambda r: _synthesised(r)[-1]
        recovered: list[str] = []
        keeper.on_recovered = lambda r, output: recovered.append(r.status)
        assert await keeper.recover() == [record.id] and recovered == ["cancelled"]
        events = [event for _, event in await store.events_after(record.id, 0)]
        assert [e["event_type"] for e in events[3:]] == [
            "step.stop",
            "interaction.status_update",
            "interaction.completed",
        ]
        assert events[-1]["interaction"]["status"] == "cancelled"
        assert_stream_valid(as_sse(events))
        stored = await store.get(record.id, OWNER)
        assert stored.status == "cancelled" and stored.steps[-1]["content"][0]["text"] == "Once upon"
        assert await keeper.recover() == []  # once
    finally:
        await store.close()
