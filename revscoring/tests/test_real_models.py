"""Real ORES-era model binaries in the server: nlwiki articlequality and dewiki damaging
(revscoring 2.x pickles) load and score the embedded wiki's Dutch and German article
revisions; the 2015 LinearSVC model (revscoring 0.x) stops the server at start with one
clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from .support import NLTK_DATA, ORES_MODELS_DIR, SERVICE_DIR, Server, free_port

from revscoring_server.model_types import MODEL_TYPES, check_output

NLWIKI = "nlwiki.articlequality.model"
DEWIKI = "dewiki.damaging.rs2.2.4.model"
LINEAR_SVC_2015 = "enwiki.damaging.linear_svc.2015.model"


def ores_file(name: str) -> Path:
    path = ORES_MODELS_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the real ORES binaries live in <repo>/../shared/models)")
    return path


@pytest.fixture(scope="module")
async def nlwiki(start_server: Callable[..., Any], wiki_url: str) -> AsyncIterator[Server]:
    async with start_server(
        inference_name="nlwiki-articlequality", model_path=ores_file(NLWIKI), wiki_url=wiki_url
    ) as server:
        yield server


@pytest.fixture(scope="module")
async def dewiki(start_server: Callable[..., Any], wiki_url: str) -> AsyncIterator[Server]:
    async with start_server(
        inference_name="dewiki-damaging", model_path=ores_file(DEWIKI), wiki_url=wiki_url
    ) as server:
        yield server


def the_score(body: dict[str, Any], server: Server, rev_id: int) -> dict[str, Any]:
    """The one score of ``body``, after checking the whole answer's exact shape."""
    [model] = server.models
    served = model.served
    kind = served.model_type.name
    assert body == {
        served.wiki: {
            "models": {kind: {"version": served.version}},
            "scores": {
                str(rev_id): {
                    kind: {"score": body[served.wiki]["scores"][str(rev_id)][kind]["score"]}
                }
            },
        }
    }
    score = body[served.wiki]["scores"][str(rev_id)][kind]["score"]
    check_output(MODEL_TYPES[kind], score)
    return score


async def test_the_nlwiki_model_scores_dutch_article_revisions(
    nlwiki: Server, seed: dict[str, Any]
) -> None:
    served = nlwiki.models[0].served
    assert served.name == "nlwiki-articlequality"
    assert served.version != "unknown"
    labels = {str(label) for label in served.labels}
    assert len(labels) >= 5
    revisions = seed["nl_article_revisions"]
    assert len(revisions) >= 2
    for rev_id in revisions:
        score = the_score(await nlwiki.score("nlwiki-articlequality", rev_id), nlwiki, rev_id)
        assert set(score["probability"]) == labels
        assert score["prediction"] in labels
    # the same through the ORES v3 API, in one batch
    response = await nlwiki.client.get(
        "/v3/scores/nlwiki/", params={"revids": "|".join(map(str, revisions))}
    )
    assert response.status_code == 200
    batch = response.json()["nlwiki"]["scores"]
    for rev_id in revisions:
        single = await nlwiki.score("nlwiki-articlequality", rev_id)
        assert batch[str(rev_id)] == single["nlwiki"]["scores"][str(rev_id)]


async def test_the_nlwiki_model_extended_output_lists_its_features(
    nlwiki: Server, seed: dict[str, Any]
) -> None:
    rev_id = seed["revisions"]["nl_article"]
    body = await nlwiki.score("nlwiki-articlequality", rev_id, extended_output=True)
    result = body["nlwiki"]["scores"][str(rev_id)]["articlequality"]
    served = nlwiki.models[0].served
    assert list(result["features"]) == list(served.loaded.feature_names)
    plain = await nlwiki.score("nlwiki-articlequality", rev_id)
    assert result["score"] == plain["nlwiki"]["scores"][str(rev_id)]["articlequality"]["score"]


async def test_the_dewiki_model_scores_german_edits(dewiki: Server, seed: dict[str, Any]) -> None:
    served = dewiki.models[0].served
    assert served.name == "dewiki-damaging"
    assert served.loaded.revscoring_version is not None
    assert served.loaded.revscoring_version.startswith("2.2")
    probabilities = {}
    for rev_id in seed["de_article_revisions"]:
        score = the_score(await dewiki.score("dewiki-damaging", rev_id), dewiki, rev_id)
        assert isinstance(score["prediction"], bool)
        assert set(score["probability"]) == {"true", "false"}
        probabilities[rev_id] = score["probability"]["true"]
    # an IP vandalising the article is more damaging than the good edits around it
    vandalism = seed["revisions"]["de_damaging"]
    good = seed["revisions"]["de_article"]
    assert probabilities[vandalism] > probabilities[good]


async def test_the_dewiki_model_refuses_what_it_cannot_score(
    dewiki: Server, seed: dict[str, Any]
) -> None:
    for rev_id, status, error_type in (
        (seed["missing_rev_id"], 404, "RevisionNotFound"),
        (seed["revisions"]["text_deleted"], 410, "TextDeleted"),
        (seed["revisions"]["item"], 422, "UnsupportedContent"),
    ):
        response = await dewiki.predict("dewiki-damaging", {"rev_id": rev_id})
        assert response.status_code == status, response.text
        assert response.json()["error"]["type"] == error_type


def test_the_2015_model_stops_the_server_with_one_line() -> None:
    path = ores_file(LINEAR_SVC_2015)
    done = subprocess.run(
        [sys.executable, "-m", "revscoring_server"],
        cwd=SERVICE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "NLTK_DATA": str(NLTK_DATA),
            "INFERENCE_NAME": "enwiki-damaging",
            "MODEL_PATH": str(path),
            "WIKI_URL": f"http://127.0.0.1:{free_port()}",
            "HTTP_PORT": str(free_port()),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"startup error: {path} ")
    assert "revscoring 0.x" in lines[0]
    assert done.stdout == ""
