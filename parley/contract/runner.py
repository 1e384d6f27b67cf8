"""`parley contract`: grade a running Interactions implementation and print a feature table.

    parley contract --base-url URL --api-key KEY --model NAME [--auth x-goog-api-key|bearer]
                    [--title T] [--markdown FILE] [--drop-nulls] [--verbose]

Runs every check of parley.contract.checks against URL and prints three tables: one row per endpoint
feature, one per SSE event type seen, and the totals. A row is

* `pass`;
* `FAIL` with what was expected and what came back, on one line (`ERROR` when the check itself broke,
  e.g. the connection failed);
* `not supported` when it failed on a route the server does not serve: 405 or 501, a 404 on create, or
  a 404 whose body is not an `{"error": {...}}` object (a framework's "Not Found" rather than the API's
  "no such interaction").

Tracebacks are printed (after the tables) only with --verbose. Exit status 0 only when every row
passed, 1 otherwise, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from parley.contract.checks import CHECKS, Check, Target
from parley.contract.spec import errors_for, parse_sse, spec

__all__ = ["Report", "main", "run"]


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Row:
    check: Check
    result: str = "pass"
    detail: str = ""
    error: BaseException | None = None
    exchanges: list[Exchange] = field(default_factory=list)


@dataclass
class EventStats:
    seen: int = 0
    invalid: int = 0
    first_problem: str = ""


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _strip_nulls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_strip_nulls(v) for v in node]
    return node


def _without_nulls(response: httpx.Response) -> httpx.Response:
    """--drop-nulls: the JSON body with every `null` member removed (what a lenient client sees)."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response
    try:
        body = json.loads(response.content)
    except ValueError:
        return response
    headers = [(k, v) for k, v in response.headers.items() if k not in ("content-length", "content-encoding")]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=json.dumps(_strip_nulls(body)).encode(),
        request=response.request,
    )


def _unsupported(exchange: Exchange) -> bool:
    if exchange.status in (405, 501):
        return True
    if exchange.status != 404:
        return False
    if exchange.method == "POST" and exchange.path.rstrip("/").endswith("/interactions"):
        return True  # create itself is not routed
    try:
        body = json.loads(exchange.body)
    except ValueError:
        return True
    return not (isinstance(body, dict) and isinstance(body.get("error"), dict))


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    events: dict[str, EventStats] = field(default_factory=dict)
    drop_nulls: bool = False
    current: Row | None = None

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(row.result == "pass" for row in self.rows)

    def observe(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if self.drop_nulls:
            response = _without_nulls(response)
        if self.current is not None:
            self.current.exchanges.append(
                Exchange(
                    request.method,
                    request.url.path,
                    response.status_code,
                    response.headers.get("content-type", ""),
                    response.content,
                )
            )
        return response

    def record(self, row: Row, error: BaseException | None) -> None:
        row.error = error
        if error is not None:
            off_route = next((x for x in row.exchanges if _unsupported(x)), None)
            if off_route is not None:
                row.result, row.detail = (
                    "not supported",
                    f"{off_route.method} {off_route.path} → {off_route.status}",
                )
            elif isinstance(error, AssertionError):
                row.result, row.detail = "FAIL", _one_line(str(error) or type(error).__name__)
            else:
                row.result, row.detail = "ERROR", _one_line(f"{type(error).__name__}: {error}")
        self._count_events(row)

    def _count_events(self, row: Row) -> None:
        for exchange in row.exchanges:
            if exchange.status != 200 or not exchange.content_type.startswith("text/event-stream"):
                continue
            try:
                events = parse_sse(exchange.body.decode("utf-8", "replace"))
            except AssertionError:
                continue  # a framing problem is the check's own failure
            for event in events:
                stats = self.events.setdefault(str(event.get("event_type")), EventStats())
                stats.seen += 1
                problems = errors_for("InteractionSSEEvent", event)
                if problems:
                    stats.invalid += 1
                    stats.first_problem = stats.first_problem or _one_line(problems[0], 110)

    def tables(self, title: str) -> str:
        out = [f"### {title}", "", "| endpoint | feature | result | first mismatch |", "|---|---|---|---|"]
        for row in self.rows:
            detail = row.detail.replace("|", "\\|")
            out.append(f"| `{row.check.endpoint}` | {row.check.feature} | {row.result} | {detail} |")
        mapping = spec()["components"]["schemas"]["InteractionSSEEvent"].get("discriminator", {})
        kinds = list(mapping.get("mapping", {})) or sorted(self.events)
        out += ["", "| SSE event type | seen | result | first problem |", "|---|---|---|---|"]
        for kind in [*kinds, *sorted(set(self.events) - set(kinds))]:
            stats = self.events.get(kind)
            if stats is None:
                out.append(f"| `{kind}` | 0 | not seen | |")
            elif stats.invalid:
                problem = stats.first_problem.replace("|", "\\|")
                out.append(f"| `{kind}` | {stats.seen} | FAIL ({stats.invalid} invalid) | {problem} |")
            else:
                out.append(f"| `{kind}` | {stats.seen} | pass | |")
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.result] = counts.get(row.result, 0) + 1
        out += ["", "Totals: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())), ""]
        return "\n".join(out)

    def tracebacks(self) -> str:
        parts = []
        for row in self.rows:
            if row.error is not None:
                parts.append(
                    f"--- {row.check.id}: {row.result}\n" + "".join(traceback.format_exception(row.error))
                )
        return "\n".join(parts)


def run(target: Target, checks: Sequence[Check] = CHECKS, drop_nulls: bool = False) -> Report:
    """Run `checks` against `target`, one row each; never raises for a failing check."""
    report = Report(drop_nulls=drop_nulls)
    target.observer = report.observe
    for check in checks:
        row = report.current = Row(check)
        report.rows.append(row)
        error: BaseException | None = None
        try:
            check.run(target)
        except Exception as exc:  # every failure is a row, never a crash of the run
            error = exc
        report.current = None
        report.record(row, error)
    return report


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley contract",
        description="Grade a running Gemini Interactions API implementation against Parley's contract suite.",
    )
    parser.add_argument("--base-url", required=True, help="the server, e.g. http://127.0.0.1:4000")
    parser.add_argument("--api-key", help="its API key")
    parser.add_argument(
        "--auth",
        choices=["x-goog-api-key", "bearer"],
        default="x-goog-api-key",
        help="how the key is sent: the x-goog-api-key header (default) or Authorization: Bearer",
    )
    parser.add_argument("--model", required=True, help="a model name the server answers")
    parser.add_argument("--title", help="table heading (default: the URL)")
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument(
        "--drop-nulls",
        action="store_true",
        help="remove null members from JSON answers before checking them (to look past that one "
        "mismatch; label such results as lenient)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failures")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    url = args.base_url.rstrip("/")
    target = Target(url, args.api_key, args.model, auth=args.auth, timeout=args.timeout)
    report = run(target, drop_nulls=args.drop_nulls)
    title = args.title or f"Contract results: {url}" + (" (--drop-nulls)" if args.drop_nulls else "")
    text = report.tables(title)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")
    if args.verbose and not report.passed:
        print(report.tracebacks(), file=sys.stderr)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
