"""The Lift Wing catalogue check on a representative subset: each model is trained on its
wiki's production feature list (all of its features, in its order, but for what
CATALOG.md says is left out), served by ``python -m revscoring_server`` under its Lift
Wing name and scores a revision of the embedded MediaWiki exactly as the same model file
scores it in this process (``make catalog`` runs all 110).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from revscoring import Model

from inference_common.documents import EditContext
from inference_common.http import HttpClient
from inference_common.mediawiki import MediaWikiClient, endpoint_for
from inference_testing.harness import serving

from revscoring_server import scoring
from revscoring_server.fetch import fetch_revision_docs
from revscoring_server.model_types import check_output, model_type_named
from revscoring_server.scoring import accepts
from revscoring_server.settings import RevscoringSettings
from revscoring_tools import liftwing_catalog as lw
from revscoring_tools.demo import features, training
from revscoring_tools.liftwing_models import LIFT_WING_MODELS, LiftWingModel

from .support import NLTK_DATA, SERVICE_DIR

CATALOG_MODELS_DIR = SERVICE_DIR / ".cache" / "catalog-models"  # shared with `make catalog`

SUBSET = [
    "enwiki-damaging",
    "dewiki-goodfaith",
    "ptwiki-draftquality",
    "frwiki-articlequality",
    "jawiki-damaging",
    "zhwiki-goodfaith",
    "kowiki-drafttopic",
    "arwiki-articletopic",
    "fiwiki-damaging",
    "ukwiki-articlequality",
    "wikidatawiki-itemquality",
    "wikidatawiki-itemtopic",
    "wikidatawiki-damaging",
    "eswikibookswiki-goodfaith",
    "translatewiki-reverted",
]

# spelling dictionaries (tag (provider)) the server must report for some of them
EXPECTED_DICTIONARIES = {
    "enwiki-damaging": ("en_US (hunspell)", "en_GB (hunspell)", "en_AU (hunspell)"),
    "dewiki-goodfaith": ("de_DE (hunspell)",),
    "ptwiki-draftquality": ("pt_PT (hunspell)", "pt_BR (hunspell)"),
}


def test_the_catalogue_has_every_pair_of_the_issue() -> None:
    assert len(LIFT_WING_MODELS) == 110
    names = [entry.name for entry in LIFT_WING_MODELS]
    assert len(set(names)) == 110
    by_name = {entry.name: entry for entry in LIFT_WING_MODELS}
    assert by_name["eswikibookswiki-goodfaith"].feature_list == (
        "editquality.feature_lists.eswikibooks.goodfaith"
    )
    assert by_name["translatewiki-reverted"].feature_list == (
        "editquality.feature_lists.translatewiki.reverted"
    )
    assert by_name["wikidatawiki-itemquality"].feature_list == (
        "articlequality.feature_lists.wikidatawiki.item_quality"
    )
    assert by_name["wikidatawiki-itemtopic"].feature_list == (
        "drafttopic.feature_lists.wikidata.articletopic"
    )
    assert by_name["frwikisourcewiki-articlequality"].feature_list.endswith(
        "frwikisource.pagelevel"
    )
    assert sum(entry.model_type in ("damaging", "goodfaith") for entry in LIFT_WING_MODELS) == 64


@pytest.mark.parametrize("entry", LIFT_WING_MODELS, ids=lambda entry: entry.name)
def test_every_production_feature_list_exists(entry: LiftWingModel) -> None:
    """Read, not imported (topic lists load word vectors at import)."""
    module, _, attribute = entry.feature_list.rpartition(".")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, module
    assert f"\n{attribute} = " in Path(spec.origin).read_text(), entry.feature_list


def test_only_enwiki_draftquality_is_trained_on_a_reduced_list_and_the_table_says_so() -> None:
    """Its 3 sentiment features need NLTK corpora that are not available here: the model
    leaves them out and CATALOG.md says which and why; every other list is used whole."""
    (enwiki,) = lw.select(["enwiki-draftquality"])
    note = lw.dropped_note(enwiki)
    assert note.startswith("89 of its 92 features: not the 3 "), note
    assert "english.sentiment.revision.positive_polarity" in note
    assert "sentiwordnet" in note
    assert lw.demo_for(enwiki).dropped == note
    for name in ("ptwiki-draftquality", "enwiki-damaging", "wikidatawiki-itemquality"):
        assert lw.dropped_note(*lw.select([name])) == "", name
    result = lw.Result(enwiki, True, score="OK (0.87)", dropped=note)
    table = lw.markdown([result], 60.0, "make catalog")
    assert "1 of 1 pairs served and scored; 1 on a reduced list: `enwiki-draftquality`" in table
    assert f"`draftquality.feature_lists.enwiki.draft_quality` ({note})" in table


def test_wikidata_edit_models_score_item_edits_and_nothing_else() -> None:
    """editquality's wikidatawiki lists read the revision as entity JSON: on Wikidata the
    edit types score item revisions (``json`` pages stand in for them on the embedded
    wiki), elsewhere wikitext only."""
    damaging = model_type_named("damaging")
    assert accepts(damaging, "wikibase-item", "wikidatawiki")
    assert accepts(damaging, "json", "wikidatawiki")
    assert not accepts(damaging, "wikitext", "wikidatawiki")
    assert accepts(damaging, "wikitext", "enwiki")
    assert not accepts(damaging, "wikibase-item", "enwiki")
    assert not accepts(model_type_named("articlequality"), "wikibase-item", "wikidatawiki")


@pytest.fixture(scope="session")
def trained() -> dict[str, lw.Trained]:
    """The subset's models, trained once (reused while the code is unchanged)."""
    names = [p if isinstance(p, str) else p.values[0] for p in SUBSET]
    entries = lw.select(names)
    return {t.entry.name: t for t in lw.train_all(CATALOG_MODELS_DIR, entries)}


