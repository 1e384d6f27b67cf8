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
  ``finish`` is ``... WHERE status <> 'cancelled'`` and ``cancel`` is
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
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    MetaData,
    Table,
    Text,
    bindparam,
    event,
    exc,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, create_engine, make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

CANCELLABLE = ("queued", "in_progress")
UPDATABLE = frozenset({"status", "steps", "usage", "updated", "upstream_id", "errors", "deployment_id"})
SQLITE_BUSY_TIMEOUT_MS = 10_000
_EVENTS_PER_STATEMENT = 500  # 3 bound parameters each: far below SQLite's 32766 limit


@dataclass
class Record:
    """One stored interaction."""

    id: str
    owner: str  # sha256 hex of the API key that created it ("" when auth is off); NEVER the key
    status: str
    model: str | None  # or agent
    created: str  # ISO-8601 'YYYY-MM-DDTHH:MM:SSZ'
    updated: str
    request: dict  # the create body as sent
    steps: list[dict]  # full timeline incl. user_input steps
    usage: dict
    previous_interaction_id: str | None = None
    deployment_id: str | None = None  # which upstream served it
    upstream_id: str | None = None  # the upstream's own interaction/response id
    errors: list[dict] = field(default_factory=list)


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


MIGRATIONS: list[dict[str, list[str]]] = [
    {"sqlite": _m1_initial("TEXT", " WITHOUT ROWID"), "postgresql": _m1_initial("JSON", "")},
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
    Column("event", JSON, nullable=False),
)
assert [c.name for c in interactions.c] == [f.name for f in fields(Record)]

_c = interactions.c
_ev = interaction_events.c
# Statements are built once: SQLAlchemy then finds their compiled form in its cache by identity.
_INSERT = interactions.insert()
_GET = select(*interactions.c).where(_c.id == bindparam("_id"), _c.owner == bindparam("_owner"))
_STATUS = select(_c.status).where(_c.id == bindparam("_id"))
_UPDATE = interactions.update().where(_c.id == bindparam("_id"))
_FINISH = interactions.update().where(_c.id == bindparam("_id"), _c.status != "cancelled")
_CANCEL = (
    interactions.update()
    .where(_c.id == bindparam("_id"), _c.owner == bindparam("_owner"), _c.status.in_(CANCELLABLE))
    .values(status="cancelled", updated=bindparam("_updated"))
    .returning(*interactions.c)
)
_DELETE = interactions.delete().where(_c.id == bindparam("_id"), _c.owner == bindparam("_owner"))
_EVENTS_AFTER = (
    select(_ev.seq, _ev.event)
    .where(_ev.interaction_id == bindparam("_id"), _ev.seq > bindparam("_after"))
    .order_by(_ev.seq)
)
_INSERT_EVENT = {
    "sqlite": sqlite_insert(interaction_events).on_conflict_do_nothing(),
    "postgresql": pg_insert(interaction_events).on_conflict_do_nothing(),
}
_EXISTS = select(_c.id).where(_c.id == bindparam("_id"))
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


def _engine_url(url: str):
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


