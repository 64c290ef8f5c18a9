"""The pair against the embedded MediaWiki: the transformer fetches a real page's
outlinks and really calls the predictor (a subprocess) over HTTP."""

from __future__ import annotations

import sys
from typing import Any

import httpx
import pytest
from outlink_predictor_tools.train import ANCHORS
from outlink_transformer.outlinks import features_string, outlink_qids, resolve_page
from outlink_transformer.settings import TransformerSettings

from inference_common.errors import PageNotFound
from inference_common.http import HttpClient
from inference_common.mediawiki import MediaWikiClient, endpoint_for

from .support import NAME, PREDICT, SERVICE_DIR, Server, free_port, server_env


def pages(wiki: Any) -> dict[str, Any]:
    return wiki.seed["pages"]


@pytest.fixture
async def wiki_client(transformer_settings: TransformerSettings):
    shared = HttpClient.from_settings(transformer_settings)
    yield MediaWikiClient(shared), endpoint_for(transformer_settings, "en.wikipedia.org")
    await shared.close()


# -- the fetch ------------------------------------------------------------------------


async def test_outlinks_are_the_linked_pages_items(wiki_client, embedded_wiki) -> None:
    """Links in the main namespace, through redirects, without red links, pages without
    an item or other namespaces: exactly the manifest's expected ids."""
    client, endpoint = wiki_client
    outlinks = pages(embedded_wiki)["outlinks"]
    page = await resolve_page(client, endpoint, title=outlinks["title"])
    assert page.page_id == outlinks["page_id"]
    qids = await outlink_qids(client, endpoint, page.page_id, limit=1000)
    assert sorted(qids) == sorted(outlinks["expected_qids"])
    assert features_string(qids) == " ".join(
        sorted(outlinks["expected_qids"], key=lambda q: int(q[1:]))
    )
    assert outlinks["redirects"] and outlinks["missing_titles"]


async def test_continuation_and_limit(wiki_client, embedded_wiki) -> None:
    client, endpoint = wiki_client
    many = pages(embedded_wiki)["many_outlinks"]
    assert many["link_count"] > 500  # more than one API answer
    qids = await outlink_qids(client, endpoint, many["page_id"], limit=1000)
    assert sorted(qids) == sorted(many["expected_qids"])
    assert len(await outlink_qids(client, endpoint, many["page_id"], limit=100)) == 100


async def test_resolve_redirects_and_missing(wiki_client, embedded_wiki) -> None:
    client, endpoint = wiki_client
    redirect = pages(embedded_wiki)["redirect"]
    page = await resolve_page(client, endpoint, title=redirect["title"])
    assert (page.page_id, page.title) == (redirect["target_page_id"], redirect["target"])
    page = await resolve_page(client, endpoint, page_id=redirect["page_id"])
    assert page.page_id == redirect["target_page_id"]
    with pytest.raises(PageNotFound):
        await resolve_page(client, endpoint, title="No such page in this wiki")
    with pytest.raises(PageNotFound):
        await resolve_page(client, endpoint, title=pages(embedded_wiki)["deleted"]["title"])
    with pytest.raises(PageNotFound):
        await resolve_page(client, endpoint, page_id=987_654_321)


def test_training_vocabulary_covers_the_wikis_outlinks(embedded_wiki) -> None:
    for role in ("outlinks", "many_outlinks"):
        expected = pages(embedded_wiki)[role]["expected_qids"]
        assert set(expected) <= set(ANCHORS), role


# -- the transformer, calling the predictor over HTTP ----------------------------------


async def test_wings_of_fire(transformer_client: httpx.AsyncClient, embedded_wiki) -> None:
    outlinks = pages(embedded_wiki)["outlinks"]
    response = await transformer_client.post(
        PREDICT, json={"lang": "en", "page_title": outlinks["title"]}
    )
    assert response.status_code == 200, response.text
    prediction = response.json()["prediction"]
    assert prediction["article"] == "https://en.wikipedia.org/wiki/Wings_of_Fire_(novel_series)"
    topics = [result["topic"] for result in prediction["results"]]
    assert "Culture.Literature" in topics[:3]
    assert all(result["score"] >= 0.5 for result in prediction["results"])
    # The same as scoring the manifest's ids directly: the fetched features are those.
    direct = await transformer_client.post(
        PREDICT,
        json={
            "lang": "en",
            "page_title": outlinks["title"],
            "features_str": " ".join(outlinks["expected_qids"]),
        },
    )
    assert direct.content == response.content


