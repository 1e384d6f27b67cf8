"""The durable store of interactions: SQLite (default, one file, WAL) or PostgreSQL (multi-instance).

One small async interface, ``Store``, over SQLAlchemy 2 Core. Design notes:

* Execution: SQLAlchemy's *sync* engine (stdlib sqlite3 / psycopg 3) in worker threads, one thread
  hop per call; each call runs all its statements in its thread. Measured against the asyncio
  extension on a get by id (same machine, interleaved runs): SQLite 80 us vs 240-530 us with
  aiosqlite (which hops to its thread for every cursor call); PostgreSQL about equal when
  sequential and 2.5x the throughput with 500 concurrent calls. No aiosqlite/greenlet dependency.
  A cancelled caller does not interrupt a call already running in its thread: it completes.
* Every call is one statement on a pooled connection in driver-level AUTOCOMMIT mode: no
  BEGIN/COMMIT round trips (psycopg would otherwise spend three round trips per call). The few
  multi-statement operations (migrations, very large event batches) open an explicit transaction.
* Atomic state changes are single conditional UPDATEs, so they are safe across processes:
  ``finish`` is ``... WHERE status IN ('queued', 'in_progress')`` and ``cancel`` is
  ``... WHERE status IN ('queued', 'in_progress') RETURNING *``: whichever commits first wins.
* Owner scoping: ``get``/``cancel``/``delete`` filter on ``owner`` in the same statement. A record
  of another owner is indistinguishable from a missing one. ``events_after``/``status`` take no
  owner: callers reach them only after ``get`` (or from the worker that owns the interaction).
* Nothing is logged; the engine runs with ``hide_parameters=True`` so that no exception message
  carries a request body (or anything else bound to a statement).
* SQLite: WAL, synchronous=NORMAL, busy_timeout, foreign keys. All writes of a process run on one
  writer thread (SQLite has one writer anyway), so they queue in-process instead of sleeping in
  SQLite's busy handler; readers use a small thread pool and never block the writer (WAL). Other
  processes on the same file are handled by busy_timeout. Single-statement writes take the write
  lock at their start, so the WAL "snapshot upgrade" SQLITE_BUSY cannot happen; explicit
  transactions use BEGIN IMMEDIATE for the same reason.
* JSON columns hold the documents as JSON text: SQLite TEXT, PostgreSQL ``json`` rather than
  ``jsonb``: we never query inside them, ``json`` is cheaper to write, keeps key order, and accepts
  ``\\u0000`` in strings, which ``jsonb`` rejects (a client could otherwise turn a create into a 500).
  (De)serialized with orjson, like the rest of the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import json
import logging
import operator
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, TypeVarTuple

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    event,
    exc,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import URL, Connection, Dialect, Engine, create_engine, make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from parley import wire
from parley.events import Error, InteractionSSEEvent, Step, Usage

log = logging.getLogger(__name__)
T = TypeVar("T")
Ts = TypeVarTuple("Ts")
# A stored stream event: (seq, the event as it was sent). Read back from JSON columns as written.
StoredEvent: TypeAlias = tuple[int, InteractionSSEEvent]

CANCELLABLE = ("queued", "in_progress")
UPDATABLE = frozenset(
    {"status", "steps", "usage", "updated", "upstream_id", "errors", "deployment_id", "output_in_events"}
)
SQLITE_BUSY_TIMEOUT_MS = 10_000
FILE_LOCK_WAIT = SQLITE_BUSY_TIMEOUT_MS / 1000  # seconds the writer waits for another process's turn
_EVENTS_PER_STATEMENT = 500  # 3 bound parameters each: far below SQLite's 32766 limit


@dataclass(frozen=True)
class Lease:
    """Who generates a running interaction, and until when (epoch ms) unless renewed."""

    worker: str
    until_ms: int


@dataclass
class Record:
    """One stored interaction."""

    id: str
    owner: str  # sha256 hex of the API key that created it ("" when auth is off); NEVER the key
    status: str
    model: str | None  # or agent
    created: str  # ISO-8601 'YYYY-MM-DDTHH:MM:SSZ'
    updated: str
    request: dict[str, Any]  # the create body as sent
    steps: list[Step]  # full timeline incl. user_input steps (as read: see `output_in_events`)
    usage: Usage
    previous_interaction_id: str | None = None
    deployment_id: str | None = None  # which upstream served it
    upstream_id: str | None = None  # the upstream's own interaction/response id
    errors: list[Error] = field(default_factory=list)


@dataclass
class KeyRecord:
    """One virtual key. The key itself is never stored: `key_hash` is its SHA-256 hex."""

    key_hash: str
    key_name: str  # a recognisable abbreviation of the key, e.g. "sk-…a1b2"
    key_alias: str | None
    models: list[str]  # allowed model names; empty: all
    rpm_limit: int | None
    tpm_limit: int | None
    max_parallel_requests: int | None
    max_budget: float | None  # USD per budget window
    budget_duration: str | None  # e.g. "30d", "12h"; None: one window forever
    budget_reset_at: str | None  # ISO-8601 end of the current window
    spend: float  # USD spent in the current window
    expires: str | None  # ISO-8601
    metadata: dict[str, Any]
    created: str
    updated: str


@dataclass
class SpendRecord:
    """What one generation request cost (also failed ones, at cost 0)."""

    request_id: str
    key_hash: str
    interaction_id: str | None  # None when the interaction was not stored
    model: str
    model_group: str
    deployment: str | None
    status: str
    input_tokens: int
    output_tokens: int
    cost: float | None  # USD; None when no price is known for the deployment
    latency_ms: float
    stream: bool
    started: str  # ISO-8601
    day: str  # YYYY-MM-DD (UTC)


# --- schema ----------------------------------------------------------------------------------
#
# Migrations: an append-only list, version = position + 1. Never edit an applied entry; add one.
# Keep them additive (new tables, nullable columns, indexes) so that during a rolling deploy the
# old code keeps working on the migrated schema. Applied by Store.open() in one transaction,
# serialized between processes by a PostgreSQL advisory lock (SQLite: BEGIN IMMEDIATE).
# Not alembic: two tables, no autogenerate, no CLI, no downgrade path wanted; the runner is 30
# lines in this file, so the gateway needs no migration step outside its own startup.
#
# Each entry: {dialect: [sql, ...]}, dialect in ("sqlite", "postgresql").


def _m1_initial(json_type: str, without_rowid: str) -> list[str]:
    return [
        f"""CREATE TABLE interactions (
            id TEXT PRIMARY KEY NOT NULL,
            owner TEXT NOT NULL,
            status TEXT NOT NULL,
            model TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            request {json_type} NOT NULL,
            steps {json_type} NOT NULL,
            usage {json_type} NOT NULL,
            previous_interaction_id TEXT,
            deployment_id TEXT,
            upstream_id TEXT,
            errors {json_type} NOT NULL
        )""",
        # No index on owner: every query is by primary key (owner is an extra filter). Add
        # (owner, created) in a migration if a listing endpoint appears.
        f"""CREATE TABLE interaction_events (
            interaction_id TEXT NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
            seq BIGINT NOT NULL,
            event {json_type} NOT NULL,
            PRIMARY KEY (interaction_id, seq)
        ){without_rowid}""",
    ]


def _m2_keys_and_spend(json_type: str, real: str) -> list[str]:
    # Virtual keys (only the key's SHA-256 is kept, the same hash that owns interactions) and one
    # spend row per generation request. `spend` on a key is its current budget window's total.
    return [
        f"""CREATE TABLE virtual_keys (
            key_hash TEXT PRIMARY KEY NOT NULL,
            key_name TEXT NOT NULL,
            key_alias TEXT,
            models {json_type} NOT NULL,
            rpm_limit INTEGER,
            tpm_limit INTEGER,
            max_parallel_requests INTEGER,
            max_budget {real},
            budget_duration TEXT,
            budget_reset_at TEXT,
            spend {real} NOT NULL,
            expires TEXT,
            metadata {json_type} NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )""",
        f"""CREATE TABLE spend_logs (
            request_id TEXT PRIMARY KEY NOT NULL,
            key_hash TEXT NOT NULL,
            interaction_id TEXT,
            model TEXT NOT NULL,
            model_group TEXT NOT NULL,
            deployment TEXT,
            status TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost {real},
            latency_ms {real} NOT NULL,
            stream INTEGER NOT NULL,
            started TEXT NOT NULL,
            day TEXT NOT NULL
        )""",
        "CREATE INDEX spend_logs_started ON spend_logs (started)",
        "CREATE INDEX spend_logs_key_started ON spend_logs (key_hash, started)",
    ]


def _m_leases() -> list[str]:
    # A running interaction's owner (the worker process generating it) and the end of its lease,
    # in epoch milliseconds; the owner renews it, anyone may fail a run whose lease has expired.
    # The partial index holds only running rows: the recovery scan stays cheap however many
    # interactions are stored.
    return [
        "ALTER TABLE interactions ADD COLUMN worker TEXT",
        "ALTER TABLE interactions ADD COLUMN lease_expires BIGINT",
        "CREATE INDEX interactions_running ON interactions (lease_expires) "
        "WHERE status IN ('queued', 'in_progress')",
    ]


def _m_output_in_events() -> list[str]:
    # True: a run that streamed its events to the store keeps its output there only (a large one:
    # engine.OUTPUT_IN_ROW_MAX; a 20 MB answer was stored twice), and the crash-interrupted ones:
    # its `steps` column holds the history before it, and reads rebuild the rest from the events.
    # NULL/false (older rows, JSON creates, small answers): `steps` is the whole timeline.
    return ["ALTER TABLE interactions ADD COLUMN output_in_events BOOLEAN"]


def _m_event_runs() -> list[str]:
    # A row may hold a run of events: seq .. last_seq, its `event` then their JSON array. A stream's
    # events are written in batches, and a row per event cost a third of a 500-delta stream's
    # instructions (the inserts, their B-tree seeks and the JSON per row). NULL: one event (rows
    # written before this migration).
    return ["ALTER TABLE interaction_events ADD COLUMN last_seq BIGINT"]


def _m_leased() -> list[str]:
    # Every instance renews its leases and sweeps for expired ones every run_lease_seconds / 3.
    # Renewing (by worker) and releasing a cancelled run whose process died scanned every
    # interaction ever stored (43 ms at 35k rows, growing with the table); this index holds only
    # the rows that hold a lease. The expiry and the per-key count use interactions_running.
    return [
        "CREATE INDEX interactions_leased ON interactions (worker, lease_expires) "
        "WHERE lease_expires IS NOT NULL"
    ]


MIGRATIONS: list[dict[str, list[str]]] = [
    {"sqlite": _m1_initial("TEXT", " WITHOUT ROWID"), "postgresql": _m1_initial("JSON", "")},
    {
        "sqlite": _m2_keys_and_spend("TEXT", "REAL"),
        "postgresql": _m2_keys_and_spend("JSON", "DOUBLE PRECISION"),
    },
    {"sqlite": _m_leases(), "postgresql": _m_leases()},
    {"sqlite": _m_output_in_events(), "postgresql": _m_output_in_events()},
    {"sqlite": _m_event_runs(), "postgresql": _m_event_runs()},
    {"sqlite": _m_leased(), "postgresql": _m_leased()},
]

_VERSION_TABLE = "parley_schema_version"
_PG_MIGRATION_LOCK = 0x7061726C6579  # "parley": pg_advisory_xact_lock key

# Query-building view of the schema above (never used for DDL). Column order == Record fields.
_meta = MetaData()
interactions = Table(
    "interactions",
    _meta,
    Column("id", Text, primary_key=True),
    Column("owner", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("model", Text),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
    Column("request", JSON, nullable=False),
    Column("steps", JSON, nullable=False),
    Column("usage", JSON, nullable=False),
    Column("previous_interaction_id", Text),
    Column("deployment_id", Text),
    Column("upstream_id", Text),
    Column("errors", JSON, nullable=False),
)
interaction_events = Table(
    "interaction_events",
    _meta,
    Column("interaction_id", Text, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("event", JSON, nullable=False),  # one event, or a run's array (_m_event_runs)
    Column("last_seq", BigInteger),
)
virtual_keys = Table(
    "virtual_keys",
    _meta,
    Column("key_hash", Text, primary_key=True),
    Column("key_name", Text, nullable=False),
    Column("key_alias", Text),
    Column("models", JSON, nullable=False),
    Column("rpm_limit", Integer),
    Column("tpm_limit", Integer),
    Column("max_parallel_requests", Integer),
    Column("max_budget", Float),
    Column("budget_duration", Text),
    Column("budget_reset_at", Text),
    Column("spend", Float, nullable=False),
    Column("expires", Text),
    Column("metadata", JSON, nullable=False),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
)


class _Flag(TypeDecorator[bool]):
    """A bool in an INTEGER column (spend_logs.stream, created so on both databases):
    PostgreSQL will not take a boolean for an integer."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: bool | None, dialect: Dialect) -> int | None:
        return None if value is None else int(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


spend_logs = Table(
    "spend_logs",
    _meta,
    Column("request_id", Text, primary_key=True),
    Column("key_hash", Text, nullable=False),
    Column("interaction_id", Text),
    Column("model", Text, nullable=False),
    Column("model_group", Text, nullable=False),
    Column("deployment", Text),
    Column("status", Text, nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cost", Float),
    Column("latency_ms", Float, nullable=False),
    Column("stream", _Flag, nullable=False),
    Column("started", Text, nullable=False),
    Column("day", Text, nullable=False),
)
assert [c.name for c in interactions.c] == [f.name for f in fields(Record)]
# The same table with the columns that are not part of a Record: the run's lease, and whether its
# output lives in its events (then reads rebuild the Record's steps from them).
_full = Table(
    "interactions",
    MetaData(),
    *(c._copy() for c in interactions.c),
    Column("worker", Text),
    Column("lease_expires", BigInteger),
    Column("output_in_events", Boolean),
)
assert [c.name for c in virtual_keys.c] == [f.name for f in fields(KeyRecord)]
assert [c.name for c in spend_logs.c] == [f.name for f in fields(SpendRecord)]
KEY_UPDATABLE = frozenset(c.name for c in virtual_keys.c) - {"key_hash", "key_name", "created", "spend"}

_c = interactions.c
_ev = interaction_events.c
# Statements are built once: SQLAlchemy then finds their compiled form in its cache by identity.
_lc = _full.c
# A Record's columns and `output_in_events`: `_record` turns such a row into the Record as read.
_RECORD = (*(_lc[c.name] for c in interactions.c), _lc.output_in_events)
_INSERT = interactions.insert()
_GET = select(*_RECORD).where(_lc.id == bindparam("_id"), _lc.owner == bindparam("_owner"))
_STATUSES = select(_c.id, _c.status).where(_c.id.in_(bindparam("_ids", expanding=True)))
_UPDATE = _full.update().where(_lc.id == bindparam("_id"))
_UPDATE_RUNNING = _full.update().where(_lc.id == bindparam("_id"), _lc.status.in_(CANCELLABLE))
# Ended by its process: it lets go of its lease (recovery is for runs nobody ended).
_FINISH = _UPDATE_RUNNING.values(worker=None, lease_expires=None)
_INSERT_LEASED = _full.insert()
_RENEW = (  # a run cancelled elsewhere is its process's until saved (Store.keep_cancelled)
    _full.update()
    .where(
        _lc.worker == bindparam("_worker"),
        _lc.lease_expires.is_not(None),  # searches interactions_leased
        _lc.status.in_((*CANCELLABLE, "cancelled")),
    )
    .values(lease_expires=bindparam("_until"))
)
# The running statuses as SQL literals, written into a statement's text: a partial index
# (interactions_running) serves only a query whose condition names its values; bound as
# parameters, the planner scanned the table.
_RUNNING_LITERALS = tuple(f"'{status}'" for status in CANCELLABLE)
_RUNNING = _lc.status.in_([literal_column(status) for status in _RUNNING_LITERALS])
_EXPIRE = (
    _full.update()
    .where(
        _RUNNING,
        (_lc.lease_expires < bindparam("_now")) | _lc.lease_expires.is_(None),
    )
    .values(status="failed", errors=bindparam("_errors"), updated=bindparam("_updated"), worker=None)
    .returning(*interactions.c)  # running rows: their steps column is their history
)
_RELEASE_CANCELLED = (  # cancelled, and its process died before saving its output
    _full.update()
    .where(_lc.status == "cancelled", _lc.lease_expires < bindparam("_now"))
    .values(worker=None, lease_expires=None)
    .returning(*interactions.c)
)
_COUNT_RUNNING = select(func.count()).select_from(_full).where(_lc.owner == bindparam("_owner"), _RUNNING)
_RUN_STATE = select(
    _lc.status,
    _lc.lease_expires,
    select(func.max(func.coalesce(_ev.last_seq, _ev.seq)))
    .where(_ev.interaction_id == bindparam("_id"))
    .scalar_subquery(),
).where(_lc.id == bindparam("_id"))
_CANCEL = (
    _full.update()
    .where(_lc.id == bindparam("_id"), _lc.owner == bindparam("_owner"), _lc.status.in_(CANCELLABLE))
    .values(status="cancelled", updated=bindparam("_updated"))
    .returning(*_RECORD)
)
_DELETE = interactions.delete().where(_c.id == bindparam("_id"), _c.owner == bindparam("_owner"))
_EVENTS_AFTER = (
    select(_ev.seq, _ev.last_seq, _ev.event)
    .where(_ev.interaction_id == bindparam("_id"), func.coalesce(_ev.last_seq, _ev.seq) > bindparam("_after"))
    .order_by(_ev.seq)
)
_EXISTS = select(_c.id).where(_c.id == bindparam("_id"))
_CANCELLED = select(_c.id).where(_c.id == bindparam("_id"), _c.status == "cancelled")
# A cancelled run's own output, saved by its process (see Store.keep_cancelled): the row lets go
# of its lease, by which a cancel made on another instance knows the save is done.
_KEEP_CANCELLED = (
    _full.update()
    .where(_lc.id == bindparam("_id"), _lc.status == "cancelled")
    .values(worker=None, lease_expires=None)
)
_GET_ANY = select(*_RECORD).where(_lc.id == bindparam("_id"))
_k = virtual_keys.c
_sl = spend_logs.c
_KEY_GET = select(*virtual_keys.c).where(_k.key_hash == bindparam("_h"))
_KEY_DELETE = virtual_keys.delete().where(_k.key_hash == bindparam("_h"))
_KEY_ADD_SPEND = (
    virtual_keys.update().where(_k.key_hash == bindparam("_h")).values(spend=_k.spend + bindparam("_cost"))
)
_KEY_RESET = (
    virtual_keys.update()
    .where(_k.key_hash == bindparam("_h"), _k.budget_reset_at == bindparam("_old"))
    .values(spend=0.0, budget_reset_at=bindparam("_next"))
)
_SPEND_INSERT = spend_logs.insert()
_KEY_INSERT = virtual_keys.insert()
_PING = text("SELECT 1")


# --- JSON ------------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # ints beyond 64 bits, non-str keys: the slow path still stores them
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _dumps_bytes(value: Any) -> bytes:  # psycopg takes bytes: saves a decode
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --- URLs and connections ----------------------------------------------------------------------


def _engine_url(url: str) -> tuple[URL, str, bool]:
    """'sqlite:///path' | 'sqlite:///:memory:' | 'postgresql://...' -> (SQLAlchemy URL, kind, memory)."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        db = u.database or ""
        memory = db in ("", ":memory:")
        if not memory:
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return u.set(drivername="sqlite+pysqlite"), "sqlite", memory
    if backend in ("postgresql", "postgres"):
        return u.set(drivername="postgresql+psycopg"), "postgresql", False
    raise ValueError(f"unsupported store URL scheme {u.drivername!r}: use sqlite:///FILE or postgresql://...")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:  # a DB-API connection
    cur = dbapi_connection.cursor()
    try:
        # busy_timeout first: switching the journal mode needs a lock another process may hold.
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        cur.close()


@contextlib.contextmanager
def _transaction(conn: Connection, kind: str) -> Iterator[Connection]:
    """An explicit transaction on an AUTOCOMMIT connection (SQLite: BEGIN IMMEDIATE); inside the
    SQLite writer's group commit, a savepoint of it."""
    if kind == "sqlite" and _in_transaction(conn):
        conn.exec_driver_sql("SAVEPOINT tx")
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(Exception):
                conn.exec_driver_sql("ROLLBACK TO tx")
                conn.exec_driver_sql("RELEASE tx")
            raise
        conn.exec_driver_sql("RELEASE tx")
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if kind == "sqlite" else "BEGIN")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(Exception):
            conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")


def _in_transaction(conn: Connection) -> bool:
    return bool(conn.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]


GROUP_COMMIT_MAX = 64  # writes that may share one SQLite commit

# One queued write: the caller's loop and future, the operation and its arguments.
_Write: TypeAlias = tuple[
    asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]
]