def _sqlite_on_connect(dbapi_connection, _record) -> None:
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
def _transaction(conn: Connection, kind: str):
    """An explicit transaction on an AUTOCOMMIT connection (SQLite: BEGIN IMMEDIATE)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if kind == "sqlite" else "BEGIN")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(Exception):
            conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")


# --- the store -------------------------------------------------------------------------------


class Store:
    """Async store of interactions. Open with ``await Store.open(url)``, close with ``await close()``."""

    def __init__(self, engine: Engine, kind: str, memory: bool, threads: int):
        self._engine = engine
        self.kind = kind  # "sqlite" | "postgresql"
        self._readers = ThreadPoolExecutor(threads, thread_name_prefix="parley-store")
        if kind == "sqlite":
            # One writer thread (see module docstring). ':memory:' is one shared connection
            # (StaticPool): there every call runs on that thread, reads included.
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="parley-store-writer")
            if memory:
                self._readers.shutdown()
                self._readers = self._writer
        else:
            self._writer = self._readers

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
        except BaseException:
            await store.close()
            raise
        return store

    async def close(self) -> None:
        def shutdown():
            self._writer.shutdown()
            self._readers.shutdown()
            self._engine.dispose()

        await asyncio.get_running_loop().run_in_executor(None, shutdown)

    # -- plumbing: op(conn) runs in a worker thread with a pooled connection

    def _run(self, op, *args):
        with self._engine.connect() as conn:
            return op(conn, *args)

    async def _read(self, op, *args):
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run, op, *args)

    async def _write(self, op, *args):
        return await asyncio.get_running_loop().run_in_executor(self._writer, self._run, op, *args)

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

    async def insert(self, rec: Record) -> None:
        """Store a new interaction. A duplicate id raises sqlalchemy.exc.IntegrityError."""
        await self._write(_insert, rec)

    async def get(self, id: str, owner: str) -> Record | None:
        """The record, or None when it is missing or belongs to another owner."""
        return await self._read(_get, id, owner)

    async def update(self, id: str, **fields: Any) -> None:
        """Set some of: status, steps, usage, updated, upstream_id, errors, deployment_id."""
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
        steps: list[dict],
        usage: dict,
        updated: str,
        errors: list[dict] | None = None,
        upstream_id: str | None = None,
        deployment_id: str | None = None,
        events: list[tuple[int, dict]] | None = None,
    ) -> bool:
        """Write the final state unless the row is 'cancelled' (or gone): then False, nothing written.

        errors/upstream_id/deployment_id left None keep their stored values. `events` (the stream's
        SSE events, for resume) are stored in the same transaction, whatever the status."""
        values: dict[str, Any] = {
            "_id": id,
            "status": status,
            "steps": steps,
            "usage": usage,
            "updated": updated,
        }
        if errors is not None:
            values["errors"] = errors
        if upstream_id is not None:
            values["upstream_id"] = upstream_id
        if deployment_id is not None:
            values["deployment_id"] = deployment_id
        if events:
            return await self._write(_finish_with_events, self.kind, values, events)
        return await self._write(_finish, values)

    async def cancel(self, id: str, owner: str, updated: str) -> Record | None:
        """Atomically move a queued/in_progress interaction to 'cancelled'.

        Returns the record as it is afterwards (unchanged when it was already terminal), None when
        it is missing or belongs to another owner."""
        return await self._write(_cancel, id, owner, updated)

    async def status(self, id: str) -> str | None:
        """Just the status: the cheap poll by which a worker notices a cancel from another process."""
        return await self._read(_status, id)

    async def delete(self, id: str, owner: str) -> bool:
        """Delete the interaction and (by ON DELETE CASCADE) its events. False if not found/other owner."""
        return await self._write(_delete, id, owner)

    async def append_events(self, id: str, events: list[tuple[int, dict]]) -> None:
        """Store SSE events (seq, event) of an interaction's stream, for resume.

        Idempotent per seq (a repeated seq keeps the first event). Events of an interaction that
        no longer exists (deleted while streaming) are dropped."""
        if events:
            await self._write(_append_events, self.kind, id, events)

    async def events_after(self, id: str, after_seq: int) -> list[tuple[int, dict]]:
        """The stored events with seq > after_seq, ordered by seq. Authorize with get() first."""
        return await self._read(_events_after, id, after_seq)

    async def ping(self) -> None:
        """Readiness: raises if the database cannot answer."""
        await self._read(_ping)


# --- the operations, each run in a worker thread on one pooled connection -------------------


def _insert(conn: Connection, rec: Record) -> None:
    conn.execute(_INSERT, rec.__dict__)


def _get(conn: Connection, id: str, owner: str) -> Record | None:
    row = conn.execute(_GET, {"_id": id, "_owner": owner}).first()
    return None if row is None else Record(*row)


def _update(conn: Connection, values: dict) -> None:
    conn.execute(_UPDATE, values)  # SET clause: the keys that name columns


def _finish(conn: Connection, values: dict) -> bool:
    return conn.execute(_FINISH, values).rowcount > 0


def _finish_with_events(conn: Connection, kind: str, values: dict, events: list[tuple[int, dict]]) -> bool:
    rows = [{"interaction_id": values["_id"], "seq": seq, "event": ev} for seq, ev in events]
    with _transaction(conn, kind):
        finished = _finish(conn, values)
        if conn.execute(_EXISTS, {"_id": values["_id"]}).first() is not None:  # not deleted meanwhile
            conn.execute(_INSERT_EVENT[kind], rows)
    return finished


def _cancel(conn: Connection, id: str, owner: str, updated: str) -> Record | None:
    row = conn.execute(_CANCEL, {"_id": id, "_owner": owner, "_updated": updated}).first()
    if row is None:  # not cancellable (already terminal), or not found / other owner
        row = conn.execute(_GET, {"_id": id, "_owner": owner}).first()
    return None if row is None else Record(*row)


def _status(conn: Connection, id: str) -> str | None:
    return conn.execute(_STATUS, {"_id": id}).scalar()


def _delete(conn: Connection, id: str, owner: str) -> bool:
    return conn.execute(_DELETE, {"_id": id, "_owner": owner}).rowcount > 0


def _append_events(conn: Connection, kind: str, id: str, events: list[tuple[int, dict]]) -> None:
    # One prebuilt statement, executed once per row inside one transaction: atomic, and no SQL is
    # built or compiled per call (a multi-row VALUES statement cost ~700 us for 11 events).
    # ON CONFLICT DO NOTHING makes a retried batch harmless.
    rows = [{"interaction_id": id, "seq": seq, "event": ev} for seq, ev in events]
    try:
        if len(rows) == 1:  # the common case of live appends: no transaction round trips
            conn.execute(_INSERT_EVENT[kind], rows[0])
        else:
            with _transaction(conn, kind):
                conn.execute(_INSERT_EVENT[kind], rows)
    except exc.IntegrityError:
        if conn.execute(_EXISTS, {"_id": id}).first() is not None:
            raise
        log.debug("dropped %d events of deleted interaction %s", len(rows), id)


def _events_after(conn: Connection, id: str, after_seq: int) -> list[tuple[int, dict]]:
    return [(seq, ev) for seq, ev in conn.execute(_EVENTS_AFTER, {"_id": id, "_after": after_seq})]


def _ping(conn: Connection) -> None:
    conn.execute(_PING)