async def test_by_page_id_and_through_a_redirect(transformer_client, embedded_wiki) -> None:
    outlinks = pages(embedded_wiki)["outlinks"]
    by_title = await transformer_client.post(
        PREDICT, json={"lang": "en", "page_title": outlinks["title"]}
    )
    by_id = await transformer_client.post(
        PREDICT, json={"lang": "en", "page_id": outlinks["page_id"]}
    )
    assert by_id.content == by_title.content
    redirect = pages(embedded_wiki)["redirect"]
    response = await transformer_client.post(
        PREDICT, json={"lang": "en", "page_title": redirect["title"], "debug": True}
    )
    prediction = response.json()["prediction"]
    assert prediction["article"] == "https://en.wikipedia.org/wiki/Tui_T._Sutherland"
    assert len(prediction["results"]) == 64


async def test_many_outlinks_page(transformer_client, embedded_wiki) -> None:
    many = pages(embedded_wiki)["many_outlinks"]
    response = await transformer_client.post(
        PREDICT, json={"lang": "en", "page_title": many["title"]}
    )
    assert response.status_code == 200
    topics = [result["topic"] for result in response.json()["prediction"]["results"]]
    assert set(topics[:2]) == {"STEM.STEM*", "STEM.Space"}  # minor planets


async def test_threshold_and_debug(transformer_client, embedded_wiki) -> None:
    title = pages(embedded_wiki)["outlinks"]["title"]
    everything = await transformer_client.post(
        PREDICT, json={"lang": "en", "page_title": title, "debug": True}
    )
    results = everything.json()["prediction"]["results"]
    assert len(results) == 64
    for threshold in (0.0, 0.1, 0.5, 0.9, 1.0):
        response = await transformer_client.post(
            PREDICT, json={"lang": "en", "page_title": title, "threshold": threshold}
        )
        assert response.json()["prediction"]["results"] == [
            r for r in results if r["score"] >= threshold
        ]


async def test_page_without_outlinks_is_200_empty(transformer_client, embedded_wiki) -> None:
    title = pages(embedded_wiki)["no_outlinks"]["title"]
    response = await transformer_client.post(PREDICT, json={"lang": "en", "page_title": title})
    assert response.status_code == 200
    assert response.json() == {
        "prediction": {
            "article": "https://en.wikipedia.org/wiki/Ploughman%27s_lunch",
            "results": [],
        }
    }


@pytest.mark.parametrize(
    "body",
    [
        {"lang": "en", "page_title": "No such page in this wiki"},
        {"lang": "en", "page_id": 987_654_321},
    ],
)
async def test_missing_page_is_404(transformer_client, body: dict) -> None:
    response = await transformer_client.post(PREDICT, json=body)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "PageNotFound"


@pytest.mark.parametrize(
    "body",
    [
        {"page_title": "Chess"},
        {"lang": "en"},
        {"lang": "en", "page_title": "Chess", "page_id": 1},
        {"lang": "xx", "page_title": "Chess"},
        {"lang": "en.wikipedia.org", "page_title": "Chess"},
        {"lang": "en", "page_title": "Chess|Danube"},
        {"lang": "en", "page_title": "Chess", "threshold": 2},
        {"lang": "en", "page_title": "Chess", "threshold": "0.5"},
    ],
)
async def test_bad_input_is_400(transformer_client, body: dict) -> None:
    response = await transformer_client.post(PREDICT, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidInput"


# -- both halves as subprocesses, started as by hand ----------------------------------


async def test_the_pair_as_two_processes(
    transformer_client, predictor_server: Server, embedded_wiki
) -> None:
    """The transformer started as KServe starts it (``--predictor_host``), talking to the
    predictor subprocess: the same bytes as the in-process transformer."""
    port = free_port()
    env = server_env(inference_name=NAME, http_port=port, wiki_url=embedded_wiki.base_url)
    transformer = Server(
        [sys.executable, "-m", "outlink_transformer", "--predictor_host", predictor_server.host],
        env,
        SERVICE_DIR / "transformer",
        port,
    ).start()
    try:
        body = {"lang": "en", "page_title": pages(embedded_wiki)["outlinks"]["title"]}
        async with httpx.AsyncClient(base_url=transformer.url, timeout=30) as client:
            remote = await client.post(PREDICT, json=body)
            curl_like = await client.post(
                PREDICT,
                content=b'{"lang": "en", "page_title": "No such page"}',
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        assert remote.status_code == 200
        assert remote.content == (await transformer_client.post(PREDICT, json=body)).content
        assert curl_like.status_code == 404
    finally:
        transformer.stop()
