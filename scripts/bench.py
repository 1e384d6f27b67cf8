#!/usr/bin/env python
"""`make bench`: Parley against LiteLLM's proxy and against calling the upstream directly.

    scripts/bench.py [--duration 4] [--out docs/benchmarks.md] [--skip-litellm]

One run starts, all on loopback:
* a FAST fake upstream (this file, `--serve-upstream PORT`): a bare ASGI app under uvicorn
  (uvloop + httptools) that answers at once with fixed bytes: Gemini Interactions
  (POST /{v}/interactions, JSON or SSE) and OpenAI Chat Completions (POST /v1/chat/completions,
  JSON or SSE), pinned to core 1;
* Parley (`parley --config`, 1 worker, SQLite store) and LiteLLM's proxy
  (`.venv-litellm/bin/litellm --config`, see scripts/litellm_env.sh), each pinned to core 0, one at
  a time, with the same two model entries (gemini/ and openai/ with api_base → the fake);

and measures, for JSON and streaming requests on both upstream kinds:
* latency (median, p99) at concurrency 1 and the latency added over calling the fake directly;
* throughput (req/s) at concurrency 1, 16 and 64 (wrk: HTTP/1.1 keep-alive, one thread pinned to
  core 1, or core 0 when the target is the fake itself; a Lua script sets the POST body);
* time to first event of a stream (a Python client reading the raw socket, 200 sequential requests);
* peak RSS of the server's process tree (sampled from /proc every 50 ms);
* Parley again with `"store": false` in the body, for the SQLite store's share of the cost.

Needs `wrk` (Debian: apt-get install wrk) and .venv-litellm (scripts/litellm_env.sh install).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
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
    if path.endswith("/interactions"):
        payload, sse = INTERACTION, INTERACTION_SSE
    elif path.endswith("/chat/completions"):
        payload, sse = CHAT, CHAT_SSE
    else:
        payload, sse, stream = NOT_FOUND, b"", False
        print(f"fast upstream: 404 {scope['method']} {path}", file=sys.stderr)
    status = 404 if payload is NOT_FOUND else 200
    content_type = b"text/event-stream" if stream else b"application/json"
    out = sse if stream else payload
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(out)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": out})


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(core: str, argv: list[str]) -> list[str]:
    return (["taskset", "-c", core] if shutil.which("taskset") else []) + argv


def wait_port(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {proc.args} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise SystemExit(f"bench: port {port} did not open in {seconds:.0f} s")


def tree_rss(pid: int) -> int:
    """RSS in bytes of pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


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
        wait_port(port, self.proc)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, tree_rss(self.proc.pid))
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
    name: str  # direct | parley | litellm
    upstream: str  # gemini | chat
    url: str
    path: str
    model: str
    store: bool = True

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


