#!/usr/bin/env python
"""`make bench`: Parley against LiteLLM's proxy and against calling the upstream directly, on
every target of issue 14, in one run (about 8 minutes at the default 4 s per cell).

    scripts/bench.py [--duration 4] [--out docs/benchmarks.md] [--skip-litellm] [--skip-workers]

One run starts, all on loopback:
* a FAST fake upstream (this file, `--serve-upstream PORT`): a bare ASGI app under uvicorn
  (uvloop + httptools) that answers at once with fixed bytes: Gemini Interactions
  (POST /{v}/interactions, JSON or SSE) and OpenAI Chat Completions (POST /v1/chat/completions,
  JSON or SSE), pinned to core 1. The model name picks the answer: `fast` (7 events), `long`
  (500 deltas), `hold` (a stream that sends its first events, then stays open for 30 s);
* Parley (`parley --config`, 1 worker, SQLite store on) and LiteLLM's proxy
  (`.venv-litellm/bin/litellm --config`, see scripts/litellm_env.sh), each pinned to core 0, one at
  a time, with the same model entries (gemini/ and deepseek/ with api_base → the fake);

and measures, for JSON and streaming requests on both upstream kinds:
* latency (median, p99) at concurrency 1 and the latency added over calling the fake directly
  (the direct, Parley and floor c=1 cells in interleaved rounds: see measure_c1);
* throughput (req/s) at concurrency 1, 16 and 64 (wrk: HTTP/1.1 keep-alive, one thread pinned to
  core 1, or core 0 when the target is the fake itself; a Lua script sets the POST body);
* per-event cost: a 500-delta stream at c=1, gateway p50 minus direct p50, over the events;
* time to first event of a stream (a Python client reading the raw socket, 200 sequential requests);
* peak RSS of the server's process tree (sampled from /proc every 50 ms), and RSS per idle
  keep-alive connection and per open (held) stream;
* Parley again with `"store": false` in the body, for the SQLite store's share of the cost;
* the floor (`--serve-relay PORT UPSTREAM`, c=1 only): a bare ASGI app on the same server stack that
  relays the body through Parley's upstream client and nothing else, for Parley's own share;
* Parley with `--workers 1` and `--workers 2`, nothing pinned, with the CPU share of the gateway,
  the fake and wrk.

It writes docs/benchmarks.md (tables, the targets met or not, ratios; the hand-written reading
after the NOTES marker is kept) and README's headline between the HEADLINE markers.
Needs `wrk` (Debian: apt-get install wrk) and .venv-litellm (installed here when missing).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-bench"
NOTES = "<!-- notes: hand-written, kept by scripts/bench.py -->"
HEADLINE = ("<!-- bench: headline -->", "<!-- /bench -->")  # README's ratios, rewritten by each run
LITELLM = ROOT / ".venv-litellm" / "bin" / "litellm"
GATEWAY_CORE, HELPER_CORE = "0", "1"

# ------------------------------------------------------------------ the fast fake upstream

NOW = "2026-01-01T00:00:00Z"
INTERACTION = json.dumps(
    {
        "id": "v1_fast_0001",
        "object": "interaction",
        "model": "gemini-fast",
        "status": "completed",
        "created": NOW,
        "updated": NOW,
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": "Hello there, friend."}]}],
        "usage": {"total_input_tokens": 5, "total_output_tokens": 4, "total_tokens": 9},
    },
    separators=(",", ":"),
).encode()
_head = {"id": "v1_fast_0001", "object": "interaction", "model": "gemini-fast", "created": NOW}
INTERACTION_EVENTS = [
    {"event_type": "interaction.created", "interaction": {**_head, "status": "in_progress"}},
    {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    *(
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": t}}
        for t in ("Hello ", "there, ", "friend.")
    ),
    {"event_type": "step.stop", "index": 0},
    {
        "event_type": "interaction.completed",
        "interaction": {
            **_head,
            "status": "completed",
            "updated": NOW,
            "usage": {"total_input_tokens": 5, "total_output_tokens": 4, "total_tokens": 9},
        },
    },
]
INTERACTION_SSE = (
    b"".join(
        f"event: {e['event_type']}\ndata: {json.dumps({**e, 'event_id': f'evt_{i}'}, separators=(',', ':'))}\n\n".encode()
        for i, e in enumerate(INTERACTION_EVENTS, 1)
    )
    + b"data: [DONE]\n\n"
)
CHAT = json.dumps(
    {
        "id": "chatcmpl-fast",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "fast",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello there, friend."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
    },
    separators=(",", ":"),
).encode()


def _chunk(delta: dict, finish: str | None = None, usage: dict | None = None, choices: bool = True) -> bytes:
    body = {"id": "chatcmpl-fast", "object": "chat.completion.chunk", "created": 1767225600, "model": "fast"}
    body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []
    if usage:
        body["usage"] = usage
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


CHAT_SSE = (
    _chunk({"role": "assistant", "content": ""})
    + b"".join(_chunk({"content": t}) for t in ("Hello ", "there, ", "friend."))
    + _chunk({}, "stop")
    + _chunk({}, usage={"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}, choices=False)
    + b"data: [DONE]\n\n"
)
NOT_FOUND = b'{"error":{"code":"not_found","message":"no such route on the fast fake"}}'

# Per-event cost: a model whose name says `long` streams LONG_DELTAS deltas (Interactions and Chat).
LONG_DELTAS = 500
LONG_INTERACTION_EVENTS = [
    INTERACTION_EVENTS[0],
    INTERACTION_EVENTS[1],
    *(  # distinct deltas: LiteLLM ends a stream that repeats one chunk as a model fault
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": f"tok{i} "}}
        for i in range(LONG_DELTAS)
    ),
    *INTERACTION_EVENTS[-2:],
]
LONG_INTERACTION_SSE = (
    b"".join(
        f"event: {e['event_type']}\ndata: {json.dumps({**e, 'event_id': f'evt_{i}'}, separators=(',', ':'))}\n\n".encode()
        for i, e in enumerate(LONG_INTERACTION_EVENTS, 1)
    )
    + b"data: [DONE]\n\n"
)
LONG_CHAT_SSE = (
    _chunk({"role": "assistant", "content": ""})
    + b"".join(_chunk({"content": f"tok{i} "}) for i in range(LONG_DELTAS))
    + _chunk({}, "stop")
    + _chunk(
        {}, usage={"prompt_tokens": 5, "completion_tokens": LONG_DELTAS, "total_tokens": 505}, choices=False
    )
    + b"data: [DONE]\n\n"
)
# Memory per open stream: a model whose name says `hold` sends its first events, then holds the
# stream open for HOLD_SECONDS before it ends.
HOLD_SECONDS = 30


async def fast_upstream(scope, receive, send):
    """Fixed answers, no framework: the upstream must never be the bottleneck."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    stream = b'"stream":true' in body.replace(b" ", b"")
    path = scope["path"]
    model = str(json.loads(body or b"{}").get("model", ""))
    if path.endswith("/interactions"):
        payload, sse = INTERACTION, LONG_INTERACTION_SSE if "long" in model else INTERACTION_SSE
    elif path.endswith("/chat/completions"):
        payload, sse = CHAT, LONG_CHAT_SSE if "long" in model else CHAT_SSE
    else:
        payload, sse, stream = NOT_FOUND, b"", False
        print(f"fast upstream: 404 {scope['method']} {path}", file=sys.stderr)
    status = 404 if payload is NOT_FOUND else 200
    content_type = b"text/event-stream" if stream else b"application/json"
    out = sse if stream else payload
    if stream and "hold" in model:
        events = out.split(b"\n\n")  # the first three events now (a gateway may wait for output),
        head, tail = b"\n\n".join(events[:3]), b"\n\n".join(events[3:])  # the rest after the hold
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]}
        )
        await send({"type": "http.response.body", "body": head + b"\n\n", "more_body": True})
        await asyncio.sleep(HOLD_SECONDS)
        await send({"type": "http.response.body", "body": tail})
        return
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(out)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": out})


