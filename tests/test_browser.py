"""/docs and /admin in a real headless Chromium (Debian's, driven by Playwright; no browser is
downloaded). Screenshots go to the test's temp dir, and to $PARLEY_SCREENSHOTS (`make screenshots`
sets docs/) when it is set."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import MASTER_KEY, gemini_config

CHROMIUM = "/usr/bin/chromium"  # installed by `make test` (scripts/chromium.sh)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _close_upstream_pool():
    """conftest's async version cannot run here: Playwright's sync API keeps its own event loop
    running in this thread. These tests make no upstream calls in the test's loop anyway (the
    gateways run in their own threads)."""
    yield


@pytest.fixture(scope="module")
def gateway(gateway_factory, gemini_upstream):
    config = gemini_config(gemini_upstream.url)
    # A deployment with no known price: the overview says its requests are not in the spend.
    config["model_list"].append(
        {
            "model_name": "unpriced",
            "litellm_params": {"model": "gemini/no-such-model-x", "api_base": gemini_upstream.url},
        }
    )
    return gateway_factory(config)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1360, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    page.close()


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    if target := os.environ.get("PARLEY_SCREENSHOTS"):
        shutil.copy(path, Path(target) / name)


def test_docs_render_the_openapi_31_spec_and_try_it_out_works(gateway, page, tmp_path):
    page.goto(f"{gateway.url}/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    content = page.content()
    assert "Unable to render this definition" not in content
    summaries = page.locator(".opblock-summary-description").all_inner_texts()
    for expected in ("Create an interaction", "Issue a virtual key", "Liveness probe"):
        assert expected in summaries
    assert page.locator(".opblock").count() >= 15
    expect(page.locator("button.authorize").first).to_be_visible()

    # Authorize with the master key (x-goog-api-key), then "Try it out" on GET /key/list.
    page.locator("button.authorize").first.click()
    modal = page.locator(".modal-ux")
    modal.locator("input[type=text], input[type=password]").first.fill(MASTER_KEY)
    modal.locator("button.modal-btn.authorize").first.click()
    modal.locator("button.btn-done").first.click()
    operation = page.locator("#operations-admin-listKeys")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200", timeout=30_000)
    page.locator("#operations-admin-listKeys .opblock-summary").click()  # fold it for the screenshot
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, tmp_path, "docs-page.png")
    assert page.errors == []


def test_admin_page_keys_spend_and_revocation(gateway, page, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())  # the "Revoke?" confirmation
    page.goto(f"{gateway.url}/admin")
    page.fill("#login-key", "wrong-key")
    page.click("#login-btn")
    expect(page.locator("#login-error")).not_to_be_empty()
    page.fill("#login-key", MASTER_KEY)
    page.click("#login-btn")
    expect(page.locator("#app")).to_be_visible()

    # Create a key with a budget.
    page.click("nav a[data-tab=keys]")
    page.fill("#new-key-alias", "browser-test")
    page.fill("#new-key-models", "gemini-fake")
    page.fill("#new-key-budget", "5")
    page.select_option("#new-key-window", "30d")
    page.click("#create-key-btn")
    expect(page.locator("#new-key-value")).to_have_text(re.compile(r"^sk-\S{20,}$"))
    key = page.locator("#new-key-value").inner_text()

    # Use it, then see the requests with their cost on the overview and the key's spend.
    with httpx.Client(base_url=gateway.url, headers={"x-goog-api-key": key}, timeout=60) as client:
        for text in ("first", "second"):
            created = client.post("/v1/interactions", json={"model": "gemini-fake", "input": text})
            assert created.status_code == 200
    unpriced = httpx.post(
        f"{gateway.url}/v1/interactions",
        json={"model": "unpriced", "input": "no price"},
        headers={"x-goog-api-key": MASTER_KEY},
        timeout=60,
    )
    assert unpriced.status_code == 200 and "x-parley-response-cost" not in unpriced.headers
    # Spend rows are written right after the answers: wait for both before reloading the page.
    admin = {"x-goog-api-key": MASTER_KEY}
    deadline = time.monotonic() + 15
    while len(httpx.get(f"{gateway.url}/spend/logs", params={"api_key": key}, headers=admin).json()) < 2:
        assert time.monotonic() < deadline, "spend rows not written"
        time.sleep(0.1)
    page.reload()
    page.click("nav a[data-tab=overview]")
    rows = page.locator("#requests-table tbody tr", has_text="browser-test")
    expect(rows).to_have_count(2, timeout=15_000)
    cost = rows.first.locator("td.cost").inner_text()
    assert cost.startswith("$") and cost != "$0", cost
    expect(page.locator("#stat-spend-today")).to_contain_text("· 1 unpriced in 30 days, not counted")
    unpriced_row = page.locator("#chart-models > div", has_text="unpriced")
    expect(unpriced_row.locator(".model-spend")).to_have_text("unknown")  # not "$0"
    expect(page.locator("#chart-days svg rect").first).to_be_attached()
    expect(page.locator("#chart-models")).to_contain_text("gemini-fake")
    # A model has one colour in both charts and the legend.
    legend = (
        page.locator("#legend-days span", has_text="gemini-fake")
        .locator("i")
        .evaluate("i => i.style.background")
    )
    bar = page.locator("#chart-days svg rect").first.get_attribute("fill")
    model_bar = page.locator("#chart-models .bar div").first.evaluate("d => d.style.background")
    assert legend and page.evaluate(
        "([a, b]) => { const s = new Option().style; s.color = a; const x = s.color; s.color = b; return x === s.color; }",
        [legend, bar],
    )
    assert legend == model_bar, (legend, model_bar)

    # Open one: its steps.
    rows.first.click()
    expect(page.locator("#ix-body .step")).to_have_count(2)
    expect(page.locator("#ix-body")).to_contain_text("Hello from the fake upstream.")
    page.click("#ix-close")
    screenshot(page, tmp_path, "admin-overview.png")

    page.click("nav a[data-tab=keys]")
    row = page.locator("#keys-table tbody tr", has_text="browser-test")
    expect(row).to_have_count(1)
    spend = row.locator("td.spend").inner_text()
    assert spend.startswith("$") and spend != "$0", spend
    page.locator("#new-key-box").evaluate("box => box.style.display = 'none'")  # no key in the picture
    screenshot(page, tmp_path, "admin-keys.png")

    # Revoke it: the next request is refused.
    row.locator("button[data-revoke]").click()
    expect(page.locator("#keys-table tbody tr", has_text="browser-test")).to_have_count(0)
    refused = httpx.post(
        f"{gateway.url}/v1/interactions",
        json={"model": "gemini-fake", "input": "third"},
        headers={"x-goog-api-key": key},
    )
    assert refused.status_code == 401

    page.click("nav a[data-tab=deployments]")
    expect(page.locator("#deployments-table tbody tr", has_text="gemini-fake")).to_contain_text("healthy")
    assert page.errors == []
