"""``/docs`` in a real headless browser (Debian's chromium, driven by Playwright): the page
renders from the server's own assets (any other request is blocked and fails the test),
lists the operations, and "Try it out" on a model's ``:predict`` scores a revision of the
embedded wiki with the probabilities a direct POST gets (the score cache is off, so each is
scored).

``API_DOCS_SCREENSHOT=/path/to/file.png`` also saves the screenshot there (the README's
``docs/api-docs.png`` is made that way).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from .support import SERVICE_DIR
from playwright.sync_api import Page, Route, sync_playwright

from inference_testing.harness import ServerProcess, serving
from revscoring_server.model_types import MODEL_TYPES, check_output

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MODELS = ("enwiki-damaging", "enwiki-goodfaith", "wikidatawiki-itemquality")


@pytest.fixture(scope="module")
def server(models_dir: Any, wiki_url: str) -> Iterator[ServerProcess]:
    with serving(
        "revscoring_server",
        SERVICE_DIR,
        ready_path="/v1/models/enwiki-damaging",
        models_dir=models_dir(*MODELS),
        wiki_url=wiki_url,
        log_level="WARNING",
        # no score cache: the browser's request and the test's own are each scored, so
        # comparing them compares two scorings, not one cache entry with itself
        score_cache_size=0,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def page(server: ServerProcess) -> Iterator[tuple[Page, list[str]]]:
    """A browser page that may only reach the server: the other requests it tried."""
    assert Path(CHROMIUM).is_file(), "chromium is not installed (system-packages.txt)"
    blocked: list[str] = []

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(server.url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.route("**/*", only_the_server)
            yield context.new_page(), blocked
        finally:
            browser.close()


def test_docs_render_every_operation_from_local_assets(
    server: ServerProcess, page: tuple[Page, list[str]]
) -> None:
    tab, blocked = page
    response = tab.goto(server.url + "/docs")
    assert response is not None and response.status == 200
    tab.locator(".opblock").first.wait_for(timeout=30_000)
    paths = set(tab.locator(".opblock-summary-path").all_inner_texts())
    paths = {path.replace("\u200b", "") for path in paths}  # Swagger UI's word breaks
    for name in MODELS:
        assert f"/v1/models/{name}:predict" in paths
    assert "/v1/models/{model_name}:predict" not in paths  # replaced by the models' own
    for path in (
        "/v3/scores/",
        "/v3/scores/{wiki}/",
        "/v3/scores/{wiki}/{rev_id}/",
        "/v3/scores/{wiki}/{rev_id}/{model}/",
        "/v3/precache",
        "/v2/health/ready",
    ):
        assert path in paths, sorted(paths)
    assert (
        tab.locator(".information-container .title").inner_text().startswith("inference-services: ")
    )
    assert tab.locator(".errors-wrapper").count() == 0  # Swagger UI found no schema error
    assert blocked == []


def test_try_it_out_scores_a_revision_of_the_embedded_wiki(
    server: ServerProcess, page: tuple[Page, list[str]], seed: dict[str, Any]
) -> None:
    tab, blocked = page
    tab.goto(server.url + "/docs")
    operation = tab.locator("#operations-predict-predict_enwiki_damaging")
    operation.locator(".opblock-summary").click()
    operation.locator(".opblock-body").wait_for(timeout=30_000)
    # the documented example and response schema
    assert '"rev_id": 123456' in operation.locator(".body-param__example").inner_text()
    responses = operation.locator(".responses-wrapper").inner_text()
    assert '"probability": {' in responses and '"error": {' in responses
    operation.locator("button.try-out__btn").click()
    rev_id = seed["revisions"]["vandalism"]
    operation.locator("textarea.body-param__text").fill(json.dumps({"rev_id": rev_id}))
    operation.locator("button.execute").click()
    live = operation.locator(".live-responses-table .response")
    live.locator(".response-col_status").wait_for(timeout=60_000)
    assert live.locator(".response-col_status").inner_text().strip() == "200"
    shown = json.loads(live.locator(".response-col_description pre").first.inner_text())
    expected = httpx.post(
        f"{server.url}/v1/models/enwiki-damaging:predict", json={"rev_id": rev_id}, timeout=60
    ).json()
    result = shown["enwiki"]["scores"][str(rev_id)]["damaging"]
    check_output(MODEL_TYPES["damaging"], result["score"])
    # the probabilities the browser shows are the ones the server computes for the revision
    probability = result["score"]["probability"]
    assert (
        probability == expected["enwiki"]["scores"][str(rev_id)]["damaging"]["score"]["probability"]
    )
    assert 0 < probability["true"] < 1 and probability["true"] + probability["false"] == (
        pytest.approx(1)
    )
    assert shown == expected
    assert tab.locator(".errors-wrapper").count() == 0  # its schemas resolved
    assert blocked == []
    # the operation from its title down to the live response (the score)
    top = operation.bounding_box()
    bottom = live.bounding_box()
    assert top is not None and bottom is not None
    scrolled = tab.evaluate("[window.scrollX, window.scrollY]")  # boxes are in the viewport
    clip = {
        "x": top["x"] + scrolled[0],
        "y": top["y"] + scrolled[1],
        "width": top["width"],
        "height": bottom["y"] + bottom["height"] - top["y"],
    }
    png = tab.screenshot(full_page=True, clip=clip)
    assert png.startswith(b"\x89PNG")
    target = os.environ.get("API_DOCS_SCREENSHOT")
    if target:
        Path(target).write_bytes(png)


def test_the_issue_curl_line_over_a_real_socket(
    server: ServerProcess, seed: dict[str, Any]
) -> None:
    """``curl 'localhost:8080/v3/scores/enwiki/671?models=damaging|goodfaith'`` printed
    nothing: the server answered 307 to a URL naming its own host."""
    rev_id = seed["revisions"]["good_edit"]
    for path in (f"/v3/scores/enwiki/{rev_id}", f"/v3/scores/enwiki/{rev_id}/"):
        response = httpx.get(
            f"{server.url}{path}?models=damaging|goodfaith", timeout=60, follow_redirects=False
        )
        assert response.status_code == 200, (response.status_code, response.headers)
        scores = response.json()["enwiki"]["scores"][str(rev_id)]
        assert sorted(scores) == ["damaging", "goodfaith"]
