"""The ORES v3 API (``/v3/scores/...``, ``/v3/precache``) of a multi-model server."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Callable
from urllib.parse import quote

import httpx
import pytest
from .support import Server, WikiProxy
from hypothesis import example, given
from hypothesis import strategies as st

from inference_common.errors import InvalidInput, RevisionNotFound
from inference_common.inputs import MAX_REV_ID
from revscoring_tools.demo import DEMO_MODEL_NAMES, DEMO_VERSION
from revscoring_server.model_types import MODEL_TYPES, check_output
from revscoring_server.ores_format import ores_response
from revscoring_server.ores_routes import MAX_REVIDS, _rev_ids

ENWIKI_KINDS = sorted(name.split("-")[1] for name in DEMO_MODEL_NAMES if name.startswith("en"))
ITEM_KINDS = sorted(name.split("-")[1] for name in DEMO_MODEL_NAMES if name.startswith("wikid"))


# -- pure parts ------------------------------------------------------------------------------


def test_revids_parse_deduplicated_and_bounded() -> None:
    assert _rev_ids("3|1|3| 2 |") == [3, 1, 2]
    assert _rev_ids("|".join(str(i) for i in range(1, MAX_REVIDS + 1))) == list(range(1, 51))
    for bad in ("", "|", "1|x", "-1", "0", "1.5", "99999999999999999999", "1;2"):
        with pytest.raises(InvalidInput):
            _rev_ids(bad)
    with pytest.raises(InvalidInput, match="at most 50 revids"):
        _rev_ids("|".join(str(i) for i in range(1, MAX_REVIDS + 2)))


@given(
    st.one_of(
        st.text(max_size=80),
        st.lists(st.integers(min_value=-5, max_value=MAX_REV_ID + 5), max_size=60).map(
            lambda ids: "|".join(map(str, ids))
        ),
    )
)
@example("²")  # str.isdigit() is true, int() fails
@example("1|٣")  # Arabic-Indic digit three
@example("１２")  # fullwidth digits
def test_revids_are_parsed_or_refused_never_anything_else(raw: str) -> None:
    try:
        ids = _rev_ids(raw)
    except InvalidInput as error:
        assert error.status == 400
        return
    assert 0 < len(ids) <= MAX_REVIDS
    assert len(set(ids)) == len(ids)
    assert all(isinstance(i, int) and 0 < i <= MAX_REV_ID for i in ids)
    parts = [part.strip() for part in raw.split("|") if part.strip()]
    assert all(part.isascii() and part.isdigit() for part in parts)
    assert set(ids) == {int(part) for part in parts}


def test_an_error_replaces_only_that_score(demo_server: Server) -> None:
    model = demo_server.model("enwiki-damaging").served
    score = {"score": {"prediction": False, "probability": {"false": 0.9, "true": 0.1}}}
    error = RevisionNotFound("revision 7 does not exist")
    body = ores_response("enwiki", [model], {5: {"damaging": score}, 7: {"damaging": error}})
    assert body == {
        "enwiki": {
            "models": {"damaging": {"version": DEMO_VERSION}},
            "scores": {
                "5": {"damaging": score},
                "7": {
                    "damaging": {
                        "error": {
                            "type": "RevisionNotFound",
                            "message": "revision 7 does not exist",
                        }
                    }
                },
            },
        }
    }


# -- listing -----------------------------------------------------------------------------------


async def test_scores_lists_every_wiki_model_and_version(demo_server: Server) -> None:
    response = await demo_server.client.get("/v3/scores/")
    assert response.status_code == 200
    assert response.json() == {
        "enwiki": {"models": {kind: {"version": DEMO_VERSION} for kind in ENWIKI_KINDS}},
        "wikidatawiki": {"models": {kind: {"version": DEMO_VERSION} for kind in ITEM_KINDS}},
    }


async def test_a_wiki_without_revids_lists_its_models(demo_server: Server) -> None:
    response = await demo_server.client.get("/v3/scores/wikidatawiki/")
    assert response.status_code == 200
    assert response.json() == {
        "wikidatawiki": {"models": {kind: {"version": DEMO_VERSION} for kind in ITEM_KINDS}}
    }


async def test_model_info_chooses_what_is_said_about_models(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    response = await demo_server.client.get(
        "/v3/scores/enwiki/", params={"models": "damaging", "model_info": "version|type|labels"}
    )
    assert response.status_code == 200
    info = response.json()["enwiki"]["models"]["damaging"]
    assert info == {
        "version": DEMO_VERSION,
        "type": "GradientBoosting",
        "labels": ["false", "true"],
    }
    rev_id = seed["revisions"]["good_edit"]
    score = await demo_server.score("enwiki-damaging", rev_id)
    probability = score["enwiki"]["scores"][str(rev_id)]["damaging"]["score"]["probability"]
    assert sorted(probability) == info["labels"]  # a label is a key of the probabilities
    response = await demo_server.client.get(
        "/v3/scores/enwiki/", params={"models": "articlequality", "model_info": "features"}
    )
    served = demo_server.model("enwiki-articlequality").served
    features = response.json()["enwiki"]["models"]["articlequality"]["features"]
    assert features == [str(feature) for feature in served.loaded.features]
    response = await demo_server.client.get("/v3/scores/enwiki/", params={"model_info": "secrets"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidInput"


# -- every URL form ORES v3 answered, with and without the trailing slash, never a redirect ----

# (path, what the body holds): wikis, model names per wiki, revids scored (None: a listing),
# whether features are given, and the model_info fields. {good}/{bad} are seed revisions.
ORES_FORMS = [
    ("/v3/scores/", "enwiki wikidatawiki", "*", None, False, ["version"]),
    ("/v3/scores/?model_info=version|type", "enwiki wikidatawiki", "*", None, False,
     ["version", "type"]),
    ("/v3/scores/enwiki/", "enwiki", "*", None, False, ["version"]),
    ("/v3/scores/enwiki/?models=damaging|goodfaith", "enwiki", "damaging goodfaith", None,
     False, ["version"]),
    ("/v3/scores/enwiki/?models=damaging|goodfaith&revids={good}|{bad}", "enwiki",
     "damaging goodfaith", "{good} {bad}", False, ["version"]),
    ("/v3/scores/enwiki/?revids={good}&model_info=labels", "enwiki", "*", "{good}", False,
     ["labels"]),
    ("/v3/scores/enwiki/{good}/", "enwiki", "*", "{good}", False, ["version"]),
    ("/v3/scores/enwiki/{good}/?models=damaging|goodfaith", "enwiki", "damaging goodfaith",
     "{good}", False, ["version"]),
    ("/v3/scores/enwiki/{good}/?features", "enwiki", "*", "{good}", True, ["version"]),
    ("/v3/scores/enwiki/{good}/damaging/", "enwiki", "damaging", "{good}", False, ["version"]),
    ("/v3/scores/enwiki/{good}/damaging/?features=true&model_info=version|type", "enwiki",
     "damaging", "{good}", True, ["version", "type"]),
]  # fmt: skip


def _without_slash(path: str) -> str:
    base, _, query = path.partition("?")
    return base.rstrip("/") + (f"?{query}" if query else "")


@pytest.mark.parametrize("slash", [True, False], ids=["slash", "no-slash"])
@pytest.mark.parametrize("form", ORES_FORMS, ids=[form[0] for form in ORES_FORMS])
async def test_every_ores_form_is_answered_directly(
    demo_server: Server, seed: dict[str, Any], form: tuple, slash: bool
) -> None:
    template, wikis, kinds, revids, features, info = form
    ids = {"good": seed["revisions"]["good_edit"], "bad": seed["revisions"]["vandalism"]}
    path = template.format(**ids)
    response = await demo_server.client.get(path if slash else _without_slash(path))
    # no redirect: behind a gateway its Location would name this server's own host
    assert response.status_code == 200, (response.status_code, response.headers, response.text)
    body = response.json()
    assert sorted(body) == wikis.split()
    for wiki, doc in body.items():
        every = ENWIKI_KINDS if wiki == "enwiki" else ITEM_KINDS
        expected_kinds = every if kinds == "*" else kinds.split()
        assert sorted(doc["models"]) == sorted(expected_kinds)
        for kind_info in doc["models"].values():
            assert list(kind_info) == info
        if revids is None:
            assert list(doc) == ["models"]
            continue
        expected_revids = revids.format(**ids).split()
        assert list(doc["scores"]) == expected_revids
        for by_model in doc["scores"].values():
            assert sorted(by_model) == sorted(expected_kinds)
            for kind, result in by_model.items():
                assert sorted(result) == (["features", "score"] if features else ["score"])
                check_output(MODEL_TYPES[kind], result["score"])


async def test_the_issue_url_scores_without_a_redirect(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    """``/v3/scores/enwiki/671?models=damaging|goodfaith`` answered 307 to a host-named URL."""
    rev_id = seed["revisions"]["good_edit"]
    url = f"/v3/scores/enwiki/{rev_id}?models=damaging|goodfaith"
    response = await demo_server.client.get(url)
    assert response.status_code == 200
    assert "location" not in response.headers
    with_slash = await demo_server.client.get(
        f"/v3/scores/enwiki/{rev_id}/?models=damaging|goodfaith"
    )
    assert response.json() == with_slash.json()
    posted = await demo_server.client.post(
        f"/v3/scores/enwiki/{rev_id}", data={"models": "damaging"}
    )
    assert posted.status_code == 200
    assert list(posted.json()["enwiki"]["scores"][str(rev_id)]) == ["damaging"]
    precache = await demo_server.client.post("/v3/precache/", json={"rev_id": 5})
    assert precache.status_code == 400  # the same route as /v3/precache, not a redirect


async def test_a_trailing_slash_elsewhere_is_a_json_404_not_a_redirect(
    demo_server: Server,
) -> None:
    for path in ("/v1/models/enwiki-damaging/", "/v2/health/ready/", "/v1/models/"):
        response = await demo_server.client.get(path)
        assert response.status_code == 404, (path, response.status_code, response.headers)
        assert response.json()["error"]["type"] == "NotFound"


# -- scores ------------------------------------------------------------------------------------


def assert_score(result: dict[str, Any], kind: str) -> None:
    assert list(result) == ["score"], result
    check_output(MODEL_TYPES[kind], result["score"])


async def test_a_batch_with_a_missing_revision_reports_it_alone(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    good = [seed["revisions"]["good_edit"], seed["revisions"]["vandalism"]]
    missing = seed["missing_rev_id"]
    revids = [good[0], missing, good[1]]
    response = await demo_server.client.get(
        "/v3/scores/enwiki/",
        params={"models": "damaging|goodfaith", "revids": "|".join(map(str, revids))},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["enwiki"]
    assert body["enwiki"]["models"] == {
        "damaging": {"version": DEMO_VERSION},
        "goodfaith": {"version": DEMO_VERSION},
    }
    scores = body["enwiki"]["scores"]
    assert list(scores) == [str(r) for r in revids]
    for rev_id in good:
        assert list(scores[str(rev_id)]) == ["damaging", "goodfaith"]
        for kind in ("damaging", "goodfaith"):
            assert_score(scores[str(rev_id)][kind], kind)
            single = await demo_server.score(f"enwiki-{kind}", rev_id)
            assert scores[str(rev_id)][kind] == single["enwiki"]["scores"][str(rev_id)][kind]
    for kind in ("damaging", "goodfaith"):
        error = scores[str(missing)][kind]["error"]
        assert error["type"] == "RevisionNotFound"
        assert str(missing) in error["message"]


async def test_a_batch_reports_each_kind_of_unscorable_revision(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    revisions = seed["revisions"]
    expected = {
        revisions["text_deleted"]: "TextDeleted",
        revisions["user_hidden"]: "UserDeleted",
        revisions["item"]: "UnsupportedContent",
        seed["pages"]["deleted"]["rev_ids"][0]: "RevisionNotFound",
    }
    revids = "|".join(str(r) for r in [revisions["good_edit"], *expected])
    response = await demo_server.client.get(
        "/v3/scores/enwiki/", params={"models": "damaging", "revids": revids}
    )
    assert response.status_code == 200, response.text
    scores = response.json()["enwiki"]["scores"]
    assert_score(scores[str(revisions["good_edit"])]["damaging"], "damaging")
    for rev_id, error_type in expected.items():
        assert scores[str(rev_id)]["damaging"]["error"]["type"] == error_type


async def test_more_than_50_revids_is_400(demo_server: Server, seed: dict[str, Any]) -> None:
    revids = "|".join(str(i) for i in range(1, 52))
    response = await demo_server.client.get("/v3/scores/enwiki/", params={"revids": revids})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidInput"
    assert "at most 50" in response.json()["error"]["message"]


@pytest.mark.parametrize("revids", ["abc", "1|-2", "0", "1.5", "", "²", "１２"])
async def test_malformed_revids_are_400(demo_server: Server, revids: str) -> None:
    response = await demo_server.client.get("/v3/scores/enwiki/", params={"revids": revids})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "InvalidInput"
    if revids:  # the same as a path segment
        response = await demo_server.client.get(f"/v3/scores/enwiki/{quote(revids)}/damaging/")
        assert response.status_code == 400, response.text
        assert response.json()["error"]["type"] == "InvalidInput"


async def test_one_revision_for_every_model_of_the_wiki(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    rev_id = seed["revisions"]["good_edit"]
    response = await demo_server.client.get(f"/v3/scores/enwiki/{rev_id}/")
    assert response.status_code == 200
    body = response.json()["enwiki"]
    assert sorted(body["models"]) == ENWIKI_KINDS
    assert list(body["scores"]) == [str(rev_id)]
    assert sorted(body["scores"][str(rev_id)]) == ENWIKI_KINDS
    for kind, result in body["scores"][str(rev_id)].items():
        assert_score(result, kind)


async def test_one_revision_and_one_model(demo_server: Server, seed: dict[str, Any]) -> None:
    rev_id = seed["revisions"]["item_city"]
    response = await demo_server.client.get(f"/v3/scores/wikidatawiki/{rev_id}/itemtopic/")
    assert response.status_code == 200
    body = response.json()
    assert body == await demo_server.score("wikidatawiki-itemtopic", rev_id)
    assert_score(body["wikidatawiki"]["scores"][str(rev_id)]["itemtopic"], "itemtopic")


async def test_features_true_adds_feature_values(demo_server: Server, seed: dict[str, Any]) -> None:
    rev_id = seed["revisions"]["good_edit"]
    response = await demo_server.client.get(
        f"/v3/scores/enwiki/{rev_id}/damaging/", params={"features": "true"}
    )
    assert response.status_code == 200
    result = response.json()["enwiki"]["scores"][str(rev_id)]["damaging"]
    served = demo_server.model("enwiki-damaging").served
    assert list(result["features"]) == list(served.loaded.feature_names)
    extended = await demo_server.score("enwiki-damaging", rev_id, extended_output=True)
    assert result == extended["enwiki"]["scores"][str(rev_id)]["damaging"]
    response = await demo_server.client.get(
        f"/v3/scores/enwiki/{rev_id}/damaging/", params={"features": "perhaps"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidInput"


async def test_post_with_a_json_or_form_body_equals_get(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    revids = [seed["revisions"]["good_edit"], seed["revisions"]["anon_edit"]]
    params = {"models": "damaging|articlequality", "revids": "|".join(map(str, revids))}
    expected = (await demo_server.client.get("/v3/scores/enwiki/", params=params)).json()
    as_json = await demo_server.client.post(
        "/v3/scores/enwiki/", json={"models": ["damaging", "articlequality"], "revids": revids}
    )
    as_form = await demo_server.client.post("/v3/scores/enwiki/", data=params)
    for response in (as_json, as_form):
        assert response.status_code == 200, response.text
        assert response.json() == expected
    bad = await demo_server.client.post(
        "/v3/scores/enwiki/", content=b'{"revids": [1', headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["type"] == "InvalidInput"


@pytest.mark.parametrize(
    "path, params",
    [
        ("/v3/scores/frwiki/", {}),
        ("/v3/scores/notawiki/", {"revids": "5"}),
        ("/v3/scores/enwiki/", {"models": "damaging|nonsense", "revids": "5"}),
        ("/v3/scores/enwiki/5/nonsense/", {}),
        ("/v3/scores/enwiki/5/itemquality/", {}),
        ("/v3/scores/wikidatawiki/5/damaging/", {}),
    ],
)
async def test_unknown_wiki_or_model_is_404(
    demo_server: Server, path: str, params: dict[str, str]
) -> None:
    response = await demo_server.client.get(path, params=params)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["type"] == "ModelNotFound"


async def test_an_unknown_route_is_a_json_404(demo_server: Server) -> None:
    response = await demo_server.client.get("/v3/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NotFound"


# -- fetching: as few API calls as possible ------------------------------------------------


@pytest.fixture
async def counted(
    start_server: Callable[..., Any], models_dir: Callable[..., Path], wiki_proxy: WikiProxy
) -> AsyncIterator[Server]:
    """A fresh server (empty score cache) whose MediaWiki calls the proxy counts."""
    wiki_proxy.reset()
    async with start_server(
        models_dir=models_dir("enwiki-damaging", "enwiki-goodfaith", "enwiki-articlequality"),
        wiki_url=wiki_proxy.url,
    ) as server:
        yield server


def api_facts(embedded_wiki: Any, rev_ids: list[int]) -> dict[int, dict[str, Any]]:
    """parentid, user and userid of each revision, straight from the embedded wiki."""
    answer = httpx.get(
        str(embedded_wiki.api_url),
        params={
            "action": "query",
            "prop": "revisions",
            "revids": "|".join(map(str, rev_ids)),
            "rvprop": "ids|user|userid",
            "format": "json",
            "formatversion": "2",
        },
        timeout=30,
    ).json()
    return {
        revision["revid"]: revision
        for page in answer["query"]["pages"]
        for revision in page["revisions"]
    }


async def test_a_batch_is_fetched_in_one_call_per_kind_of_document(
    counted: Server, wiki_proxy: WikiProxy, embedded_wiki: Any, article_revisions: list[int]
) -> None:
    """10 revisions x 2 models: one revisions call, one parents call (for the parents not
    in the batch), one users call."""
    rev_ids = article_revisions[-10:]
    facts = api_facts(embedded_wiki, rev_ids)
    response = await counted.client.get(
        "/v3/scores/enwiki/",
        params={"models": "damaging|goodfaith", "revids": "|".join(map(str, rev_ids))},
    )
    assert response.status_code == 200, response.text
    scores = response.json()["enwiki"]["scores"]
    for rev_id in rev_ids:
        for kind in ("damaging", "goodfaith"):
            assert_score(scores[str(rev_id)][kind], kind)
    revisions = wiki_proxy.calls_of("revisions")
    outside = {facts[r]["parentid"] for r in rev_ids if facts[r]["parentid"]} - set(rev_ids)
    assert [set(map(int, call["revids"].split("|"))) for call in revisions] == [set(rev_ids)] + (
        [outside] if outside else []
    )
    registered = {facts[r]["user"] for r in rev_ids if facts[r]["userid"]}
    users = wiki_proxy.calls_of("users")
    assert [set(call["ususers"].split("|")) for call in users] == (
        [registered] if registered else []
    )
    assert wiki_proxy.calls_of("creations") == []
    assert len(wiki_proxy.calls) == len(revisions) + len(users)
    assert wiki_proxy.methods == ["GET"] * len(wiki_proxy.calls)  # reads are GETs


async def test_text_only_models_fetch_the_revisions_only(
    counted: Server, wiki_proxy: WikiProxy, article_revisions: list[int]
) -> None:
    rev_ids = article_revisions[:12]
    response = await counted.client.get(
        "/v3/scores/enwiki/",
        params={"models": "articlequality", "revids": "|".join(map(str, rev_ids))},
    )
    assert response.status_code == 200
    assert len(wiki_proxy.calls) == 1
    assert set(map(int, wiki_proxy.calls[0]["revids"].split("|"))) == set(rev_ids)


async def test_precache_makes_the_next_call_a_cache_hit(
    counted: Server, wiki_proxy: WikiProxy, seed: dict[str, Any], embedded_wiki: Any
) -> None:
    rev_id = seed["revisions"]["newcomer_edit"]
    facts = api_facts(embedded_wiki, [rev_id])[rev_id]
    event = {
        "$schema": "/mediawiki/revision/create/2.0.0",
        "meta": {"stream": "mediawiki.revision-create", "domain": "en.wikipedia.org"},
        "database": "enwiki",
        "rev_id": rev_id,
        "rev_parent_id": facts["parentid"],
        "performer": {"user_text": facts["user"], "user_id": facts["userid"]},
    }
    response = await counted.client.post("/v3/precache", json=event)
    assert response.status_code == 200, response.text
    precached = response.json()
    assert sorted(precached["enwiki"]["scores"][str(rev_id)]) == [
        "articlequality",
        "damaging",
        "goodfaith",
    ]
    calls = len(wiki_proxy.calls)
    assert calls > 0
    response = await counted.client.get(f"/v3/scores/enwiki/{rev_id}/")
    assert response.status_code == 200
    assert response.json() == precached
    assert len(wiki_proxy.calls) == calls  # no new MediaWiki call: all from the cache
    wrapped = await counted.client.post("/v3/precache", json={"event": event})
    assert wrapped.status_code == 200
    assert wrapped.json() == precached
    assert len(wiki_proxy.calls) == calls


@pytest.mark.parametrize(
    "body, status, error_type",
    [
        ({"$schema": "/mediawiki/page/delete/1.0.0", "meta": {"domain": "x"}}, 400, "InvalidInput"),
        ({"rev_id": 5}, 400, "InvalidInput"),
        (
            {
                "$schema": "/mediawiki/revision/create/2.0.0",
                "meta": {"domain": "fr.wikipedia.org"},
                "database": "frwiki",
                "rev_id": 5,
            },
            404,
            "ModelNotFound",
        ),
    ],
)
async def test_precache_refuses_what_it_cannot_score(
    demo_server: Server, body: dict[str, Any], status: int, error_type: str
) -> None:
    response = await demo_server.client.post("/v3/precache", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["type"] == error_type
