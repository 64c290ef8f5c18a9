"""Lift Wing's model names: all 110 revscoring models it serves are accepted under Lift Wing's
name (``eswikibookswiki-goodfaith``) and under the database-name form
(``eswikibooks-goodfaith``), and score the wiki's real host."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from inference_testing.harness import serving
from inference_common.wikis import canonical_wiki_id, host_for_wiki_id
from revscoring_server.model_types import UnknownModelType, parse_inference_name
from revscoring_server.settings import RevscoringSettings
from revscoring_tools.liftwing_models import LIFT_WING_MODELS, LiftWingModel

from .support import NLTK_DATA, SERVICE_DIR


def test_the_catalogue_has_the_110_models() -> None:
    assert len(LIFT_WING_MODELS) == 110
    assert len({m.name for m in LIFT_WING_MODELS}) == 110


@pytest.mark.parametrize("model", LIFT_WING_MODELS, ids=lambda m: m.name)
def test_lift_wing_and_database_names_give_the_wiki_host_and_type(model: LiftWingModel) -> None:
    for name in (model.name, model.dbname_form):
        wiki, model_type = parse_inference_name(name)
        assert (wiki, model_type.name) == (model.dbname, model.model_type), name
        assert host_for_wiki_id(wiki) == model.host
    lift_wing_wiki = model.name.rpartition("-")[0]
    assert canonical_wiki_id(lift_wing_wiki) == model.dbname
    assert host_for_wiki_id(lift_wing_wiki) == model.host


@pytest.mark.parametrize(
    "name", ["eswikibookswiki-goodfaith", "translatewiki-reverted", "enwiktionarywiki-reverted"]
)
def test_settings_accept_lift_wing_names(name: str) -> None:
    settings = RevscoringSettings(inference_name=name)
    wiki, _ = parse_inference_name(name)
    assert settings.host_for(wiki) == host_for_wiki_id(wiki)


@pytest.mark.parametrize(
    "name",
    [
        "eswikibookswikiwiki-goodfaith",  # one "wiki" too many
        "enwikiwiki-damaging",
        "xxwiki-damaging",  # not a language
        "evil.com-damaging",
        "translate-reverted",  # neither Lift Wing's nor the database name
    ],
)
def test_names_of_no_known_wiki_are_refused(name: str) -> None:
    with pytest.raises(UnknownModelType, match="wiki id"):
        parse_inference_name(name)


def test_the_server_starts_and_scores_under_a_lift_wing_sister_project_name(
    demo_models: dict[str, Any], wiki_url: str, seed: dict[str, Any]
) -> None:
    """``eswikibookswiki-goodfaith`` (a demo goodfaith model under that name) starts as a
    single-model server and answers; its ORES output is keyed by the database name."""
    name = "eswikibookswiki-goodfaith"
    with serving(
        "revscoring_server",
        SERVICE_DIR,
        ready_path=f"/v1/models/{name}",
        nltk_data=NLTK_DATA,
        inference_name=name,
        model_path=demo_models["enwiki-goodfaith"],
        wiki_url=wiki_url,
        log_level="WARNING",
    ) as server:
        rev_id = seed["revisions"]["good_edit"]
        response = httpx.post(
            f"{server.url}/v1/models/{name}:predict", json={"rev_id": rev_id}, timeout=60
        )
        assert response.status_code == 200, response.text
        score = response.json()["eswikibooks"]["scores"][str(rev_id)]["goodfaith"]["score"]
        assert isinstance(score["prediction"], bool)
    assert server.process.returncode == 0, server.output()
