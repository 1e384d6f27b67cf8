"""`parley --config config.yaml [--host 127.0.0.1] [--port 4000] [--workers N]`, `parley --version`, and
`parley contract --base-url URL --api-key KEY --model NAME` (parley.contract.runner)."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import math
import multiprocessing
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.supervisors import Multiprocess

import parley
from parley import slow_clients
from parley.config import ConfigError, Settings, is_wildcard, load
from parley.providers import PROVIDERS

if TYPE_CHECKING:
    from parley.server import Gateway

CONFIG_ENV = "PARLEY_CONFIG"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's multiprocess mode


def app_factory() -> Gateway:
    """For uvicorn workers, which import the app by name: the config path travels in the env."""
    from parley.server import create_app

    _end_with_supervisor()
    settings = load(os.environ.get(CONFIG_ENV) or None)
    slow_clients.configure(settings.general_settings)  # this process's connections
    return create_app(settings)


def _end_with_supervisor() -> None:
    """A `--workers` process is drained (SIGTERM) when its supervisor dies, even by kill -9: left
    running, orphans kept the port and a restart could not listen on it."""
    parent = multiprocessing.parent_process()
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        return  # not allowed here: the supervisor's own shutdown still stops its workers
    if not parent.is_alive():  # it died before the request above: no signal will come
        os.kill(os.getpid(), signal.SIGTERM)


def _store_problem(url: str) -> str | None:
    """Open the store once (connect, migrate) so that a wrong database_url fails here, in one line."""
    from parley.store import Store

    async def probe() -> None:
        store = await Store.open(url)
        await store.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"cannot open {url.split('@')[-1]}: {reason[0] if reason else type(exc).__name__}"
    return None


def _safe_url(url: str) -> str:
    """A database URL fit for a log line: no user or password."""
    return re.sub(r"//[^@/]*@", "//", url)


def _served(settings: Settings, environ: os._Environ[str] | dict[str, str] = os.environ) -> list[str]:
    """The model names as a user would send them; a pass-through `*` is spelt out as the provider
    prefixes whose key is set."""
    names: list[str] = []
    for entry in settings.model_list:
        if entry.model_name == "*" and entry.litellm_params.model == "*":
            ready = [
                f"{row.prefix}/* ({next(v for v in row.key_env if environ.get(v))})"
                for row in PROVIDERS.values()
                if row.key_env and row.key_required and row.key(environ)
            ]
            names.append(
                "provider models whose key is set: "
                + (", ".join(ready) if ready else "none yet")
                + " (others answer 401 naming their key variable)"
            )
        elif entry.model_name not in names:
            names.append(entry.model_name)
    return names


def _url_host(host: str) -> str:
    """The host as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def start_up_lines(settings: Settings, host: str, port: int) -> list[str]:
    """What the gateway says when it starts: what it serves, where it stores, who may call it."""
    general = settings.general_settings
    address = f"{_url_host(host)}:{port}"
    lines = [f"parley {parley.__version__}: serving http://{address}"]
    lines.append("  models: " + "; ".join(_served(settings)))
    lines.append(f"  store: {_safe_url(general.database_url)}")
    if settings.keys:
        lines.append(f"  auth: on ({len(settings.keys)} key{'s' if len(settings.keys) > 1 else ''})")
    else:
        lines.append("  auth: OFF")
    if any(
        e.litellm_params.model.startswith("local/")
        or (is_wildcard(e.model_name) and e.litellm_params.model == "*")
        for e in settings.model_list
    ):
        lines.append("  local model: SmolLM2-135M (llama.cpp) loads on its first request; a line says when")
    lines += [f"parley: warning: {w}" for w in settings.warnings]
    if not settings.keys:
        lines += [
            "parley: WARNING: no master_key or api_keys are configured: ANYONE who can reach "
            f"{address} can call every model here, on your provider keys.",
            "parley: WARNING: set general_settings.master_key (e.g. os.environ/PARLEY_MASTER_KEY) before exposing it.",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["contract"]:  # a subcommand; every other form starts the server
        from parley.contract.runner import main as contract

        return contract(argv[1:])
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Gemini Interactions API gateway",
        epilog="parley contract --help: grade any running Interactions server",
    )
    parser.add_argument("--version", action="version", version=f"parley {parley.__version__}")
    parser.add_argument(
        "--config", help="config.yaml (LiteLLM format); default: the embedded local model + SQLite"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4000)
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (use PostgreSQL for more than one)"
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    try:
        settings = load(args.config)  # fail fast, naming the bad field, before any worker starts
        from parley.observability import hooks  # the server's modules: only once the config is read

        hooks(settings)  # the callbacks it names import, and tracing's are known
    except ConfigError as exc:
        print(f"parley: bad config: {exc}", file=sys.stderr)
        return 2
    if error := _store_problem(settings.general_settings.database_url):
        print(f"parley: bad config: general_settings.database_url: {error}", file=sys.stderr)
        return 2
    if args.workers > 1 and settings.general_settings.database_url.startswith("sqlite"):
        print(
            "parley: note: several workers share one SQLite file; use PostgreSQL for multi-instance deployments",
            file=sys.stderr,
        )
    for line in start_up_lines(settings, args.host, args.port):
        print(line, file=sys.stderr, flush=True)
    if args.config:
        os.environ[CONFIG_ENV] = os.path.abspath(args.config)
    metrics_dir = None
    if args.workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Fleet-wide /metrics: each worker writes its metrics here, any worker reads all of them.
        metrics_dir = os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="parley-metrics-")
    try:
        _run(args, settings.general_settings.drain_grace_seconds)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _run(args: argparse.Namespace, grace: float) -> None:
    options: dict[str, Any] = dict(
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
        http=slow_clients.PROTOCOL,  # uvicorn's httptools protocol plus request read deadlines
        # Requests in flight (streams included) get the drain's grace period after SIGTERM.
        timeout_graceful_shutdown=max(1, math.ceil(grace)),
        # uvicorn kills a worker that does not answer its health ping in time (5 s by default); a
        # worker still importing on a loaded machine missed it and was restarted over and over.
        timeout_worker_healthcheck=30,
    )
    if args.workers > 1 and sys.platform == "linux":
        hold = PortHold.take(args.host, args.port)
        try:
            Workers(uvicorn.Config(APP, **options), sockets=[hold]).run()
        finally:
            hold.close()
        return
    uvicorn.run(APP, **options)


