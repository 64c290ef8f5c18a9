"""Settings of the revscoring server and which model files it serves (no HTTP)."""

from __future__ import annotations

import bz2
from pathlib import Path
from typing import Callable

import pytest
from pydantic import ValidationError

from inference_common.errors import ModelLoadError
from inference_common.settings import describe_validation_error
from revscoring_server.model import model_files
from revscoring_server.settings import RevscoringSettings

from .support import build_models


def test_defaults() -> None:
    settings = RevscoringSettings()
    assert settings.inference_name == "enwiki-damaging"
    assert settings.models_dir is None
    assert settings.redis_url is None
    assert settings.score_cache_size == 10_000
    assert settings.score_cache_ttl == 86_400
    assert settings.pool_min_bytes == 20_000


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERENCE_NAME", "nlwiki-articlequality")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/2")
    monkeypatch.setenv("SCORE_CACHE_SIZE", "0")
    monkeypatch.setenv("POOL_MIN_BYTES", "0")
    monkeypatch.setenv("PROCESS_POOL_WORKERS", "2")
    settings = RevscoringSettings()
    assert settings.inference_name == "nlwiki-articlequality"
    assert settings.redis_url == "redis://127.0.0.1:6379/2"
    assert settings.score_cache_size == 0
    assert settings.pool_min_bytes == 0
    assert settings.process_pool_workers == 2


@pytest.mark.parametrize(
    "name",
    [
        "enwiki-nonsense",  # unknown model type
        "notawiki-damaging",  # unknown wiki
        "enwiki",  # no model
        "EnWiki-damaging",  # capitals
        "enwiki-damaging/../x",
        "",
    ],
)
def test_inference_name_must_be_a_known_wiki_and_model_type(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RevscoringSettings(inference_name=name)
    line = describe_validation_error(caught.value)
    assert line.startswith("configuration error: INFERENCE_NAME: ")
    assert "\n" not in line


@pytest.mark.parametrize(
    "field, value",
    [
        ("redis_url", "http://127.0.0.1:6379"),
        ("score_cache_size", -1),
        ("score_cache_ttl", 0),
        ("pool_min_bytes", -5),
        ("wiki_host", "en.wikipedia.org/evil"),
    ],
)
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        RevscoringSettings(**{field: value})
    assert describe_validation_error(caught.value).startswith(
        f"configuration error: {field.upper()}: "
    )


def test_wiki_host_is_used_by_a_single_model_server_only(tmp_path: Path) -> None:
    single = RevscoringSettings(inference_name="enwiki-damaging", wiki_host="en.wiki.internal")
    assert single.host_for("enwiki") == "en.wiki.internal"
    assert RevscoringSettings().host_for("enwiki") == "en.wikipedia.org"
    assert RevscoringSettings().host_for("wikidatawiki") == "www.wikidata.org"
    several = RevscoringSettings(models_dir=tmp_path, wiki_host="en.wiki.internal")
    assert several.host_for("nlwiki") == "nl.wikipedia.org"


# -- which files are served ----------------------------------------------------------------


def test_a_single_model_is_inference_name_at_model_path(tmp_path: Path) -> None:
    settings = RevscoringSettings(inference_name="dewiki-goodfaith", model_path=tmp_path / "m")
    assert model_files(settings) == {"dewiki-goodfaith": tmp_path / "m"}


def test_models_dir_serves_every_name_with_a_model_file(
    tmp_path: Path, demo_models: dict[str, Path]
) -> None:
    (tmp_path / "enwiki-damaging").mkdir()
    (tmp_path / "enwiki-damaging" / "model.bin").write_bytes(
        demo_models["enwiki-damaging"].read_bytes()
    )
    (tmp_path / "enwiki-articlequality").mkdir()
    (tmp_path / "enwiki-articlequality" / "model.bz2").write_bytes(
        bz2.compress(demo_models["enwiki-articlequality"].read_bytes())
    )
    (tmp_path / "enwiki-goodfaith").mkdir()  # no model file: not served
    (tmp_path / "README").write_text("not a model")
    settings = RevscoringSettings(models_dir=tmp_path)
    assert model_files(settings) == {
        "enwiki-articlequality": tmp_path / "enwiki-articlequality" / "model.bz2",
        "enwiki-damaging": tmp_path / "enwiki-damaging" / "model.bin",
    }
    models = build_models(settings)
    assert sorted(model.name for model in models) == ["enwiki-articlequality", "enwiki-damaging"]
    assert len({id(model.engine) for model in models}) == 1  # one engine, shared
    assert all(model.ready for model in models)


def test_an_empty_or_absent_models_dir_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no {name}/model.bin under MODELS_DIR"):
        model_files(RevscoringSettings(models_dir=tmp_path))
    with pytest.raises(ModelLoadError, match="is not a directory"):
        model_files(RevscoringSettings(models_dir=tmp_path / "absent"))


def test_load_errors_are_one_line(
    tmp_path: Path, models_dir: Callable[..., Path], demo_models: dict[str, Path]
) -> None:
    missing = RevscoringSettings(inference_name="enwiki-damaging", model_path=tmp_path / "none")
    with pytest.raises(ModelLoadError, match="does not exist") as caught:
        build_models(missing)
    assert "\n" not in str(caught.value)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"this is not a pickle")
    with pytest.raises(ModelLoadError) as caught:
        build_models(RevscoringSettings(inference_name="enwiki-damaging", model_path=garbage))
    assert "\n" not in str(caught.value)
    unknown = models_dir(files={"enwiki-nonsense": demo_models["enwiki-damaging"]})
    with pytest.raises(ModelLoadError, match="unknown model type 'nonsense'"):
        build_models(RevscoringSettings(models_dir=unknown))
