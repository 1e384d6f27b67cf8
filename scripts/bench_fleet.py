#!/usr/bin/env python
"""`make bench`, second part: Parley as a fleet. Throughput of 1, 2 and 4 workers
(`parley --workers N`) against the same fast fake upstream (scripts/bench.py's), with and without
Redis for the shared router state, as a ratio to one worker without Redis.

    scripts/bench_fleet.py [--duration 4] [--connections 64] [--workers 1,2,4] [--out docs/benchmarks.md]

Requests are Gemini-upstream JSON creates with `"store": false`, so the numbers are the gateway's and
the router's (no database write). Redis is a throwaway `redis-server` (scripts/redis.sh). The table
replaces the "Fleet" section of --out (between its markers), or is appended to it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subprocess  # noqa: E402

from bench import KEY, ROOT, Server, Target, free_port, gateway_config, machine, wrk  # noqa: E402

START, END = "<!-- fleet: start (scripts/bench_fleet.py) -->", "<!-- fleet: end -->"


def redis_start(tmp: Path) -> tuple[Path, int]:
    port = free_port()
    subprocess.run(
        ["bash", str(ROOT / "scripts/redis.sh"), "start", str(tmp / "redis"), str(port)], check=True
    )
    return tmp / "redis", port


def ready(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/readiness", timeout=5) as r:
                if r.status == 200:
                    return
        time.sleep(0.2)
    raise SystemExit(f"bench_fleet: parley on port {port} not ready in {seconds:.0f} s")


def warm(port: int, workers: int, seconds: float = 180) -> None:
    """Until every worker has started and answered its first (slow) requests: a worker still
    starting, or warming up, holds the connections it accepted and stalls a short wrk cell."""
    body = json.dumps({"model": "fast-gemini", "input": "hi", "store": False}).encode()
    headers = {"content-type": "application/json", "x-goog-api-key": KEY, "connection": "close"}
    deadline, fast = time.monotonic() + seconds, 0
    while fast < 8 * workers:  # new connections, so they spread over the workers
        if time.monotonic() > deadline:
            raise SystemExit(f"bench_fleet: {workers} workers on port {port} not warm in {seconds:.0f} s")
        started = time.monotonic()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1beta/interactions", data=body, headers=headers
        )
        ok = False
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=30) as r:
            ok = r.status == 200 and bool(r.read())
        fast = fast + 1 if ok and time.monotonic() - started < 0.5 else 0


def run(args: argparse.Namespace) -> dict[tuple[int, bool], dict]:
    results: dict[tuple[int, bool], dict] = {}
    with tempfile.TemporaryDirectory(prefix="parley-fleet-bench-") as name:
        tmp = Path(name)
        up_port = free_port()
        upstream = Server(
            "fleet-upstream",
            [sys.executable, str(ROOT / "scripts/bench.py"), "--serve-upstream", str(up_port)],
            up_port,
        )
        redis_dir, redis_port = redis_start(tmp)
        try:
            base = gateway_config(f"http://127.0.0.1:{up_port}", str(tmp / "parley.db"))
            for redis in (False, True):
                config = tmp / f"parley-{'redis' if redis else 'local'}.yaml"
                text = base
                if redis:
                    text += f"router_settings:\n  redis_url: redis://127.0.0.1:{redis_port}/0\n"
                config.write_text(text)
                for workers in args.workers:
                    port = free_port()
                    server = Server(
                        f"fleet-{workers}-{redis}",
                        [str(ROOT / ".venv/bin/parley"), "--config", str(config), "--port", str(port)]
                        + ["--workers", str(workers), "--log-level", "warning"],
                        port,
                        cwd=tmp,
                    )
                    try:
                        ready(port)
                        warm(port, workers)
                        target = Target("parley", "gemini", f"http://127.0.0.1:{port}", store=False)
                        wrk(target, False, args.connections, 2, tmp)  # warm-up: every worker's first requests
                        r = wrk(target, False, args.connections, args.duration, tmp)
                        results[(workers, redis)] = r
                        print(
                            f"workers={workers} redis={'yes' if redis else 'no ':3} {r['rps']:8,.0f} req/s"
                            f"  p50 {r['p50_us'] / 1000:.1f} ms  p99 {r['p99_us'] / 1000:.1f} ms"
                            f"  errors {r['errors'] + r['non2xx']}",
                            flush=True,
                        )
                    finally:
                        server.stop()
        finally:
            subprocess.run(["bash", str(ROOT / "scripts/redis.sh"), "stop", str(redis_dir)], check=False)
            upstream.stop()
    return results


def report(results: dict[tuple[int, bool], dict], args: argparse.Namespace, command: str) -> str:
    one = results.get((1, False))
    lines = [
        START,
        "## Fleet: workers and shared router state",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime())}; {machine()}.",
        f'Gemini JSON creates with `"store": false`, wrk 1 thread, {args.connections} connections,'
        f" {args.duration:g} s per cell, nothing pinned. Ratio = req/s over 1 worker without Redis.",
        "",
        "| workers | Redis | req/s | ratio | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for redis in (False, True):
        for workers in args.workers:
            r = results.get((workers, redis))
            if r is None:
                continue
            ratio = f"{r['rps'] / one['rps']:.2f}" if one else "–"
            lines.append(
                f"| {workers} | {'yes' if redis else 'no'} | {r['rps']:,.0f} | {ratio} | {r['p50_us'] / 1000:.1f}"
                f" | {r['p99_us'] / 1000:.1f} | {r['errors'] + r['non2xx']} |"
            )
    lines += ["", END]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4, help="seconds per wrk cell (default 4)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    args.workers = [int(w) for w in args.workers.split(",")]
    command = "make bench" if len(sys.argv) == 1 else "scripts/bench_fleet.py " + " ".join(sys.argv[1:])
    section = report(run(args), args, command)
    out = Path(args.out)
    text = out.read_text() if out.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    out.write_text(text)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