class _FileLock:
    """The processes sharing one SQLite file take turns writing through an exclusive flock on a
    file beside it, held for each transaction. A process that must wait looks again every
    0.1-2 ms; SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between looks, and with two
    workers writing, most of their time went to those sleeps (`--workers 2` served 0.8x of one).
    The wait has a deadline (flock itself has none): past FILE_LOCK_WAIT the write goes ahead on
    SQLite's own lock, which stays underneath for any writer (busy_timeout)."""

    def __init__(self, db_path: str | None):
        self._fd = os.open(f"{db_path}.lock", os.O_RDWR | os.O_CREAT, 0o600) if db_path else None

    def acquire(self, wait: float = 0.0) -> bool:
        """Whether the lock was taken within `wait` seconds."""
        if self._fd is None:
            return True
        deadline, pause = time.monotonic() + wait, 0.0001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
            time.sleep(pause)
            pause = min(pause * 2, 0.002)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _WriterThread:
    """SQLite's one writer: a thread with one long-lived connection that runs the writes in their
    order of arrival. A JSON create's insert is on its response path, and a one-thread executor
    spent more than the insert itself on bookkeeping (executor futures, a pool checkout and a
    reset ROLLBACK per write: py-spy).

    Group commit: the writes that queued up while one ran share one transaction, each in its own
    savepoint (a failing write is undone alone and gets its error); every caller hears back only
    after the COMMIT, so an acknowledged write is a committed one."""

    def __init__(self, engine: Engine, db_path: str | None):
        self._engine = engine
        # Held while a group runs: the loop's own writes (_LoopWrites) go ahead only when it is free.
        self.lock = threading.Lock()
        # Between processes; taken only by whoever holds `lock`.
        self.file_lock = _FileLock(db_path)
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="parley-store-writer", daemon=True)
        self._thread.start()

    def run(self, op: Callable[[Connection, *Ts], T], *args: *Ts) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((loop, future, op, args))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _serve(self) -> None:
        conn: Connection | None = None
        closing = False
        while not closing and (item := self._queue.get()) is not None:
            batch = [item]
            while len(batch) < GROUP_COMMIT_MAX:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    closing = True
                    break
                batch.append(more)
            try:
                if conn is None:
                    conn = self._engine.connect()
                with self.lock:
                    locked = self.file_lock.acquire(FILE_LOCK_WAIT)
                    try:
                        outcomes = _run_group(conn, batch)
                    finally:
                        if locked:
                            self.file_lock.release()
            except BaseException as exc:  # every caller gets it; the next write starts afresh
                outcomes = [(None, exc)] * len(batch)
                with contextlib.suppress(Exception):
                    conn.close()  # type: ignore[union-attr]
                conn = None
            for (loop, future, _, _), outcome in zip(batch, outcomes, strict=True):
                with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
                    loop.call_soon_threadsafe(_settle, future, *outcome)
        if conn is not None:
            conn.close()
        self.file_lock.close()