async def score_in_process(
    served: scoring.ServedModel, rev_id: int, wiki_url: str
) -> dict[str, Any]:
    """``served``'s score of ``rev_id``, fetched and scored in this process."""
    settings = RevscoringSettings(wiki_url=wiki_url, http_retries=0)
    http = HttpClient.from_settings(settings)
    try:
        endpoint = endpoint_for(settings, settings.host_for(served.wiki))
        fetched = await fetch_revision_docs(
            MediaWikiClient(http), endpoint, [rev_id], served.model_type.needs
        )
    finally:
        await http.close()
    docs = fetched[rev_id]
    assert isinstance(docs, EditContext), docs
    result = scoring.score_revision([served], docs, False)[served.name]
    assert isinstance(result, dict), result
    return result["score"]


@pytest.mark.parametrize("name", SUBSET)
async def test_a_lift_wing_model_is_served_under_its_name_and_scores(
    name: str, trained: dict[str, lw.Trained], embedded_wiki: Any
) -> None:
    model = trained[name]
    assert model.path is not None, model.error
    result = lw.serve_and_score(
        model, CATALOG_MODELS_DIR, embedded_wiki.base_url, embedded_wiki.seed, str(NLTK_DATA)
    )
    assert result.ok, result.error
    assert result.score  # a valid score of the model type (checked by serve_and_score)
    # the same file, loaded and scored here on the same revision: the same score
    vectors = CATALOG_MODELS_DIR / training.VECTORS_DIR
    served = scoring.load_served_model(name, model.path, vectors)
    assert result.rev_id is not None
    assert result.answer == await score_in_process(served, result.rev_id, embedded_wiki.base_url)
    # its features: the production list's, in its order, but for those CATALOG.md names
    production = [str(f) for f in features.production_list(model.entry.feature_list, vectors)]
    dropped = set(features.dropped_features(model.entry.feature_list, vectors))
    assert list(served.info.features) == [f for f in production if f not in dropped]
    assert len(dropped) == (3 if name == "enwiki-draftquality" else 0)
    assert result.load_seconds is not None and result.load_seconds > 0
    assert result.rss_mib is not None and result.rss_mib > 50
    for dictionary in EXPECTED_DICTIONARIES.get(name, ()):
        assert dictionary in result.dictionaries, result.dictionaries


# -- the catalogue behind one server ---------------------------------------------------------

# one model of each type (and of each kind of wiki name), behind ONE server process
CONSOLIDATED = [
    "enwiki-damaging",
    "dewiki-goodfaith",
    "translatewiki-reverted",
    "eswikibookswiki-goodfaith",
    "frwiki-articlequality",
    "ptwiki-draftquality",
    "arwiki-articletopic",
    "kowiki-drafttopic",
    "wikidatawiki-itemquality",
    "wikidatawiki-itemtopic",
]
BROKEN = "enwiki-goodfaith"  # a file that is not a model, beside them