def wrk(target: Target, stream: bool, connections: int, seconds: float, tmp: Path) -> dict:
    script = tmp / "post.lua"
    script.write_text(LUA % (json.dumps(target.body(stream)), KEY, KEY))
    core = GATEWAY_CORE if target.name == "direct" else HELPER_CORE
    argv = pinned(
        core,
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            target.url + target.path,
        ],
    )
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next((line for line in out.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"bench: wrk gave no result for {target.name}:\n{out}")
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def first_event_times(target: Target, count: int) -> list[float]:
    """Seconds from sending a streaming request to receiving the first `data:` bytes (raw socket,
    so the client adds next to nothing), sequentially, on one keep-alive connection per request."""
    body = json.dumps(target.body(stream=True)).encode()
    request = (
        f"POST {target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"x-goog-api-key: {KEY}\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    port = int(target.url.rsplit(":", 1)[1])
    times = []
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", port)) as sock:
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


# ------------------------------------------------------------------ configs


def gateway_config(upstream_url: str, db: str | None) -> str:
    text = (
        "model_list:\n"
        "  - model_name: fast-gemini\n"
        "    litellm_params:\n"
        "      model: gemini/gemini-fast\n"
        f"      api_base: {upstream_url}\n"
        "      api_key: upstream-key\n"
        "  - model_name: fast-chat\n"
        "    litellm_params:\n"
        "      model: deepseek/fast\n"
        f"      api_base: {upstream_url}/v1\n"
        "      api_key: upstream-key\n"
        "general_settings:\n"
        f"  master_key: {KEY}\n"
    )
    if db:
        text += f"  database_url: sqlite:///{db}\n"
    return text


# ------------------------------------------------------------------ report


@dataclass
class Results:
    runs: dict = field(default_factory=dict)  # (target, upstream, kind, conc) -> wrk result
    ttfe: dict = field(default_factory=dict)  # (target, upstream) -> [seconds]
    rss: dict = field(default_factory=dict)  # target -> bytes


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
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, Linux {platform.release()}, CPython {platform.python_version()}"
    )


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
        out.append(f"litellm[proxy] {v}")
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    out.append((wrk_v.stdout or wrk_v.stderr).split("[")[0].strip() or "wrk")
    return ", ".join(out)


def report(res: Results, args, command: str, concurrencies: list[int]) -> str:
    targets = [
        t for t in ("direct", "parley", "parley-nostore", "litellm") if any(k[0] == t for k in res.runs)
    ]
    lines = [
        "# Benchmarks: Parley vs LiteLLM proxy vs calling the upstream directly",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime())}.",
        "",
        f"* Machine: {machine()}.",
        f"* Software: {versions()}.",
        "* Upstream: the fast fake in scripts/bench.py (bare ASGI app, uvicorn + uvloop + httptools, fixed bytes),"
        f" pinned to core {HELPER_CORE}. `gemini` = Interactions API (passed through by both gateways); `chat` ="
        " OpenAI Chat Completions (both gateways translate Interactions ⇄ Chat).",
        f"* Gateways, one at a time, pinned to core {GATEWAY_CORE}, 1 process each: Parley (`parley --config`,"
        " SQLite store, `validate_responses` false) and LiteLLM (`litellm --config`, no database), same model list.",
        f"* Load: wrk 1 thread, keep-alive, {args.duration:g} s per cell, pinned to core {HELPER_CORE}"
        f" (core {GATEWAY_CORE} for direct runs); body set by a Lua script. Latency = wrk's per-request latency"
        " (for streams: until the last byte). Time to first event: a raw-socket Python client, "
        f"{args.ttfe} sequential streaming requests, from send to the first `data:` bytes.",
        '* `parley-nostore` = Parley with `"store": false` in the request body (no SQLite row).',
        "",
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
                added50 = _ms(one["p50_us"] - direct["p50_us"]) if direct and t != "direct" else "–"
                added99 = _ms(one["p99_us"] - direct["p99_us"]) if direct and t != "direct" else "–"
                rps = [res.runs.get((t, upstream, kind, c), {}).get("rps") for c in concurrencies]
                errors = sum(
                    res.runs.get((t, upstream, kind, c), {}).get(k, 0)
                    for c in concurrencies
                    for k in ("errors", "non2xx")
                )
                lines.append(
                    f"| {t} | {_ms(one['p50_us'])} | {_ms(one['p99_us'])} | {added50} | {added99} | "
                    + " | ".join(f"{r:,.0f}" if r else "–" for r in rps)
                    + f" | {errors} |"
                )
            lines.append("")
    lines += [
        "## Time to first event (streams, c=1)",
        "",
        "| target | upstream | median ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for (t, upstream), times in sorted(res.ttfe.items()):
        times = sorted(times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        lines.append(f"| {t} | {upstream} | {statistics.median(times) * 1000:.2f} | {p99 * 1000:.2f} |")
    lines += [
        "",
        "## Peak memory (RSS of the server's process tree, whole run)",
        "",
        "| target | peak RSS MiB |",
        "|---|---|",
    ]
    for t, rss in res.rss.items():
        lines.append(f"| {t} | {rss / 1024 / 1024:.0f} |")

    # ratios
    def rps(t, up, kind, c):
        return res.runs.get((t, up, kind, c), {}).get("rps")

    def p50(t, up, kind):
        return res.runs.get((t, up, kind, 1), {}).get("p50_us")

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
                    f"| {upstream} | {kind} | req/s c={c} | {_ratio(rps('parley', upstream, kind, c), rps('litellm', upstream, kind, c))}"
                    f" | {_ratio(rps('parley', upstream, kind, c), rps('direct', upstream, kind, c))} |"
                )
            lines.append(
                f"| {upstream} | {kind} | p50 latency c=1 | {_ratio(p50('parley', upstream, kind), p50('litellm', upstream, kind))}"
                f" | {_ratio(p50('parley', upstream, kind), p50('direct', upstream, kind))} |"
            )
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4, help="seconds per wrk cell (default 4)")
    parser.add_argument("--ttfe", type=int, default=200, help="streaming requests for time to first event")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--skip-litellm", action="store_true")
    parser.add_argument("--only", choices=["gemini", "chat"], help="one upstream kind only")
    parser.add_argument("--serve-upstream", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

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
        )
        return 0

    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is not installed (apt-get install -y wrk)")
    if not args.skip_litellm and not LITELLM.exists():
        subprocess.run(["bash", str(ROOT / "scripts/litellm_env.sh"), "install"], check=True)
    command = (
        "make bench" if not argv and len(sys.argv) == 1 else "scripts/bench.py " + " ".join(sys.argv[1:])
    )
    concurrencies = [1, 16, 64]
    upstreams = [args.only] if args.only else ["gemini", "chat"]
    res = Results()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp_name:
        tmp = Path(tmp_name)
        up_port = free_port()
        upstream = Server(
            "upstream",
            pinned(HELPER_CORE, [sys.executable, __file__, "--serve-upstream", str(up_port)]),
            up_port,
        )
        up_url = f"http://127.0.0.1:{up_port}"
        try:

            def measure(name: str, url: str, store: bool = True, ttfe: bool = True) -> None:
                for up in upstreams:
                    if name == "direct":
                        target = Target(
                            name,
                            up,
                            url,
                            "/v1beta/interactions" if up == "gemini" else "/v1/chat/completions",
                            "gemini-fast" if up == "gemini" else "fast",
                        )
                    else:
                        target = Target(name, up, url, "/v1beta/interactions", f"fast-{up}", store)
                    for kind in ("json", "stream"):
                        wrk(target, kind == "stream", 16, 1, tmp)  # warm-up
                        for c in concurrencies:
                            r = wrk(target, kind == "stream", c, args.duration, tmp)
                            res.runs[(name, up, kind, c)] = r
                            print(
                                f"{name:15} {up:6} {kind:6} c={c:<3} {r['rps']:9,.0f} req/s  p50 {_ms(r['p50_us'])} ms"
                                f"  p99 {_ms(r['p99_us'])} ms  errors {r['errors'] + r['non2xx']}",
                                flush=True,
                            )
                    if ttfe:
                        res.ttfe[(name, up)] = first_event_times(target, args.ttfe)

            measure("direct", up_url)
            res.rss["direct"] = upstream.peak_rss

            (tmp / "parley.yaml").write_text(gateway_config(up_url, str(tmp / "parley.db")))
            port = free_port()
            parley = Server(
                "parley",
                pinned(
                    GATEWAY_CORE,
                    [
                        str(ROOT / ".venv/bin/parley"),
                        "--config",
                        str(tmp / "parley.yaml"),
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                    ],
                ),
                port,
                cwd=tmp,
            )
            try:
                measure("parley", f"http://127.0.0.1:{port}")
                measure("parley-nostore", f"http://127.0.0.1:{port}", store=False, ttfe=False)
            finally:
                parley.stop()
            res.rss["parley"] = parley.peak_rss

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
                    measure("litellm", f"http://127.0.0.1:{port}")
                finally:
                    litellm.stop()
                res.rss["litellm"] = litellm.peak_rss
        finally:
            upstream.stop()
    text = report(res, args, command, concurrencies)
    out = Path(args.out)
    # Hand-written reading of the numbers lives after NOTES in the same file and survives re-runs.
    if out.exists() and NOTES in out.read_text():
        text = text.rstrip("\n") + "\n\n" + NOTES + out.read_text().split(NOTES, 1)[1]
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
