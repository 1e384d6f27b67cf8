"""`parley contract`'s runner in-process: the table comes first, FAIL lines say what was expected and
what came back, tracebacks only with --verbose, "not supported" for routes a server does not serve,
and the exit status is 0 only when everything passed."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parley.cli import main as parley_main
from parley.contract import runner
from parley.contract.checks import CHECKS, Target
from tests.conftest import MASTER_KEY
from tests.contract.conftest import SCRIPTED
from tests.fakes.server import serve


def test_all_pass_with_the_key_in_either_header(gateway, gemini_upstream):
    script = lambda kind: gemini_upstream.upstream.replies.append(SCRIPTED[kind]())  # noqa: E731
    for auth in ("x-goog-api-key", "bearer"):
        report = runner.run(Target(gateway.url, MASTER_KEY, "gemini-fake", auth=auth, script=script))
        assert report.passed, report.tables("results")
        assert "| `step.delta` |" in report.tables("t") and f"Totals: {len(CHECKS)} pass" in report.tables(
            "t"
        )


def test_failures_are_one_line_each_and_tracebacks_need_verbose(gateway, capsys):
    args = ["contract", "--base-url", gateway.url, "--api-key", "sk-wrong", "--model", "gemini-fake"]
    assert parley_main(args) == 1
    quiet = capsys.readouterr()
    assert quiet.out.startswith("### Contract results") and "Traceback" not in quiet.out + quiet.err
    create = next(line for line in quiet.out.splitlines() if "| JSON answer |" in line)
    assert "| FAIL | expected HTTP 200; got HTTP 401: " in create and '"code":"unauthenticated"' in create

    assert parley_main([*args, "--verbose"]) == 1
    verbose = capsys.readouterr()
    assert verbose.out.startswith("### Contract results") and "Traceback" in verbose.err
    assert "Mismatch: expected HTTP 200; got HTTP 401" in verbose.err


def test_routes_a_server_lacks_are_not_supported(capsys):
    async def not_found(request):
        return PlainTextResponse("Not Found", status_code=404)

    app = Starlette(routes=[Route("/{path:path}", not_found, methods=["GET", "POST", "DELETE"])])
    with serve(app) as server:
        code = runner.main(["--base-url", server.url, "--model", "m", "--auth", "bearer"])
    out = capsys.readouterr().out
    assert code == 1
    rows = [line for line in out.splitlines() if "| not supported |" in line]
    assert len(rows) == len(CHECKS) and f"Totals: {len(CHECKS)} not supported" in out
    assert "POST /v1beta/interactions → 404" in rows[0]
