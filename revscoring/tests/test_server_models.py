"""Every model type, served from MODELS_DIR, scores revisions of the embedded MediaWiki
through ``/v1/models/{wiki}-{model}:predict`` in the exact ORES v3 shape."""

from __future__ import annotations

from typing import Any

import pytest
from .support import Server

from revscoring_tools.demo import DEMO_MODEL_NAMES, DEMO_VERSION
from revscoring_server.model_types import MODEL_TYPES, LabelKind, check_output

ENWIKI_TEXT_MODELS = [name for name in DEMO_MODEL_NAMES if name.startswith("enwiki-")]
ITEM_MODELS = [name for name in DEMO_MODEL_NAMES if name.startswith("wikidatawiki-")]
PREDICTION_TYPES = {LabelKind.BOOLEAN: bool, LabelKind.ONE_OF: str, LabelKind.MULTILABEL: list}


def assert_ores_answer(body: dict[str, Any], name: str, rev_id: int, labels: Any) -> dict:
    """``body`` is exactly the ORES v3 answer of model ``name`` for ``rev_id``; its score."""
    wiki, kind = name.rsplit("-", 1)
    assert list(body) == [wiki]
    assert body[wiki]["models"] == {kind: {"version": DEMO_VERSION}}
    assert list(body[wiki]["scores"]) == [str(rev_id)]
    assert list(body[wiki]["scores"][str(rev_id)]) == [kind]
    result = body[wiki]["scores"][str(rev_id)][kind]
    assert list(result) == ["score"]
    score = result["score"]
    model_type = MODEL_TYPES[kind]
    check_output(model_type, score)
    assert isinstance(score["prediction"], PREDICTION_TYPES[model_type.label_kind])
    expected_labels = {("true" if label else "false") if label in (True, False) else str(label)
                       for label in labels}  # fmt: skip
    assert set(score["probability"]) == expected_labels
    return score


def test_every_demo_model_is_served(demo_server: Server) -> None:
    assert sorted(model.name for model in demo_server.models) == sorted(DEMO_MODEL_NAMES)
    assert {model.served.model_type.name for model in demo_server.models} == set(MODEL_TYPES)


@pytest.mark.parametrize("name", ENWIKI_TEXT_MODELS)
@pytest.mark.parametrize("role", ["good_edit", "vandalism", "page_creation", "anon_edit"])
async def test_wikitext_models_score_article_revisions(
    demo_server: Server, seed: dict[str, Any], name: str, role: str
) -> None:
    rev_id = seed["revisions"][role]
    response = await demo_server.predict(name, {"rev_id": rev_id})
    assert response.status_code == 200, response.text
    assert_ores_answer(response.json(), name, rev_id, demo_server.model(name).served.labels)


@pytest.mark.parametrize("name", ITEM_MODELS)
@pytest.mark.parametrize("role", ["item", "item_city", "item_sparse"])
async def test_item_models_score_the_item_json_pages(
    demo_server: Server, seed: dict[str, Any], name: str, role: str
) -> None:
    rev_id = seed["revisions"][role]
    response = await demo_server.predict(name, {"rev_id": rev_id})
    assert response.status_code == 200, response.text
    assert_ores_answer(response.json(), name, rev_id, demo_server.model(name).served.labels)


async def test_item_quality_tells_a_rich_item_from_a_sparse_one(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    """Q42 (many statements, sitelinks, labels) ranks above Q104567890 (a label, a
    description and one claim) on the A (best) .. E (worst) scale."""
    scale = "ABCDE"
    rich = await demo_server.score("wikidatawiki-itemquality", seed["revisions"]["item"])
    sparse = await demo_server.score("wikidatawiki-itemquality", seed["revisions"]["item_sparse"])

    def expected_rank(body: dict[str, Any], rev_id: int) -> float:
        score = body["wikidatawiki"]["scores"][str(rev_id)]["itemquality"]["score"]
        return sum(scale.index(label) * p for label, p in score["probability"].items())

    assert expected_rank(rich, seed["revisions"]["item"]) < expected_rank(
        sparse, seed["revisions"]["item_sparse"]
    )


async def test_vandalism_is_more_damaging_than_a_good_edit(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    def p_true(body: dict[str, Any], rev_id: int, kind: str) -> float:
        return body["enwiki"]["scores"][str(rev_id)][kind]["score"]["probability"]["true"]

    good, bad = seed["revisions"]["good_edit"], seed["revisions"]["vandalism"]
    for kind, worse in (("damaging", bad), ("goodfaith", good)):
        good_body = await demo_server.score(f"enwiki-{kind}", good)
        bad_body = await demo_server.score(f"enwiki-{kind}", bad)
        scores = {good: p_true(good_body, good, kind), bad: p_true(bad_body, bad, kind)}
        assert scores[worse] == max(scores.values()), (kind, scores)


@pytest.mark.parametrize("name", ["enwiki-damaging", "enwiki-articlequality", ITEM_MODELS[0]])
async def test_extended_output_adds_the_feature_values(
    demo_server: Server, seed: dict[str, Any], name: str
) -> None:
    role = "item" if name.startswith("wikidatawiki") else "good_edit"
    rev_id = seed["revisions"][role]
    plain = await demo_server.score(name, rev_id)
    extended = await demo_server.score(name, rev_id, extended_output=True)
    wiki, kind = name.rsplit("-", 1)
    result = extended[wiki]["scores"][str(rev_id)][kind]
    assert list(result) == ["score", "features"]
    assert result["score"] == plain[wiki]["scores"][str(rev_id)][kind]["score"]
    served = demo_server.model(name).served
    assert list(result["features"]) == list(served.loaded.feature_names)
    assert all(
        isinstance(value, (bool, int, float)) and not isinstance(value, str)
        for value in result["features"].values()
    )
    off = await demo_server.score(name, rev_id, extended_output=False)
    assert off == plain


async def test_a_model_answers_its_readiness_and_an_unknown_one_is_404(
    demo_server: Server,
) -> None:
    response = await demo_server.client.get("/v1/models/enwiki-damaging")
    assert response.status_code == 200
    assert response.json()["ready"] is True
    response = await demo_server.predict("enwiki-nonsense", {"rev_id": 1})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "ModelNotFound"