def test_one_server_serves_a_subset_of_the_catalogue_and_a_broken_model_answers_503(
    trained: dict[str, lw.Trained],
    embedded_wiki: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As ``make catalog-server`` serves all 110: one ``python -m revscoring_server`` with
    MODELS_DIR holding the models under their Lift Wing names, 2 pool workers that load
    them (the server process holds their info only). Each answers ``:predict`` under its
    name, ``/v3/scores/`` lists every wiki and model, model_info is revscoring's own, and
    a model that cannot load answers 503 with the reason while the others are served."""
    models_dir = tmp_path / "models"
    for name in CONSOLIDATED:
        (models_dir / name).mkdir(parents=True)
        (models_dir / name / "model.bin").symlink_to(trained[name].path)
    (models_dir / BROKEN).mkdir()
    (models_dir / BROKEN / "model.bin").write_bytes(b"not a pickle")
    with serving(
        "revscoring_server",
        SERVICE_DIR,
        ready_path="/ready",
        timeout=300,
        models_dir=models_dir,
        word2vec_dir=CATALOG_MODELS_DIR / "word2vec",
        wiki_url=embedded_wiki.base_url,
        process_pool_workers=2,
        pool_min_bytes=0,
        nltk_data=str(NLTK_DATA),
    ) as server:
        client = httpx.Client(base_url=server.url, timeout=120)
        ready = client.get("/ready").json()
        assert ready["models"] == {"loaded": 10, "failed": 1, "total": 11}
        assert list(ready["failed"]) == [BROKEN] and "pickle" in ready["failed"][BROKEN]
        seed = embedded_wiki.seed
        for name in CONSOLIDATED:
            (entry,) = lw.select([name])
            rev_id = int(seed["revisions"][lw.revision_role(entry)])
            response = client.post(f"/v1/models/{name}:predict", json={"rev_id": rev_id})
            assert response.status_code == 200, (name, response.text)
            ((wiki, answer),) = response.json().items()
            check_output(model_type_named(entry.model_type), answer["scores"][str(rev_id)][
                entry.model_type]["score"])  # fmt: skip
            # model_info from the pool workers is revscoring's own, for catalogue models too
            # (revscoring's own load; the topic lists find word2vec/ in the working directory)
            monkeypatch.chdir(CATALOG_MODELS_DIR)
            with trained[name].path.open("rb") as stream:
                info = Model.load(stream).info
            label = info["statistics"].labels[0]
            label = str(label).lower() if isinstance(label, bool) else f'"{label}"'
            query = (
                f'statistics.roc_auc|params|version|statistics.thresholds.{label}."'
                'maximum recall @ precision >= 0.5"'
            )
            got = client.get(
                f"/v3/scores/{wiki}/",
                params={"models": entry.model_type, "model_info": query},
            ).json()[wiki]["models"][entry.model_type]
            expected = info.format(query.split("|"), formatting="json")
            assert got == json.loads(json.dumps(expected, default=lambda o: o.item())), name
        listing = client.get("/v3/scores/").json()
        assert sorted(listing) == sorted(
            {"enwiki", "dewiki", "translatewiki", "eswikibooks", "frwiki", "ptwiki", "arwiki",
             "kowiki", "wikidatawiki"}
        )  # fmt: skip
        assert sorted(listing["wikidatawiki"]["models"]) == ["itemquality", "itemtopic"]
        unavailable = listing["enwiki"]["models"]["goodfaith"]["error"]
        assert unavailable["type"] == "ModelUnavailable" and "pickle" in unavailable["message"]
        assert "version" in listing["enwiki"]["models"]["damaging"]
        response = client.post(f"/v1/models/{BROKEN}:predict", json={"rev_id": 1})
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["type"] == "ModelUnavailable" and BROKEN in error["message"]
        assert "pickle" in error["message"]
        response = client.get("/v3/scores/enwiki/", params={"models": "goodfaith", "revids": "1"})
        assert response.status_code == 503 and response.json()["error"] == error
        client.close()