APP = "parley.cli:app_factory"
PR_SET_PDEATHSIG = 1  # prctl(2)


class Workers(Multiprocess):
    """uvicorn's supervisor, which also takes a worker that died (killed, crashed, hung) out of the
    fleet's /metrics: a worker that stops cleanly does so itself (Observability.close), and a dead
    one's live gauges, its requests in flight among them, would be summed in for good."""

    def keep_subprocess_alive(self) -> None:
        before = {process.pid for process in self.processes}
        super().keep_subprocess_alive()
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess  # only a fleet's supervisor needs it

            for pid in before - {process.pid for process in self.processes}:
                if pid is not None:
                    multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class PortHold(socket.socket):
    """`--workers N` on Linux: the supervisor's hold on the address, bound with SO_REUSEPORT and
    never listened on. Each worker that unpickles it (uvicorn hands the supervisor's sockets to
    its workers) gets a listening socket of its own on the same address, and the kernel spreads
    new connections evenly over them. With one socket shared by all (uvicorn's way), the worker
    whose loop woke first took every connection waiting: over four starts of two workers, wrk's
    64 connections fell 31/33, 64/0, 26/38 and 10/54 (28/36 to 32/32 with a socket each)."""

    @classmethod
    def take(cls, host: str, port: int) -> PortHold:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # A listener already there (another Parley fleet too: its workers listen with SO_REUSEPORT,
        # and SO_REUSEPORT alone would let this one share the port with it) must refuse the start.
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no listener
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise _cannot_listen(host, port, exc) from None
            port = probe.getsockname()[1]  # port 0: the one the kernel chose, for every worker
        hold = cls(family, socket.SOCK_STREAM)
        _reuse_port(hold)
        try:
            hold.bind((host, port))
        except OSError as exc:
            hold.close()
            raise _cannot_listen(host, port, exc) from None
        return hold

    def __reduce__(self) -> tuple[Any, ...]:
        return (worker_listener, (self.family, self.getsockname()))


def _cannot_listen(host: str, port: int, exc: OSError) -> SystemExit:
    return SystemExit(f"parley: cannot listen on {_url_host(host)}:{port}: {exc.strerror or exc}")


def worker_listener(family: int, address: tuple[Any, ...]) -> socket.socket:
    """A worker's own socket on the held address (uvicorn's server listens on it)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    _reuse_port(sock)
    sock.bind(address)
    return sock


def _reuse_port(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


if __name__ == "__main__":
    sys.exit(main())
