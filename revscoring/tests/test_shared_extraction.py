"""Models that read the same features share one extraction per revision, and score
exactly as they do alone."""

from pathlib import Path

from revscoring_server import legacy_models
from revscoring_tools.demo.datasets import edit_observations
from revscoring_server.revision_docs import build_cache
from revscoring_server.scoring import load_served_model, score_revision


def test_models_of_one_era_share_an_extraction_and_score_as_alone(
    demo_models: dict[str, Path],
) -> None:
    damaging = load_served_model("enwiki-damaging", demo_models["enwiki-damaging"])
    goodfaith = load_served_model("enwiki-goodfaith", demo_models["enwiki-goodfaith"])
    assert legacy_models.context_key(damaging.loaded) == legacy_models.context_key(goodfaith.loaded)
    for observation in edit_observations(seed=11, count=6):
        docs = observation.responses.docs()
        together = score_revision([damaging, goodfaith], docs, features=True)
        alone = {
            **score_revision([damaging], docs, features=True),
            **score_revision([goodfaith], docs, features=True),
        }
        assert together == alone


def test_a_shared_cache_is_filled_once_and_reused(demo_models: dict[str, Path]) -> None:
    damaging = load_served_model("enwiki-damaging", demo_models["enwiki-damaging"])
    goodfaith = load_served_model("enwiki-goodfaith", demo_models["enwiki-goodfaith"])
    docs = edit_observations(seed=12, count=1)[0].responses.docs()
    values = {dependent.name: value for dependent, value in build_cache(docs).items()}
    cache: dict = {}
    legacy_models.extract_features(damaging.loaded, values, shared_cache=cache)
    solved = len(cache)
    legacy_models.extract_features(goodfaith.loaded, values, shared_cache=cache)
    assert solved > 50 and len(cache) == solved  # goodfaith needed nothing new