def _run_group(conn: Connection, batch: list[_Write]) -> list[tuple[Any, BaseException | None]]:
    if len(batch) == 1:
        _, _, op, args = batch[0]
        return [(op(conn, *args), None)]
    outcomes: list[tuple[Any, BaseException | None]] = []
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        for _, _, op, args in batch:
            conn.exec_driver_sql("SAVEPOINT op")
            try:
                outcomes.append((op(conn, *args), None))
            except Exception as exc:
                conn.exec_driver_sql("ROLLBACK TO op")
                outcomes.append((None, exc))
            conn.exec_driver_sql("RELEASE op")
        conn.exec_driver_sql("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            conn.exec_driver_sql("ROLLBACK")
        raise
    return outcomes


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


# SQLite statements the loop runs itself (_LoopWrites): the driver's own, no SQLAlchemy per row.
def _raw_insert_sql(table: Table, *more: str) -> str:
    names = [c.name for c in table.c] + list(more)
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


_RAW_INSERT = _raw_insert_sql(interactions)
_RAW_INSERT_LEASED = _raw_insert_sql(interactions, "worker", "lease_expires")
_RAW_SPEND = _raw_insert_sql(spend_logs)
_RAW_ADD_SPEND = "UPDATE virtual_keys SET spend = spend + ? WHERE key_hash = ?"
_JSON_FIELDS = [isinstance(c.type, JSON) for c in interactions.c]


def _record_params(rec: Record) -> tuple[Any, ...]:
    # A list comprehension, not a generator: one call, not a resume per column (14 per create).
    return tuple(
        [_dumps(v) if is_json else v for v, is_json in zip(rec.__dict__.values(), _JSON_FIELDS, strict=True)]
    )


_RAW_EVENTS = (
    "INSERT INTO interaction_events (interaction_id, seq, last_seq, event) VALUES (?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
_RAW_EXISTS = "SELECT 1 FROM interactions WHERE id = ?"
_RAW_CANCELLED = "SELECT 1 FROM interactions WHERE id = ? AND status = 'cancelled'"
_FULL_JSON = frozenset(c.name for c in _full.c if isinstance(c.type, JSON))


@functools.lru_cache(maxsize=64)
def _raw_finish_sql(names: tuple[str, ...]) -> str:
    running = ", ".join(_RUNNING_LITERALS)
    sets = ", ".join([*(f"{name} = ?" for name in names), "worker = NULL", "lease_expires = NULL"])
    return f"UPDATE interactions SET {sets} WHERE id = ? AND status IN ({running})"


def _raw_finish(values: dict[str, Any], events: list[StoredEvent], db: sqlite3.Connection) -> bool:
    """Store.finish on the loop's connection: _finish_with_events in the driver's own terms."""
    ident = values["_id"]
    names = tuple(name for name in values if name != "_id")
    params = [_dumps(values[name]) if name in _FULL_JSON else values[name] for name in names]
    finished = db.execute(_raw_finish_sql(names), (*params, ident)).rowcount > 0
    if events and (finished or db.execute(_RAW_CANCELLED, (ident,)).fetchone() is not None):
        _raw_events(ident, events, db)
    return finished


def _raw_insert_with_events(
    sql: str, params: tuple[Any, ...], ident: str, events: list[StoredEvent], db: sqlite3.Connection
) -> None:
    db.execute(sql, params)
    _raw_events(ident, events, db)


def _raw_events(ident: str, events: list[StoredEvent], db: sqlite3.Connection) -> None:
    """Store.append_events on the loop's connection (events of a deleted interaction dropped)."""
    try:
        _store_runs(
            ident,
            events,
            lambda row: db.execute(_RAW_EVENTS, row).rowcount > 0,
            lambda i, seq: int(db.execute(_EVENT_ROW_END["sqlite"], (i, seq)).fetchone()[0]),
        )
    except sqlite3.IntegrityError:
        if db.execute(_RAW_EXISTS, (ident,)).fetchone() is not None:
            raise


LOOP_LOCK_RETRIES = 8  # loop ticks a write waits for another process's lock before the writer thread does
LOOP_CHECKPOINT_COMMITS = 200  # the loop's commits between two WAL checkpoints (each a few pages)
# How long a spend row may wait for the spend rows after it to share its commit. At c=1 a spend
# row alone costs more than the create's own insert (~90 µs against ~60: four B-trees, its key's
# update); twenty in one commit share their pages. A process killed outright loses at most this
# much of its spend rows; a stop or a read of spend or keys writes them first.
SPEND_COMMIT_INTERVAL = 0.02


@dataclass(slots=True)
class _LoopWrite:
    """One write the loop makes: a statement, and for a spend row with a cost, its key's update;
    or an operation on the connection (`op`), whose result the caller gets."""

    sql: str
    params: tuple[Any, ...]
    then: tuple[Any, ...] | None  # _RAW_ADD_SPEND's parameters
    future: asyncio.Future[Any]
    fallback: Callable[[], asyncio.Future[Any]]  # the same write through the writer thread
    op: Callable[[sqlite3.Connection], Any] | None = None


class _LoopWrites:
    """SQLite: the create's insert and the spend rows, written on the event loop itself. All those
    made in one loop tick share one transaction (group commit without a thread: the hand-off to
    the writer thread and back was a fifth of a JSON create's request path, and at c=1 two thread
    switches on its critical path). Each caller hears back after the COMMIT.

    Cheap enough for the loop because the file is WAL with synchronous=NORMAL: a commit is a
    write() to the WAL, no fsync. The loop never waits: its connection has no busy timeout and no
    automatic checkpoint (a checkpoint fsyncs; it runs in a reader thread every
    LOOP_CHECKPOINT_COMMITS commits), and while the writer thread is inside a group (its lock) or
    another process holds SQLite's write lock, the tick's writes go to the writer thread instead,
    which waits for the lock as before.

    Spend rows are bookkeeping no response waits for (`later`): they are committed together, at
    most SPEND_COMMIT_INTERVAL after the first of them was queued, in a commit of their own. So a
    response that waits for its insert does not wait for a spend row's four B-tree pages as well,
    and at c=1 a create costs one commit, not two, with the spend rows' pages written once for
    twenty rows. Reads of spend and keys first commit those queued (`queued_later`)."""

    def __init__(self, path: str, writer: _WriterThread, checkpoint: Callable[[], None]):
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",  # set-up may meet another process's lock
            "synchronous = NORMAL",
            "foreign_keys = ON",
            "wal_autocheckpoint = 0",
        ):
            self._db.execute(f"PRAGMA {pragma}")
        self.usable = self._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        self._db.execute("PRAGMA busy_timeout = 0")  # from here on the loop never waits for a lock
        self._writer, self._checkpoint = writer, checkpoint
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[_LoopWrite] = []
        self._later: list[_LoopWrite] = []  # spend rows: flush_later commits them
        self._later_timer: asyncio.TimerHandle | None = None
        self._later_unsettled: list[asyncio.Future[Any]] = []  # theirs, until they are settled
        self._scheduled = self._closing = False
        self._commits = 0
        self._deferred = 0  # ticks this tick's writes have waited for another process's lock

    def accepts(self) -> bool:
        """Whether this caller's writes can go this way: one loop owns the connection."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        return self.usable and loop is self._loop

    def add(
        self,
        sql: str,
        params: tuple[Any, ...],
        fallback: Callable[[], asyncio.Future[Any]],
        then: tuple[Any, ...] | None = None,
        later: bool = False,
    ) -> asyncio.Future[None]:
        """`later`: nothing waits for it to answer (see the class)."""
        return self._queue(_LoopWrite(sql, params, then, self._future(), fallback), later)

    def run(
        self, op: Callable[[sqlite3.Connection], T], fallback: Callable[[], asyncio.Future[T]]
    ) -> asyncio.Future[T]:
        """`op(connection)` in this tick's transaction (after its statements), in a savepoint of
        its own: what it raises undoes only its writes. Its result, after the COMMIT."""
        return self._queue(_LoopWrite("", (), None, self._future(), fallback, op))

    def _future(self) -> asyncio.Future[Any]:
        assert self._loop is not None
        return self._loop.create_future()

    def _queue(self, write: _LoopWrite, later: bool = False) -> asyncio.Future[Any]:
        if not later:
            self._pending.append(write)
            self._schedule()
        else:
            self._later.append(write)
            self._later_unsettled.append(write.future)
            if self._later_timer is None and not self._closing:
                assert self._loop is not None
                self._later_timer = self._loop.call_later(SPEND_COMMIT_INTERVAL, self.flush_later)
        return write.future

    def _schedule(self) -> None:
        if not self._scheduled and not self._closing:
            assert self._loop is not None
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def queued_later(self) -> list[asyncio.Future[Any]]:
        """The futures of the `later` writes not settled yet, once those queued are committed (or
        handed to the writer thread, when another writer holds the lock)."""
        self.flush_later()
        return list(self._later_unsettled)

    def flush(self) -> None:
        """Commit the tick's writes."""
        self._scheduled = False
        batch, self._pending = self._pending, []
        if batch:
            self._commit(batch)

    def flush_later(self) -> None:
        """Commit the `later` writes queued so far."""
        if self._later_timer is not None:
            self._later_timer.cancel()
            self._later_timer = None
        batch, self._later = self._later, []
        if batch:
            self._commit(batch)
        self._later_unsettled = [f for f in self._later_unsettled if not f.done()]

    def _commit(self, batch: list[_LoopWrite]) -> None:
        if not self._writer.lock.acquire(blocking=False):
            self._hand_over(batch)
            return
        file_lock = self._writer.file_lock
        try:
            if not file_lock.acquire():  # another process is writing
                if self._deferred < LOOP_LOCK_RETRIES:  # its transactions are short: next tick
                    self._deferred += 1
                    self._pending[:0] = batch
                    self._schedule()
                    return
                self._deferred = 0
                self._hand_over(batch)  # it holds on: the writer thread waits for it
                return
            self._deferred = 0
            try:
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                except sqlite3.Error:  # a writer that is not Parley's holds SQLite's lock
                    self._hand_over(batch)
                    return
                results: dict[int, Any] = {}
                try:
                    errors = self._run(batch, results)
                    self._db.execute("COMMIT")
                except sqlite3.Error as failed:  # nothing of the group is committed: all hear it
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                    errors = {id(w): failed for w in batch}
            finally:
                file_lock.release()
        finally:
            self._writer.lock.release()
        for w in batch:
            error = errors.get(id(w))
            _settle(w.future, results.get(id(w)), None if error is None else _wrapped(w.sql, error))
        self._commits += 1
        if self._commits % LOOP_CHECKPOINT_COMMITS == 0:
            self._checkpoint()

    def _run(self, batch: list[_LoopWrite], results: dict[int, Any]) -> dict[int, Exception]:
        """Each statement's writes with one executemany; when one fails, that statement's writes
        one by one, so a failing write (a duplicate id) fails alone. Then the operations, in their
        order, each in its savepoint (a run's finish follows its row's insert of the same tick).
        -> {id(write): its error}; each operation's result in `results`."""
        db, errors = self._db, dict[int, Exception]()
        groups: dict[str, list[_LoopWrite]] = {}
        ops: list[_LoopWrite] = []
        for w in batch:
            if w.op is not None:
                ops.append(w)
            else:
                groups.setdefault(w.sql, []).append(w)
        for sql, writes in groups.items():
            if len(writes) == 1 and writes[0].then is None:
                # One statement needs no savepoint: SQLite undoes a failed statement by itself.
                # (An error that undid the whole transaction instead raises: all hear it.)
                try:
                    db.execute(sql, writes[0].params)
                except sqlite3.Error as error:
                    if not db.in_transaction:
                        raise
                    errors[id(writes[0])] = error
                continue
            then = [w.then for w in writes if w.then is not None]
            try:
                db.execute("SAVEPOINT g")
                db.executemany(sql, [w.params for w in writes])
                if then:
                    db.executemany(_RAW_ADD_SPEND, then)
                db.execute("RELEASE g")
                continue
            except sqlite3.Error:
                db.execute("ROLLBACK TO g")
                db.execute("RELEASE g")
            for w in writes:
                try:
                    db.execute("SAVEPOINT w")
                    db.execute(sql, w.params)
                    if w.then is not None:
                        db.execute(_RAW_ADD_SPEND, w.then)
                    db.execute("RELEASE w")
                except sqlite3.Error as error:
                    db.execute("ROLLBACK TO w")
                    db.execute("RELEASE w")
                    errors[id(w)] = error
        for w in ops:
            assert w.op is not None
            db.execute("SAVEPOINT o")
            try:
                results[id(w)] = w.op(db)
            except Exception as error:  # its writes undone; the caller hears it
                db.execute("ROLLBACK TO o")
                errors[id(w)] = error
            db.execute("RELEASE o")
        return errors

    def _hand_over(self, batch: list[_LoopWrite]) -> None:
        for w in batch:
            w.fallback().add_done_callback(functools.partial(pass_on, w.future))

    def close(self) -> None:
        self._closing = True
        while self._pending or self._later:
            self._deferred = LOOP_LOCK_RETRIES  # no next tick: what waits for a lock goes to the writer
            self.flush()
            self.flush_later()
        self.usable = False
        self._db.close()


def pass_on(to: asyncio.Future[Any], done: asyncio.Future[Any]) -> None:
    """`done`'s outcome to `to` (a done-callback), unless `to` is settled or cancelled already."""
    if to.done():
        return
    if done.cancelled():
        to.cancel()
        return
    error = done.exception()
    _settle(to, None if error else done.result(), error)


def _wrapped(sql: str, error: Exception) -> BaseException:
    """A driver error as SQLAlchemy raises it (callers catch exc.IntegrityError), parameters hidden."""
    if not isinstance(error, sqlite3.Error):
        return error
    return exc.DBAPIError.instance(sql, None, error, sqlite3.Error, hide_parameters=True)


# --- the store -------------------------------------------------------------------------------


class Store:
    """Async store of interactions. Open with ``await Store.open(url)``, close with ``await close()``."""

    def __init__(self, engine: Engine, kind: str, memory: bool, threads: int):
        self._engine = engine
        self.kind = kind  # "sqlite" | "postgresql"
        self._readers = ThreadPoolExecutor(threads, thread_name_prefix="parley-store")
        # SQLite: one writer thread (see module docstring). ':memory:' is one shared connection
        # (StaticPool): there every call runs on that thread, reads included.
        self._writer = (
            _WriterThread(engine, None if memory else engine.url.database) if kind == "sqlite" else None
        )
        self._reads_on_writer = memory
        # SQLite in a file: the create's insert and the spend rows are written on the loop (opened
        # after the migrations have made the file WAL).
        self._loop_writes: _LoopWrites | None = None
        self._spend_writes: set[asyncio.Future[None]] = set()  # PostgreSQL's spend rows in flight
        self._checkpointing = False

    @classmethod
    async def open(cls, url: str, *, pool_size: int | None = None, **engine_options: Any) -> Store:
        """Connect and migrate.

        ``pool_size``: connections (= worker threads) for reads; PostgreSQL writes share them, SQLite
        has one more connection for its writer thread. ``engine_options`` go to ``create_engine``."""
        sa_url, kind, memory = _engine_url(url)
        if pool_size is None:
            pool_size = 4 if kind == "sqlite" else 10
        options: dict[str, Any] = {
            "isolation_level": "AUTOCOMMIT",
            "hide_parameters": True,
            "json_deserializer": orjson.loads,
        }
        if kind == "sqlite":
            options.update(json_serializer=_dumps, connect_args={"check_same_thread": False})
            if memory:
                options["poolclass"] = StaticPool
            else:
                options.update(pool_size=pool_size + 1, max_overflow=0)
        else:
            # Threads never outnumber connections, so no thread waits for the pool.
            options.update(
                json_serializer=_dumps_bytes, pool_size=pool_size, max_overflow=0, pool_recycle=1800
            )
            defaults = {"connect_timeout": 10, "application_name": "parley"}
            options["connect_args"] = {k: v for k, v in defaults.items() if k not in sa_url.query}
        options.update(engine_options)
        engine = create_engine(sa_url, **options)
        if kind == "sqlite":
            event.listen(engine, "connect", _sqlite_on_connect)
        store = cls(engine, kind, memory, pool_size)
        try:
            await store._write(store._migrate)
            if store._writer is not None and not memory:
                store._loop_writes = _LoopWrites(str(sa_url.database), store._writer, store._checkpoint)
        except BaseException:
            await store.close()
            raise
        return store

    async def close(self) -> None:
        if self._loop_writes is not None:
            self._loop_writes.close()  # what this tick wrote is committed (or handed to the writer)

        def shutdown() -> None:
            if self._writer is not None:
                self._writer.close()
            self._readers.shutdown()
            self._engine.dispose()

        await asyncio.get_running_loop().run_in_executor(None, shutdown)

    # -- plumbing: op(conn) runs in a worker thread with a pooled connection

    def _run(self, op: Callable[[Connection, *Ts], T], *args: *Ts) -> T:
        try:
            with self._engine.connect() as conn:
                return op(conn, *args)
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
        # A pooled connection the server had ended (a restart, a failover, an idle timeout): the
        # statement never reached it. SQLAlchemy has let go of the pool's connections of that age;
        # once more on a new one, so the request is not failed (a create would be paid twice).
        with self._engine.connect() as conn:
            return op(conn, *args)

    async def _read(self, op: Callable[[Connection, *Ts], T], *args: *Ts) -> T:
        if self._reads_on_writer:
            return await self._write(op, *args)
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run, op, *args)

    async def _write(self, op: Callable[[Connection, *Ts], T], *args: *Ts) -> T:
        if self._writer is not None:
            return await self._writer.run(op, *args)
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run, op, *args)

    def _checkpoint(self) -> None:
        """A WAL checkpoint for the loop's writes, in a reader thread (it fsyncs); one at a time."""
        if self._checkpointing:
            return
        self._checkpointing = True

        def done(future: Any) -> None:
            self._checkpointing = False
            if (error := future.exception()) is not None:
                log.warning("WAL checkpoint failed: %s", type(error).__name__)

        writer = self._writer
        assert writer is not None

        def checkpoint() -> None:
            # Twice. First with the writers going on (a PASSIVE checkpoint does not stop them): it
            # copies most frames and fsyncs, ~3.5 ms after 200 commits, which every create made
            # meanwhile used to wait for. Then the few frames they added, with the writers held off
            # (the loop's writes go to the writer thread, which waits for the lock), ~0.7 ms: a
            # checkpoint that new frames overtake cannot let the WAL start over, and the WAL file
            # grew without bound under steady writes (257 MB in 32 s of creates).
            self._run(_checkpoint)
            with writer.lock:
                self._run(_checkpoint)

        self._readers.submit(checkpoint).add_done_callback(done)

    def _migrate(self, conn: Connection) -> None:
        with _transaction(conn, self.kind):
            if self.kind == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            conn.exec_driver_sql(
                f"CREATE TABLE IF NOT EXISTS {_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)"
            )
            current = conn.exec_driver_sql(f"SELECT max(version) FROM {_VERSION_TABLE}").scalar() or 0
            if current > len(MIGRATIONS):
                log.warning(
                    "store schema version %d is newer than this code's %d; continuing",
                    current,
                    len(MIGRATIONS),
                )
            for version in range(current + 1, len(MIGRATIONS) + 1):
                for sql in MIGRATIONS[version - 1][self.kind]:
                    conn.exec_driver_sql(sql)
                conn.execute(
                    text(f"INSERT INTO {_VERSION_TABLE} (version, applied) VALUES (:v, :t)"),
                    {"v": version, "t": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
                )
                log.info("store schema migrated to version %d", version)

    async def schema_version(self) -> int:
        """The highest applied migration."""

        def op(conn: Connection) -> int:
            return conn.exec_driver_sql(f"SELECT max(version) FROM {_VERSION_TABLE}").scalar() or 0

        return await self._read(op)

    # -- the interface

    async def insert(
        self, rec: Record, lease: Lease | None = None, events: list[StoredEvent] | None = None
    ) -> None:
        """Store a new interaction (a running one with its owner's lease). A duplicate id raises
        sqlalchemy.exc.IntegrityError. `events`: its stream's events, in the same transaction (a
        short stream written once, as it ends)."""
        await self.insert_soon(rec, lease, events)

    def insert_soon(
        self, rec: Record, lease: Lease | None = None, events: list[StoredEvent] | None = None
    ) -> asyncio.Future[None]:
        """insert without a task of its own (SQLite: in this loop tick's transaction)."""
        loop_writes = self._loop_writes
        if loop_writes is not None and loop_writes.accepts():
            assert self._writer is not None
            sql, params = _RAW_INSERT, _record_params(rec)
            if lease is not None:
                sql, params = _RAW_INSERT_LEASED, (*params, lease.worker, lease.until_ms)
            if events:
                return loop_writes.run(
                    functools.partial(_raw_insert_with_events, sql, params, rec.id, events),
                    functools.partial(self._writer.run, _insert_with_events, self.kind, rec, lease, events),
                )
            return loop_writes.add(sql, params, functools.partial(self._writer.run, _insert, rec, lease))
        if events:
            return asyncio.ensure_future(self._write(_insert_with_events, self.kind, rec, lease, events))
        return asyncio.ensure_future(self._write(_insert, rec, lease))

    async def renew_leases(self, worker: str, until_ms: int) -> None:
        """Extend the lease of every running interaction owned by `worker` (one statement)."""
        await self._write(_renew, worker, until_ms)

    async def expire_leases(self, now_ms: int, errors: list[Error], updated: str) -> list[Record]:
        """Atomically mark `failed` (with `errors`) every running interaction whose lease ended
        before `now_ms` (or that has none: written before leases existed), and let go of the
        cancelled ones whose process died before saving them; return both. Safe from any number
        of processes at once: each row is returned once."""
        return await self._write(_expire, self.kind, now_ms, errors, updated)

    async def count_running(self, owner: str) -> int:
        """How many interactions of this owner are queued or in progress (on any instance)."""
        return await self._read(_count_running, owner)

    async def run_state(self, id: str) -> tuple[str, int | None, int] | None:
        """(status, lease_expires ms, last event seq or 0) in one cheap query, for followers of
        a stream generated by another process. Authorize with get() first."""
        return await self._read(_run_state, id)

    async def get(self, id: str, owner: str, *, output: bool = True) -> Record | None:
        """The record, or None when it is missing or belongs to another owner.

        `output=False` skips rebuilding the output of a run that keeps it in its events: `steps`
        is then only the history before it. For callers that need the row, not its timeline
        (e.g. to authorize a stream replay, which reads the events anyway)."""
        if not _possible_id(id):
            return None
        return await self._read(_get, self.kind, id, owner, output)

    async def update(self, id: str, **fields: Any) -> None:
        """Set some of: status, steps, usage, updated, upstream_id, errors, deployment_id,
        output_in_events (see `finish`)."""
        unknown = fields.keys() - UPDATABLE
        if unknown:
            raise TypeError(f"Store.update: not updatable: {', '.join(sorted(unknown))}")
        if fields:
            await self._write(_update, {"_id": id, **fields})

    async def finish(
        self,
        id: str,
        *,
        status: str,
        steps: list[Step],
        usage: Usage,
        updated: str,
        errors: list[Error] | None = None,
        upstream_id: str | None = None,
        deployment_id: str | None = None,
        events: list[StoredEvent] | None = None,
        output_in_events: bool = False,
    ) -> bool:
        """Write the final state while the row is still running; False, nothing written, when it is
        not (cancelled, or failed because its lease expired) or gone.

        errors/upstream_id/deployment_id left None keep their stored values. `events` (the stream's
        SSE events, for resume) are stored in the same transaction while it runs or when it was
        cancelled (its ending); not when another process failed it (recovered while this one
        stalled: those events would follow the `error` that ended its stream).
        `output_in_events`: every event of the run is stored (with these, if not before), and
        `steps` is only the history before it: reads rebuild the output from the events, so a
        streamed answer is stored once."""
        values: dict[str, Any] = {
            "_id": id,
            "status": status,
            "steps": steps,
            "usage": usage,
            "updated": updated,
        }
        if output_in_events:
            values["output_in_events"] = True
        if errors is not None:
            values["errors"] = errors
        if upstream_id is not None:
            values["upstream_id"] = upstream_id
        if deployment_id is not None:
            values["deployment_id"] = deployment_id
        loop_writes = self._loop_writes
        if loop_writes is not None and loop_writes.accepts():
            assert self._writer is not None
            fallback = (
                functools.partial(self._writer.run, _finish_with_events, self.kind, values, events)
                if events
                else functools.partial(self._writer.run, _finish, values)
            )
            return await loop_writes.run(functools.partial(_raw_finish, values, events or []), fallback)
        if events:
            return await self._write(_finish_with_events, self.kind, values, events)
        return await self._write(_finish, values)

    async def keep_cancelled(self, id: str, steps: list[Step], usage: Usage, output_in_events: bool) -> None:
        """A run cancelled while it ran keeps the output it had: its process saves it here (its
        `finish` found it cancelled) and lets go of its lease. Nothing changes unless it is
        cancelled (another process may have failed it, or it may be gone)."""
        values: dict[str, Any] = {"_id": id, "steps": steps, "usage": usage}
        if output_in_events:
            values["output_in_events"] = True
        await self._write(_update_cancelled, values)

    async def note_deployment(self, id: str, deployment_id: str) -> None:
        """The deployment answering a running interaction, as soon as it starts to: a run whose
        process dies before saving it is billed at that deployment's price (Engine._recovered).
        Nothing changes once it has ended."""
        await self._write(_update_running, {"_id": id, "deployment_id": deployment_id})

    async def cancel(self, id: str, owner: str, updated: str) -> Record | None:
        """Atomically move a queued/in_progress interaction to 'cancelled'.

        Returns the record as it is afterwards (unchanged when it was already terminal), None when
        it is missing or belongs to another owner."""
        if not _possible_id(id):
            return None
        return await self._write(_cancel, self.kind, id, owner, updated)

    async def statuses(self, ids: list[str]) -> dict[str, str]:
        """The status of each of these interactions that exists: the one query per poll by which a
        process notices its runs cancelled or deleted by another."""
        return await self._read(_statuses, ids)

    async def delete(self, id: str, owner: str) -> bool:
        """Delete the interaction and (by ON DELETE CASCADE) its events. False if not found/other owner."""
        if not _possible_id(id):
            return False
        return await self._write(_delete, id, owner)

    async def append_events(self, id: str, events: list[StoredEvent]) -> None:
        """Store SSE events (seq, event) of an interaction's stream, for resume.

        Idempotent per seq: a seq stored already keeps its event (of overlapping runs, the row
        that starts first: _store_runs). Consecutive events are one row. Events of an interaction
        that no longer exists (deleted while streaming) are dropped."""
        if not events:
            return
        loop_writes = self._loop_writes
        if loop_writes is not None and loop_writes.accepts():
            assert self._writer is not None
            fallback = functools.partial(self._writer.run, _append_events, self.kind, id, events)
            await loop_writes.run(functools.partial(_raw_events, id, events), fallback)
            return
        await self._write(_append_events, self.kind, id, events)

    async def events_after(self, id: str, after_seq: int) -> list[StoredEvent]:
        """The stored events with seq > after_seq, ordered by seq. Authorize with get() first."""
        return await self._read(_events_after, id, after_seq)

    async def ping(self) -> None:
        """Readiness: raises if the database cannot answer."""
        await self._read(_ping)

    async def get_any(self, id: str) -> Record | None:
        """An interaction whoever owns it: for the admin API (master key) only."""
        if not _possible_id(id):
            return None
        return await self._read(_get_any, self.kind, id)

    # -- virtual keys and spend

    async def insert_key(self, key: KeyRecord) -> None:
        await self._write(_insert_row, _KEY_INSERT, key.__dict__)

    async def get_key(self, key_hash: str) -> KeyRecord | None:
        await self._spend_settled()
        return await self._read(_get_key, key_hash)

    async def update_key(self, key_hash: str, **fields: Any) -> KeyRecord | None:
        """Set some of the key's columns (not its hash, name, creation time or spend); None if missing."""
        unknown = fields.keys() - KEY_UPDATABLE
        if unknown:
            raise TypeError(f"Store.update_key: not updatable: {', '.join(sorted(unknown))}")
        return await self._write(_update_key, key_hash, fields)

    async def delete_key(self, key_hash: str) -> bool:
        return await self._write(_delete_key, key_hash)

    async def list_keys(self) -> list[KeyRecord]:
        await self._spend_settled()
        return await self._read(_list_keys)

    async def reset_budget(self, key_hash: str, old_reset_at: str, next_reset_at: str) -> None:
        """Start a new budget window, unless another process already did (conditional UPDATE)."""
        await self._write(_reset_budget, key_hash, old_reset_at, next_reset_at)

    async def _spend_settled(self) -> None:
        """This process's spend rows queued on the loop are committed (or failed) before a read of
        spend or keys: what a response has been sent for is in what is read after it."""
        queued = list(self._spend_writes)
        if self._loop_writes is not None:
            queued += self._loop_writes.queued_later()
        if queued:
            await asyncio.wait(queued)

    async def record_spend(self, row: SpendRecord) -> None:
        """Store the request's spend row and add its cost to its key's window (if it is a virtual key)."""
        await self.record_spend_soon(row)

    def record_spend_soon(self, row: SpendRecord) -> asyncio.Future[None]:
        """record_spend without a task of its own (SQLite: on the loop, with the spend rows of the
        next SPEND_COMMIT_INTERVAL in one commit: see _LoopWrites)."""
        loop_writes = self._loop_writes
        if loop_writes is not None and loop_writes.accepts():
            assert self._writer is not None
            return loop_writes.add(
                _RAW_SPEND,
                tuple(row.__dict__.values()),
                functools.partial(self._writer.run, _record_spend, self.kind, row),
                then=(row.cost, row.key_hash) if row.cost else None,
                later=True,
            )
        written = asyncio.ensure_future(self._write(_record_spend, self.kind, row))
        self._spend_writes.add(written)
        written.add_done_callback(self._spend_writes.discard)
        return written

    async def spend_logs(
        self,
        *,
        key_hash: str | None = None,
        since: str | None = None,
        before: str | None = None,
        request_id: str | None = None,
        limit: int = 100,
    ) -> list[SpendRecord]:
        """The newest spend rows first, optionally of one key, one request, started from `since`
        on and before `before` (ISO-8601, as the rows' `started`)."""
        if request_id is not None and not _possible_id(request_id):
            return []  # no request has such an id (and PostgreSQL could not compare it)
        await self._spend_settled()
        return await self._read(_spend_logs, key_hash, since, before, request_id, limit)

    async def spend_totals(self, *, since_day: str | None = None) -> list[dict[str, Any]]:
        """Requests, tokens and cost summed per (day, model_group, key_hash); `priced`: how many of
        the requests had a known cost."""
        await self._spend_settled()
        return await self._read(_spend_totals, since_day)


# --- the operations, each run in a worker thread on one pooled connection -------------------


def _possible_id(id: str) -> bool:
    """Whether a stored interaction could have this id. PostgreSQL's TEXT cannot hold NUL (a query
    with one is an error, not "no rows"), and no id is longer than this."""
    return "\x00" not in id and len(id) <= 256


def _insert(conn: Connection, rec: Record, lease: Lease | None) -> None:
    if lease is None:
        conn.execute(_INSERT, rec.__dict__)
    else:
        conn.execute(
            _INSERT_LEASED, {**rec.__dict__, "worker": lease.worker, "lease_expires": lease.until_ms}
        )


def _insert_with_events(
    conn: Connection, kind: str, rec: Record, lease: Lease | None, events: list[StoredEvent]
) -> None:
    with _transaction(conn, kind):
        _insert(conn, rec, lease)
        _insert_events(conn, kind, rec.id, events)


def _renew(conn: Connection, worker: str, until_ms: int) -> None:
    conn.execute(_RENEW, {"_worker": worker, "_until": until_ms})


def _expire(conn: Connection, kind: str, now_ms: int, errors: list[Error], updated: str) -> list[Record]:
    with _transaction(conn, kind):
        failed = conn.execute(_EXPIRE, {"_now": now_ms, "_errors": errors, "_updated": updated}).all()
        cancelled = conn.execute(_RELEASE_CANCELLED, {"_now": now_ms}).all()
    return [Record(*row) for row in (*failed, *cancelled)]


def _count_running(conn: Connection, owner: str) -> int:
    return conn.execute(_COUNT_RUNNING, {"_owner": owner}).scalar() or 0


def _run_state(conn: Connection, id: str) -> tuple[str, int | None, int] | None:
    row = conn.execute(_RUN_STATE, {"_id": id}).first()
    return None if row is None else (row[0], row[1], row[2] or 0)


def _get(conn: Connection, kind: str, id: str, owner: str, output: bool = True) -> Record | None:
    row = conn.execute(_GET, {"_id": id, "_owner": owner}).first()
    return None if row is None else _record(conn, kind, row, output)


def _record(conn: Connection, kind: str, row: Any, output: bool = True) -> Record:
    """A row of `_RECORD` as the Record it stands for: a run whose output lives in its events
    gets its steps rebuilt from them (in this thread, with the row's read)."""
    record = Record(*row[:-1])
    if row[-1] and output:
        record.steps = wire.rebuilt_steps(record.steps, _all_events(conn, kind, record.id))
    return record


def _all_events(conn: Connection, kind: str, id: str) -> list[InteractionSSEEvent]:
    if kind == "sqlite":  # the driver's rows parsed here: SQLAlchemy's per-row processing doubled this
        rows = conn.exec_driver_sql(_SQLITE_EVENTS, (id,))
    else:
        rows = conn.execute(_EVENTS_AFTER, {"_id": id, "_after": 0})
    return [event for _, event in _expanded(rows, 0)]


def _update(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE, values)  # SET clause: the keys that name columns


def _update_running(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE_RUNNING, values)


def _update_cancelled(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_KEEP_CANCELLED, values)


def _finish(conn: Connection, values: dict[str, Any]) -> bool:
    return conn.execute(_FINISH, values).rowcount > 0


def _finish_with_events(
    conn: Connection, kind: str, values: dict[str, Any], events: list[StoredEvent]
) -> bool:
    with _transaction(conn, kind):
        finished = _finish(conn, values)
        if finished or conn.execute(_CANCELLED, {"_id": values["_id"]}).first() is not None:
            _insert_events(conn, kind, values["_id"], events)
    return finished


# Events go to the driver's executemany with their JSON encoded once here: SQLAlchemy's per-row
# parameter processing took ~60% of a 500-event stream's store time (py-spy). psycopg sends the
# text as `unknown`; the cast says what it is.
_INSERT_EVENTS = {
    "sqlite": _RAW_EVENTS,
    "postgresql": "INSERT INTO interaction_events (interaction_id, seq, last_seq, event) "
    "VALUES (%s, %s, %s, %s::json) ON CONFLICT DO NOTHING",
}
_SQLITE_EVENTS = "SELECT seq, last_seq, event FROM interaction_events WHERE interaction_id = ? ORDER BY seq"
_EVENT_ROW_END = {
    kind: "SELECT coalesce(last_seq, seq) FROM interaction_events "
    f"WHERE interaction_id = {mark} AND seq = {mark}"
    for kind, mark in (("sqlite", "?"), ("postgresql", "%s"))
}

_SEQ = operator.itemgetter(0)


def _event_runs(events: list[StoredEvent]) -> list[tuple[int, list[Any]]]:
    """`events` as runs of consecutive seqs, (first seq, events): a stream's batch is one run. Of a
    seq given twice, the first event is kept."""
    runs: list[tuple[int, list[Any]]] = []
    run: list[Any] = []
    last = 0
    for seq, value in sorted(events, key=_SEQ):  # stable: the first of a repeated seq stays first
        if run and seq == last:
            continue
        if not run or seq != last + 1:
            run = []
            runs.append((seq, run))
        run.append(value)
        last = seq
    return runs


def _store_runs(
    ident: str,
    events: list[StoredEvent],
    insert: Callable[[tuple[str, int, int, str]], bool],
    stored_end: Callable[[str, int], int],
) -> None:
    """Store `events` a row per run: `insert(row)` -> whether it was stored (False: a row starting
    at the same seq is there). Then that row's events stay and the run's rest is stored after its
    `stored_end` (a write retried with more events: nothing is lost)."""
    for first, run in _event_runs(events):
        while run and not insert((ident, first, first + len(run) - 1, _dumps(run))):
            end = stored_end(ident, first)
            run = run[end - first + 1 :]
            first = end + 1


def _expanded(rows: Iterable[tuple[int, int | None, Any]], after: int) -> list[StoredEvent]:
    """Stored rows (seq, last_seq, event), ordered by seq, as their events with seq > after. A seq
    stored twice (overlapping runs: a retried write) keeps the event of the row that starts first."""
    events: list[StoredEvent] = []
    for seq, last_seq, value in rows:
        if isinstance(value, (str, bytes)):
            value = orjson.loads(value)
        if last_seq is None:
            if seq > after:
                events.append((seq, value))
                after = seq
            continue
        if last_seq <= after:
            continue
        skip = max(after - seq + 1, 0)
        events.extend(enumerate(value[skip:], seq + skip))
        after = last_seq
    return events


def _insert_events(conn: Connection, kind: str, id: str, events: list[StoredEvent]) -> None:
    _store_runs(
        id,
        events,
        lambda row: conn.exec_driver_sql(_INSERT_EVENTS[kind], row).rowcount > 0,
        lambda i, seq: int(conn.exec_driver_sql(_EVENT_ROW_END[kind], (i, seq)).scalar_one()),
    )


def _cancel(conn: Connection, kind: str, id: str, owner: str, updated: str) -> Record | None:
    row = conn.execute(_CANCEL, {"_id": id, "_owner": owner, "_updated": updated}).first()
    if row is None:  # not cancellable (already terminal), or not found / other owner
        row = conn.execute(_GET, {"_id": id, "_owner": owner}).first()
    return None if row is None else _record(conn, kind, row)


def _statuses(conn: Connection, ids: list[str]) -> dict[str, str]:
    return {row[0]: row[1] for row in conn.execute(_STATUSES, {"_ids": ids})}


def _delete(conn: Connection, id: str, owner: str) -> bool:
    return conn.execute(_DELETE, {"_id": id, "_owner": owner}).rowcount > 0


def _append_events(conn: Connection, kind: str, id: str, events: list[StoredEvent]) -> None:
    # Prebuilt statements, a row per run of consecutive events (_store_runs), inside one
    # transaction: atomic, and no SQL is built or compiled per call. ON CONFLICT DO NOTHING and the
    # rest stored after a stored run make a retried batch harmless.
    try:
        if len(events) == 1:  # the common case of live appends: no transaction round trips
            _insert_events(conn, kind, id, events)
        else:
            with _transaction(conn, kind):
                _insert_events(conn, kind, id, events)
    except exc.IntegrityError:
        if conn.execute(_EXISTS, {"_id": id}).first() is not None:
            raise
        log.debug("dropped %d events of deleted interaction %s", len(events), id)


def _events_after(conn: Connection, id: str, after_seq: int) -> list[StoredEvent]:
    return _expanded(conn.execute(_EVENTS_AFTER, {"_id": id, "_after": after_seq}), after_seq)


def _checkpoint(conn: Connection) -> None:
    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _ping(conn: Connection) -> None:
    conn.execute(_PING)


def _get_any(conn: Connection, kind: str, id: str) -> Record | None:
    row = conn.execute(_GET_ANY, {"_id": id}).first()
    return None if row is None else _record(conn, kind, row)


def _insert_row(conn: Connection, statement: Any, values: dict[str, Any]) -> None:
    conn.execute(statement, values)


def _get_key(conn: Connection, key_hash: str) -> KeyRecord | None:
    row = conn.execute(_KEY_GET, {"_h": key_hash}).first()
    return None if row is None else KeyRecord(*row)


def _update_key(conn: Connection, key_hash: str, values: dict[str, Any]) -> KeyRecord | None:
    statement = virtual_keys.update().where(_k.key_hash == key_hash).values(**values)
    row = conn.execute(statement.returning(*virtual_keys.c)).first()
    return None if row is None else KeyRecord(*row)


def _delete_key(conn: Connection, key_hash: str) -> bool:
    return conn.execute(_KEY_DELETE, {"_h": key_hash}).rowcount > 0


def _list_keys(conn: Connection) -> list[KeyRecord]:
    return [
        KeyRecord(*row) for row in conn.execute(select(*virtual_keys.c).order_by(_k.created, _k.key_hash))
    ]


def _reset_budget(conn: Connection, key_hash: str, old: str, next_reset: str) -> None:
    conn.execute(_KEY_RESET, {"_h": key_hash, "_old": old, "_next": next_reset})


def _record_spend(conn: Connection, kind: str, row: SpendRecord) -> None:
    if not row.cost:
        conn.execute(_SPEND_INSERT, row.__dict__)
        return
    with _transaction(conn, kind):
        conn.execute(_SPEND_INSERT, row.__dict__)
        conn.execute(_KEY_ADD_SPEND, {"_h": row.key_hash, "_cost": row.cost})


def _spend_logs(
    conn: Connection,
    key_hash: str | None,
    since: str | None,
    before: str | None,
    request_id: str | None,
    limit: int,
) -> list[SpendRecord]:
    query = select(*spend_logs.c).order_by(_sl.started.desc(), _sl.request_id).limit(limit)
    if key_hash is not None:
        query = query.where(_sl.key_hash == key_hash)
    if since is not None:
        query = query.where(_sl.started >= since)
    if before is not None:
        query = query.where(_sl.started < before)
    if request_id is not None:
        query = query.where(_sl.request_id == request_id)
    return [SpendRecord(*row) for row in conn.execute(query)]


def _spend_totals(conn: Connection, since_day: str | None) -> list[dict[str, Any]]:
    query = select(
        _sl.day,
        _sl.model_group,
        _sl.key_hash,
        func.count().label("requests"),
        func.sum(_sl.input_tokens).label("input_tokens"),
        func.sum(_sl.output_tokens).label("output_tokens"),
        func.coalesce(func.sum(_sl.cost), 0.0).label("cost"),
        func.count(_sl.cost).label("priced"),  # COUNT(column) skips NULL: the unknown costs
    ).group_by(_sl.day, _sl.model_group, _sl.key_hash)
    if since_day is not None:
        query = query.where(_sl.day >= since_day)
    return [dict(row._mapping) for row in conn.execute(query)]