def relay_app(upstream_url: str):
    """The floor: a bare ASGI app that sends the body on through Parley's own upstream client and
    answers with what came back (JSON re-encoded; a stream's events re-framed as SSE), and nothing
    else: no routing, key, validation, store, log or metrics. What any Python gateway on this stack
    (uvicorn + uvloop + httptools) pays before doing any work of its own."""
    import orjson

    from parley import transport

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await fast_upstream(scope, receive, send)
            return
        message = await receive()
        body = orjson.loads(message.get("body") or b"{}")
        path = "/v1/chat/completions" if "chat" in str(body.get("model")) else "/v1beta/interactions"
        request = transport.UpstreamRequest(
            "POST", upstream_url + path, {"Content-Type": "application/json"}, body=body
        )
        if not body.get("stream"):
            out = orjson.dumps(await transport.send_json(request))
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(out)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": out})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        framing = transport.SSEFraming()
        async with contextlib.aclosing(transport.send_stream(request, framing)) as events:
            async for batch in events:
                frame = b"data: " + orjson.dumps([framing.decode(event) for event in batch]) + b"\n\n"
                await send({"type": "http.response.body", "body": frame, "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})

    return app


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(core: str, argv: list[str]) -> list[str]:
    return (["taskset", "-c", core] if shutil.which("taskset") else []) + argv


def wait_port(port: int, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {proc.args} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise SystemExit(f"bench: port {port} did not open in {seconds:.0f} s")


def tree_pids(pid: int) -> list[int]:
    """pid and all its descendants (from /proc: every process's stat, ~2.5 ms here)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def rss_bytes(pids: list[int]) -> int:
    """Their RSS in bytes (a process that has gone counts nothing)."""
    total = 0
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def tree_rss(pid: int) -> int:
    """RSS in bytes of pid and all its descendants."""
    return rss_bytes(tree_pids(pid))


class Server:
    def __init__(self, name: str, argv: list[str], port: int, cwd: Path | None = None, env=None):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tempfile.gettempdir()) / f"bench-{name}.log", "w"),
        )
        self.peak_rss = 0
        self._stop = threading.Event()
        try:
            wait_port(port, self.proc)
        except SystemExit:
            self.proc.kill()
            raise
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        # Every 50 ms, but the process tree looked up once a second: a whole /proc scan per sample
        # was ~5% of a core per server, taken from the cores being measured.
        pids, rescan = [self.proc.pid], 0.0
        while not self._stop.is_set():
            if time.monotonic() >= rescan:
                pids, rescan = tree_pids(self.proc.pid), time.monotonic() + 1.0
            self.peak_rss = max(self.peak_rss, rss_bytes(pids))
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ------------------------------------------------------------------ load


@dataclass
class Target:
    name: str  # direct | parley | litellm (| parley-nostore, parley-wN)
    upstream: str  # gemini | chat
    url: str
    store: bool = True
    size: str = "fast"  # fast | long (500 deltas) | hold (a stream held open)

    @property
    def path(self) -> str:
        if self.name == "direct" and self.upstream == "chat":
            return "/v1/chat/completions"
        return "/v1beta/interactions"

    @property
    def model(self) -> str:
        if self.name == "direct":
            return f"gemini-{self.size}" if self.upstream == "gemini" else self.size
        return f"{self.size}-{self.upstream}"

    def body(self, stream: bool) -> dict:
        if self.upstream == "chat" and self.name == "direct":
            body = {"model": self.model, "messages": [{"role": "user", "content": "Say hi."}]}
            if stream:
                body["stream"] = True
                body["stream_options"] = {"include_usage": True}
            return body
        body = {"model": self.model, "input": "Say hi."}
        if stream:
            body["stream"] = True
        if not self.store:
            body["store"] = False
        return body

    def request(self, stream: bool) -> bytes:
        body = json.dumps(self.body(stream)).encode()
        return (
            f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"x-goog-api-key: {KEY}\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


LUA = """
wrk.method = "POST"
wrk.body = [==[%s]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-goog-api-key"] = "%s"
wrk.headers["Authorization"] = "Bearer %s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"p50_us\\":%%d,\\"p99_us\\":%%d,\\"errors\\":%%d,\\"non2xx\\":%%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def wrk(
    target: Target, stream: bool, connections: int, seconds: float, tmp: Path, core: str | None = ""
) -> dict:
    """One wrk cell. core: "" = the usual pinning (the helper core; the gateway's core when the
    target is the fake itself), None = unpinned."""
    script = tmp / "post.lua"
    script.write_text(LUA % (json.dumps(target.body(stream)), KEY, KEY))
    if core == "":
        core = GATEWAY_CORE if target.name == "direct" else HELPER_CORE
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        target.url + target.path,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(
        pinned(core, argv) if core else argv, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((line for line in out.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"bench: wrk gave no result for {target.name}:\n{out}")
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["wrk_cpu"] = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall
    return result


def first_event_times(target: Target, count: int) -> list[float]:
    """Seconds from sending a streaming request to receiving the first `data:` bytes (raw socket,
    so the client adds next to nothing), sequentially, on one connection per request."""
    request = target.request(stream=True).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
    times = []
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", target.port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            started = time.perf_counter()
            sock.sendall(request)
            seen = b""
            while b"data:" not in seen:
                chunk = sock.recv(65536)
                if not chunk:
                    raise SystemExit(
                        f"bench: {target.name} closed the stream before an event: {seen[:300]!r}"
                    )
                seen += chunk
            times.append(time.perf_counter() - started)
            while sock.recv(65536):
                pass
    return times


def _open(port: int, request: bytes, until: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(request)
    seen = b""
    while until not in seen:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit(f"bench: port {port} closed before {until!r}: {seen[:300]!r}")
        seen += chunk
    return sock


def settled_rss(server: Server) -> int:
    time.sleep(1.0)
    return tree_rss(server.proc.pid)


def memory_per(server: Server, target: Target, count: int) -> tuple[float, float]:
    """Bytes of the server's RSS per idle keep-alive connection (each has served one request) and
    per open stream (a held stream: its connection, request, upstream call and run), each the RSS
    growth with `count` of them open, divided by `count`."""
    idle = b"GET /health/liveliness HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    # Chat: LiteLLM holds back a passed-through Interactions stream's first events; both relay Chat's.
    hold = Target(target.name, "chat", target.url, size="hold").request(stream=True)
    for request, until in ((idle, b"\r\n\r\n"), (hold, b"data:")):  # warm lazily built paths
        for sock in [_open(target.port, request, until) for _ in range(8)]:
            sock.close()
    out = []
    for request, until in ((idle, b"\r\n\r\n"), (hold, b"data:")):
        before = settled_rss(server)
        socks = [_open(target.port, request, until) for _ in range(count)]
        out.append(max(0, settled_rss(server) - before) / count)
        for sock in socks:
            sock.close()
    time.sleep(1.0)  # the gateway notices the closed streams and ends their upstream calls
    return out[0], out[1]


# ------------------------------------------------------------------ configs


def gateway_config(upstream_url: str, db: str | None) -> str:
    """fast-*: the short answers; long-*: 500-delta streams; hold-*: streams held open."""
    text = "model_list:\n"
    for kind in ("fast", "long", "hold"):
        text += (
            f"  - model_name: {kind}-gemini\n"
            "    litellm_params:\n"
            f"      model: gemini/gemini-{kind}\n"
            f"      api_base: {upstream_url}\n"
            "      api_key: upstream-key\n"
            f"  - model_name: {kind}-chat\n"
            "    litellm_params:\n"
            f"      model: deepseek/{kind}\n"
            f"      api_base: {upstream_url}/v1\n"
            "      api_key: upstream-key\n"
        )
    text += f"general_settings:\n  master_key: {KEY}\n"
    if db:
        text += f"  database_url: sqlite:///{db}\n"
    return text


# ------------------------------------------------------------------ report


@dataclass
class Results:
    runs: dict = field(default_factory=dict)  # (target, upstream, kind, conc) -> wrk result
    ttfe: dict = field(default_factory=dict)  # (target, upstream) -> [seconds]
    rss: dict = field(default_factory=dict)  # target -> peak bytes
    memory: dict = field(default_factory=dict)  # target -> (bytes per idle connection, per open stream)
    workers: dict = field(default_factory=dict)  # (workers, kind, conc) -> wrk result + cpu shares
    load: tuple = (0.0, 0.0)  # 1-minute load average at the start and at the end
    memory_count: int = 0


def _ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{mem}, Linux {platform.release()}, {interpreter(sys.executable)}"


def interpreter(python: str) -> str:
    """Which CPython build a venv's python is (scripts/python.sh: the build matters by 10-30%)."""
    probe = (  # whether the running process maps libpython: sysconfig tells how it was configured
        "import os, platform, sys; print(platform.python_version(), os.path.realpath(sys._base_executable), "
        "any('libpython' in line for line in open('/proc/self/maps')))"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True).stdout.split()
    if len(out) != 3:
        return "CPython (unknown build)"
    version, path, shared = out
    return f"CPython {version} ({path}, libpython {'shared' if shared == 'True' else 'linked in'})"


def versions() -> str:
    out = [
        f"Parley {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()}"
    ]
    if LITELLM.exists():
        v = subprocess.run(
            [
                str(LITELLM.with_name("python")),
                "-c",
                "import importlib.metadata as m; print(m.version('litellm'))",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        out.append(f"litellm[proxy] {v} on {interpreter(str(LITELLM.with_name('python')))}")
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    out.append((wrk_v.stdout or wrk_v.stderr).split("[")[0].strip() or "wrk")
    return ", ".join(out)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of pid and its live descendants."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry)] = fields
                children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        if p in stats:
            total += int(stats[p][11]) + int(stats[p][12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_rate(pid: int, seconds: float = 1.0) -> float:
    """Cores the server's process tree keeps busy on its own (LiteLLM is never quite idle)."""
    start = tree_cpu(pid)
    time.sleep(seconds)
    return (tree_cpu(pid) - start) / seconds


def median_round(rounds: list[dict]) -> dict:
    """A c=1 cell from its interleaved rounds: the round whose p50 is the median (an odd count of
    rounds: a round that happened), with the median of the rounds' p99s and every round's errors."""
    ordered = sorted(rounds, key=lambda r: r["p50_us"])
    cell = dict(ordered[len(ordered) // 2])
    cell["p99_us"] = statistics.median_low(r["p99_us"] for r in rounds)
    cell["errors"] = sum(r["errors"] for r in rounds)
    cell["non2xx"] = sum(r["non2xx"] for r in rounds)
    cell["round_p50s_us"] = [r["p50_us"] for r in rounds]
    return cell


def idle(pid: int | None, baseline: float = 0.0, seconds: float = 10) -> None:
    """Wait until the server has finished the previous cell's work (wrk leaves requests in flight
    and queued writes behind; on a slow machine they would eat into the next cell): its CPU use
    back within 5% of a core of its own idle level for 0.4 s, or `seconds` at most."""
    if pid is None:
        return
    deadline = time.monotonic() + seconds
    last, quiet = tree_cpu(pid), 0
    while quiet < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = tree_cpu(pid)
        quiet = quiet + 1 if (now - last) / 0.2 <= baseline + 0.05 else 0
        last = now


EVENTS = {"gemini": LONG_DELTAS + 4, "chat": LONG_DELTAS + 3}  # the long streams' upstream events


def added_us(res: Results, t: str, up: str, kind: str) -> float | None:
    one, direct = res.runs.get((t, up, kind, 1)), res.runs.get(("direct", up, kind, 1))
    if not one or not direct or not one["requests"] or not direct["requests"]:
        return None  # a cell in which no request finished measured nothing
    return one["p50_us"] - direct["p50_us"]


def per_event_us(res: Results, t: str, up: str) -> float | None:
    added = added_us(res, t, up, "long")
    return added / EVENTS[up] if added is not None else None


def rps(res: Results, t: str, up: str, kind: str, c: int) -> float | None:
    return res.runs.get((t, up, kind, c), {}).get("rps")


def targets_table(res: Results) -> list[str]:
    """Issue 14's targets, each against this run's numbers."""
    rows = []

    def row(name: str, value: float | None, unit: str, goal: float, higher: bool) -> None:
        if value is None:
            rows.append(f"| {name} | – | {'≥' if higher else '≤'} {goal:g}{unit} | not measured |")
            return
        met = value >= goal if higher else value <= goal
        rows.append(
            f"| {name} | {value:,.2f}{unit} | {'≥' if higher else '≤'} {goal:g}{unit} | {'**met**' if met else 'not met'} |"
        )

    for up in ("gemini", "chat"):
        a = added_us(res, "parley", up, "json")
        row(f"added p50, JSON create, c=1, {up}", a and a / 1000, " ms", 0.5, False)
        a = added_us(res, "parley", up, "stream")
        row(f"added p50, short stream, c=1, {up}", a and a / 1000, " ms", 1.0, False)
    for up in ("gemini", "chat"):
        row(
            f"per-event cost, {LONG_DELTAS}-delta stream, {up}",
            per_event_us(res, "parley", up),
            " µs",
            20,
            False,
        )
    for up in ("gemini", "chat"):
        row(f"JSON creates/s, c=16, one process, {up}", rps(res, "parley", up, "json", 16), "", 1500, True)
    for up in ("gemini", "chat"):
        for kind in ("json", "stream"):
            for c in (16, 64):
                p, lt = rps(res, "parley", up, kind, c), rps(res, "litellm", up, kind, c)
                row(f"× LiteLLM req/s, {up} {kind}, c={c}", p / lt if p and lt else None, "×", 20, True)
    for kind in ("json", "stream"):
        one, two = res.workers.get((1, kind, 64)), res.workers.get((2, kind, 64))
        row(
            f"--workers 2 over --workers 1, gemini {kind}, c=64",
            two["rps"] / one["rps"] if one and two else None,
            "×",
            1.0,
            True,
        )
    p, lt = res.rss.get("parley"), res.rss.get("litellm")
    row("peak RSS, Parley / LiteLLM", p / lt if p and lt else None, "×", 0.5, False)
    return [
        "## Targets (issue 14)",
        "",
        "| target | this run | goal | |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def floor_table(res: Results) -> list[str]:
    """How much of Parley's added latency the floor (the relay) already costs."""
    rows = []
    for up in ("gemini", "chat"):
        for kind in ("json", "stream"):
            floor, ours = added_us(res, "relay", up, kind), added_us(res, "parley", up, kind)
            if floor is None or ours is None:
                continue
            rows.append(f"| {up} | {kind} | {_ms(ours)} | {_ms(floor)} | {_ms(ours - floor)} |")
    if not rows:
        return []
    return [
        "## Added p50 at c=1: the floor and Parley's own share",
        "",
        "| upstream | kind | Parley added ms | relay (floor) added ms | Parley − floor ms |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]


def headline(res: Results) -> str:
    """The README's benchmark sentence: ratios, from this run."""

    def span(values: list[float | None], fmt: str) -> str:
        vs = sorted(v for v in values if v and v > 0)
        if not vs:
            return "–"
        return (
            fmt.format(vs[0])
            if len(vs) == 1 or fmt.format(vs[0]) == fmt.format(vs[-1])
            else (fmt.format(vs[0]) + "–" + fmt.format(vs[-1]))
        )

    thr = [
        (rps(res, "parley", up, kind, c) or 0) / (rps(res, "litellm", up, kind, c) or float("inf"))
        for up in ("gemini", "chat")
        for kind in ("json", "stream")
        for c in (16, 64)
    ]
    lat = [
        (added_us(res, "litellm", up, kind) or 0) / (added_us(res, "parley", up, kind) or float("inf"))
        for up in ("gemini", "chat")
        for kind in ("json", "stream")
    ]
    rss = (res.rss.get("parley") or 0) / (res.rss.get("litellm") or float("inf"))
    parts = []
    if span(thr, "{:.1f}") != "–":
        parts.append(f"{span(thr, '{:.1f}')}× LiteLLM's throughput at concurrency 16 and 64")
    if span(lat, "{:.0f}") != "–":
        parts.append(f"LiteLLM adds {span(lat, '{:.0f}')}× the latency Parley adds at concurrency 1")
    if rss:
        parts.append(f"{rss:.2f}× LiteLLM's peak memory")
    day = time.strftime("%Y-%m-%d", time.gmtime())
    return f"on 2 cores, one process each, run of {day}: " + "; ".join(parts or ["LiteLLM not measured"])


def report(res: Results, args, command: str, concurrencies: list[int]) -> str:
    targets = [
        t
        for t in ("direct", "parley", "parley-nostore", "relay", "litellm")
        if any(k[0] == t for k in res.runs)
    ]
    lines = [
        "# Benchmarks: Parley vs LiteLLM proxy vs calling the upstream directly",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())};"
        f" load average at the start {res.load[0]:.2f}, at the end {res.load[1]:.2f} (1 min).",
        "",
        f"* Machine: {machine()}.",
        f"* Software: {versions()}.",
        "* Upstream: the fast fake in scripts/bench.py (bare ASGI app, uvicorn + uvloop + httptools, fixed bytes),"
        f" pinned to core {HELPER_CORE}. `gemini` = Interactions API (passed through by both gateways); `chat` ="
        " OpenAI Chat Completions (both gateways translate Interactions ⇄ Chat). Short answers: 7 events"
        f" (Interactions) / 7 chunks (Chat); long streams: {LONG_DELTAS} deltas.",
        f"* Gateways, measured one at a time (Parley and the relay are both up, one idle, during the c=1"
        f" rounds), pinned to core {GATEWAY_CORE}, 1 process each: Parley (`parley --config`,"
        " SQLite store on, the default; `validate_responses` false) and LiteLLM (`litellm --config`, no database),"
        " same model list.",
        f"* Load: wrk 1 thread, keep-alive, {args.duration:g} s per cell, pinned to core {HELPER_CORE}"
        f" (core {GATEWAY_CORE} for direct runs); body set by a Lua script. Latency = wrk's per-request latency"
        " (for streams: until the last byte); added = gateway p50 − direct p50 at c=1. The c=1 cells of"
        f" direct, parley, parley-nostore and relay run in {args.rounds} interleaved rounds of 1 s (each round"
        " in a rotated order), and each is its median round (p99: the median of the rounds'), so all four"
        " sample the same minutes; so do the 500-delta cells of direct and parley. LiteLLM's c=1 cells"
        " are one block each. Time to first event:"
        f" a raw-socket Python client, {args.ttfe} sequential streaming requests, from send to the first `data:` bytes.",
        '* `parley-nostore` = Parley with `"store": false` in the request body (no SQLite row), at c=1 only.',
        "* `relay` = the floor, at c=1 only: a bare ASGI app on the same server stack (uvicorn, uvloop,"
        " httptools), pinned the same way, that sends the body on through Parley's upstream client and"
        " answers with what came back (JSON re-encoded, a stream's events re-framed), and does nothing"
        " else: no key, validation, routing, store, log or metrics.",
        "",
        *targets_table(res),
        *floor_table(res),
    ]
    for upstream in ("gemini", "chat"):
        for kind in ("json", "stream"):
            lines += [f"## {upstream} upstream, {'streaming (SSE)' if kind == 'stream' else 'JSON'}", ""]
            lines += [
                "| target | p50 ms (c=1) | p99 ms (c=1) | added p50 ms | added p99 ms | "
                + " | ".join(f"req/s c={c}" for c in concurrencies)
                + " | errors |",
                "|---|" + "---|" * (5 + len(concurrencies)),
            ]
            direct = res.runs.get(("direct", upstream, kind, 1))
            for t in targets:
                one = res.runs.get((t, upstream, kind, 1))
                if not one:
                    continue
                if not one["requests"]:
                    lines.append(
                        f"| {t} | no request finished in the c=1 cell |" + " |" * (4 + len(concurrencies))
                    )
                    continue
                added50 = _ms(one["p50_us"] - direct["p50_us"]) if direct and t != "direct" else "–"
                added99 = _ms(one["p99_us"] - direct["p99_us"]) if direct and t != "direct" else "–"
                rates = [res.runs.get((t, upstream, kind, c), {}).get("rps") for c in concurrencies]
                errors = sum(
                    res.runs.get((t, upstream, kind, c), {}).get(k, 0)
                    for c in concurrencies
                    for k in ("errors", "non2xx")
                )
                lines.append(
                    f"| {t} | {_ms(one['p50_us'])} | {_ms(one['p99_us'])} | {added50} | {added99} | "
                    + " | ".join(f"{r:,.0f}" if r else "–" for r in rates)
                    + f" | {errors} |"
                )
            lines.append("")
    lines += [
        f"## Per-event cost: {LONG_DELTAS}-delta streams, c=1",
        "",
        "Gateway p50 minus direct p50 for the whole stream, divided by the upstream's events.",
        "",
        "| target | upstream | events | p50 ms | added ms | per event µs | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in ("direct", "parley", "litellm"):
        for up in ("gemini", "chat"):
            one = res.runs.get((t, up, "long", 1))
            if not one:
                continue
            if not one["requests"]:
                lines.append(f"| {t} | {up} | {EVENTS[up]} | no stream finished in the cell | | | |")
                continue
            per = per_event_us(res, t, up) if t != "direct" else None
            added = added_us(res, t, up, "long") if t != "direct" else None
            lines.append(
                f"| {t} | {up} | {EVENTS[up]} | {_ms(one['p50_us'])} | {_ms(added) if added is not None else '–'}"
                f" | {f'{per:.1f}' if per is not None else '–'} | {one['errors'] + one['non2xx']} |"
            )
    lines += [
        "",
        "## Time to first event (streams, c=1)",
        "",
        "| target | upstream | median ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for (t, upstream), times in sorted(res.ttfe.items()):
        times = sorted(times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        lines.append(f"| {t} | {upstream} | {statistics.median(times) * 1000:.2f} | {p99 * 1000:.2f} |")
    if res.workers:
        lines += [
            "",
            "## Workers: `--workers 1` vs `--workers 2` (Parley, gemini, store on)",
            "",
            "Nothing pinned here: the gateway's workers, wrk and the fake share the 2 cores. CPU shares are of"
            " the whole machine (2 cores = 100%) during the cell; the rest is other load and idle.",
            "",
            "| workers | kind | c | req/s | ratio to 1 worker | p50 ms | gateway CPU | fake CPU | wrk CPU | errors |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for (w, kind, c), r in sorted(res.workers.items()):
            base = res.workers.get((1, kind, c))
            lines.append(
                f"| {w} | {kind} | {c} | {r['rps']:,.0f} | {_ratio(r['rps'], base and base['rps'])} | {_ms(r['p50_us'])}"
                f" | {r['gateway_cpu']:.0%} | {r['fake_cpu']:.0%} | {r['wrk_cpu'] / 2:.0%} | {r['errors'] + r['non2xx']} |"
            )
    lines += [
        "",
        "## Memory",
        "",
        "Peak RSS of the server's process tree over its whole run; per idle connection and per open stream"
        f" (measured first, on the fresh process): RSS growth with {res.memory_count} idle keep-alive"
        " connections (each has served one request), then"
        f" with {res.memory_count} streams held open by the upstream, divided by {res.memory_count}.",
        "",
        "| target | peak RSS MiB | KiB per idle connection | KiB per open stream |",
        "|---|---|---|---|",
    ]
    for t, peak in res.rss.items():
        idle, stream = res.memory.get(t, (None, None))
        kib = [f"{v / 1024:.1f}" if v is not None else "–" for v in (idle, stream)]
        lines.append(f"| {t} | {peak / 1024 / 1024:.0f} | {kib[0]} | {kib[1]} |")

    lines += [
        "",
        "## Ratios",
        "",
        "Throughput ratios (higher is better for Parley); latency ratios (lower is better).",
        "",
        "| upstream | kind | metric | Parley/LiteLLM | Parley/direct |",
        "|---|---|---|---|---|",
    ]
    for upstream in ("gemini", "chat"):
        for kind in ("json", "stream"):
            for c in concurrencies:
                lines.append(
                    f"| {upstream} | {kind} | req/s c={c} | {_ratio(rps(res, 'parley', upstream, kind, c), rps(res, 'litellm', upstream, kind, c))}"
                    f" | {_ratio(rps(res, 'parley', upstream, kind, c), rps(res, 'direct', upstream, kind, c))} |"
                )
            pa, la = added_us(res, "parley", upstream, kind), added_us(res, "litellm", upstream, kind)
            lines.append(f"| {upstream} | {kind} | added p50 latency c=1 | {_ratio(pa, la)} | – |")
        pe, le = per_event_us(res, "parley", upstream), per_event_us(res, "litellm", upstream)
        lines.append(f"| {upstream} | long stream | per-event cost | {_ratio(pe, le)} | – |")
    for upstream in ("gemini", "chat"):
        a, b, d = (res.ttfe.get((t, upstream)) for t in ("parley", "litellm", "direct"))
        if a:
            lines.append(
                f"| {upstream} | stream | time to first event | {_ratio(statistics.median(a), b and statistics.median(b))}"
                f" | {_ratio(statistics.median(a), d and statistics.median(d))} |"
            )
    if "parley" in res.rss:
        lines.append(
            f"| – | – | peak RSS | {_ratio(res.rss.get('parley'), res.rss.get('litellm'))} | {_ratio(res.rss.get('parley'), res.rss.get('direct'))} |"
        )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ main


def start_parley(
    tmp: Path, config: str, workers: int = 1, core: str | None = GATEWAY_CORE
) -> tuple[Server, str]:
    (tmp / "parley.yaml").write_text(config)
    port = free_port()
    argv = [
        str(ROOT / ".venv/bin/parley"),
        "--config",
        str(tmp / "parley.yaml"),
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]
    server = Server(f"parley-w{workers}", pinned(core, argv) if core else argv, port, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # every worker up: the port opens with the first
        with contextlib.suppress(OSError, SystemExit):
            _open(
                port, b"GET /health/readiness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"200"
            ).close()
            break
        time.sleep(0.2)
    # Each worker listens on its own socket (parley.cli.PortHold): measure once all of them do, or
    # the first cells would land on the workers up so far.
    while workers > 1 and listening(port) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    return server, url


def listening(port: int) -> int:
    """How many TCP sockets listen on `port` (IPv4, from /proc/net/tcp; state 0A is LISTEN)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for f in map(str.split, lines) if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "0A")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4, help="seconds per wrk cell (default 4)")
    parser.add_argument(
        "--rounds", type=int, default=7, help="interleaved 1 s rounds per c=1 cell (odd; default 7)"
    )
    parser.add_argument("--ttfe", type=int, default=200, help="streaming requests for time to first event")
    parser.add_argument("--memory", type=int, default=200, help="connections / streams held for memory")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--readme", default=str(ROOT / "README.md"), help="whose headline to refresh")
    parser.add_argument("--skip-litellm", action="store_true")
    parser.add_argument("--skip-workers", action="store_true")
    parser.add_argument("--serve-upstream", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-relay", nargs=2, metavar=("PORT", "UPSTREAM"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_relay:
        import uvicorn

        port, upstream = args.serve_relay
        uvicorn.run(
            relay_app(upstream),
            host="127.0.0.1",
            port=int(port),
            log_level="warning",
            access_log=False,
            loop="uvloop",
            http="httptools",
        )
        return 0

    if args.serve_upstream:
        import uvicorn

        uvicorn.run(
            fast_upstream,
            host="127.0.0.1",
            port=args.serve_upstream,
            log_level="warning",
            access_log=False,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            # Longer than any gateway's pool keeps an idle connection: a request must never meet a
            # connection the fake is closing (that race is the gateway's to handle, not a cost).
            timeout_keep_alive=300,
        )
        return 0

    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk)")
    if not args.skip_litellm:  # made, or remade on Parley's interpreter, unless it is already
        subprocess.run(["bash", str(ROOT / "scripts/litellm_env.sh"), "install"], check=True)
    command = (
        "make bench" if not argv and len(sys.argv) == 1 else "scripts/bench.py " + " ".join(sys.argv[1:])
    )
    concurrencies = [1, 16, 64]
    res = Results(memory_count=args.memory)
    load_start = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp_name:
        tmp = Path(tmp_name)
        up_port = free_port()
        upstream = Server(
            "upstream",
            pinned(HELPER_CORE, [sys.executable, __file__, "--serve-upstream", str(up_port)]),
            up_port,
        )
        up_url = f"http://127.0.0.1:{up_port}"

        def log(name: str, up: str, kind: str, c: int, r: dict) -> None:
            print(
                f"{time.monotonic() - started:5.0f}s {name:15} {up:6} {kind:6} c={c:<3} {r['rps']:9,.0f} req/s"
                f"  p50 {_ms(r['p50_us'])} ms  p99 {_ms(r['p99_us'])} ms  errors {r['errors'] + r['non2xx']}"
                + (
                    f"  rounds' p50 {' '.join(_ms(p) for p in r['round_p50s_us'])} ms"
                    if "round_p50s_us" in r
                    else ""
                ),
                flush=True,
            )

        def measure_c1(targets: list[tuple[str, str, bool, int | None]], long: set[str]) -> None:
            """The c=1 cells of several targets (name, url, store, pid), and the 500-delta cells of
            those in `long`, in interleaved rounds of 1 s, each round in a rotated order, and each
            cell the median round: all of them sample the same minutes. This VM's speed swings by
            up to 2x within minutes, and a gateway's added latency is a difference of two such
            measurements: taken minutes apart, one block each, it moved by ±0.3 ms between runs
            for the same code."""
            baselines = {pid: cpu_rate(pid) for *_, pid in targets if pid is not None}
            for up in ("gemini", "chat"):
                for kind in ("json", "stream", "long"):
                    stream, size = kind != "json", "long" if kind == "long" else "fast"
                    cells = [
                        (name, Target(name, up, url, store, size=size), pid)
                        for name, url, store, pid in targets
                        if kind != "long" or name in long
                    ]
                    for _, target, _ in cells:
                        wrk(target, stream, 16, 1, tmp)  # warm-up
                    rounds: dict[str, list[dict]] = {name: [] for name, _, _ in cells}
                    for i in range(args.rounds):
                        turn = i % len(cells)
                        for name, target, pid in cells[turn:] + cells[:turn]:
                            idle(pid, baselines.get(pid, 0.0) if pid is not None else 0.0)
                            rounds[name].append(wrk(target, stream, 1, 1, tmp))
                    for name, runs in rounds.items():
                        res.runs[(name, up, kind, 1)] = cell = median_round(runs)
                        log(name, up, kind, 1, cell)

        def measure(
            name: str, url: str, pid: int | None = None, levels: list[int] = concurrencies, long: bool = True
        ) -> None:
            baseline = cpu_rate(pid) if pid is not None else 0.0
            for up in ("gemini", "chat"):
                target = Target(name, up, url)
                for kind in ("json", "stream"):
                    wrk(target, kind == "stream", 16, 1, tmp)  # warm-up
                    for c in levels:
                        idle(pid, baseline)
                        r = wrk(target, kind == "stream", c, args.duration, tmp)
                        res.runs[(name, up, kind, c)] = r
                        log(name, up, kind, c, r)
                if long:
                    idle(pid, baseline)
                    r = wrk(Target(name, up, url, size="long"), True, 1, max(args.duration, 3), tmp)
                    res.runs[(name, up, "long", 1)] = r
                    log(name, up, "long", 1, r)
                res.ttfe[(name, up)] = first_event_times(target, args.ttfe)

        try:
            config = gateway_config(up_url, str(tmp / "parley.db"))
            parley, url = start_parley(tmp, config)
            try:
                # Memory first, on a fresh process: after the load cells the allocator has free
                # memory to spare and new connections would not show in RSS.
                res.memory["parley"] = memory_per(parley, Target("parley", "gemini", url), args.memory)
                relay_port = free_port()
                relay = Server(
                    "relay",
                    pinned(
                        GATEWAY_CORE, [sys.executable, __file__, "--serve-relay", str(relay_port), up_url]
                    ),
                    relay_port,
                )
                try:
                    measure_c1(
                        [
                            ("direct", up_url, True, None),
                            ("parley", url, True, parley.proc.pid),
                            ("parley-nostore", url, False, parley.proc.pid),
                            ("relay", f"http://127.0.0.1:{relay_port}", True, relay.proc.pid),
                        ],
                        long={"direct", "parley"},
                    )
                finally:
                    relay.stop()
                measure("direct", up_url, levels=concurrencies[1:], long=False)
                measure("parley", url, pid=parley.proc.pid, levels=concurrencies[1:], long=False)
            finally:
                parley.stop()
            res.rss["direct"] = upstream.peak_rss
            res.rss["parley"] = parley.peak_rss

            if not args.skip_workers:
                print("bench: --workers 1 vs 2", flush=True)
                # Nothing pinned: the workers, wrk and a fake of their own share both cores.
                fake_port = free_port()
                fake = Server(
                    "upstream-free", [sys.executable, __file__, "--serve-upstream", str(fake_port)], fake_port
                )
                try:
                    for workers in (1, 2):
                        (tmp / f"w{workers}.db").unlink(missing_ok=True)
                        try:
                            server, url = start_parley(
                                tmp,
                                gateway_config(f"http://127.0.0.1:{fake_port}", str(tmp / f"w{workers}.db")),
                                workers,
                                None,
                            )
                        except SystemExit as exc:  # reported as not measured; the rest goes on
                            print(f"bench: parley --workers {workers} did not start: {exc}", flush=True)
                            continue
                        try:
                            target = Target(f"parley-w{workers}", "gemini", url)
                            for kind in ("json", "stream"):
                                wrk(target, kind == "stream", 16, 1, tmp, None)
                                for c in (16, 64):
                                    idle(server.proc.pid)
                                    g0, f0, t0 = (
                                        tree_cpu(server.proc.pid),
                                        tree_cpu(fake.proc.pid),
                                        time.monotonic(),
                                    )
                                    r = wrk(target, kind == "stream", c, args.duration, tmp, None)
                                    wall = time.monotonic() - t0
                                    r["gateway_cpu"] = (tree_cpu(server.proc.pid) - g0) / wall / 2
                                    r["fake_cpu"] = (tree_cpu(fake.proc.pid) - f0) / wall / 2
                                    res.workers[(workers, kind, c)] = r
                                    log(target.name, "gemini", kind, c, r)
                        finally:
                            server.stop()
                finally:
                    fake.stop()

            if not args.skip_litellm:
                (tmp / "litellm.yaml").write_text(
                    gateway_config(up_url, None)
                    + "litellm_settings:\n  set_verbose: false\n  telemetry: false\n"
                )
                port = free_port()
                env = {
                    **os.environ,
                    "GEMINI_API_BASE": up_url,
                    "GEMINI_API_KEY": "upstream-key",
                    "LITELLM_LOG": "ERROR",
                }
                litellm = Server(
                    "litellm",
                    pinned(
                        GATEWAY_CORE,
                        [
                            str(LITELLM),
                            "--config",
                            "litellm.yaml",
                            "--host",
                            "127.0.0.1",
                            "--port",
                            str(port),
                        ],
                    ),
                    port,
                    cwd=tmp,
                    env=env,
                )
                try:
                    time.sleep(2)  # the proxy opens its port before its startup work is over
                    url = f"http://127.0.0.1:{port}"
                    res.memory["litellm"] = memory_per(litellm, Target("litellm", "gemini", url), args.memory)
                    measure("litellm", url, pid=litellm.proc.pid)
                finally:
                    litellm.stop()
                res.rss["litellm"] = litellm.peak_rss
        finally:
            upstream.stop()
    res.load = (load_start, os.getloadavg()[0])
    text = report(res, args, command, concurrencies)
    out = Path(args.out)
    # Hand-written reading of the numbers lives after NOTES in the same file and survives re-runs.
    if out.exists() and NOTES in out.read_text():
        text = text.rstrip("\n") + "\n\n" + NOTES + out.read_text().split(NOTES, 1)[1]
    out.write_text(text)
    readme = Path(args.readme)
    if not args.skip_litellm and readme.exists() and HEADLINE[0] in (old := readme.read_text()):
        head, rest = old.split(HEADLINE[0], 1)
        readme.write_text(head + HEADLINE[0] + headline(res) + HEADLINE[1] + rest.split(HEADLINE[1], 1)[1])
    print(text)
    print(f"bench: {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
